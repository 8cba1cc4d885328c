import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeBrokerCommand, MqClient } from '@aws-sdk/client-mq';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { DynamoKeyValueStore } from '@mqops/aws/dynamodb-kv';
import { createKeyValueTable } from '@mqops/aws/dynamodb-kv-table';
import { InvalidInputError } from '@mqops/core';
import { acceptPlan, planFromRecommendation } from '@mqops/core/capacity/plan';
import { listRuns, type RunRecord } from '@mqops/core/runbooks/run';
import { type LocalCloud, startLocalCloud } from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../functions/audit';
import { createRunbook } from '../../functions/runbook';
import { createRunbookTick } from '../../functions/runbook-tick';
import { capturingOutput } from '../helpers/process';
import { ROTATION_LAMBDA } from '../helpers/rotation';
import { SlackReceiver } from '../helpers/slack-receiver';

const TABLE = `runbooks-${randomBytes(3).toString('hex')}`;
const BACKUPS = `backups-${randomBytes(3).toString('hex')}`;

/**
 * The Runbook function as deployed: its ports built from the environment (the SDK's standard variables point at the
 * local cloud with the demo fleet), the trail in the local DynamoDB, chat in a real local Slack receiver.
 */
describe('Runbook function: audit-now, rotate-now, resize-now (demo fleet on the local cloud)', () => {
  let cloud: LocalCloud;
  let store: DynamoKeyValueStore;
  let mq: MqClient;
  let sm: SecretsManagerClient;
  const slack = new SlackReceiver();
  const savedEnv = { ...process.env };
  let invoke: ReturnType<typeof createRunbook>;
  const id = (name: string) =>
    [...cloud.world.mq.brokers.values()].find((b) => b.BrokerName === name)?.BrokerId as string;
  const runbookMessages = () =>
    slack.messages
      .filter((m) => JSON.stringify(m.body).includes('mqops runbook:'))
      .map((m) => SlackReceiver.text(m));

  beforeAll(async () => {
    cloud = await startLocalCloud({ scenario: 'demo' });
    await slack.start();
    const dynamodb = new DynamoDBClient(cloud.clientConfig());
    await createKeyValueTable(dynamodb, TABLE);
    store = new DynamoKeyValueStore(TABLE, dynamodb);
    mq = new MqClient(cloud.clientConfig());
    sm = new SecretsManagerClient(cloud.clientConfig());
    await new S3Client(cloud.clientConfig()).send(new CreateBucketCommand({ Bucket: BACKUPS }));
    Object.assign(process.env, cloud.env(), {
      MQOPS_BACKUP_BUCKET: BACKUPS,
      MQOPS_STATE_TABLE: TABLE,
      MQOPS_SLACK_WEBHOOK_URL: slack.url,
    });
    delete process.env.AWS_PROFILE;
    delete process.env.MQOPS_ALERT_TOPIC_ARN;
    // audit-now invokes the deployed Audit function: here the real handler, registered in the local Lambda.
    cloud.world.lambda.register('mqops-test-Audit', (event: unknown) => audit(event));
    process.env.MQOPS_AUDIT_FUNCTION = 'mqops-test-Audit';
    invoke = createRunbook({ now: () => cloud.clock.now() });
  });

  afterAll(async () => {
    process.env = savedEnv;
    await cloud?.stop();
    await slack.stop();
  });

  it('refuses an unknown runbook and a bad payload, listing the valid ones, and records nothing', async () => {
    await expect(invoke({ runbook: 'reboot-everything' })).rejects.toThrow(
      /unknown runbook reboot-everything; runbooks: audit-now .*rotate-now .*resize-now/,
    );
    await expect(invoke({ runbook: 'rotate-now', payload: { secret: 'x' } })).rejects.toThrow(
      InvalidInputError,
    );
    await expect(invoke({ runbook: 'rotate-now', payload: { secret: 'x' } })).rejects.toThrow(
      /bad payload for runbook rotate-now \(expected \{"secretId"/,
    );
    await expect(invoke('audit-now')).rejects.toThrow(/not a runbook request/);
    expect(await listRuns(store)).toEqual([]);
    expect(slack.messages).toHaveLength(0);
  });

  it('audit-now: a dry run lists what it would audit; execute audits and reports; both are in the trail', async () => {
    const dry = await invoke({ runbook: 'audit-now', payload: { brokers: ['billing-prod'] }, by: 'alice' });
    expect(dry).toMatchObject({
      status: 'dry-run',
      dryRun: true,
      by: 'alice',
      brokers: [id('billing-prod')],
    });
    expect(dry.summary).toBe(
      'would audit 1 broker (brokers billing-prod) and report to the configured channels',
    );
    expect(slack.messages.filter((m) => JSON.stringify(m.body).includes('mqops audit'))).toHaveLength(0);

    const done = await invoke({
      runbook: 'audit-now',
      payload: { brokers: ['billing-prod'] },
      execute: true,
      by: 'alice',
    });
    expect(done.status).toBe('done');
    expect(done.summary).toMatch(/^audited 1 broker: \d+ findings; sent to slack$/);
    expect((done.details as { findings: number }).findings).toBeGreaterThan(3);
    expect(slack.messages.some((m) => JSON.stringify(m.body).includes('billing-prod'))).toBe(true);
    expect(runbookMessages().filter((t) => t.includes('audit-now'))).toHaveLength(2);
    expect(cloud.world.lambda.invocationsOf('mqops-test-Audit').map((i) => i.event)).toEqual([
      { brokerIds: ['billing-prod'] },
    ]);
    const trail = await listRuns(store);
    expect(trail.map((r) => [r.runbook, r.status, r.by])).toEqual([
      ['audit-now', 'done', 'alice'],
      ['audit-now', 'dry-run', 'alice'],
    ]);
  });

  it('rotate-now: refuses a secret without rotation; dry run; execute starts the rotation in Secrets Manager', async () => {
    const plain = await sm.send(
      new CreateSecretCommand({
        Name: 'mqops/orders-prod/plain',
        SecretString: '{"username":"a","password":"b"}',
      }),
    );
    const refused = await invoke({ runbook: 'rotate-now', payload: { secretId: plain.ARN }, execute: true });
    expect(refused.status).toBe('refused');
    expect(refused.summary).toMatch(
      /has no rotation configured: turn it on with `mqops rotation enable` first/,
    );

    const rotated = await sm.send(
      new CreateSecretCommand({
        Name: 'mqops/orders-prod/app',
        SecretString: '{"username":"app","password":"pw"}',
      }),
    );
    await sm.send(
      new RotateSecretCommand({
        SecretId: rotated.ARN,
        RotationLambdaARN: ROTATION_LAMBDA,
        RotationRules: { AutomaticallyAfterDays: 30 },
        RotateImmediately: false,
      }),
    );
    const arn = rotated.ARN as string;
    expect(cloud.world.secrets.pendingRotations.has(arn)).toBe(false);
    const dry = await invoke({ runbook: 'rotate-now', payload: { secretId: 'mqops/orders-prod/app' } });
    expect(dry.status).toBe('dry-run');
    expect(dry.summary).toMatch(/would rotate mqops\/orders-prod\/app now with arn:aws:lambda:/);
    expect(cloud.world.secrets.pendingRotations.has(arn)).toBe(false);

    const started = await invoke({ runbook: 'rotate-now', payload: { secretId: arn }, execute: true });
    expect(started.status).toBe('started');
    expect(cloud.world.secrets.pendingRotations.get(arn)?.token).toBe(
      (started.details as { versionId: string }).versionId,
    );
    // A second one while the first is under way is refused.
    const again = await invoke({ runbook: 'rotate-now', payload: { secretId: arn }, execute: true });
    expect(again.status).toBe('refused');
    expect(again.summary).toMatch(/already under way/);
    // Nothing of the secrets' values reaches chat or the trail.
    const everything = JSON.stringify([slack.messages, await listRuns(store)]);
    expect(everything).not.toContain('"pw"');
  });

  it('safe-reboot through the function and the RunbookTick: a broker nothing answers for is reported failed', async () => {
    // The demo fleet has no real broker behind it: the reboot happens, but no client can connect afterwards.
    const tick = createRunbookTick({ now: () => cloud.clock.now() });
    const scheduled = () => ({
      version: '0',
      id: randomBytes(4).toString('hex'),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: cloud.clock.now().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: {},
    });
    const refused = await invoke({
      runbook: 'safe-reboot',
      payload: { brokerId: id('notifications-prod') },
      execute: true,
    });
    expect(refused.status).toBe('refused');
    expect(refused.summary).toMatch(/single-instance/);
    const started = await invoke({
      runbook: 'safe-reboot',
      payload: { brokerId: id('notifications-prod'), allowDowntime: true },
      execute: true,
      by: 'carol',
    });
    expect(started.status).toBe('started');
    expect(
      (await mq.send(new DescribeBrokerCommand({ BrokerId: id('notifications-prod') }))).BrokerState,
    ).toBe('REBOOT_IN_PROGRESS');
    let last: string = '';
    for (let i = 0; i < 12 && !['done', 'failed'].includes(last); i++) {
      cloud.clock.advance(2 * 60_000);
      const { reboots } = await tick(scheduled());
      last = reboots.find((r) => r.brokerId === id('notifications-prod'))?.state?.state ?? last;
    }
    expect(last).toBe('failed');
    const trail = (await listRuns(store)).find((r) => r.id === started.id);
    expect(trail?.status).toBe('failed');
    expect(runbookMessages().some((t) => /safe-reboot/.test(t) && /notifications-prod/.test(t))).toBe(true);
  });

  it('backup-config: a dry run writes nothing; execute saves the configuration and users; restore-config diffs them', async () => {
    const s3 = new S3Client(cloud.clientConfig());
    const objects = async () => (await s3.send(new ListObjectsV2Command({ Bucket: BACKUPS }))).KeyCount ?? 0;
    const dry = await invoke({ runbook: 'backup-config', payload: { brokers: ['orders-prod'] } });
    expect(dry.status).toBe('dry-run');
    expect(await objects()).toBe(0);
    const saved = await invoke({
      runbook: 'backup-config',
      payload: { brokers: ['orders-prod'] },
      execute: true,
    });
    expect(saved.status).toBe('done');
    const keys = (saved.details as { keys: string[] }).keys;
    expect(keys).toEqual([expect.stringMatching(/^backups\/orders-prod\/2025-04-01T[\d:.]+Z\.json$/)]);
    expect(await objects()).toBe(1);
    const diff = await invoke({ runbook: 'restore-config', payload: { brokerId: 'orders-prod' } });
    expect(diff.status).toBe('dry-run');
    expect(diff.summary).toMatch(/no difference|identical|nothing/i);
    await expect(
      invoke({ runbook: 'restore-config', payload: { brokerId: 'orders-prod' }, execute: true }).then(
        (r) => r.status,
      ),
    ).resolves.toBe('refused');
    s3.destroy();
  });

  it('counts each run in the job metric: a failed run as failed (returned, not retried), a done one as complete', async () => {
    const lines: string[] = [];
    const metrics = () =>
      lines
        .flatMap((chunk) => chunk.split('\n'))
        .filter((line) => line.includes('"JobComplete"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const undo = cloud.faults.add({ service: 's3', operation: 'PutObject', deny: true });
    const failed = await capturingOutput(lines, () =>
      invoke({ runbook: 'backup-config', payload: { brokers: ['billing-prod'] }, execute: true }),
    ).finally(undo);
    expect(failed.status).toBe('failed');
    expect(metrics()).toEqual([expect.objectContaining({ Job: 'runbook', JobFailed: 1, Gaps: 1 })]);

    lines.length = 0;
    const done = await capturingOutput(lines, () =>
      invoke({ runbook: 'backup-config', payload: { brokers: ['billing-prod'] }, execute: true }),
    );
    expect(done.status).toBe('done');
    expect(metrics()).toEqual([expect.objectContaining({ Job: 'runbook', JobComplete: 1, JobFailed: 0 })]);
  });

  it('resize-now: applies an accepted plan now, outside the window, with the other guards; refuses without a plan', async () => {
    const none = await invoke({
      runbook: 'resize-now',
      payload: { brokerId: id('orders-prod') },
      execute: true,
    });
    expect(none.status).toBe('refused');
    expect(none.summary).toMatch(/has no open resize plan: accept one first/);

    // A plan for orders-prod (mq.m5.large, active/standby, RUNNING, no alarm): accepted as the CLI would.
    const now = cloud.clock.now();
    const plan = planFromRecommendation(
      {
        brokerId: id('orders-prod'),
        brokerName: 'orders-prod',
        region: 'us-east-1',
        engine: 'ACTIVEMQ',
        deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
        action: 'upsize',
        from: 'mq.m5.large',
        to: 'mq.m5.xlarge',
        reasons: ['accepted for this test'],
        metrics: {},
      },
      { source: 'cli', now, acceptedBy: 'bob' },
    );
    expect((await acceptPlan(store, plan)).accepted).toBe(true);
    const dry = await invoke({ runbook: 'resize-now', payload: { brokerId: id('orders-prod') } });
    expect(dry.status).toBe('dry-run');
    expect((await mq.send(new DescribeBrokerCommand({ BrokerId: id('orders-prod') }))).BrokerState).toBe(
      'RUNNING',
    );

    const run: RunRecord = await invoke({
      runbook: 'resize-now',
      payload: { brokerId: id('orders-prod') },
      execute: true,
      by: 'bob',
    });
    expect(run.status).toBe('started');
    expect((run.details as { actions: string[] }).actions).toEqual(
      expect.arrayContaining(['update', 'reboot']),
    );
    const broker = await mq.send(new DescribeBrokerCommand({ BrokerId: id('orders-prod') }));
    expect(broker.BrokerState).toBe('REBOOT_IN_PROGRESS');
    expect(runbookMessages().some((t) => t.includes('resize-now') && t.includes('started'))).toBe(true);
  });
});
