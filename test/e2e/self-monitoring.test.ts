import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createKeyValueTable } from '@mqops/aws/dynamodb-kv-table';
import { readSelfStatus } from '@mqops/aws/self-status';
import { SELF_ALARM_PREFIX } from '@mqops/core/alerts/events';
import { doctorVerdict } from '@mqops/core/doctor';
import { ControllableClock, type LocalCloud, type Scenario, startLocalCloud } from '@mqops/local';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as alarmsHandler } from '../../functions/alarms';
import { makeAlertFlushHandler } from '../../functions/alert-flush';
import { type AlertsResult, makeAlertsHandler } from '../../functions/alerts';
import { handler as auditHandler } from '../../functions/audit';
import { stack } from '../../infra/index';
import { deployStack } from '../../infra/sst';
import { alarmStateChangeEvent } from '../helpers/alarm-events';
import { lambdaContext, scheduledEvent } from '../helpers/lambda';
import { SlackReceiver } from '../helpers/slack-receiver';
import { recordingSst } from '../infra/recording-sst';

/**
 * Issue 12, "mqops as a watched service": an audit fails, an alert is abandoned, a refused event lands in the
 * dead-letter queue — and each raises its own mqops self-alarm, whose notification reaches Slack and SNS through
 * the same path as a broker's alert (the Alerts rule → the Alerts function → Slack and the alert topic), the alarms
 * being the ones the stack deploys (infra/monitoring.ts, through infra/sst.ts). The local cloud plays CloudWatch
 * (Embedded Metric Format lines from the functions' output, as Lambda's log group would, and alarm evaluation), SQS
 * and EventBridge (each alarm state change becomes the event the Alerts rule delivers).
 */

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const STAGE = 'e2e';
const ALERT_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:mqops-alerts`;
const QUEUE = `mqops-${STAGE}-DeadLetters`;
const TABLE = 'mqops-state';
/** Now, to the minute: the functions' metric timestamps are the cloud's clock, which must be near real time. */
const START = new Date(Math.floor(Date.now() / 60_000) * 60_000);

const scenario: Scenario = {
  accountId: ACCOUNT,
  region: REGION,
  now: START.toISOString(),
  brokers: [
    {
      BrokerName: 'orders',
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
      HostInstanceType: 'mq.m5.large',
      Metrics: { HeapUsage: [40, 60, 90] },
      Backing: 'none',
    },
  ],
  topics: [{ Name: 'mqops-alerts' }],
  queues: [{ QueueName: QUEUE }],
  alarms: [
    {
      AlarmName: 'mqops-orders-heap',
      AlarmDescription: 'mqops: HeapUsage of broker orders',
      Namespace: 'AWS/AmazonMQ',
      MetricName: 'HeapUsage',
      Dimensions: [{ Name: 'Broker', Value: 'orders-1' }],
      Statistic: 'Average',
      Period: 60,
      EvaluationPeriods: 3,
      Threshold: 80,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      StateValue: 'OK',
    },
  ],
};

/** The self-alarms as `sst deploy` creates them (infra/sst.ts), as PutMetricAlarm inputs for this cloud. */
function deployedSelfAlarms(): PutMetricAlarmCommand['input'][] {
  const { sst, interpolate } = recordingSst();
  const made: Record<string, unknown>[] = [];
  deployStack(stack, sst, {
    interpolate,
    defaultBusArn: 'bus',
    accountId: ACCOUNT,
    lambdaPermission: () => ({}),
    secretRotation: () => ({}),
    stage: STAGE,
    metricAlarm: (_name, args) => made.push(args),
    queueName: () => QUEUE,
  });
  // Recorded references become this cloud's names: the topic's ARN, each function's name.
  const local = (value: unknown) =>
    value === '$ref:AlertTopic.arn'
      ? ALERT_TOPIC
      : String(value).replace(/^\$ref:(\w+)\.name$/, `mqops-${STAGE}-$1`);
  return made.map((a) => ({
    AlarmName: a.name as string,
    AlarmDescription: a.alarmDescription as string,
    Namespace: a.namespace as string,
    MetricName: a.metricName as string,
    Dimensions: Object.entries(a.dimensions as Record<string, unknown>).map(([Name, v]) => ({
      Name,
      Value: local(v),
    })),
    Statistic: a.statistic as 'Sum',
    Period: a.period as number,
    EvaluationPeriods: a.evaluationPeriods as number,
    DatapointsToAlarm: a.datapointsToAlarm as number,
    Threshold: a.threshold as number,
    ComparisonOperator: a.comparisonOperator as 'GreaterThanOrEqualToThreshold',
    TreatMissingData: a.treatMissingData as string,
    AlarmActions: (a.alarmActions as unknown[]).map(local),
    OKActions: (a.okActions as unknown[]).map(local),
  }));
}

const slack = new SlackReceiver();
let cloud: LocalCloud;
let cloudwatch: CloudWatchClient;
let savedEnv: NodeJS.ProcessEnv;
/** The Alerts rule's deliveries: one EventBridge event per state change of a self-alarm or broker alarm. */
let events: Record<string, unknown>[];
let logged: string[];

const alerts = makeAlertsHandler({ now: () => cloud.clock.now() });
const flush = makeAlertFlushHandler({ now: () => cloud.clock.now() });
const deliver = async () => {
  const pending = events.splice(0);
  for (const event of pending) (await alerts(event as never, lambdaContext('mqops-alerts'))) as AlertsResult;
};
const flushAfter = async (seconds: number) => {
  cloud.clock.advance(seconds * 1000);
  await flush(scheduledEvent(cloud.clock.now().toISOString()) as never, lambdaContext('mqops-alert-flush'));
};
const self = (key: string) => `${SELF_ALARM_PREFIX}${STAGE}.${key}`;
const slackTexts = () => slack.messages.map((m) => JSON.stringify(m.body));
const topic = () => cloud.world.sns.published.filter((m) => m.topicArn === ALERT_TOPIC);
const stateOf = (name: string) => cloud.world.cloudwatch.alarms.get(name)?.StateValue;

beforeAll(() => slack.start());
afterAll(() => slack.stop());

beforeEach(async () => {
  savedEnv = { ...process.env };
  slack.messages.length = 0;
  slack.failNext.length = 0;
  cloud = await startLocalCloud({
    scenario,
    clock: new ControllableClock(START.toISOString(), { frozen: true }),
  });
  Object.assign(process.env, cloud.env(), {
    MQOPS_STATE_TABLE: TABLE,
    MQOPS_SLACK_WEBHOOK_URL: slack.url,
    MQOPS_ALERT_TOPIC_ARN: ALERT_TOPIC,
    MQOPS_DEAD_LETTER_QUEUE_URL: cloud.world.sqs.queueUrl(QUEUE),
    MQOPS_ALERTS_CONFIG: JSON.stringify({ maxDeliveryAttempts: 2 }),
  });
  delete process.env.AWS_PROFILE;
  delete process.env.MQOPS_STATE_BUCKET;
  const dynamodb = new DynamoDBClient(cloud.clientConfig());
  await createKeyValueTable(dynamodb, TABLE);
  dynamodb.destroy();
  cloudwatch = new CloudWatchClient(cloud.clientConfig());
  for (const alarm of deployedSelfAlarms()) await cloudwatch.send(new PutMetricAlarmCommand(alarm));
  events = [];
  cloud.world.cloudwatch.onStateChange((t, alarm) => {
    events.push(alarmStateChangeEvent(t, alarm, { account: ACCOUNT, region: REGION }));
  });
  // Lambda's log group: every line the functions write; CloudWatch turns their EMF lines into metric data (at the
  // cloud's time, which stands for the time the function ran).
  logged = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) {
      if (!line.trim()) continue;
      logged.push(line);
      if (!line.includes('"_aws"')) continue;
      const emf = JSON.parse(line) as { _aws: { Timestamp: number } };
      emf._aws.Timestamp = cloud.clock.now().getTime();
      cloud.world.cloudwatch.ingestEmf(JSON.stringify(emf));
    }
    return true;
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  process.env = savedEnv;
  cloudwatch.destroy();
  await cloud.stop();
});

describe('mqops watched like any service, end to end', () => {
  it('deploys its self-alarms OK, and a healthy run writes no metric that could raise one', async () => {
    const names = [...cloud.world.cloudwatch.alarms.keys()].filter((n) => n.startsWith(SELF_ALARM_PREFIX));
    expect(names).toEqual(
      expect.arrayContaining([self('dead-letters'), self('audit-failed'), self('alerts-abandoned')]),
    );
    await flushAfter(60);
    expect(names.map(stateOf).every((s) => s !== 'ALARM')).toBe(true);
    expect(events).toEqual([]);
  });

  it('a failed audit, an abandoned alert and a refused event each raise their own self-alarm, heard in Slack and SNS', async () => {
    // 1. The audit fails: the account cannot be listed (JobFailed, Job=audit).
    const undo = cloud.faults.add({ service: 'mq', operation: 'ListBrokers', deny: true });
    await expect(auditHandler(scheduledEvent() as never, lambdaContext('mqops-audit'))).rejects.toThrow(
      /audit FAILED/i,
    );
    undo();
    expect(stateOf(self('audit-failed'))).toBe('ALARM');
    await deliver();
    await flushAfter(35);
    expect(slackTexts().some((t) => t.includes(self('audit-failed')) && t.includes('mqops (self)'))).toBe(
      true,
    );
    expect(topic().some((m) => m.message.includes(self('audit-failed')))).toBe(true);

    // 2. A broker alert cannot be delivered to Slack and is given up after its attempts (AlertsAbandoned).
    await flushAfter(400); // past the self group's interval, and the audit alarm back to OK
    // Slack refuses every message (a 400 is not retried within a delivery): each flush is one failed attempt.
    slack.failNext.push(...Array.from({ length: 20 }, () => ({ status: 400 })));
    cloud.clock.advance(1000);
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'mqops-orders-heap', StateValue: 'ALARM', StateReason: 'e2e' }),
    );
    await deliver();
    for (let flushes = 0; flushes < 6 && stateOf(self('alerts-abandoned')) !== 'ALARM'; flushes++)
      await flushAfter(flushes ? 60 : 35);
    slack.failNext.length = 0;
    expect(stateOf(self('alerts-abandoned'))).toBe('ALARM');
    // Straight to the topic (the alert path may be what is broken), and through the Alerts function to Slack.
    expect(
      topic().some(
        (m) => m.message.includes(self('alerts-abandoned')) && m.message.includes('"NewStateValue"'),
      ),
    ).toBe(true);
    await deliver();
    await flushAfter(35);
    expect(slackTexts().some((t) => t.includes(self('alerts-abandoned')))).toBe(true);

    // 3. A malformed change event is refused: sent once to the dead-letter queue with its reason, not retried.
    await flushAfter(400);
    const refused = await alarmsHandler(
      {
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.amazonmq',
        detail: 'x'.repeat(500),
      } as never,
      lambdaContext('mqops-alarms'),
    );
    expect(refused).toMatchObject({ rejected: true });
    const letters = cloud.world.sqs.messagesOf(QUEUE);
    expect(letters).toHaveLength(1);
    expect(JSON.stringify(letters[0])).toContain('InvalidInputError');
    expect(stateOf(self('dead-letters'))).toBe('ALARM');
    expect(topic().some((m) => m.message.includes(self('dead-letters')))).toBe(true);
    await deliver();
    await flushAfter(35);
    expect(slackTexts().some((t) => t.includes(self('dead-letters')))).toBe(true);

    // Each of the three is its own alarm and its own notification.
    for (const key of ['audit-failed', 'alerts-abandoned', 'dead-letters'])
      expect(slackTexts().filter((t) => t.includes(self(key))).length, key).toBeGreaterThanOrEqual(1);

    // mqops doctor reads the same: the dead letter waits, with its reason; the stage is not healthy.
    const status = await readSelfStatus(cloud.clientConfig(), { stage: STAGE, now: cloud.clock.now() });
    expect(status.deadLetters).toMatchObject({ queue: QUEUE, count: 1 });
    expect(status.deadLetters?.sample[0]).toMatchObject({ job: 'alarms', errorCode: 'InvalidInputError' });
    expect(status.alarms.find((a) => a.name === self('dead-letters'))?.state).toBe('ALARM');
    expect(doctorVerdict(status).status).toBe('unhealthy');
    // Peeking did not take the letter off the queue.
    expect(cloud.world.sqs.messagesOf(QUEUE)).toHaveLength(1);
  });
});
