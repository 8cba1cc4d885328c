import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteBrokerCommand, MqClient, RebootBrokerCommand } from '@aws-sdk/client-mq';
import { DynamoKeyValueStore } from '@mqops/aws/dynamodb-kv';
import { createKeyValueTable } from '@mqops/aws/dynamodb-kv-table';
import { InvalidInputError, markRunbook } from '@mqops/core';
import {
  ControllableClock,
  type LocalCloud,
  type Scenario,
  type ScenarioBroker,
  startLocalCloud,
} from '@mqops/local';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWatchHandler, type WatchSummary } from '../../functions/watch';
import { deriveActions } from '../../infra/iam';
import { jobMetrics, lambdaContext, scheduledEvent } from '../helpers/lambda';
import { capturingOutput } from '../helpers/process';
import { SlackReceiver } from '../helpers/slack-receiver';

const TABLE = 'mqops-watch-e2e';
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:mqops-alerts';
/** A Wednesday: outside every broker's Sunday 03:00 UTC maintenance window. */
const WEDNESDAY_NOON = '2026-11-25T12:00:00Z';
const SUNDAY_IN_WINDOW = '2026-11-29T03:30:00Z';
const SUNDAY_WINDOW = { DayOfWeek: 'SUNDAY', TimeOfDay: '03:00', TimeZone: 'UTC' };

function broker(name: string, engine: 'ACTIVEMQ' | 'RABBITMQ' = 'ACTIVEMQ'): ScenarioBroker {
  return {
    BrokerName: name,
    EngineType: engine,
    EngineVersion: engine === 'ACTIVEMQ' ? '5.18' : '3.13',
    DeploymentMode: engine === 'ACTIVEMQ' ? 'ACTIVE_STANDBY_MULTI_AZ' : 'CLUSTER_MULTI_AZ',
    HostInstanceType: 'mq.m5.large',
    StorageType: engine === 'ACTIVEMQ' ? 'EFS' : 'EBS',
    MaintenanceWindowStartTime: SUNDAY_WINDOW,
    Backing: 'none',
  };
}

const fleet = (...brokers: ScenarioBroker[]): Scenario => ({
  accountId: '123456789012',
  region: 'us-east-1',
  brokers,
  topics: [{ Name: 'mqops-alerts' }],
});

const slack = new SlackReceiver();
let cloud: LocalCloud;
let savedEnv: NodeJS.ProcessEnv;
let mq: MqClient;
let store: DynamoKeyValueStore;

beforeAll(async () => {
  await slack.start();
});
afterAll(async () => {
  await slack.stop();
});

beforeEach(() => {
  savedEnv = { ...process.env };
  slack.messages.length = 0;
  slack.failNext.length = 0;
});

afterEach(async () => {
  process.env = savedEnv;
  mq?.destroy();
  await cloud?.stop();
});

/** The local cloud at a fixed instant, with the state table created and the function's environment set. */
async function startCloud(scenario: Scenario, at = WEDNESDAY_NOON): Promise<void> {
  cloud = await startLocalCloud({ scenario, clock: new ControllableClock(at, { frozen: true }) });
  const dynamo = new DynamoDBClient(cloud.clientConfig());
  await createKeyValueTable(dynamo, TABLE);
  store = new DynamoKeyValueStore(TABLE, dynamo);
  mq = new MqClient(cloud.clientConfig());
  Object.assign(process.env, cloud.env(), {
    MQOPS_STATE_TABLE: TABLE,
    MQOPS_SLACK_WEBHOOK_URL: slack.url,
    MQOPS_ALERT_TOPIC_ARN: TOPIC_ARN,
  });
  delete process.env.AWS_PROFILE;
}

/** One scheduled poll through the Lambda handler, on the local cloud's clock; returns the calls it made. */
async function poll(): Promise<{ summary: WatchSummary; calls: string[] }> {
  const handler = createWatchHandler({ now: () => cloud.clock.now() });
  const before = cloud.requests.length;
  const summary = (await handler(
    scheduledEvent(cloud.clock.now().toISOString()) as never,
    lambdaContext('mqops-watch'),
  )) as WatchSummary;
  return { summary, calls: cloud.requests.slice(before).map((r) => `${r.service}:${r.operation}`) };
}

const slackText = (i: number) => SlackReceiver.text(slack.messages[i] ?? { path: '', body: {} });
const published = () => cloud.world.sns.published;
const idOf = (name: string) => cloud.world.mq.broker(name).BrokerId;
const count = (calls: string[]) =>
  Object.fromEntries([...new Set(calls)].sort().map((c) => [c, calls.filter((x) => x === c).length]));

describe('Broker state watcher, end to end (schedule → function → MQ, DynamoDB → Slack and SNS)', () => {
  it('turns CRITICAL_ACTION_REQUIRED (BROKER_OOM) into exactly one alert with its remedy, and its recovery into one resolved message', async () => {
    await startCloud(fleet(broker('orders'), broker('payments', 'RABBITMQ')));
    const baseline = await poll();
    expect(baseline.summary).toMatchObject({
      status: 'complete',
      gaps: 0,
      brokers: 2,
      firstSeen: 2,
      transitions: [],
      alerts: 0,
      errors: 0,
    });
    expect(slack.messages).toHaveLength(0);

    const orders = cloud.world.mq.broker('orders');
    orders.BrokerState = 'CRITICAL_ACTION_REQUIRED';
    orders.ActionsRequired = [{ ActionRequiredCode: 'BROKER_OOM', ActionRequiredInfo: 'restart loop' }];
    cloud.clock.advance(60_000);
    const broken = await poll();
    expect(broken.summary).toMatchObject({ alerts: 1, delivered: 1, undelivered: 0, described: 1 });
    expect(slack.messages).toHaveLength(1);
    const text = slackText(0);
    expect(text).toContain('orders: critical action required (BROKER_OOM)');
    expect(text).toContain('RUNNING → CRITICAL_ACTION_REQUIRED');
    expect(text).toContain('*BROKER_OOM*: ActiveMQ is in a restart loop because it runs out of memory.');
    expect(text).toContain('*What to do:* Relieve memory');
    expect(text).toContain(
      `https://us-east-1.console.aws.amazon.com/amazon-mq/home?region=us-east-1#/brokers/details?id=${orders.BrokerId}`,
    );
    expect(published()).toHaveLength(1);
    expect(published()[0]).toMatchObject({
      topicArn: TOPIC_ARN,
      subject: 'mqops watch: CRITICAL orders: critical action required (BROKER_OOM)',
      messageAttributes: { event: { DataType: 'String', StringValue: 'critical' } },
    });
    expect(JSON.parse(published()[0]?.message ?? '{}').alert.actions[0]).toMatchObject({
      code: 'BROKER_OOM',
      remedy: expect.stringContaining('larger instance type'),
    });

    cloud.clock.advance(60_000);
    const still = await poll();
    expect(still.summary.alerts).toBe(0);
    expect(still.calls).not.toContain('dynamodb:PutItem');
    expect(slack.messages).toHaveLength(1);
    expect(published()).toHaveLength(1);

    orders.BrokerState = 'RUNNING';
    orders.ActionsRequired = [];
    cloud.clock.advance(60_000);
    await poll();
    expect(slack.messages).toHaveLength(2);
    expect(slackText(1)).toContain('orders: recovered');
    expect(slackText(1)).toContain('is RUNNING again after CRITICAL_ACTION_REQUIRED (BROKER_OOM)');
    expect(published()).toHaveLength(2);

    cloud.clock.advance(60_000);
    await poll();
    expect(slack.messages).toHaveLength(2);
    expect(published()).toHaveLength(2);
  });

  it('alerts once when two polls overlap (conditional writes on the real table)', async () => {
    await startCloud(fleet(broker('orders')));
    await poll();
    const orders = cloud.world.mq.broker('orders');
    orders.BrokerState = 'CRITICAL_ACTION_REQUIRED';
    orders.ActionsRequired = [{ ActionRequiredCode: 'BROKER_ENI_DELETED', ActionRequiredInfo: 'eni' }];
    cloud.clock.advance(60_000);
    const [a, b] = await Promise.all([poll(), poll()]);
    expect((a?.summary.alerts ?? 0) + (b?.summary.alerts ?? 0)).toBe(1);
    expect(slack.messages).toHaveLength(1);
    expect(published()).toHaveLength(1);
  });

  it('alerts an unplanned reboot (outside the window, no runbook) and its end', async () => {
    await startCloud(fleet(broker('orders')));
    await poll();
    await mq.send(new RebootBrokerCommand({ BrokerId: idOf('orders') }));
    cloud.clock.advance(1_000);
    const rebooting = await poll();
    expect(rebooting.summary.transitions).toEqual([
      expect.objectContaining({ brokerName: 'orders', kind: 'unplanned-reboot', to: 'REBOOT_IN_PROGRESS' }),
    ]);
    expect(slack.messages).toHaveLength(1);
    expect(slackText(0)).toContain('orders: unplanned reboot');
    expect(slackText(0)).toContain('outside its maintenance window (SUNDAY 03:00 UTC)');

    cloud.clock.advance(30_000); // the local reboot takes 10 s
    await poll();
    expect(slack.messages).toHaveLength(2);
    expect(slackText(1)).toContain('is RUNNING again after an unplanned reboot');
  });

  it.each([
    ['inside the maintenance window', SUNDAY_IN_WINDOW, false],
    ['during an mqops runbook', WEDNESDAY_NOON, true],
  ])('records a planned reboot %s without alerting', async (_label, at, runbook) => {
    await startCloud(fleet(broker('orders')), at);
    await poll();
    if (runbook) {
      const now = cloud.clock.now();
      await markRunbook(store, idOf('orders'), 'safe-reboot', now, new Date(now.getTime() + 30 * 60_000));
    }
    await mq.send(new RebootBrokerCommand({ BrokerId: idOf('orders') }));
    cloud.clock.advance(1_000);
    const rebooting = await poll();
    expect(rebooting.summary.transitions).toEqual([
      expect.objectContaining({
        kind: 'planned-reboot',
        note: runbook ? 'runbook safe-reboot' : 'maintenance window',
      }),
    ]);
    cloud.clock.advance(30_000);
    const back = await poll();
    expect(back.summary.transitions).toEqual([
      expect.objectContaining({ kind: 'state-changed', to: 'RUNNING' }),
    ]);
    expect(slack.messages).toHaveLength(0);
    expect(published()).toHaveLength(0);
  });

  it('alerts a broker that disappeared once, and not one whose deletion it saw', async () => {
    await startCloud(fleet(broker('orders'), broker('legacy'), broker('payments', 'RABBITMQ')));
    await poll();

    // legacy: the watcher sees DELETION_IN_PROGRESS before it goes.
    await mq.send(new DeleteBrokerCommand({ BrokerId: idOf('legacy') }));
    await poll();
    // orders: deleted and gone between two polls, never seen being deleted.
    await mq.send(new DeleteBrokerCommand({ BrokerId: idOf('orders') }));
    cloud.clock.advance(60_000); // the local deletion takes 30 s
    const gone = await poll();
    expect(gone.summary.transitions.map((t) => [t.brokerName, t.kind]).sort()).toEqual([
      ['legacy', 'deleted'],
      ['orders', 'disappeared'],
    ]);
    expect(slack.messages).toHaveLength(1);
    expect(slackText(0)).toContain('orders: disappeared');
    expect(slackText(0)).toContain(
      'no longer listed by ListBrokers and was not seen being deleted (last state RUNNING)',
    );

    cloud.clock.advance(60_000);
    await poll();
    expect(slack.messages).toHaveLength(1);
    expect(published()).toHaveLength(1);
  });

  it('polls a quiet fleet with ListBrokers (one call per 100 brokers) and one DynamoDB query, nothing else', async () => {
    const many = Array.from({ length: 150 }, (_, i) => broker(`fleet-${String(i).padStart(3, '0')}`));
    await startCloud(fleet(...many));
    const first = await poll();
    expect(count(first.calls)).toEqual({ 'dynamodb:PutItem': 150, 'dynamodb:Query': 1, 'mq:ListBrokers': 2 });

    cloud.clock.advance(60_000);
    const quiet = await poll();
    expect(count(quiet.calls)).toEqual({ 'dynamodb:Query': 1, 'mq:ListBrokers': 2 });
    expect(quiet.summary).toMatchObject({ pages: 2, brokers: 150, described: 0, transitions: [], alerts: 0 });

    // One broker turns critical: one DescribeBroker, one write, one publish, one write to clear the outbox.
    const one = cloud.world.mq.broker('fleet-042');
    one.BrokerState = 'CRITICAL_ACTION_REQUIRED';
    one.ActionsRequired = [{ ActionRequiredCode: 'BROKER_OOM', ActionRequiredInfo: 'oom' }];
    cloud.clock.advance(60_000);
    const changed = await poll();
    expect(count(changed.calls)).toEqual({
      'dynamodb:PutItem': 2,
      'dynamodb:Query': 1,
      'mq:DescribeBroker': 1,
      'mq:ListBrokers': 2,
      'sns:Publish': 1,
    });
  });

  it('retries a Slack delivery that failed on the next poll, without alerting twice on SNS or logging the webhook', async () => {
    await startCloud(fleet(broker('orders')));
    const logged: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
        logged.push(String(chunk));
        return write(chunk, ...(rest as []));
      });
    }
    await poll();
    const orders = cloud.world.mq.broker('orders');
    orders.BrokerState = 'CREATION_FAILED';
    slack.failNext.push({ status: 500 }, { status: 500 }, { status: 500 }); // beyond the notifier's 2 retries
    cloud.clock.advance(60_000);
    const failed = await poll();
    expect(failed.summary).toMatchObject({ status: 'partial', alerts: 1, delivered: 0, undelivered: 1 });
    expect(failed.summary.notCovered).toEqual([
      expect.objectContaining({ broker: 'orders', check: 'creation-failed alert' }),
    ]);
    expect(slack.messages).toHaveLength(0);
    expect(published()).toHaveLength(1);

    cloud.clock.advance(60_000);
    const retried = await poll();
    expect(retried.summary).toMatchObject({ alerts: 0, delivered: 1, undelivered: 0 });
    expect(slack.messages).toHaveLength(1);
    expect(slackText(0)).toContain('orders: creation failed');
    expect(published()).toHaveLength(1);
    expect(logged.join('\n')).toContain('alert not delivered; the next poll retries');
    expect(logged.join('\n')).not.toContain('local-test-webhook');
    vi.restoreAllMocks();
  });

  it('makes only AWS calls its derived IAM policy allows', async () => {
    await startCloud(fleet(broker('orders'), broker('payments', 'RABBITMQ')));
    const made = new Set<string>();
    const collect = async () => {
      for (const call of (await poll()).calls) made.add(call);
    };
    await collect();
    await mq.send(new RebootBrokerCommand({ BrokerId: idOf('orders') }));
    cloud.clock.advance(1_000);
    await collect();
    const allowed = new Set(deriveActions('functions/watch.handler').actions);
    expect([...made].sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'mq:DescribeBroker',
      'mq:ListBrokers',
      'sns:Publish',
    ]);
    for (const call of made) expect(allowed, call).toContain(call);
  });
});

describe('A poll that cannot watch everything says so (result, metric, invocation)', () => {
  /** One poll through the handler, keeping its stdout (logs and the EMF metric line). */
  const pollCapturing = async () => {
    const lines: string[] = [];
    const handler = createWatchHandler({ now: () => cloud.clock.now() });
    const outcome = await capturingOutput(lines, () =>
      handler(scheduledEvent(cloud.clock.now().toISOString()) as never, lambdaContext('mqops-watch')).then(
        (summary) => ({ summary: summary as WatchSummary, error: undefined }),
        (error: unknown) => ({ summary: undefined, error }),
      ),
    );
    const metrics = jobMetrics(lines);
    return { ...outcome, metrics };
  };

  it('returns partial, naming the broker it could not describe, and counts it', async () => {
    await startCloud(fleet(broker('orders'), broker('payments', 'RABBITMQ')));
    await poll();
    const orders = cloud.world.mq.broker('orders');
    orders.BrokerState = 'CRITICAL_ACTION_REQUIRED';
    orders.ActionsRequired = [{ ActionRequiredCode: 'BROKER_OOM', ActionRequiredInfo: 'restart loop' }];
    cloud.faults.add({
      service: 'mq',
      operation: 'DescribeBroker',
      pathIncludes: idOf('orders'),
      deny: true,
    });
    cloud.clock.advance(60_000);

    const { summary, error, metrics } = await pollCapturing();

    expect(error).toBeUndefined();
    expect(summary).toMatchObject({ status: 'partial', gaps: 1, alerts: 0 });
    expect(summary?.notCovered).toEqual([
      {
        target: 'self/us-east-1',
        broker: 'orders',
        reason: expect.stringMatching(/^not watched: DescribeBroker failed: .*not authorized/),
      },
    ]);
    expect(metrics).toEqual([
      expect.objectContaining({ Job: 'watch', JobComplete: 0, JobPartial: 1, JobFailed: 0, Gaps: 1 }),
    ]);
  });

  it('fails the invocation (after counting it) when no broker can be listed, and writes nothing', async () => {
    await startCloud(fleet(broker('orders')));
    await poll();
    cloud.faults.add({ service: 'mq', operation: 'ListBrokers', deny: true });
    cloud.clock.advance(60_000);
    const before = cloud.requests.length;

    const { error, metrics } = await pollCapturing();

    expect(error).toMatchObject({ name: 'JobFailedError', job: 'watch', outcome: { status: 'failed' } });
    expect((error as Error).message).toMatch(
      /^watch failed: 0 brokers covered, 1 gap: self\/us-east-1: not watched, disappearances not judged: ListBrokers failed after 0 page/,
    );
    expect(metrics).toEqual([expect.objectContaining({ Job: 'watch', JobFailed: 1, Gaps: 1 })]);
    expect(cloud.requests.slice(before).some((r) => r.operation === 'PutItem')).toBe(false);
    expect(slack.messages).toHaveLength(0);
  });
});

describe('Bad input changes nothing', () => {
  it.each([
    ['a malformed event', { hello: 'world' }],
    ['a scheduled event missing fields', { source: 'aws.events', 'detail-type': 'Scheduled Event' }],
    ['a CloudTrail event', { ...scheduledEvent(), 'detail-type': 'AWS API Call via CloudTrail' }],
  ])('refuses %s with InvalidInputError and calls nothing', async (_label, event) => {
    await startCloud(fleet(broker('orders')));
    const handler = createWatchHandler({ now: () => cloud.clock.now() });
    await expect(handler(event as never, lambdaContext('mqops-watch'))).rejects.toThrow(InvalidInputError);
    expect(cloud.requests).toEqual([
      expect.objectContaining({ service: 'dynamodb', operation: 'CreateTable' }), // the test's own setup
    ]);
    expect(slack.messages).toHaveLength(0);
  });
});
