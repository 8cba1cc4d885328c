import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ALERT_INPUT_LIMITS,
  alertFingerprint,
  alertSeverity,
  isAmazonMqAlarm,
  MAX_CLOCK_SKEW_MS,
  normaliseTimestamp,
  parseAlarmEvent,
  stableHash,
} from '../../../src/alerts/events';
import { InvalidInputError } from '../../../src/errors';

const FIXTURES = join(import.meta.dirname, '../../fixtures/alarm-events');
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

/** A documented EventBridge sample with a different alarm, for table tests. */
function eventBridge(overrides: { detail?: Record<string, unknown>; [k: string]: unknown } = {}) {
  const base = fixture('eventbridge-single-metric.json') as Record<string, unknown> & {
    detail: Record<string, unknown>;
  };
  return { ...base, ...overrides, detail: { ...base.detail, ...(overrides.detail ?? {}) } };
}

function mqMetricEvent(
  alarmName: string,
  metric: string,
  dimensions: Record<string, string>,
  tags?: Record<string, string>,
) {
  return eventBridge({
    resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`],
    detail: {
      alarmName,
      configuration: {
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: { namespace: 'AWS/AmazonMQ', name: metric, dimensions },
              period: 60,
              stat: 'Average',
            },
            returnData: true,
          },
        ],
      },
      ...(tags ? { alarmTags: tags } : {}),
    },
  });
}

describe('Function: parseAlarmEvent (documented samples)', () => {
  it('reads the EventBridge single-metric sample', () => {
    // Act
    const [alert] = parseAlarmEvent(fixture('eventbridge-single-metric.json'));

    // Assess
    expect(alert).toMatchObject({
      alarmName: 'ServerCpuTooHigh',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh',
      accountId: '123456789012',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'OK',
      timestamp: '2019-10-02T17:04:40.989Z',
      description: 'Goes into alarm when server CPU utilization is too high!',
      metric: {
        namespace: 'AWS/EC2',
        name: 'CPUUtilization',
        dimensions: { InstanceId: 'i-12345678901234567' },
        stat: 'Average',
        period: 300,
      },
      threshold: 50,
      recentDatapoints: [99.50160229693434],
      severity: 'WARNING',
      source: 'eventbridge',
      eventId: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
      tags: {},
    });
    expect(alert?.broker).toBeUndefined();
    expect(alert?.reason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[99\.5/);
  });

  it('reads the EventBridge metric-math sample (expression, label, both metrics)', () => {
    const [alert] = parseAlarmEvent(fixture('eventbridge-metric-math.json'));
    expect(alert).toMatchObject({
      alarmName: 'TotalNetworkTrafficTooHigh',
      state: 'ALARM',
      previousState: 'INSUFFICIENT_DATA',
      expression: 'SUM(METRICS())',
      label: 'Total Network Traffic',
      metric: { name: 'NetworkIn', namespace: 'AWS/EC2' },
      threshold: 10000,
      recentDatapoints: [45628],
    });
    expect(alert?.mathMetrics?.map((m) => m.name)).toEqual(['NetworkIn', 'NetworkOut']);
  });

  it('reads the EventBridge anomaly-detection sample', () => {
    const [alert] = parseAlarmEvent(fixture('eventbridge-anomaly-detection.json'));
    expect(alert).toMatchObject({
      alarmName: 'EC2 CPU Utilization Anomaly',
      state: 'ALARM',
      previousState: 'OK',
      expression: 'ANOMALY_DETECTION_BAND(m1, 0.8)',
      timestamp: '2019-10-03T16:00:04.653Z',
      metric: { name: 'CPUUtilization' },
    });
  });

  it('reads the SNS single-metric sample (upper-case statistic, lower-case dimensions)', () => {
    const [alert] = parseAlarmEvent(fixture('sns-single-metric.json'));
    expect(alert).toMatchObject({
      alarmName: 'EXAMPLE',
      alarmArn: 'arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE',
      accountId: '123456789012',
      region: 'EXAMPLE',
      state: 'ALARM',
      previousState: 'INSUFFICIENT_DATA',
      timestamp: '2015-06-03T17:43:27.123Z',
      metric: {
        namespace: 'AWS/EC2',
        name: 'NetworkOut',
        dimensions: { InstanceId: 'TestInstance' },
        stat: 'Average',
        period: 60,
      },
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      source: 'sns',
      eventId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
    });
  });

  it('reads the SNS multiple-metrics sample (Trigger.Metrics)', () => {
    const [alert] = parseAlarmEvent(fixture('sns-multiple-metrics.json'));
    expect(alert).toMatchObject({
      alarmName: 'EXAMPLE',
      expression: 'm1*1',
      label: 'Expression1',
      metric: { name: 'NetworkOut', dimensions: { InstanceId: 'TestInstance' }, stat: 'Average' },
      threshold: 0,
    });
  });
});

describe('Function: parseAlarmEvent (Amazon MQ alarms)', () => {
  it('reads an mqops ActiveMQ alarm with the reconciler’s tags: broker name and id, key, severity tag', () => {
    const [alert] = parseAlarmEvent(fixture('eventbridge-activemq-heap.json'));
    expect(alert).toMatchObject({
      alarmName: 'mqops-orders-heap',
      region: 'eu-west-1',
      broker: 'orders',
      brokerId: 'b-2f0d6a34-1c2b-4d5e-8f90-0a1b2c3d4e5f',
      engine: 'ACTIVEMQ',
      brokerInstance: 1,
      key: 'heap',
      severity: 'CRITICAL',
      recentDatapoints: [82.4, 85.2, 88, 91.7, 93.1],
      tags: { team: 'payments', 'mqops:severity': 'CRITICAL' },
    });
  });

  it('reads a RabbitMQ per-node metric-math alarm through SNS, mapping the region name back', () => {
    const [alert] = parseAlarmEvent(fixture('sns-rabbitmq-memory-node.json'));
    expect(alert).toMatchObject({
      alarmName: 'mqops-billing-memory-node2',
      region: 'eu-west-1',
      broker: 'billing',
      engine: 'RABBITMQ',
      node: 'rabbit@ip-10-0-0-2.ec2.internal',
      expression: '100*used/limit',
      label: 'Memory used (% of limit)',
      metric: { name: 'RabbitMQMemUsed' },
      threshold: 85,
      severity: 'CRITICAL',
      timestamp: '2026-11-25T12:05:02.345Z',
    });
  });

  it('reads metric dimensions spelled Name/Value in Trigger.Metrics as well as name/value', () => {
    const event = fixture('sns-rabbitmq-memory-node.json') as { Records: { Sns: { Message: string } }[] };
    const record = event.Records[0] as { Sns: { Message: string } };
    const message = JSON.parse(record.Sns.Message) as {
      Trigger: { Metrics: { MetricStat?: { Metric: { Dimensions: { name: string; value: string }[] } } }[] };
    };
    for (const m of message.Trigger.Metrics)
      if (m.MetricStat)
        m.MetricStat.Metric.Dimensions = m.MetricStat.Metric.Dimensions.map((d) => ({
          Name: d.name,
          Value: d.value,
        })) as never;
    record.Sns.Message = JSON.stringify(message);
    const [alert] = parseAlarmEvent(event);
    expect(alert).toMatchObject({
      broker: 'billing',
      engine: 'RABBITMQ',
      node: 'rabbit@ip-10-0-0-2.ec2.internal',
    });
  });

  it('reads an EventBridge event delivered through SNS', () => {
    const [alert] = parseAlarmEvent(fixture('sns-eventbridge-envelope.json'));
    expect(alert).toMatchObject({
      alarmName: 'mqops-orders-heap',
      state: 'OK',
      previousState: 'ALARM',
      broker: 'orders',
      source: 'sns',
      eventId: '0b6c2f3e-8d1a-4c7e-9f2b-5a6d7e8f9a0b',
    });
  });

  it.each([
    ['ActiveMQ standby instance', 'CpuUtilization', { Broker: 'orders-2' }, 'orders', 'ACTIVEMQ'],
    ['ActiveMQ queue', 'QueueSize', { Broker: 'orders-1', Queue: 'payments.DLQ' }, 'orders', 'ACTIVEMQ'],
    [
      'RabbitMQ broker named like an instance',
      'MessageCount',
      { Broker: 'events-1' },
      'events-1',
      'RABBITMQ',
    ],
    ['RabbitMQ node', 'SystemCpuUtilization', { Broker: 'events', Node: 'rabbit@n1' }, 'events', 'RABBITMQ'],
    [
      'RabbitMQ queue',
      'ConsumerCount',
      { Broker: 'events', VirtualHost: '/', Queue: 'q' },
      'events',
      'RABBITMQ',
    ],
    ['unknown metric keeps the name', 'SomethingNew', { Broker: 'x-1' }, 'x-1', undefined],
  ])('reads the broker of a %s', (_name, metric, dimensions, broker, engine) => {
    const [alert] = parseAlarmEvent(mqMetricEvent('some-alarm', metric, dimensions));
    expect(alert?.broker).toBe(broker);
    expect(alert?.engine).toBe(engine);
  });

  it('uses the managed alarm name to settle an ambiguous -1 suffix', () => {
    // A metric mqops does not know, but the alarm is mqops-managed for broker "x": the suffix is the instance.
    const [stripped] = parseAlarmEvent(mqMetricEvent('mqops-x-new', 'SomethingNew', { Broker: 'x-1' }));
    const [kept] = parseAlarmEvent(mqMetricEvent('mqops-x-1-cpu', 'CpuUtilization', { Broker: 'x-1' }));
    expect(stripped).toMatchObject({ broker: 'x', key: 'new' });
    expect(kept).toMatchObject({ broker: 'x-1', key: 'cpu' });
  });

  it.each([
    [
      'mqops:broker-name',
      { 'mqops:broker-name': 'orders-eu', 'mqops:broker': 'b-1234abcd' },
      'orders-eu',
      'b-1234abcd',
    ],
    ['a name in mqops:broker (hand-made alarm)', { 'mqops:broker': 'orders-eu' }, 'orders-eu', undefined],
    [
      'an id in mqops:broker: the name still comes from the metric',
      { 'mqops:broker': 'b-1234abcd' },
      'orders',
      'b-1234abcd',
    ],
  ])('reads the broker from %s', (_name, tags, broker, brokerId) => {
    const [alert] = parseAlarmEvent(mqMetricEvent('custom', 'CpuUtilization', { Broker: 'orders-1' }, tags));
    expect(alert?.broker).toBe(broker);
    expect(alert?.brokerId).toBe(brokerId);
  });

  it('reads the reconciler’s per-node and active/standby alarms', () => {
    const [node] = parseAlarmEvent(fixture('sns-rabbitmq-memory-node.json'));
    const pair = eventBridge({
      resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:mqops-orders-cpu'],
      detail: {
        alarmName: 'mqops-orders-cpu',
        configuration: {
          metrics: [
            { id: 'e1', expression: 'MAX([m1, m2])', label: 'CPU (active instance)', returnData: true },
            ...['orders-1', 'orders-2'].map((b, i) => ({
              id: `m${i + 1}`,
              metricStat: {
                metric: { namespace: 'AWS/AmazonMQ', name: 'CpuUtilization', dimensions: { Broker: b } },
                period: 60,
                stat: 'Average',
              },
              returnData: false,
            })),
          ],
        },
      },
    });
    const [cpu] = parseAlarmEvent(pair);
    expect(node).toMatchObject({ key: 'memory', node: 'rabbit@ip-10-0-0-2.ec2.internal' });
    expect(cpu).toMatchObject({
      broker: 'orders',
      key: 'cpu',
      engine: 'ACTIVEMQ',
      label: 'CPU (active instance)',
    });
    expect(cpu?.brokerInstance).toBeUndefined();
  });

  it('gives no alert for an alarm configuration change', () => {
    const event = { ...eventBridge(), 'detail-type': 'CloudWatch Alarm Configuration Change' };
    expect(parseAlarmEvent(event)).toEqual([]);
  });
});

describe('Function: parseAlarmEvent (malformed)', () => {
  const malformed = readdirSync(join(FIXTURES, 'malformed')).sort();

  it('has malformed fixtures to check', () => {
    expect(malformed.length).toBeGreaterThanOrEqual(10);
  });

  it.each(malformed)('rejects %s with an InvalidInputError', (name) => {
    expect(() => parseAlarmEvent(fixture(`malformed/${name}`))).toThrow(InvalidInputError);
  });

  it.each([
    ['eventbridge-missing-state.json', /detail\.state: required$/],
    [
      'eventbridge-unknown-state.json',
      'detail.state.value: Invalid type: Expected ("OK" | "ALARM" | "INSUFFICIENT_DATA") but received a string',
    ],
    ['eventbridge-bad-timestamp.json', /detail\.state\.timestamp: not a timestamp/],
    ['eventbridge-empty-alarm-name.json', /detail\.alarmName: empty alarm name/],
    ['eventbridge-no-resources.json', /resources: names no alarm ARN/],
    ['sns-message-not-json.json', /Records\.0\.Sns\.Message: not JSON/],
    ['sns-missing-alarm-arn.json', /Records\.0\.Sns\.Message\.AlarmArn: required$/],
    [
      'sns-unknown-state.json',
      'Records.0.Sns.Message.NewStateValue: Invalid type: Expected ("OK" | "ALARM" | "INSUFFICIENT_DATA") but received a string',
    ],
    ['sns-not-an-alarm.json', /not a CloudWatch alarm message/],
    ['sns-no-records.json', /Records: no records/],
  ])('says what is wrong with %s', (name, message) => {
    expect(() => parseAlarmEvent(fixture(`malformed/${name}`))).toThrow(message);
  });

  it.each([
    ['null', null],
    ['a string', 'ALARM'],
    ['a number', 42],
    ['an empty object', {}],
    ['a scheduled event', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }],
    ['an SQS event', { Records: [{ eventSource: 'aws:sqs', body: '{}' }] }],
  ])('rejects %s', (_name, event) => {
    expect(() => parseAlarmEvent(event)).toThrow(InvalidInputError);
  });

  it('rejects the whole SNS event when one record is bad (nothing half-recorded)', () => {
    const good = fixture('sns-single-metric.json') as { Records: unknown[] };
    const bad = fixture('malformed/sns-message-not-json.json') as { Records: unknown[] };
    expect(() => parseAlarmEvent({ Records: [...good.Records, ...bad.Records] })).toThrow(/Records\.1/);
  });
});

describe('Function: alertSeverity', () => {
  it.each([
    [
      'the mqops:severity tag',
      { tags: { 'mqops:severity': 'info' }, metricName: 'StorePercentUsage' },
      'INFO',
    ],
    ['a severity tag', { tags: { severity: 'critical' } }, 'CRITICAL'],
    [
      'the description',
      { tags: {}, description: 'x (severity=critical)', metricName: 'HeapUsage' },
      'CRITICAL',
    ],
    ['the managed key', { tags: {}, key: 'down', metricName: 'CpuUtilization' }, 'CRITICAL'],
    ['the metric', { tags: {}, metricName: 'StorePercentUsage' }, 'CRITICAL'],
    ['an unknown metric', { tags: {}, metricName: 'Unknown' }, 'WARNING'],
    ['nothing at all', { tags: {} }, 'WARNING'],
    [
      'an unknown tag value falls through',
      { tags: { 'mqops:severity': 'urgent' }, metricName: 'RabbitMQDiskFree' },
      'CRITICAL',
    ],
  ])('reads %s', (_name, input, expected) => {
    expect(alertSeverity(input)).toBe(expected);
  });
});

describe('Function: normaliseTimestamp', () => {
  it.each([
    ['2019-10-02T17:04:40.989+0000', '2019-10-02T17:04:40.989Z'],
    ['2019-10-02T19:04:40.989+0200', '2019-10-02T17:04:40.989Z'],
    ['2019-10-02T17:04:40Z', '2019-10-02T17:04:40.000Z'],
  ])('reads %s', (input, expected) => {
    expect(normaliseTimestamp(input)).toBe(expected);
  });
});

describe('Function: alertFingerprint', () => {
  it('is stable per alarm ARN and differs between alarms', () => {
    const a = alertFingerprint({ alarmArn: 'arn:aws:cloudwatch:us-east-1:1:alarm:a' });
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(alertFingerprint({ alarmArn: 'arn:aws:cloudwatch:us-east-1:1:alarm:a' })).toBe(a);
    expect(alertFingerprint({ alarmArn: 'arn:aws:cloudwatch:us-east-1:1:alarm:b' })).not.toBe(a);
    expect(stableHash('')).toBe('cbf29ce484222325');
  });
});

/** An SNS Lambda event carrying one CloudWatch alarm notification. */
function snsEvent(message: unknown) {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        Sns: {
          Type: 'Notification',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarm-actions',
          Message: typeof message === 'string' ? message : JSON.stringify(message),
        },
      },
    ],
  };
}

/** The notification CloudWatch sends a topic for the store alarm of broker orders-prod (issue 12's example). */
function storeNotification(overrides: Record<string, unknown> = {}) {
  return {
    AlarmName: 'mqops-orders-prod-store',
    AlarmDescription: 'mqops: store of broker orders-prod',
    AWSAccountId: '123456789012',
    NewStateValue: 'ALARM',
    NewStateReason:
      'Threshold Crossed: 1 out of the last 1 datapoints [91.0 (25/11/26 12:00:00)] was greater than or equal to the threshold (90.0).',
    StateChangeTime: '2026-11-25T12:00:00.000+0000',
    Region: 'EU (Ireland)',
    AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:mqops-orders-prod-store',
    OldStateValue: 'OK',
    Trigger: {
      MetricName: 'StorePercentUsage',
      Namespace: 'AWS/AmazonMQ',
      Statistic: 'MAXIMUM',
      Dimensions: [{ name: 'Broker', value: 'orders-prod-1' }],
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 90,
    },
    ...overrides,
  };
}

/** Noon of the fixtures' day, as the reader's clock. */
const NOW = new Date('2026-11-25T12:00:00.000Z');
const SKEW_MINUTES = MAX_CLOCK_SKEW_MS / 60_000;

describe('Function: parseAlarmEvent (state time against the clock)', () => {
  it.each([
    [
      'an SNS notification',
      snsEvent(storeNotification({ NewStateValue: 'OK', StateChangeTime: '2099-01-01T00:00:00.000+0000' })),
    ],
    [
      'an EventBridge event',
      mqMetricEvent('mqops-orders-prod-store', 'StorePercentUsage', { Broker: 'orders-prod-1' }),
    ],
  ])('refuses %s whose state time is in 2099', (_name, event) => {
    // Prepare
    const forged = structuredClone(event) as { detail?: { state: { timestamp: string } } };
    if (forged.detail) forged.detail.state.timestamp = '2099-01-01T00:00:00.000+0000';

    // Act
    const read = () => parseAlarmEvent(forged, { now: NOW });

    // Assess
    expect(read).toThrow(InvalidInputError);
    expect(read).toThrow(
      /mqops-orders-prod-store: state time 2099-01-01T00:00:00\.000Z is \d+ min ahead of the clock/,
    );
  });

  it(`accepts a state time up to ${SKEW_MINUTES} min ahead, and refuses one a second later`, () => {
    const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString().replace('Z', '+0000');
    const within = snsEvent(storeNotification({ StateChangeTime: at(MAX_CLOCK_SKEW_MS) }));
    const past = snsEvent(storeNotification({ StateChangeTime: at(MAX_CLOCK_SKEW_MS + 1000) }));

    expect(parseAlarmEvent(within, { now: NOW })).toHaveLength(1);
    expect(() => parseAlarmEvent(past, { now: NOW })).toThrow(InvalidInputError);
  });

  it('takes old state times (a late delivery is the engine’s to judge)', () => {
    expect(parseAlarmEvent(fixture('sns-single-metric.json'), { now: NOW })).toHaveLength(1);
  });

  it('refuses the whole SNS event when one of its records is in the future', () => {
    const good = snsEvent(storeNotification()).Records;
    const forged = snsEvent(storeNotification({ StateChangeTime: '2099-01-01T00:00:00.000+0000' })).Records;
    expect(() => parseAlarmEvent({ Records: [...good, ...forged] }, { now: NOW })).toThrow(InvalidInputError);
  });
});

const SCOPE = (name: string) => fixture(`scope/${name}`);

describe('Function: isAmazonMqAlarm', () => {
  const untaggedHeap = () => {
    const event = fixture('eventbridge-activemq-heap.json') as { detail: Record<string, unknown> };
    delete event.detail.alarmTags;
    return event;
  };
  const ec2Math = fixture('sns-multiple-metrics.json');
  it.each([
    ['an Amazon MQ metric alarm (EventBridge, untagged)', untaggedHeap(), true],
    ['an Amazon MQ metric alarm (SNS Trigger.Namespace)', snsEvent(storeNotification()), true],
    ['an Amazon MQ metric-math alarm (SNS Trigger.Metrics)', fixture('sns-rabbitmq-memory-node.json'), true],
    ['an Amazon MQ metric-math alarm (EventBridge)', SCOPE('mq-metric-math.json'), true],
    [
      'a metric-math alarm with one Amazon MQ metric, not the first',
      SCOPE('mq-mixed-metric-math.json'),
      true,
    ],
    ['an application alarm tagged mqops:broker', SCOPE('tagged-application.json'), true],
    ['a composite alarm tagged mqops:broker', SCOPE('composite-tagged.json'), true],
    ['an EC2 alarm (EventBridge)', fixture('eventbridge-single-metric.json'), false],
    ['an EC2 alarm (SNS)', fixture('sns-single-metric.json'), false],
    ['an EC2 metric-math alarm (SNS)', ec2Math, false],
    ['the Billing alarm', SCOPE('billing.json'), false],
    [
      'the Billing alarm through SNS',
      snsEvent(
        storeNotification({
          AlarmName: 'billing-estimated-charges',
          Trigger: {
            MetricName: 'EstimatedCharges',
            Namespace: 'AWS/Billing',
            Dimensions: [{ name: 'Currency', value: 'USD' }],
          },
        }),
      ),
      false,
    ],
    ['an untagged composite alarm', SCOPE('composite-untagged.json'), false],
  ])('tells %s', (_name, event, expected) => {
    const [alert] = parseAlarmEvent(event);
    expect(alert && isAmazonMqAlarm(alert)).toBe(expected);
  });
});

describe('Function: parseAlarmEvent (bounded input)', () => {
  const L = ALERT_INPUT_LIMITS;
  const long = (n: number, c = 'x') => c.repeat(n);
  type Ev = ReturnType<typeof heap>;
  const heap = () =>
    fixture('eventbridge-activemq-heap.json') as {
      resources: string[];
      detail: {
        alarmName: string;
        state: { reason: string; reasonData?: string; timestamp: string };
        configuration: {
          description?: string;
          metrics: {
            id: string;
            metricStat?: { metric: { namespace: string; dimensions: Record<string, string> } };
          }[];
        };
        alarmTags: Record<string, string>;
        [k: string]: unknown;
      };
      [k: string]: unknown;
    };
  const metric = (i: number, namespace = 'AWS/AmazonMQ') => ({
    id: `m${i}`,
    metricStat: {
      metric: { namespace, name: 'HeapUsage', dimensions: { Broker: 'orders-1' } as Record<string, string> },
    },
  });
  const manyTags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, 'v']));
  const manyDimensions = (n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`D${i}`, 'v']));
  const nested = (depth: number): unknown => (depth === 0 ? 'x' : { n: nested(depth - 1) });
  const eb = (change: (e: Ev) => void) => {
    const e = heap();
    change(e);
    return e;
  };

  const oversized: [string, () => unknown][] = [
    ['an alarm name of 256 characters', () => eb((e) => (e.detail.alarmName = long(256)))],
    ['an ARN of 600 characters', () => eb((e) => (e.resources = [`arn:aws:cloudwatch:${long(590)}`]))],
    ['11 resources', () => eb((e) => (e.resources = Array(11).fill(e.resources[0])))],
    ['a reason of 1,024 characters', () => eb((e) => (e.detail.state.reason = long(1024)))],
    ['reasonData of 4,001 characters', () => eb((e) => (e.detail.state.reasonData = long(4001)))],
    ['a description of 1,025 characters', () => eb((e) => (e.detail.configuration.description = long(1025)))],
    ['51 tags', () => eb((e) => (e.detail.alarmTags = manyTags(51)))],
    ['a tag key of 129 characters', () => eb((e) => (e.detail.alarmTags = { [long(129)]: 'v' }))],
    ['a tag value of 257 characters', () => eb((e) => (e.detail.alarmTags = { team: long(257) }))],
    [
      '51 tags as a list',
      () =>
        eb(
          (e) =>
            (e.detail.alarmTags = Object.entries(manyTags(51)).map(([Key, Value]) => ({
              Key,
              Value,
            })) as never),
        ),
    ],
    [
      '21 metrics',
      () => eb((e) => (e.detail.configuration.metrics = Array.from({ length: 21 }, (_, i) => metric(i)))),
    ],
    [
      '31 dimensions',
      () =>
        eb(
          (e) =>
            ((e.detail.configuration.metrics[0] as ReturnType<typeof metric>).metricStat.metric.dimensions =
              manyDimensions(31)),
        ),
    ],
    [
      'a namespace of 256 characters',
      () => eb((e) => (e.detail.configuration.metrics = [metric(0, long(256))])),
    ],
    [
      'a timestamp with 1,000 digits of fraction',
      () => eb((e) => (e.detail.state.timestamp = `2026-11-25T12:00:00.${long(1000, '1')}Z`)),
    ],
    [
      'an event larger than 320 KiB (in a field nobody reads)',
      () => eb((e) => (e.detail.padding = long(L.eventChars))),
    ],
    ['an event nested 40 levels deep', () => eb((e) => (e.detail.padding = nested(40)))],
    ['11 SNS records', () => ({ Records: Array(11).fill(snsEvent(storeNotification()).Records[0]) })],
    [
      'an SNS message over 256 KiB',
      () => snsEvent({ ...storeNotification(), Padding: long(L.snsMessageChars) }),
    ],
    ['an SNS alarm name of 256 characters', () => snsEvent(storeNotification({ AlarmName: long(256) }))],
    ['an SNS reason of 1,024 characters', () => snsEvent(storeNotification({ NewStateReason: long(1024) }))],
    ['51 SNS tags', () => snsEvent(storeNotification({ AlarmTags: manyTags(51) }))],
    [
      '31 SNS dimensions',
      () =>
        snsEvent(
          storeNotification({
            Trigger: {
              Namespace: 'AWS/AmazonMQ',
              MetricName: 'StorePercentUsage',
              Dimensions: Array.from({ length: 31 }, (_, i) => ({ name: `D${i}`, value: 'v' })),
            },
          }),
        ),
    ],
    [
      '21 SNS Trigger.Metrics',
      () =>
        snsEvent(
          storeNotification({
            Trigger: { Metrics: Array.from({ length: 21 }, (_, i) => ({ Id: `m${i}`, Expression: 'm0' })) },
          }),
        ),
    ],
    ['an SNS message that is a long non-JSON text', () => snsEvent(`{${long(100_000)}`)],
  ];

  it.each(oversized)('refuses %s, with a short message that does not echo it', (_name, build) => {
    // Act
    let error: unknown;
    try {
      parseAlarmEvent(build(), { now: NOW });
    } catch (e) {
      error = e;
    }

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    const message = (error as Error).message;
    expect(message.length).toBeLessThanOrEqual(L.issues * (L.issueChars + 2) + 200);
    expect(message).not.toMatch(/(.)\1{99}/);
  });

  it('takes what CloudWatch allows, up to each limit', () => {
    // Prepare
    const event = eb((e) => {
      e.detail.alarmName = long(L.alarmName);
      e.resources = [`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${long(L.alarmName)}`];
      e.detail.state.reason = long(L.reason);
      e.detail.state.reasonData = long(L.reasonData);
      e.detail.configuration.description = long(L.description);
      e.detail.alarmTags = { ...manyTags(L.tags - 1), [long(L.tagKey)]: long(L.tagValue) };
      e.detail.configuration.metrics = Array.from({ length: L.metrics }, (_, i) => metric(i));
      (e.detail.configuration.metrics[0] as ReturnType<typeof metric>).metricStat.metric.dimensions =
        manyDimensions(L.dimensions);
    });

    // Act
    const [alert] = parseAlarmEvent(event, { now: NOW });

    // Assess
    expect(alert?.alarmName).toHaveLength(L.alarmName);
    expect(Object.keys(alert?.tags ?? {})).toHaveLength(L.tags);
  });

  it('names the problems that fit in 300 characters, and how many more there are', () => {
    const event = eb(
      (e) => (e.detail.configuration.metrics = Array.from({ length: 15 }, (_, i) => metric(i, ''))),
    );

    const error = (() => {
      try {
        parseAlarmEvent(event);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toMatch(/; …and \d+ more$/);
    expect(error?.message.length).toBeLessThanOrEqual(300);
  });
});
