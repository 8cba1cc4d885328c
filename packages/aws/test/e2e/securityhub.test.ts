import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  GetFindingsCommand,
  type GetFindingsCommandInput,
  paginateGetFindings,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { type AuditReport, type Finding, toAsff } from '@mqops/core';
import { ControllableClock, type LocalCloud, startLocalCloud } from '@mqops/local';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecurityHubExporter } from '../../src/securityhub';

const NOW = '2026-11-25T06:00:00.000Z';
const ACCOUNT = '123456789012';

function result(
  name: string,
  checkId: string,
  status: Finding['status'],
  severity: Finding['severity'] = 'HIGH',
): Finding {
  const arn = `arn:aws:mq:us-east-1:${ACCOUNT}:broker:${name}:b-${name}`;
  return {
    fingerprint: `${checkId}/${arn}`,
    checkId,
    title: `title of ${checkId}`,
    severity,
    status,
    message: `Broker ${name} ${status === 'PASS' ? 'passes' : 'fails'} ${checkId}.`,
    remediation: `Fix ${checkId}.`,
    broker: { id: `b-${name}`, name, arn, region: 'us-east-1', accountId: ACCOUNT, engine: 'ACTIVEMQ' },
  };
}

function reportOf(results: Finding[], finishedAt: string): AuditReport {
  return {
    trigger: 'schedule',
    startedAt: finishedAt,
    finishedAt,
    brokersAudited: new Set(results.map((r) => r.broker.id)).size,
    outcome: { status: 'complete', covered: new Set(results.map((r) => r.broker.id)).size, gaps: [] },
    results,
    errors: [],
    brokers: [],
    notified: [],
    warnings: [],
  };
}

describe('Security Hub export through the real SDK against the local cloud', () => {
  let cloud: LocalCloud;
  let client: SecurityHubClient;
  let exporter: SecurityHubExporter;

  const byId = async (id: string) => {
    const out = await client.send(
      new GetFindingsCommand({ Filters: { Id: [{ Value: id, Comparison: 'EQUALS' }] } }),
    );
    expect(out.Findings).toHaveLength(1);
    return out.Findings![0]!;
  };
  const all = async (input: GetFindingsCommandInput = {}) => {
    const found: AwsSecurityFinding[] = [];
    for await (const page of paginateGetFindings({ client }, input)) found.push(...(page.Findings ?? []));
    return found;
  };

  beforeAll(async () => {
    cloud = await startLocalCloud({
      scenario: { brokers: [], now: NOW },
      clock: new ControllableClock(NOW, { frozen: true }),
    });
    client = new SecurityHubClient(cloud.clientConfig());
    exporter = new SecurityHubExporter(client, { sleep: () => Promise.resolve() });
  });
  afterAll(async () => {
    await cloud.stop();
  });
  beforeEach(() => {
    cloud.world.securityhub.findings.clear();
    cloud.faults.clear();
  });

  it('imports failing findings, resolves them when they pass and reopens them when they fail again', async () => {
    // Prepare
    const failingRun = reportOf(
      [
        result('orders', 'mq-public-access', 'FAIL'),
        result('orders', 'mq-audit-logs', 'FAIL', 'MEDIUM'),
        result('billing', 'mq-audit-logs', 'UNKNOWN', 'MEDIUM'),
      ],
      '2026-11-25T06:00:00.000Z',
    );
    const [publicAccess] = toAsff(failingRun);

    // Act: the first run finds the broker public.
    const first = await exporter.export(toAsff(failingRun));

    // Assess
    expect(first).toEqual({ imported: 3, failed: [] });
    const stored = await byId(publicAccess!.Id);
    expect(stored).toMatchObject({
      ProductArn: `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`,
      GeneratorId: 'mqops/mq-public-access',
      AwsAccountId: ACCOUNT,
      Title: 'Broker is not publicly accessible',
      Severity: { Label: 'HIGH', Original: 'HIGH' },
      Compliance: { Status: 'FAILED' },
      Workflow: { Status: 'NEW' },
      RecordState: 'ACTIVE',
      Resources: [{ Type: 'AwsAmazonMqBroker', Id: publicAccess!.Resources[0]!.Id, Region: 'us-east-1' }],
    });
    const active = await all({
      Filters: {
        ComplianceStatus: [{ Value: 'FAILED', Comparison: 'EQUALS' }],
        RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
      },
    });
    expect(active.map((f) => f.GeneratorId).sort()).toEqual([
      'mqops/mq-audit-logs',
      'mqops/mq-public-access',
    ]);
    expect((await byId(toAsff(failingRun)[2]!.Id)).Compliance?.Status).toBe('NOT_AVAILABLE');

    // Act: the next run finds it fixed.
    const fixedRun = reportOf([result('orders', 'mq-public-access', 'PASS')], '2026-11-26T06:00:00.000Z');
    expect(await exporter.export(toAsff(fixedRun))).toEqual({ imported: 1, failed: [] });

    // Assess: archived and PASSED; Security Hub keeps the workflow status an import sends for an existing finding.
    expect(await byId(publicAccess!.Id)).toMatchObject({
      Compliance: { Status: 'PASSED' },
      RecordState: 'ARCHIVED',
      Workflow: { Status: 'NEW' },
      UpdatedAt: '2026-11-26T06:00:00.000Z',
    });
    const stillActive = await all({ Filters: { RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] } });
    expect(stillActive.map((f) => f.Id)).not.toContain(publicAccess!.Id);

    // Act: it fails again.
    await exporter.export(
      toAsff(reportOf([result('orders', 'mq-public-access', 'FAIL')], '2026-11-27T06:00:00.000Z')),
    );

    // Assess
    expect(await byId(publicAccess!.Id)).toMatchObject({
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NEW' },
    });
  });

  it('creates a finding seen passing first as RESOLVED and ARCHIVED', async () => {
    // Prepare
    const [passing] = toAsff(reportOf([result('orders', 'mq-kms-customer-managed-key', 'PASS')], NOW));

    // Act
    await exporter.export([passing!]);

    // Assess
    expect(await byId(passing!.Id)).toMatchObject({
      Compliance: { Status: 'PASSED' },
      Workflow: { Status: 'RESOLVED' },
      RecordState: 'ARCHIVED',
    });
  });

  it('imports 250 findings in three calls and pages them back', async () => {
    // Prepare
    const many = reportOf(
      Array.from({ length: 250 }, (_, i) =>
        result(`broker-${i}`, 'mq-public-access', i % 5 === 0 ? 'PASS' : 'FAIL'),
      ),
      NOW,
    );
    const before = cloud.requests.filter((r) => r.operation === 'BatchImportFindings').length;

    // Act
    const out = await exporter.export(toAsff(many));

    // Assess
    expect(out).toEqual({ imported: 250, failed: [] });
    expect(cloud.requests.filter((r) => r.operation === 'BatchImportFindings').length - before).toBe(3);
    expect(await all({ MaxResults: 100 })).toHaveLength(250);
    const passed = await all({ Filters: { ComplianceStatus: [{ Value: 'PASSED', Comparison: 'EQUALS' }] } });
    expect(passed).toHaveLength(50);
    const prefix = await all({
      Filters: { Id: [{ Value: 'mq-public-access/', Comparison: 'PREFIX' }] },
      MaxResults: 7,
    });
    expect(prefix).toHaveLength(250);
  });

  it('refuses invalid findings one by one and imports the rest', async () => {
    // Prepare
    const [good, tooLong, otherAccount] = toAsff(
      reportOf(
        [
          result('a', 'mq-public-access', 'FAIL'),
          result('b', 'mq-public-access', 'FAIL'),
          result('c', 'mq-public-access', 'FAIL'),
        ],
        NOW,
      ),
    );
    const invalid = { ...tooLong!, Title: 'x'.repeat(300) };
    const foreign = { ...otherAccount!, AwsAccountId: '210987654321' };

    // Act
    const out = await exporter.export([good!, invalid, foreign]);

    // Assess
    expect(out.imported).toBe(1);
    expect(out.failed).toEqual([
      {
        id: invalid.Id,
        code: 'InvalidInput',
        message:
          'Finding does not adhere to Amazon Finding Format. data.Title should NOT be longer than 256 characters.',
      },
      {
        id: foreign.Id,
        code: 'AccessDeniedException',
        message: `Account ${ACCOUNT} is not allowed to import findings for account 210987654321.`,
      },
    ]);
    expect(cloud.world.securityhub.findings.size).toBe(1);
  });

  it('answers a request of more than 100 findings with InvalidInputException', async () => {
    // Prepare
    const findings = toAsff(
      reportOf(
        Array.from({ length: 101 }, (_, i) => result(`b${i}`, 'mq-public-access', 'FAIL')),
        NOW,
      ),
    );

    // Act
    const error = await client
      .send(new BatchImportFindingsCommand({ Findings: findings }))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'InvalidInputException' });
    expect((error as Error).message).toContain('between 1 and 100');
  });

  it('gets through server errors with the SDK retries', async () => {
    // Prepare
    cloud.faults.add({ service: 'securityhub', operation: 'BatchImportFindings', failTimes: 2 });
    const findings = toAsff(reportOf([result('a', 'mq-public-access', 'FAIL')], NOW));

    // Act
    const out = await exporter.export(findings);

    // Assess
    expect(out).toEqual({ imported: 1, failed: [] });
    const calls = cloud.requests.filter((r) => r.operation === 'BatchImportFindings').slice(-3);
    expect(calls.map((c) => c.status)).toEqual([500, 500, 200]);
  });

  it('reports every finding as failed when the caller may not import', async () => {
    // Prepare
    cloud.faults.add({ service: 'securityhub', operation: 'BatchImportFindings', deny: true });
    const findings = toAsff(
      reportOf([result('a', 'mq-public-access', 'FAIL'), result('b', 'mq-audit-logs', 'FAIL')], NOW),
    );

    // Act
    const out = await exporter.export(findings);

    // Assess
    expect(out.imported).toBe(0);
    expect(out.failed.map((f) => f.code)).toEqual(['AccessDeniedException', 'AccessDeniedException']);
  });
});
