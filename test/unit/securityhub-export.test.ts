import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SecurityHubExporter } from '@mqops/aws/securityhub';
import { SecurityHubReports } from '@mqops/aws/securityhub-reports';
import { InvalidInputError } from '@mqops/core';
import type { AsffInput } from '@mqops/core/report/asff';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobFailedError } from '../../functions/lib/job-outcome';
import { securityHubExport } from '../../functions/securityhub-export';

const BUCKET = 'mqops-state';
const KEY = 'mqops/securityhub/0b6c1f0e-4f4e-4d0a-9b8e-6a1f0c2d3e4f.json';
const ARN = 'arn:aws:mq:us-east-1:123456789012:broker:orders:b-1';

const s3 = mockClient(S3Client);
const hub = mockClient(SecurityHubClient);
const deps = () => ({
  reports: new SecurityHubReports(new S3Client({})),
  exporter: new SecurityHubExporter(new SecurityHubClient({}), { sleep: async () => undefined }),
});

function finding(checkId: string) {
  return {
    fingerprint: `${checkId}/${ARN}`,
    checkId,
    title: checkId,
    severity: 'HIGH',
    status: 'FAIL',
    message: 'bad',
    remediation: 'fix it',
    broker: {
      id: 'b-1',
      name: 'orders',
      arn: ARN,
      region: 'us-east-1',
      accountId: '123456789012',
      engine: 'RABBITMQ',
    },
  };
}
const REPORT = { finishedAt: '2026-12-01T06:00:00.000Z', results: [finding('mq-a'), finding('mq-b')] };

const body = (text: string) => ({ transformToString: async () => text }) as never;
const stored = (report: unknown) => {
  const text = JSON.stringify(report);
  s3.on(GetObjectCommand).callsFake(() => ({ Body: body(text), ContentLength: text.length }));
};
const commands = (client: { calls(): { args: unknown[] }[] }) =>
  client.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);

let logs: string[];
beforeEach(() => {
  s3.reset();
  hub.reset();
  s3.on(DeleteObjectCommand).resolves({});
  vi.stubEnv('MQOPS_STATE_BUCKET', BUCKET);
  logs = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logs.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('SecurityHub function: imports the report the Audit function stored', () => {
  it('reads the report, imports its findings, deletes it and ends complete', async () => {
    // prepare
    stored(REPORT);
    hub.on(BatchImportFindingsCommand).resolves({ SuccessCount: 2, FailedCount: 0, FailedFindings: [] });
    // act
    const result = await securityHubExport({ bucket: BUCKET, key: KEY }, deps());
    // assess
    expect(result).toMatchObject({ status: 'complete', key: KEY, findings: 2, imported: 2, failed: 0 });
    const sent = hub.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input.Findings ?? [];
    expect(sent.map((f) => f.Id)).toEqual([`mq-a/${ARN}`, `mq-b/${ARN}`]);
    expect(s3.commandCalls(DeleteObjectCommand)[0]?.args[0].input).toEqual({ Bucket: BUCKET, Key: KEY });
    expect(logs.join('')).toContain('"JobComplete":1');
  });

  it('is partial when Security Hub refused some findings, and still deletes the report', async () => {
    stored(REPORT);
    hub.on(BatchImportFindingsCommand).resolves({
      SuccessCount: 1,
      FailedCount: 1,
      FailedFindings: [{ Id: `mq-b/${ARN}`, ErrorCode: 'InvalidInput', ErrorMessage: 'bad field' }],
    });
    const result = await securityHubExport({ bucket: BUCKET, key: KEY }, deps());
    expect(result).toMatchObject({ status: 'partial', imported: 1, failed: 1, gaps: 1 });
    expect(result.notCovered[0]).toMatchObject({ check: `mq-b/${ARN}`, reason: 'InvalidInput: bad field' });
    expect(commands(s3)).toEqual(['GetObjectCommand', 'DeleteObjectCommand']);
    expect(logs.join('')).toContain('"JobPartial":1');
  });

  it('fails when nothing of a non-empty report was imported, and keeps the report for the retry', async () => {
    stored(REPORT);
    hub
      .on(BatchImportFindingsCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(securityHubExport({ bucket: BUCKET, key: KEY }, deps())).rejects.toBeInstanceOf(
      JobFailedError,
    );
    expect(commands(s3)).toEqual(['GetObjectCommand']);
    expect(logs.join('')).toContain('"JobFailed":1');
  });

  it('does nothing for a report already exported (a second delivery of the event)', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'gone', $metadata: {} }));
    const result = await securityHubExport({ bucket: BUCKET, key: KEY }, deps());
    expect(result).toMatchObject({ status: 'complete', findings: 0, imported: 0 });
    expect(hub.calls()).toHaveLength(0);
    expect(commands(s3)).toEqual(['GetObjectCommand']);
  });

  it('refuses a stored object that is not a handed-over report, importing nothing', async () => {
    stored({ finishedAt: 7, results: 'x' });
    await expect(securityHubExport({ bucket: BUCKET, key: KEY }, deps())).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(hub.calls()).toHaveLength(0);
    expect(commands(s3)).toEqual(['GetObjectCommand']);
  });

  it('refuses a stored report over 64 MiB without reading it', async () => {
    const transformToString = vi.fn(async () => '{}');
    s3.on(GetObjectCommand).resolves({
      Body: { transformToString } as never,
      ContentLength: 64 * 1024 * 1024 + 1,
    });
    await expect(securityHubExport({ bucket: BUCKET, key: KEY }, deps())).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(transformToString).not.toHaveBeenCalled();
    expect(hub.calls()).toHaveLength(0);
  });

  const hostile: [string, unknown][] = [
    ['no event', undefined],
    ['an array', [BUCKET, KEY]],
    ['another bucket', { bucket: 'someone-elses-bucket', key: KEY }],
    ['the audit state', { bucket: BUCKET, key: 'mqops/audit-state.json' }],
    ['a path out of the prefix', { bucket: BUCKET, key: 'mqops/securityhub/../audit-state.json' }],
    ['a key in a sub-folder', { bucket: BUCKET, key: 'mqops/securityhub/a/b.json' }],
    ['a long key', { bucket: BUCKET, key: `mqops/securityhub/${'a'.repeat(5000)}.json` }],
    ['a number key', { bucket: BUCKET, key: 42 }],
  ];
  it.each(hostile)('refuses %s with a bounded InvalidInputError and no call at all', async (_, event) => {
    const error = await securityHubExport(event, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message.length).toBeLessThanOrEqual(300);
    expect((error as Error).message).not.toContain('a'.repeat(100));
    expect(s3.calls()).toHaveLength(0);
    expect(hub.calls()).toHaveLength(0);
  });

  it('reads only what toAsff reads: the compact form the Audit function stores', async () => {
    const compact: AsffInput = {
      finishedAt: REPORT.finishedAt,
      results: [],
      diff: {
        gone: [
          {
            fingerprint: `mq-a/${ARN}`,
            checkId: 'mq-a',
            brokerArn: ARN,
            brokerName: 'orders',
            severity: 'HIGH',
            message: 'bad',
            firstSeen: '2026-11-01T06:00:00.000Z',
            reason: 'broker-deleted',
          } as never,
        ],
      },
    };
    stored(compact);
    hub.on(BatchImportFindingsCommand).resolves({ SuccessCount: 1, FailedCount: 0, FailedFindings: [] });
    const result = await securityHubExport({ bucket: BUCKET, key: KEY }, deps());
    expect(result).toMatchObject({ status: 'complete', findings: 1, imported: 1 });
    expect(hub.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input.Findings?.[0]?.RecordState).toBe(
      'ARCHIVED',
    );
  });
});
