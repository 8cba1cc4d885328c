import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { type AuditReport, type Finding, toAsff } from '@mqops/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SecurityHubExporter } from '../../src/securityhub';

const securityHub = mockClient(SecurityHubClient);

function result(i: number, overrides: Partial<Finding> = {}): Finding {
  const arn = `arn:aws:mq:us-east-1:123456789012:broker:b${i}:b-${i}`;
  return {
    fingerprint: `mq-public-access/${arn}`,
    checkId: 'mq-public-access',
    title: 'Broker is not publicly accessible',
    severity: 'HIGH',
    status: 'FAIL',
    message: `Broker b${i} is publicly accessible from the internet.`,
    remediation: 'Create a private broker.',
    broker: {
      id: `b-${i}`,
      name: `b${i}`,
      arn,
      region: 'us-east-1',
      accountId: '123456789012',
      engine: 'ACTIVEMQ',
    },
    ...overrides,
  };
}

/** ASFF findings from a report of `n` failing results (typed as the SDK type: toAsff's output must fit it). */
function findings(n: number): AwsSecurityFinding[] {
  const report: AuditReport = {
    trigger: 'schedule',
    startedAt: '2026-11-25T00:00:00.000Z',
    finishedAt: '2026-11-25T00:00:01.000Z',
    brokersAudited: n,
    outcome: { status: 'complete', covered: n, gaps: [] },
    results: Array.from({ length: n }, (_, i) => result(i)),
    errors: [],
    brokers: [],
    notified: [],
    warnings: [],
  };
  return toAsff(report);
}

/** Answers every BatchImportFindings call as a success for all of its findings. */
function acceptAll() {
  securityHub.on(BatchImportFindingsCommand).callsFake((input: { Findings: unknown[] }) => ({
    SuccessCount: input.Findings.length,
    FailedCount: 0,
    FailedFindings: [],
  }));
}

const client = () => new SecurityHubClient({ region: 'us-east-1' });
const noWait = () => Promise.resolve();

describe('Class: SecurityHubExporter', () => {
  beforeEach(() => securityHub.reset());

  it('imports 250 findings in three calls of at most 100', async () => {
    // Prepare
    acceptAll();
    const all = findings(250);

    // Act
    const out = await new SecurityHubExporter(client()).export(all);

    // Assess
    expect(out).toEqual({ imported: 250, failed: [] });
    const calls = securityHub.commandCalls(BatchImportFindingsCommand);
    expect(calls.map((c) => c.args[0].input.Findings?.length)).toEqual([100, 100, 50]);
    expect(calls.flatMap((c) => c.args[0].input.Findings!.map((f) => f.Id))).toEqual(all.map((f) => f.Id));
  });

  it('makes no call for no findings', async () => {
    // Act
    const out = await new SecurityHubExporter(client()).export([]);

    // Assess
    expect(out).toEqual({ imported: 0, failed: [] });
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(0);
  });

  it('surfaces the findings Security Hub refused, with code and message', async () => {
    // Prepare
    const all = findings(3);
    securityHub.on(BatchImportFindingsCommand).resolves({
      SuccessCount: 2,
      FailedCount: 1,
      FailedFindings: [
        {
          Id: all[1]!.Id,
          ErrorCode: 'InvalidInput',
          ErrorMessage:
            'Finding does not adhere to Amazon Finding Format. data.Title should NOT be longer than 256 characters.',
        },
      ],
    });

    // Act
    const out = await new SecurityHubExporter(client(), { sleep: noWait }).export(all);

    // Assess
    expect(out).toEqual({
      imported: 2,
      failed: [
        {
          id: all[1]!.Id,
          code: 'InvalidInput',
          message:
            'Finding does not adhere to Amazon Finding Format. data.Title should NOT be longer than 256 characters.',
        },
      ],
    });
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(1);
  });

  it('sends findings refused as throttled again, after a pause', async () => {
    // Prepare
    const all = findings(3);
    securityHub
      .on(BatchImportFindingsCommand)
      .resolvesOnce({
        SuccessCount: 2,
        FailedCount: 1,
        FailedFindings: [{ Id: all[2]!.Id, ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
      })
      .resolves({ SuccessCount: 1, FailedCount: 0, FailedFindings: [] });
    const sleep = vi.fn((_ms: number) => Promise.resolve());

    // Act
    const out = await new SecurityHubExporter(client(), { sleep, retryDelayMs: 250 }).export(all);

    // Assess
    expect(out).toEqual({ imported: 3, failed: [] });
    const calls = securityHub.commandCalls(BatchImportFindingsCommand);
    expect(calls[1]!.args[0].input.Findings!.map((f) => f.Id)).toEqual([all[2]!.Id]);
    expect(sleep).toHaveBeenCalledWith(250);
  });

  it('gives up on a throttled finding after the retry rounds and reports it', async () => {
    // Prepare
    const [only] = findings(1);
    securityHub.on(BatchImportFindingsCommand).resolves({
      SuccessCount: 0,
      FailedCount: 1,
      FailedFindings: [{ Id: only!.Id, ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });
    const sleep = vi.fn((_ms: number) => Promise.resolve());

    // Act
    const out = await new SecurityHubExporter(client(), { sleep, retries: 2, retryDelayMs: 100 }).export([
      only!,
    ]);

    // Assess
    expect(out.failed).toEqual([{ id: only!.Id, code: 'ThrottlingException', message: 'Rate exceeded' }]);
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(3);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([100, 200]);
  });

  it('records a failed call against its findings and still sends the other batches', async () => {
    // Prepare
    const all = findings(150);
    const denied = Object.assign(new Error('not authorized to perform securityhub:BatchImportFindings'), {
      name: 'AccessDeniedException',
    });
    securityHub
      .on(BatchImportFindingsCommand)
      .rejectsOnce(denied)
      .resolves({ SuccessCount: 50, FailedCount: 0, FailedFindings: [] });

    // Act
    const out = await new SecurityHubExporter(client()).export(all);

    // Assess
    expect(out.imported).toBe(50);
    expect(out.failed).toHaveLength(100);
    expect(out.failed[0]).toEqual({
      id: all[0]!.Id,
      code: 'AccessDeniedException',
      message: 'not authorized to perform securityhub:BatchImportFindings',
    });
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(2);
  });

  it('refuses a finding over 240 KB without sending it', async () => {
    // Prepare
    acceptAll();
    const [small, big] = findings(2);
    const huge = { ...big!, ProductFields: { blob: 'x'.repeat(250 * 1024) } };

    // Act
    const out = await new SecurityHubExporter(client()).export([small!, huge]);

    // Assess
    expect(out.imported).toBe(1);
    expect(out.failed).toEqual([
      { id: big!.Id, code: 'FindingTooLarge', message: expect.stringContaining('245') },
    ]);
    const sent = securityHub
      .commandCalls(BatchImportFindingsCommand)
      .flatMap((c) => c.args[0].input.Findings!);
    expect(sent.map((f) => f.Id)).toEqual([small!.Id]);
  });

  it('keeps each call under 6 MB', async () => {
    // Prepare
    acceptAll();
    const fat = findings(60).map((f) => ({ ...f, ProductFields: { blob: 'x'.repeat(200 * 1024) } }));

    // Act
    const out = await new SecurityHubExporter(client()).export(fat);

    // Assess
    expect(out.imported).toBe(60);
    const calls = securityHub.commandCalls(BatchImportFindingsCommand);
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls)
      expect(Buffer.byteLength(JSON.stringify(call.args[0].input.Findings))).toBeLessThanOrEqual(
        6 * 1024 * 1024,
      );
  });

  it.each([
    [10, [10, 10, 5]],
    [500, [25]],
  ])('uses batches of batchSize %d (never more than 100)', async (batchSize, sizes) => {
    // Prepare
    acceptAll();

    // Act
    await new SecurityHubExporter(client(), { batchSize }).export(findings(25));

    // Assess
    expect(
      securityHub.commandCalls(BatchImportFindingsCommand).map((c) => c.args[0].input.Findings?.length),
    ).toEqual(sizes);
  });

  it('builds its own client from a configuration', () => {
    expect(() => new SecurityHubExporter({ region: 'eu-west-1' })).not.toThrow();
  });
});
