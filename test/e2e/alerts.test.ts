import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { createKeyValueTable } from '@mqops/aws/dynamodb-kv-table';
import { InvalidInputError } from '@mqops/core';
import {
  ControllableClock,
  type LocalCloud,
  type Scenario,
  type ScenarioBroker,
  startLocalCloud,
} from '@mqops/local';
import type { MetricAlarmRecord } from '@mqops/local/services/cloudwatch';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AlertFlushResult, makeAlertFlushHandler } from '../../functions/alert-flush';
import { type AlertsResult, makeAlertsHandler } from '../../functions/alerts';
import { alarmStateChangeEvent } from '../helpers/alarm-events';
import { lambdaContext, scheduledEvent } from '../helpers/lambda';
import { SlackReceiver } from '../helpers/slack-receiver';

const ACCOUNT = '123456789012';
const ALERT_TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:mqops-alerts`;
const ALARM_TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:alarm-actions`;
const TABLE = 'mqops-state';
/** A Wednesday, noon UTC. */
const START = '2026-11-25T12:00:00.000Z';
const FIXTURES = 'packages/core/test/fixtures/alarm-events';

const orders: ScenarioBroker = {
  BrokerName: 'orders',
  EngineType: 'ACTIVEMQ',
  EngineVersion: '5.18',
  DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
  HostInstanceType: 'mq.m5.large',
  MaintenanceWindowStartTime: { DayOfWeek: 'SUNDAY', TimeOfDay: '03:00', TimeZone: 'UTC' },
  Tags: { env: 'production', team: 'orders' },
  Metrics: {
    HeapUsage: [40, 44, 51, 58, 66, 73, 81, 88, 93],
    CpuUtilization: [20, 35, 60, 85, 92],
    StorePercentUsage: [70, 74, 79, 85, 91, 96],
  },
  Backing: 'none',
};

/** Its maintenance window (Wednesday 11:00–13:00 UTC) covers START. */
const billing: ScenarioBroker = {
  BrokerName: 'billing',
  EngineType: 'RABBITMQ',
  EngineVersion: '3.13',
  DeploymentMode: 'CLUSTER_MULTI_AZ',
  HostInstanceType: 'mq.m5.large',
  MaintenanceWindowStartTime: { DayOfWeek: 'WEDNESDAY', TimeOfDay: '11:00', TimeZone: 'UTC' },
  Metrics: { RabbitMQMemUsed: [1e9, 2e9, 3e9] },
  Backing: 'none',
};

function alarmOf(name: string, broker: string, metric: string, threshold: number) {
  return {
    AlarmName: name,
    AlarmDescription: `mqops: ${metric} of broker ${broker}`,
    Namespace: 'AWS/AmazonMQ',
    MetricName: metric,
    Dimensions: [{ Name: 'Broker', Value: broker === 'orders' ? 'orders-1' : broker }],
    Statistic: 'Average',
    Period: 60,
    EvaluationPeriods: 3,
    Threshold: threshold,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    AlarmActions: [ALARM_TOPIC],
    OKActions: [ALARM_TOPIC],
    StateValue: 'OK' as const,
  };
}

const scenario: Scenario = {
  accountId: ACCOUNT,
  region: 'us-east-1',
  now: START,
  brokers: [orders, billing],
  topics: [{ Name: 'mqops-alerts' }, { Name: 'alarm-actions' }],
  alarms: [
    alarmOf('mqops-orders-heap', 'orders', 'HeapUsage', 80),
    alarmOf('mqops-orders-cpu', 'orders', 'CpuUtilization', 85),
    alarmOf('mqops-orders-store', 'orders', 'StorePercentUsage', 90),
    alarmOf('mqops-billing-memory', 'billing', 'RabbitMQMemUsed', 2.5e9),
  ],
};

const slack = new SlackReceiver();
let cloud: LocalCloud;
let savedEnv: NodeJS.ProcessEnv;
let cloudwatch: CloudWatchClient;
let dynamodb: DynamoDBClient;
/** EventBridge events built from each transition, as CloudWatch sends them (the local cloud has no EventBridge). */
let eventBridgeEvents: Record<string, unknown>[];
/** What the functions logged (stdout and stderr). */
let logged: string[];

const alerts = makeAlertsHandler({ now: () => cloud.clock.now() });
const flush = makeAlertFlushHandler({ now: () => cloud.clock.now() });
const receive = async (event: unknown) =>
  (await alerts(event as never, lambdaContext('mqops-alerts'))) as AlertsResult;
const flushAt = async (iso: string) => {
  cloud.clock.set(iso);
  return (await flush(scheduledEvent(iso) as never, lambdaContext('mqops-alert-flush'))) as AlertFlushResult;
};

/** The CloudWatch notification the alarm's SNS action got, as the Lambda SNS event that delivers it. */
function snsEventFor(alarmName: string, index = -1): unknown {
  const published = cloud.world.sns.published.filter(
    (m) => m.topicArn === ALARM_TOPIC && JSON.parse(m.message).AlarmName === alarmName,
  );
  const message = published.at(index);
  if (!message) throw new Error(`no notification for ${alarmName}`);
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${ALARM_TOPIC}:4b9b3e1f-0000-4000-8000-000000000001`,
        Sns: {
          Type: 'Notification',
          MessageId: message.messageId,
          TopicArn: message.topicArn,
          Subject: message.subject,
          Message: message.message,
          Timestamp: message.at,
          SignatureVersion: '1',
          Signature: 'EXAMPLE',
          SigningCertUrl: 'EXAMPLE',
          UnsubscribeUrl: 'EXAMPLE',
          MessageAttributes: {},
        },
      },
    ],
  };
}

/** Sets an alarm's state through the real SDK (one second later than the previous change). */
async function setState(alarmName: string, state: 'ALARM' | 'OK') {
  cloud.clock.advance(1000);
  await cloudwatch.send(
    new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: state, StateReason: `e2e: ${state}` }),
  );
}

const alertTopicMessages = () => cloud.world.sns.published.filter((m) => m.topicArn === ALERT_TOPIC);
const slackJson = (i: number) => JSON.stringify(slack.messages[i]?.body ?? {});
const at = (seconds: number) => new Date(Date.parse(START) + seconds * 1000).toISOString();

beforeAll(async () => {
  await slack.start();
});
afterAll(async () => {
  await slack.stop();
});

beforeEach(async () => {
  savedEnv = { ...process.env };
  slack.messages.length = 0;
  slack.failNext.length = 0;
  // Keep the functions' JSON logs out of the test output.
  logged = [];
  const capture = (chunk: string | Uint8Array) => {
    logged.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  cloud = await startLocalCloud({ scenario, clock: new ControllableClock(START, { frozen: true }) });
  Object.assign(process.env, cloud.env(), {
    MQOPS_STATE_TABLE: TABLE,
    MQOPS_SLACK_WEBHOOK_URL: slack.url,
    MQOPS_ALERT_TOPIC_ARN: ALERT_TOPIC,
    MQOPS_ALERTS_CONFIG: '',
  });
  delete process.env.AWS_PROFILE;
  cloudwatch = new CloudWatchClient(cloud.clientConfig());
  dynamodb = new DynamoDBClient(cloud.clientConfig());
  await createKeyValueTable(dynamodb, TABLE);
  eventBridgeEvents = [];
  cloud.world.cloudwatch.onStateChange((t, alarm: MetricAlarmRecord) => {
    eventBridgeEvents.push(alarmStateChangeEvent(t, alarm, { account: ACCOUNT, region: 'us-east-1' }));
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  process.env = savedEnv;
  cloudwatch.destroy();
  dynamodb.destroy();
  await cloud.stop();
});

describe('Alert notifier, end to end (alarm → SNS/EventBridge event → functions → DynamoDB → Slack and SNS)', () => {
  it('turns a burst for one broker into one grouped message after group_wait', async () => {
    // Prepare: three alarms of one broker fire within seconds; CloudWatch notifies the alarm topic.
    for (const name of ['mqops-orders-heap', 'mqops-orders-cpu', 'mqops-orders-store'])
      await setState(name, 'ALARM');

    // Act
    const received = [];
    for (const name of ['mqops-orders-heap', 'mqops-orders-cpu', 'mqops-orders-store'])
      received.push(await receive(snsEventFor(name)));
    const early = await flushAt(at(29));
    const due = await flushAt(at(35));

    // Assess
    expect(received.map((r) => [r.recorded, r.sent])).toEqual([
      [1, 0],
      [1, 0],
      [1, 0],
    ]);
    expect(early.sent).toBe(0);
    expect(due).toMatchObject({ sent: 1, failed: 0 });
    expect(slack.messages).toHaveLength(1);
    const text = slackJson(0);
    expect(slack.messages[0]?.body.text).toBe('FIRING · orders · 3 CRITICAL');
    for (const name of ['mqops-orders-heap', 'mqops-orders-cpu', 'mqops-orders-store'])
      expect(text).toContain(name);
    expect(text).toContain('ActiveMQ 5.18 · active/standby');
    expect(text).toContain('mq.m5.large');
    expect(text).toContain('SUNDAY 03:00 UTC');
    expect(text).toMatch(/`[▁▂▃▄▅▆▇█]{5,}` .* \(max [\d.]+, last 60 min\)/);
    expect(text).toContain('amazon-mq/home?region=us-east-1#/brokers/details?id=b-');
    expect(text).toContain('alarmsV2:alarm/mqops-orders-heap');
    expect(text).toContain('producer flow control');
    // SNS got the same notification, with attributes for filter policies.
    const [published] = alertTopicMessages();
    expect(alertTopicMessages()).toHaveLength(1);
    expect(published?.messageStructure).toBe('json');
    expect(published?.subject).toBe('[FIRING:3] orders CRITICAL - mqops');
    expect(published?.messageAttributes.severity?.StringValue).toBe('CRITICAL');
    expect(published?.messageAttributes.broker?.StringValue).toBe('orders');
    const json = JSON.parse(JSON.parse(published?.message ?? '{}').sqs);
    expect(json.firing.map((a: { alarmName: string }) => a.alarmName).sort()).toEqual([
      'mqops-orders-cpu',
      'mqops-orders-heap',
      'mqops-orders-store',
    ]);
  });

  it('delivers exactly once, after the wait, when Slack answers 429 with Retry-After', async () => {
    await setState('mqops-orders-heap', 'ALARM');
    await receive(snsEventFor('mqops-orders-heap'));
    slack.failNext.push({ status: 429, retryAfter: 2 });

    const started = performance.now();
    const flushed = await flushAt(at(40));
    const elapsed = performance.now() - started;
    const again = await flushAt(at(100));

    expect(flushed).toMatchObject({ sent: 1, failed: 0 });
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(slack.messages).toHaveLength(1);
    expect(slack.failNext).toHaveLength(0);
    expect(again.sent).toBe(0);
    expect(slack.messages).toHaveLength(1);
    // The webhook URL is a secret: the logs of both functions never show it.
    expect(logged.join('').length).toBeGreaterThan(0);
    expect(logged.join('')).not.toContain('local-test-webhook');
    expect(logged.join('')).not.toContain(slack.url);
  });

  it('sends nothing new for duplicate deliveries (SNS retries, and the same change through EventBridge)', async () => {
    await setState('mqops-orders-heap', 'ALARM');
    const sns = snsEventFor('mqops-orders-heap');
    const eventBridge = eventBridgeEvents.at(-1);

    const results = [await receive(sns), await receive(sns), await receive(eventBridge)];
    await flushAt(at(40));
    const late = [await receive(sns), await receive(eventBridge)];
    const later = await flushAt(at(20 * 60));

    expect(results.map((r) => r.recorded)).toEqual([1, 0, 0]);
    expect(results.map((r) => r.duplicates)).toEqual([0, 1, 1]);
    expect(late.map((r) => r.duplicates)).toEqual([1, 1]);
    expect(slack.messages).toHaveLength(1);
    expect(slackJson(0).match(/Open the alarm/g)).toHaveLength(1);
    expect(later.sent).toBe(0);
    expect(alertTopicMessages()).toHaveLength(1);
  });

  it('sends a resolved notification when the alarm returns to OK', async () => {
    await setState('mqops-orders-heap', 'ALARM');
    await receive(eventBridgeEvents.at(-1));
    await flushAt(at(40));

    cloud.clock.set(at(10 * 60));
    await setState('mqops-orders-heap', 'OK');
    const r = await receive(snsEventFor('mqops-orders-heap'));
    const flushed = await flushAt(at(11 * 60));

    expect(r.recorded).toBe(1);
    expect(r.sent + flushed.sent).toBe(1);
    expect(slack.messages).toHaveLength(2);
    expect(slack.messages[1]?.body.text).toBe('RESOLVED · orders · 1 alert resolved');
    expect(slackJson(1)).toContain('#2eb67d');
    expect(alertTopicMessages().at(-1)?.messageAttributes.state?.StringValue).toBe('resolved');
    expect((await flushAt(at(6 * 3600))).sent).toBe(0);
  });

  it('holds alerts of a broker inside its maintenance window, and sends them once it is over', async () => {
    await setState('mqops-billing-memory', 'ALARM');
    const r = await receive(snsEventFor('mqops-billing-memory'));

    const inside = await flushAt(at(60));
    const stillInside = await flushAt(at(50 * 60));
    const after = await flushAt(at(61 * 60));

    expect(r.recorded).toBe(1);
    expect([inside.sent, stillInside.sent]).toEqual([0, 0]);
    expect(after.sent).toBe(1);
    expect(slack.messages).toHaveLength(1);
    expect(slackJson(0)).toContain('mqops-billing-memory');
    expect(slackJson(0)).toContain('RabbitMQ 3.13 · cluster');
  });

  it('rejects malformed events with no message and no write', async () => {
    const malformed = readdirSync(join(FIXTURES, 'malformed'));

    for (const name of malformed) {
      const event = JSON.parse(readFileSync(join(FIXTURES, 'malformed', name), 'utf8'));
      await expect(receive(event), name).rejects.toBeInstanceOf(InvalidInputError);
    }
    await flushAt(at(120));

    const { Items } = await dynamodb.send(new ScanCommand({ TableName: TABLE }));
    expect(malformed.length).toBeGreaterThanOrEqual(10);
    expect(Items).toEqual([]);
    expect(slack.messages).toHaveLength(0);
    expect(alertTopicMessages()).toHaveLength(0);
  });

  it('ignores alarms of other services (the documented EC2 sample) and reads an Amazon MQ alarm end to end', async () => {
    const ec2 = JSON.parse(readFileSync(join(FIXTURES, 'eventbridge-single-metric.json'), 'utf8'));
    const heap = JSON.parse(readFileSync(join(FIXTURES, 'eventbridge-activemq-heap.json'), 'utf8'));

    const ignored = await receive(ec2);
    const { Items: afterIgnored } = await dynamodb.send(new ScanCommand({ TableName: TABLE }));
    const recorded = await receive(heap);
    // group_wait counts from when mqops learned of the change.
    const flushed = await flushAt(at(60));

    expect(ignored).toMatchObject({ received: 1, recorded: 0, ignored: 1, notAmazonMq: 1, sent: 0 });
    expect(afterIgnored).toEqual([]);
    expect(recorded.recorded).toBe(1);
    expect(flushed.sent).toBe(1);
    expect(slack.messages).toHaveLength(1);
    expect(slackJson(0)).toContain('mqops-orders-heap');
    expect(slackJson(0)).not.toContain('ServerCpuTooHigh');
  });
});
