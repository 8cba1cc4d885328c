import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type MetricAlarm,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { MqopsError } from '@mqops/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { brokerDimensionValues, CloudWatchAlarmStates } from '../../src/alarm-states';
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

  it('asks DescribeAlarms for metric alarms in ALARM only', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });

    // Act
    await states().inAlarm(orders);

    // Assess
    const calls = cw.commandCalls(DescribeAlarmsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toMatchObject({ StateValue: 'ALARM', AlarmTypes: ['MetricAlarm'] });
    expect(calls[0]?.args[0].input.NextToken).toBeUndefined();
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
