import {
  CloudWatchClient,
  type CompositeAlarm,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  type MetricAlarm,
  type MetricDataQuery,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import { MqopsError } from '@mqops/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ALARM_BROKER_TAG,
  alarmRuleReferences,
  brokerDimensionValues,
  CloudWatchAlarmStates,
  MAX_TAG_READS,
} from '../../src/alarm-states';
import { toBroker } from '../../src/mq-inventory';

const cw = mockClient(CloudWatchClient);
const states = () => new CloudWatchAlarmStates(new CloudWatchClient({ region: 'eu-west-1' }));

const orders = toBroker(
  {
    BrokerId: 'b-1234',
    BrokerArn: 'arn:aws:mq:eu-west-1:210987654321:broker:orders:b-1234',
    BrokerName: 'orders',
    BrokerState: 'RUNNING',
    EngineType: 'ACTIVEMQ',
    DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
    HostInstanceType: 'mq.m5.large',
  },
  'eu-west-1',
);

/** A metric alarm on one AWS/AmazonMQ metric with these dimensions. */
const alarm = (name: string, dimensions: Record<string, string>): MetricAlarm => ({
  AlarmName: name,
  StateValue: 'ALARM',
  Namespace: 'AWS/AmazonMQ',
  MetricName: 'CpuUtilization',
  Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
});

/** A metric-math alarm: the dimensions sit on the metrics of its queries, none on the alarm itself. */
const mathAlarm = (name: string, broker: string): MetricAlarm => {
  const metric = (id: string, metricName: string): MetricDataQuery => ({
    Id: id,
    ReturnData: false,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/AmazonMQ',
        MetricName: metricName,
        Dimensions: [{ Name: 'Broker', Value: broker }],
      },
      Period: 300,
      Stat: 'Maximum',
    },
  });
  return {
    AlarmName: name,
    StateValue: 'ALARM',
    Metrics: [
      metric('used', 'RabbitMQMemUsed'),
      metric('limit', 'RabbitMQMemLimit'),
      { Id: 'pct', Expression: '100 * used / limit', ReturnData: true },
    ],
  };
};

describe('Function: brokerDimensionValues', () => {
  it('is the broker name and its instance names for ActiveMQ, the name alone for RabbitMQ', () => {
    expect(brokerDimensionValues({ name: 'orders', engine: 'ACTIVEMQ' })).toEqual([
      'orders',
      'orders-1',
      'orders-2',
    ]);
    expect(brokerDimensionValues({ name: 'orders', engine: 'RABBITMQ' })).toEqual(['orders']);
  });
});

describe('Class: CloudWatchAlarmStates', () => {
  beforeEach(() => cw.reset());

  it('asks DescribeAlarms for the metric and composite alarms in ALARM only', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });

    // Act
    await states().inAlarm(orders);

    // Assess
    const calls = cw.commandCalls(DescribeAlarmsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      StateValue: 'ALARM',
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    });
    expect(cw.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
  });

  it('reads every page', async () => {
    cw.on(DescribeAlarmsCommand, { NextToken: undefined })
      .resolves({ MetricAlarms: [alarm('page-1', { Broker: 'orders-1' })], NextToken: 't2' })
      .on(DescribeAlarmsCommand, { NextToken: 't2' })
      .resolves({ MetricAlarms: [alarm('page-2', { Broker: 'orders-2' })], NextToken: 't3' })
      .on(DescribeAlarmsCommand, { NextToken: 't3' })
      .resolves({ MetricAlarms: [alarm('page-3', { Broker: 'orders' })] });

    const names = await states().inAlarm(orders);

    expect(names).toEqual(['page-1', 'page-2', 'page-3']);
    // The paginator reuses one input object, so the recorded inputs all show the last token: the answers, keyed by
    // token, are what prove each page was asked for.
    expect(cw.commandCalls(DescribeAlarmsCommand)).toHaveLength(3);
  });

  it.each([
    ['the broker name', { Broker: 'orders' }],
    ['the first ActiveMQ instance', { Broker: 'orders-1' }],
    ['the second ActiveMQ instance', { Broker: 'orders-2' }],
    ['a RabbitMQ node of the broker', { Broker: 'orders', Node: 'rabbit@ip-10-0-1-1' }],
    ['a queue of the broker', { Broker: 'orders-1', Queue: 'payments' }],
  ])('matches an alarm on %s', async (_what, dimensions) => {
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('a', dimensions)] });

    expect(await states().inAlarm(orders)).toEqual(['a']);
  });

  it.each([
    ['a broker whose name shares the prefix', { Broker: 'orders-eu' }],
    ['an instance of a broker whose name shares the prefix', { Broker: 'orders-eu-1' }],
    ['a third instance number', { Broker: 'orders-3' }],
    ['another broker', { Broker: 'payments' }],
    ['the name in another dimension', { Queue: 'orders' }],
    ['a different case', { Broker: 'Orders' }],
  ])('does not match an alarm on %s', async (_what, dimensions) => {
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('a', dimensions)] });

    expect(await states().inAlarm(orders)).toEqual([]);
  });

  it('matches a metric-math alarm by the dimensions of its metrics', async () => {
    cw.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [mathAlarm('memory-pct', 'orders'), mathAlarm('memory-pct-eu', 'orders-eu')],
    });

    expect(await states().inAlarm(orders)).toEqual(['memory-pct']);
  });

  it('skips alarms without a name or without dimensions', async () => {
    cw.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { ...alarm('x', { Broker: 'orders' }), AlarmName: undefined },
        { AlarmName: 'bare', StateValue: 'ALARM' },
        {
          AlarmName: 'empty-math',
          StateValue: 'ALARM',
          Metrics: [{ Id: 'e', Expression: 'TIME_SERIES(1)' }],
        },
      ],
    });

    expect(await states().inAlarm(orders)).toEqual([]);
  });

  it('answers the names sorted, across pages and kinds of alarm', async () => {
    cw.on(DescribeAlarmsCommand, { NextToken: undefined })
      .resolves({
        MetricAlarms: [
          alarm('mqops-orders-heap', { Broker: 'orders-2' }),
          mathAlarm('a-team-math', 'orders'),
        ],
        NextToken: 'n',
      })
      .on(DescribeAlarmsCommand, { NextToken: 'n' })
      .resolves({
        MetricAlarms: [
          alarm('Ops-orders-cpu', { Broker: 'orders-1' }),
          alarm('mqops-orders-conn', { Broker: 'orders' }),
        ],
      });

    expect(await states().inAlarm(orders)).toEqual([
      'Ops-orders-cpu',
      'a-team-math',
      'mqops-orders-conn',
      'mqops-orders-heap',
    ]);
  });

  it('wraps a failure naming the call, the broker and the error name', async () => {
    const cause = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    cw.on(DescribeAlarmsCommand).rejects(cause);

    const error = await states()
      .inAlarm(orders)
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    expect(error).toBeInstanceOf(MqopsError);
    expect((error as Error).message).toBe(
      'CloudWatch DescribeAlarms for broker orders failed: ThrottlingException: Rate exceeded',
    );
    expect((error as Error).cause).toBe(cause);
  });

  it('wraps a failure on a later page (no partial answer)', async () => {
    cw.on(DescribeAlarmsCommand, { NextToken: undefined })
      .resolves({ MetricAlarms: [alarm('a', { Broker: 'orders' })], NextToken: 't2' })
      .on(DescribeAlarmsCommand, { NextToken: 't2' })
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));

    await expect(states().inAlarm(orders)).rejects.toThrow(
      'CloudWatch DescribeAlarms for broker orders failed: AccessDenied: denied',
    );
  });
});

// ---- alarms that concern the broker beyond its metrics: tagged ones, composite ones ------------------------------

const arnOf = (name: string) => `arn:aws:cloudwatch:eu-west-1:210987654321:alarm:${name}`;

/** An application's metric alarm, not on Amazon MQ metrics. */
const appAlarm = (name: string, state: StateValue = 'ALARM'): MetricAlarm => ({
  AlarmName: name,
  AlarmArn: arnOf(name),
  StateValue: state,
  Namespace: 'Orders/App',
  MetricName: 'CheckoutLatency',
  Dimensions: [{ Name: 'Service', Value: 'checkout' }],
});

/** A metric alarm on one of the broker's Amazon MQ metrics, with its ARN. */
const brokerAlarm = (name: string, dimension: string, state: StateValue = 'ALARM'): MetricAlarm => ({
  ...alarm(name, { Broker: dimension }),
  AlarmArn: arnOf(name),
  StateValue: state,
});

const composite = (name: string, rule: string, state: StateValue = 'ALARM'): CompositeAlarm => ({
  AlarmName: name,
  AlarmArn: arnOf(name),
  AlarmRule: rule,
  StateValue: state,
});

/**
 * An account's alarms behind the mock: DescribeAlarms honours StateValue, AlarmNames and AlarmTypes as CloudWatch
 * does (one page), ListTagsForResource answers each alarm's tags by ARN.
 */
function account(
  alarms: (MetricAlarm | CompositeAlarm)[],
  tags: Record<string, Record<string, string>> = {},
): void {
  const isComposite = (a: MetricAlarm | CompositeAlarm): a is CompositeAlarm => 'AlarmRule' in a;
  cw.on(DescribeAlarmsCommand).callsFake((input) => {
    const types: string[] = input.AlarmTypes ?? ['MetricAlarm'];
    const found = alarms.filter(
      (a) =>
        (input.StateValue === undefined || a.StateValue === input.StateValue) &&
        (input.AlarmNames === undefined || input.AlarmNames.includes(a.AlarmName)) &&
        types.includes(isComposite(a) ? 'CompositeAlarm' : 'MetricAlarm'),
    );
    return {
      MetricAlarms: found.filter((a) => !isComposite(a)),
      CompositeAlarms: found.filter(isComposite),
    };
  });
  cw.on(ListTagsForResourceCommand).callsFake((input) => {
    const owner = alarms.find((a) => a.AlarmArn === input.ResourceARN);
    if (!owner) throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
    const own = tags[owner.AlarmName ?? ''] ?? {};
    return { Tags: Object.entries(own).map(([Key, Value]) => ({ Key, Value })) };
  });
}

const tagReads = () =>
  cw
    .commandCalls(ListTagsForResourceCommand)
    .map((c) => c.args[0].input.ResourceARN?.split(':alarm:')[1])
    .sort();

describe('Class: CloudWatchAlarmStates (tagged and composite alarms)', () => {
  beforeEach(() => cw.reset());

  it.each([
    ['the broker id', 'b-1234'],
    ['the broker name', 'orders'],
    ['the broker ARN', 'arn:aws:mq:eu-west-1:210987654321:broker:orders:b-1234'],
  ])('holds for an application alarm tagged mqops:broker with %s', async (_what, value) => {
    // Prepare
    account([appAlarm('checkout-latency'), appAlarm('unrelated')], {
      'checkout-latency': { [ALARM_BROKER_TAG]: value, team: 'payments' },
      unrelated: { team: 'payments' },
    });

    // Act
    const names = await states().inAlarm(orders);

    // Assess
    expect(names).toEqual(['checkout-latency']);
    expect(tagReads()).toEqual(['checkout-latency', 'unrelated']);
  });

  it('does not count an alarm tagged for another broker', async () => {
    account([appAlarm('checkout-latency')], { 'checkout-latency': { [ALARM_BROKER_TAG]: 'b-9999' } });

    expect(await states().inAlarm(orders)).toEqual([]);
  });

  it('reads no tags for alarms that the broker metrics already tie to it', async () => {
    account([brokerAlarm('mqops-orders-cpu', 'orders-1')]);

    expect(await states().inAlarm(orders)).toEqual(['mqops-orders-cpu']);
    expect(cw.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
  });

  it('holds for a composite alarm whose rule references the broker alarm, even though that alarm is OK', async () => {
    // Prepare: the composite is in ALARM because of app-x; the broker's own alarm it also watches is OK.
    account([
      brokerAlarm('mqops-orders-prod-down', 'orders-1', 'OK'),
      appAlarm('app-x'),
      composite('orders-or-app', 'ALARM("mqops-orders-prod-down") OR ALARM(app-x)'),
    ]);

    // Act
    const names = await states().inAlarm(orders);

    // Assess: the composite counts, app-x (neither on the broker's metrics nor tagged) does not.
    expect(names).toEqual(['orders-or-app']);
    const byName = cw
      .commandCalls(DescribeAlarmsCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.AlarmNames);
    expect(byName).toEqual([
      { AlarmNames: ['mqops-orders-prod-down'], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] },
    ]);
    expect(tagReads()).toEqual(['app-x']);
  });

  it('follows composites over composites, by name or ARN, to the broker alarm', async () => {
    account([
      brokerAlarm('mqops-orders-heap', 'orders-2', 'OK'),
      composite('inner', `OK(${arnOf('mqops-orders-heap')})`, 'OK'),
      composite('outer', 'NOT ALARM(inner) AND TRUE'),
    ]);

    expect(await states().inAlarm(orders)).toEqual(['outer']);
  });

  it('holds for a composite tagged for the broker, and for one over an alarm tagged for it', async () => {
    account(
      [
        appAlarm('queue-age', 'OK'),
        appAlarm('other'),
        composite('tagged-composite', 'ALARM(other)'),
        composite('over-tagged', 'AT_LEAST(1, ALARM, (queue-age, other)) OR OK(queue-age)'),
        composite('elsewhere', 'ALARM(other)'),
      ],
      {
        'queue-age': { [ALARM_BROKER_TAG]: 'orders' },
        'tagged-composite': { [ALARM_BROKER_TAG]: 'b-1234' },
      },
    );

    expect(await states().inAlarm(orders)).toEqual(['over-tagged', 'tagged-composite']);
  });

  it('fails closed, reading no tag, when more alarms would need their tags read than it may read', async () => {
    // Prepare: one alarm over the bound, none tied to the broker by its metrics.
    account(
      Array.from({ length: MAX_TAG_READS + 1 }, (_, i) => appAlarm(`app-${String(i).padStart(2, '0')}`)),
    );

    // Act
    const error = await states()
      .inAlarm(orders)
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    // Assess
    expect(error).toBeInstanceOf(MqopsError);
    expect((error as Error).message).toBe(
      'cannot tell whether an alarm in ALARM concerns broker orders: 21 alarms (app-00, app-01, app-02 and 18 ' +
        'more) would need their tags read, more than 20',
    );
    expect(cw.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
  });

  it('fails closed when the tags cannot be read (throttled)', async () => {
    account([appAlarm('checkout-latency')]);
    cw.on(ListTagsForResourceCommand).rejects(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    );

    await expect(states().inAlarm(orders)).rejects.toThrow(
      'CloudWatch ListTagsForResource for broker orders failed: ThrottlingException: Rate exceeded',
    );
  });

  it('fails closed when the referenced alarms cannot be described', async () => {
    account([composite('c', 'ALARM(mqops-orders-down)')]);
    cw.on(DescribeAlarmsCommand, { AlarmNames: ['mqops-orders-down'] }).rejects(
      Object.assign(new Error('denied'), { name: 'AccessDenied' }),
    );

    await expect(states().inAlarm(orders)).rejects.toThrow(
      'CloudWatch DescribeAlarms for broker orders failed: AccessDenied: denied',
    );
  });

  it('fails closed on a composite in ALARM whose rule it cannot read', async () => {
    account([composite('odd', 'ALARM(a) XOR ALARM(b)')]);

    await expect(states().inAlarm(orders)).rejects.toThrow(
      'cannot tell whether an alarm in ALARM concerns broker orders: the rule of composite alarm odd in ALARM ' +
        'could not be read',
    );
  });

  it('fails closed on composites nested deeper than it follows', async () => {
    const chain = Array.from({ length: 8 }, (_, i) =>
      composite(`c${i}`, `ALARM(c${i + 1})`, i ? 'OK' : 'ALARM'),
    );
    account(chain);

    await expect(states().inAlarm(orders)).rejects.toThrow(/nest deeper than 5 levels/);
  });

  it('ends on composites that reference each other, and on a deleted referenced alarm', async () => {
    account([composite('a', 'ALARM(b) OR ALARM(gone)'), composite('b', 'ALARM(a)', 'OK')]);

    expect(await states().inAlarm(orders)).toEqual([]);
  });

  it('takes an alarm deleted before its tags were read as not the broker alarm', async () => {
    account([appAlarm('checkout-latency')]);
    cw.on(ListTagsForResourceCommand).rejects(
      Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }),
    );

    expect(await states().inAlarm(orders)).toEqual([]);
  });

  it('reuses tags it read a moment ago (one tick guards several brokers)', async () => {
    account([appAlarm('checkout-latency')], { 'checkout-latency': { [ALARM_BROKER_TAG]: 'b-1234' } });
    const shared = states();

    expect(await shared.inAlarm(orders)).toEqual(['checkout-latency']);
    expect(await shared.inAlarm(orders)).toEqual(['checkout-latency']);
    expect(cw.commandCalls(ListTagsForResourceCommand)).toHaveLength(1);
  });
});

describe('Function: alarmRuleReferences', () => {
  it.each([
    ['bare names', 'ALARM(a) AND NOT OK(b)', ['a', 'b']],
    [
      'quoted names',
      'ALARM("mqops orders (prod)") OR INSUFFICIENT_DATA("x\\"y")',
      ['mqops orders (prod)', 'x"y'],
    ],
    [
      'an ARN',
      'ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:mqops-orders-down)',
      ['mqops-orders-down'],
    ],
    ['AT_LEAST', 'AT_LEAST(60%, NOT OK, (a, "b c", d)) AND (TRUE OR FALSE)', ['a', 'b c', 'd']],
    ['constants only', 'TRUE', []],
  ])('reads %s', (_what, rule, names) => {
    expect(alarmRuleReferences(rule)).toEqual(names);
  });

  it('reads a long malformed rule in linear time (CloudWatch allows 10,240 characters)', () => {
    const rule = `AT_LEAST(1, ALARM, (${'a'.repeat(5_000)} ${'b'.repeat(5_000)}`;
    const started = performance.now();
    expect(alarmRuleReferences(rule)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(500);
  });

  it.each(['ALARM(a) XOR ALARM(b)', 'ANOMALY(a)', 'ALARM(a'])('cannot read %s', (rule) => {
    expect(alarmRuleReferences(rule)).toBeUndefined();
  });
});
