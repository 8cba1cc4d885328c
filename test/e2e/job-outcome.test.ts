import { ListBrokersCommand, MqClient } from '@aws-sdk/client-mq';
import { type LocalCloud, startLocalCloud } from '@mqops/local';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../helpers/process';

// Every job ends complete, partial or failed, and the CLI's exit code follows: 3 when a target, a broker or an
// item was not covered, even with results elsewhere, naming what and why on standard error.
const BIN = 'packages/cli/bin/mqops.mjs';

describe('CLI jobs that cannot cover every broker exit 3, naming what they missed', () => {
  let cloud: LocalCloud;
  let ids: Map<string, string>;
  const undo: (() => void)[] = [];

  beforeAll(async () => {
    cloud = await startLocalCloud({ scenario: 'demo' });
    const mq = new MqClient(cloud.clientConfig());
    const listed = await mq.send(new ListBrokersCommand({}));
    mq.destroy();
    ids = new Map((listed.BrokerSummaries ?? []).map((b) => [b.BrokerName ?? '', b.BrokerId ?? '']));
  });
  afterEach(() => {
    for (const u of undo.splice(0)) u();
  });
  afterAll(async () => {
    await cloud.stop();
  });

  /** Denies one broker's DescribeBroker (an IAM policy scoped to some brokers); returns its id. */
  const denyDescribe = (name: string): string => {
    const id = ids.get(name) ?? '';
    expect(id).not.toBe('');
    undo.push(cloud.faults.add({ service: 'mq', operation: 'DescribeBroker', pathIncludes: id, deny: true }));
    return id;
  };
  const denyListing = () =>
    undo.push(cloud.faults.add({ service: 'mq', operation: 'ListBrokers', deny: true }));

  describe('mqops alarms', () => {
    it('exits 0 when every broker is reconciled', async () => {
      const run = await runNode(cloud, [BIN, 'alarms', '--output', 'json']);
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout).outcome).toEqual({ status: 'complete', covered: 8, gaps: [] });
      expect(run.stderr).not.toContain('not covered');
    });

    it('exits 3 naming the broker it could not describe, and still shows the others', async () => {
      denyDescribe('billing-prod');
      const run = await runNode(cloud, [BIN, 'alarms']);
      expect(run.status).toBe(3);
      expect(run.stdout).toMatch(/orders-prod\s+\d+/);
      expect(run.stdout).toMatch(/^7 brokers, /m);
      expect(run.stderr).toMatch(/^mqops: alarms partial: 7 brokers covered, 1 gap$/m);
      expect(run.stderr).toMatch(
        /^mqops: not covered: self\/us-east-1 broker billing-prod: not described, alarms left as they are: .*not authorized/m,
      );
      expect(run.stderr).toMatch(/^ {2}hint: .*`npm run iam`/m);
    });

    it('exits 3 with the outcome in JSON when the brokers cannot be listed, changing nothing', async () => {
      denyListing();
      const before = cloud.requests.length;
      const run = await runNode(cloud, [BIN, 'alarms', '--apply', '--output', 'json']);
      expect(run.status).toBe(3);
      const report = JSON.parse(run.stdout);
      expect(report.outcome).toEqual({
        status: 'failed',
        covered: 0,
        gaps: [
          {
            target: 'self/us-east-1',
            reason: expect.stringMatching(/^not reconciled: ListBrokers failed: /),
          },
        ],
      });
      expect(report.writes).toBe(0);
      expect(
        cloud.requests
          .slice(before)
          .some((r) => ['PutMetricAlarm', 'DeleteAlarms', 'TagResource'].includes(r.operation)),
      ).toBe(false);
      expect(run.stderr).toMatch(/^mqops: alarms failed: 0 brokers covered, 1 gap$/m);
      expect(run.stderr).toMatch(
        /^mqops: not covered: self\/us-east-1: not reconciled: ListBrokers failed: /m,
      );
    });

    it('prints no table of zeros when nothing could be listed', async () => {
      denyListing();
      const run = await runNode(cloud, [BIN, 'alarms']);
      expect(run.status).toBe(3);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^ {2}hint: .*`npm run iam`/m);
    });
  });

  describe('mqops rightsize', () => {
    it('exits 0 when every broker is assessed ("not enough data" is an answer)', async () => {
      const run = await runNode(cloud, [BIN, 'rightsize', '--output', 'json']);
      expect(run.status).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report.outcome).toEqual({ status: 'complete', covered: 8, gaps: [] });
      expect(report.recommendations.map((r: { action: string }) => r.action)).toContain('not-enough-data');
    });

    it('exits 3 naming the broker it could not describe, with the others assessed', async () => {
      denyDescribe('payments-prod');
      const run = await runNode(cloud, [BIN, 'rightsize']);
      expect(run.status).toBe(3);
      expect(run.stdout).toMatch(/^7 brokers: /m);
      expect(run.stdout).not.toMatch(/^payments-prod /m);
      expect(run.stderr).toMatch(/^mqops: rightsize partial: 7 brokers covered, 1 gap$/m);
      expect(run.stderr).toMatch(
        /^mqops: not covered: self\/us-east-1 broker payments-prod: not assessed: .*not authorized/m,
      );
      expect(run.stderr).toMatch(/^ {2}hint: .*`npm run iam`/m);
    });

    it("exits 3 naming every broker when the metrics can't be read, and prints no empty table", async () => {
      undo.push(cloud.faults.add({ service: 'monitoring', operation: 'GetMetricData', deny: true }));
      const run = await runNode(cloud, [BIN, 'rightsize']);
      expect(run.status).toBe(3);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^mqops: rightsize failed: 0 brokers covered, 8 gaps$/m);
      expect(run.stderr).toMatch(
        /^mqops: not covered: self\/us-east-1 broker orders-prod: not assessed: metrics unreadable: /m,
      );
    });

    it('exits 3 with the outcome in JSON when the brokers cannot be listed', async () => {
      denyListing();
      const run = await runNode(cloud, [BIN, 'rightsize', '--output', 'json']);
      expect(run.status).toBe(3);
      expect(JSON.parse(run.stdout).outcome).toMatchObject({
        status: 'failed',
        gaps: [
          { target: 'self/us-east-1', reason: expect.stringMatching(/^not assessed: ListBrokers failed: /) },
        ],
      });
    });

    it('--accept exits 3 saying why when the broker cannot be assessed, planning nothing', async () => {
      undo.push(cloud.faults.add({ service: 'monitoring', operation: 'GetMetricData', deny: true }));
      const run = await runNode(cloud, [
        BIN,
        'rightsize',
        '--accept',
        'payments-prod',
        '--table',
        'mqops-none',
      ]);
      expect(run.status).toBe(3);
      expect(run.stderr).toMatch(/^mqops: broker payments-prod not planned: it could not be assessed$/m);
      expect(run.stderr).toMatch(
        /^mqops: not covered: self\/us-east-1 broker payments-prod: not assessed: metrics unreadable: /m,
      );
      expect(run.stdout).not.toMatch(/Planned/);
      expect(cloud.requests.some((r) => r.operation === 'PutItem')).toBe(false);
    });
  });

  describe('mqops maintenance', () => {
    it('exits 0 when every broker is read', async () => {
      const run = await runNode(cloud, [BIN, 'maintenance']);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^8 brokers; /m);
      expect(run.stderr).not.toContain('not covered');
    });

    it('exits 3 naming the broker it could not describe, with the others listed', async () => {
      denyDescribe('billing-prod');
      const run = await runNode(cloud, [BIN, 'maintenance', '--output', 'json']);
      expect(run.status).toBe(3);
      expect(JSON.parse(run.stdout)).toHaveLength(7);
      expect(run.stderr).toMatch(/^mqops: maintenance partial: 7 brokers covered, 1 gap$/m);
      expect(run.stderr).toMatch(
        /^mqops: not covered: self\/us-east-1 broker billing-prod: not described: .*not authorized/m,
      );
    });

    it('exits 3 with a hint, and no table, when the brokers cannot be listed', async () => {
      denyListing();
      const run = await runNode(cloud, [BIN, 'maintenance']);
      expect(run.status).toBe(3);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(
        /^mqops: not covered: self\/us-east-1: not listed: .*not authorized.*\n {2}hint: /m,
      );
    });
  });
});
