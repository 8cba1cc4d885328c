import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  ListMetricsCommand,
  ListTagsForResourceCommand,
  type MetricAlarm,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  ResourceNotFoundException,
  TagResourceCommand,
} from '@aws-sdk/client-cloudwatch';
import { BrokerNotFoundError } from '@mqops/core';
import { type DesiredAlarm, desiredAlarms } from '@mqops/core/alarms/desired';
import { driftOf, reconcileAlarms } from '@mqops/core/alarms/reconcile';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchAlarmStore, toExistingAlarm, toPutMetricAlarmInput } from '../../src/cloudwatch-alarms';
import { toBroker } from '../../src/mq-inventory';

const cw = mockClient(CloudWatchClient);
const TOPIC = 'arn:aws:sns:eu-west-1:210987654321:mqops-alerts';
const arnOf = (name: string) => `arn:aws:cloudwatch:eu-west-1:210987654321:alarm:${name}`;
const store = () => new CloudWatchAlarmStore(new CloudWatchClient({ region: 'eu-west-1' }));

const brokerOf = (mode: 'SINGLE_INSTANCE' | 'ACTIVE_STANDBY_MULTI_AZ') =>
  toBroker(
    {
      BrokerId: 'b-1234',
      BrokerArn: 'arn:aws:mq:eu-west-1:210987654321:broker:orders:b-1234',
      BrokerName: 'orders',
      BrokerState: 'RUNNING',
      EngineType: 'ACTIVEMQ',
      DeploymentMode: mode,
      HostInstanceType: 'mq.m5.large',
    },
    'eu-west-1',
  );
const activeStandby = brokerOf('ACTIVE_STANDBY_MULTI_AZ');
const single = brokerOf('SINGLE_INSTANCE');
const alarmOf = (broker: typeof single, key: string): DesiredAlarm => {
  const alarm = desiredAlarms(broker, { alarmActions: [TOPIC] }).alarms.find((a) => a.key === key);
  if (!alarm) throw new Error(`no ${key} alarm`);
  return alarm;
};

/** What DescribeAlarms answers for an alarm created with this PutMetricAlarm input. */
function described(input: PutMetricAlarmCommandInput): MetricAlarm {
  const { Tags: _tags, ...rest } = input;
  return {
    ...rest,
    AlarmArn: arnOf(input.AlarmName ?? ''),
    StateValue: 'INSUFFICIENT_DATA',
    InsufficientDataActions: [],
  } as MetricAlarm;
}

describe('Function: toPutMetricAlarmInput', () => {
  it('writes a single-metric alarm with its tags', () => {
    // Act
    const input = toPutMetricAlarmInput(alarmOf(single, 'cpu'), { withTags: true });

    // Assess
    expect(input).toEqual({
      AlarmName: 'mqops-orders-cpu',
      AlarmDescription: expect.stringContaining('CPU'),
      ActionsEnabled: true,
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
      Namespace: 'AWS/AmazonMQ',
      MetricName: 'CpuUtilization',
      Dimensions: [{ Name: 'Broker', Value: 'orders-1' }],
      Statistic: 'Average',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 85,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'missing',
      Tags: [
        { Key: 'mqops:alarm-key', Value: 'cpu' },
        { Key: 'mqops:broker', Value: 'b-1234' },
        { Key: 'mqops:broker-name', Value: 'orders' },
        { Key: 'mqops:managed', Value: 'true' },
      ],
    });
  });

  it('writes a metric-math alarm without Namespace, MetricName, Statistic or Period', () => {
    // Act
    const input = toPutMetricAlarmInput(alarmOf(activeStandby, 'heap'), { withTags: false });

    // Assess
    expect(input).not.toHaveProperty('MetricName');
    expect(input).not.toHaveProperty('Period');
    expect(input).not.toHaveProperty('Tags');
    expect(input.Metrics).toEqual([
      {
        Id: 'm1',
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/AmazonMQ',
            MetricName: 'HeapUsage',
            Dimensions: [{ Name: 'Broker', Value: 'orders-1' }],
          },
          Period: 300,
          Stat: 'Average',
        },
      },
      {
        Id: 'm2',
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/AmazonMQ',
            MetricName: 'HeapUsage',
            Dimensions: [{ Name: 'Broker', Value: 'orders-2' }],
          },
          Period: 300,
          Stat: 'Average',
        },
      },
      { Id: 'e1', ReturnData: true, Label: 'HeapUsage (active instance)', Expression: 'MAX([m1, m2])' },
    ]);
  });
});

describe('Function: toExistingAlarm', () => {
  it.each(['cpu', 'heap', 'dlq', 'down'])('reads back the %s alarm it wrote without drift', (key) => {
    for (const broker of [single, activeStandby]) {
      // Prepare
      const alarm = alarmOf(broker, key);

      // Act
      const existing = toExistingAlarm(
        described(toPutMetricAlarmInput(alarm, { withTags: false })),
        alarm.tags,
      );

      // Assess
      expect(driftOf(alarm, existing)).toEqual([]);
    }
  });

  it.each(['cpu', 'heap', 'connections'])(
    'reads back the %s alarm it wrote without drift and without reading its tags (the marker)',
    (key) => {
      for (const broker of [single, activeStandby]) {
        // Prepare
        const alarm = alarmOf(broker, key);

        // Act
        const existing = toExistingAlarm(described(toPutMetricAlarmInput(alarm, { withTags: false })));

        // Assess
        expect(existing.tags).toBeUndefined();
        expect(driftOf(alarm, existing)).toEqual([]);
      }
    },
  );

  it('fills CloudWatch’s defaults: ReturnData true, N of N datapoints, missing data as missing', () => {
    // Act
    const existing = toExistingAlarm(
      {
        AlarmName: 'mqops-x',
        AlarmArn: arnOf('mqops-x'),
        EvaluationPeriods: 4,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 1,
        Metrics: [{ Id: 'e1', Expression: 'MAX([m1])' }],
      },
      {},
    );

    // Assess
    expect(existing).toMatchObject({
      datapointsToAlarm: 4,
      treatMissingData: 'missing',
      actionsEnabled: true,
      alarmActions: [],
      okActions: [],
      metrics: [{ id: 'e1', returnData: true, expression: 'MAX([m1])' }],
    });
    expect(existing.metric).toBeUndefined();
  });
});

describe('Class: CloudWatchAlarmStore', () => {
  beforeEach(() => cw.reset());

  it('lists alarms with the prefix across pages, without reading a tag', async () => {
    // Prepare
    const cpu = described(toPutMetricAlarmInput(alarmOf(single, 'cpu'), { withTags: false }));
    cw.on(DescribeAlarmsCommand, { AlarmNamePrefix: 'mqops-', NextToken: undefined })
      .resolves({ MetricAlarms: [cpu], NextToken: 'p2' })
      .on(DescribeAlarmsCommand, { NextToken: 'p2' })
      .resolves({
        MetricAlarms: [{ AlarmName: 'mqops-gone', AlarmArn: arnOf('mqops-gone'), EvaluationPeriods: 1 }],
      });

    // Act
    const alarms = await store().list('mqops-');

    // Assess
    expect(alarms.map((a) => [a.name, a.tags])).toEqual([
      ['mqops-orders-cpu', undefined],
      ['mqops-gone', undefined],
    ]);
    // (The paginator reuses one input object, so every recorded call shows the last NextToken.)
    const calls = cw.commandCalls(DescribeAlarmsCommand);
    expect(calls).toHaveLength(2);
    for (const call of calls)
      expect(call.args[0].input).toMatchObject({
        AlarmNamePrefix: 'mqops-',
        AlarmTypes: ['MetricAlarm'],
        MaxRecords: 100,
      });
    expect(cw.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
  });

  it('reads the tags of one alarm on request, and none of an alarm deleted since', async () => {
    // Prepare
    cw.on(ListTagsForResourceCommand, { ResourceARN: arnOf('mqops-orders-cpu') })
      .resolves({ Tags: [{ Key: 'mqops:managed', Value: 'true' }] })
      .on(ListTagsForResourceCommand, { ResourceARN: arnOf('mqops-gone') })
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));

    // Act + Assess
    expect(await store().tags(arnOf('mqops-orders-cpu'))).toEqual({ 'mqops:managed': 'true' });
    expect(await store().tags(arnOf('mqops-gone'))).toBeUndefined();
    expect(cw.commandCalls(ListTagsForResourceCommand)).toHaveLength(2);
  });

  it('never reads tags of alarms without the prefix', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'team-cpu', AlarmArn: arnOf('team-cpu'), EvaluationPeriods: 1 }],
    });

    // Act
    const alarms = await store().list('mqops-');

    // Assess
    expect(alarms).toEqual([]);
    expect(cw.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
  });

  it('creates an alarm with its tags in one call', async () => {
    // Prepare
    cw.on(PutMetricAlarmCommand).resolves({});

    // Act
    await store().create(alarmOf(single, 'store'));

    // Assess
    const [call] = cw.commandCalls(PutMetricAlarmCommand);
    expect(call?.args[0].input).toMatchObject({ AlarmName: 'mqops-orders-store', ActionsEnabled: true });
    expect(call?.args[0].input.Tags).toContainEqual({ Key: 'mqops:managed', Value: 'true' });
    expect(cw.commandCalls(TagResourceCommand)).toHaveLength(0);
  });

  it.each([
    [true, false, 1, 0],
    [false, true, 0, 1],
    [true, true, 1, 1],
  ])(
    'updates (configuration %s, tags %s) with %d PutMetricAlarm and %d TagResource',
    async (configuration, tags, puts, tagCalls) => {
      // Prepare
      cw.on(PutMetricAlarmCommand).resolves({}).on(TagResourceCommand).resolves({});
      const alarm = alarmOf(single, 'cpu');

      // Act
      await store().update(alarm, { arn: arnOf(alarm.name), actionsEnabled: false, configuration, tags });

      // Assess
      expect(cw.commandCalls(PutMetricAlarmCommand)).toHaveLength(puts);
      expect(cw.commandCalls(TagResourceCommand)).toHaveLength(tagCalls);
      if (puts) {
        const input = cw.commandCalls(PutMetricAlarmCommand)[0]?.args[0].input;
        expect(input?.ActionsEnabled).toBe(false);
        expect(input).not.toHaveProperty('Tags');
      }
      if (tagCalls)
        expect(cw.commandCalls(TagResourceCommand)[0]?.args[0].input).toMatchObject({
          ResourceARN: arnOf(alarm.name),
          Tags: expect.arrayContaining([{ Key: 'mqops:broker', Value: 'b-1234' }]),
        });
    },
  );

  it.each([
    [0, []],
    [100, [100]],
    [250, [100, 100, 50]],
  ])('deletes %d alarms in batches of %j', async (count, batches) => {
    // Prepare
    cw.on(DeleteAlarmsCommand).resolves({});
    const names = Array.from({ length: count }, (_, i) => `mqops-b-${i}`);

    // Act
    await store().delete(names);

    // Assess
    const calls = cw.commandCalls(DeleteAlarmsCommand).map((c) => c.args[0].input.AlarmNames ?? []);
    expect(calls.map((c) => c.length)).toEqual(batches);
    expect(calls.flat()).toEqual(names);
  });

  it('finds RabbitMQ node names per broker from recently active per-node metrics', async () => {
    // Prepare
    const node = (broker: string, name: string) => ({
      Namespace: 'AWS/AmazonMQ',
      MetricName: 'SystemCpuUtilization',
      Dimensions: [
        { Name: 'Broker', Value: broker },
        { Name: 'Node', Value: name },
      ],
    });
    cw.on(ListMetricsCommand, { NextToken: undefined })
      .resolves({ Metrics: [node('events', 'rabbit@n2'), node('events', 'rabbit@n1')], NextToken: 'm2' })
      .on(ListMetricsCommand, { NextToken: 'm2' })
      .resolves({
        Metrics: [node('events', 'rabbit@n3'), node('audit', 'rabbit@a1'), node('events', 'rabbit@n1')],
      });

    // Act
    const nodes = await store().rabbitNodes();

    // Assess
    expect(nodes).toEqual(
      new Map([
        ['events', ['rabbit@n1', 'rabbit@n2', 'rabbit@n3']],
        ['audit', ['rabbit@a1']],
      ]),
    );
    expect(cw.commandCalls(ListMetricsCommand)).toHaveLength(2);
    expect(cw.commandCalls(ListMetricsCommand)[0]?.args[0].input).toMatchObject({
      Namespace: 'AWS/AmazonMQ',
      MetricName: 'SystemCpuUtilization',
      Dimensions: [{ Name: 'Node' }],
      RecentlyActive: 'PT3H',
    });
  });
});

describe('Function: reconcileAlarms over CloudWatchAlarmStore (hourly run)', () => {
  const inventory = {
    list: async () => [{ id: single.id, name: single.name }],
    describe: async (id: string) => {
      if (id !== single.id) throw new BrokerNotFoundError(id);
      return single;
    },
  };
  /** What CloudWatch holds after mqops created the broker's alarms, with `change` made to some of them. */
  const cloudWatchHolds = (change: (alarm: MetricAlarm) => MetricAlarm = (a) => a) =>
    desiredAlarms(single, { alarmActions: [TOPIC] }).alarms.map((alarm) =>
      change(described(toPutMetricAlarmInput(alarm, { withTags: true }))),
    );
  const reconcile = () =>
    reconcileAlarms({ inventory, alarms: store() }, { alarmActions: [TOPIC], concurrency: 2 });
  const count = () => ({
    describeAlarms: cw.commandCalls(DescribeAlarmsCommand).length,
    listTags: cw.commandCalls(ListTagsForResourceCommand).length,
    writes:
      cw.commandCalls(PutMetricAlarmCommand).length +
      cw.commandCalls(DeleteAlarmsCommand).length +
      cw.commandCalls(TagResourceCommand).length,
    puts: cw.commandCalls(PutMetricAlarmCommand).length,
    deletes: cw.commandCalls(DeleteAlarmsCommand).length,
  });

  beforeEach(() => {
    cw.reset();
    cw.on(PutMetricAlarmCommand).resolves({}).on(DeleteAlarmsCommand).resolves({});
    cw.on(TagResourceCommand).resolves({});
    cw.on(ListTagsForResourceCommand).resolves({ Tags: [] });
  });

  it('makes one DescribeAlarms, zero ListTagsForResource and zero writes on an in-sync fleet', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: cloudWatchHolds() });

    // Act
    const report = await reconcile();

    // Assess
    expect(report).toMatchObject({ unchanged: 8, writes: 0, tagReads: 0 });
    expect(count()).toEqual({ describeAlarms: 1, listTags: 0, writes: 0, puts: 0, deletes: 0 });
  });

  it('makes exactly one PutMetricAlarm for a changed threshold', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: cloudWatchHolds((a) =>
        a.AlarmName === 'mqops-orders-cpu' ? { ...a, Threshold: 99 } : a,
      ),
    });

    // Act
    const report = await reconcile();

    // Assess
    expect(report.perBroker[0]?.updated).toEqual([{ name: 'mqops-orders-cpu', fields: ['threshold'] }]);
    expect(count()).toMatchObject({ listTags: 0, writes: 1, puts: 1 });
    expect(cw.commandCalls(PutMetricAlarmCommand)[0]?.args[0].input).toMatchObject({
      AlarmName: 'mqops-orders-cpu',
      Threshold: 85,
    });
  });

  it('deletes the alarms of a deleted broker in one DeleteAlarms, reading no tag', async () => {
    // Prepare: the alarms of a broker "billing" that no longer exists, as mqops wrote them
    const billing = { ...single, id: 'b-5678', name: 'billing' };
    const gone = desiredAlarms(billing, { alarmActions: [TOPIC] }).alarms.map((alarm) =>
      described(toPutMetricAlarmInput(alarm, { withTags: true })),
    );
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [...cloudWatchHolds(), ...gone] });

    // Act
    const report = await reconcile();

    // Assess
    expect(report.perBroker.find((b) => b.brokerId === 'b-5678')).toMatchObject({
      brokerName: 'billing',
      gone: true,
    });
    expect(count()).toMatchObject({ listTags: 0, writes: 1, deletes: 1 });
    expect(cw.commandCalls(DeleteAlarmsCommand)[0]?.args[0].input.AlarmNames).toEqual(
      gone.map((a) => a.AlarmName),
    );
  });

  it('reads the tags of a hand-made mqops- alarm without the marker, and leaves it alone', async () => {
    // Prepare
    const handMade: MetricAlarm = {
      AlarmName: 'mqops-orders-custom',
      AlarmArn: arnOf('mqops-orders-custom'),
      AlarmDescription: 'made by hand',
      EvaluationPeriods: 1,
    };
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [...cloudWatchHolds(), handMade] });
    cw.on(ListTagsForResourceCommand, { ResourceARN: arnOf('mqops-orders-custom') }).resolves({
      Tags: [{ Key: 'team', Value: 'orders' }],
    });

    // Act
    const report = await reconcile();

    // Assess
    expect(report).toMatchObject({ unowned: ['mqops-orders-custom'], tagReads: 1, writes: 0 });
    expect(count()).toMatchObject({ listTags: 1, writes: 0 });
  });

  it('adopts an alarm of an older mqops version (no marker, tag mqops:managed=true) with one tag read', async () => {
    // Prepare
    const withoutMarker = (a: MetricAlarm): MetricAlarm =>
      a.AlarmName === 'mqops-orders-cpu'
        ? { ...a, AlarmDescription: a.AlarmDescription?.replace(/\n[^\n]*$/, '') }
        : a;
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: cloudWatchHolds(withoutMarker) });
    cw.on(ListTagsForResourceCommand, { ResourceARN: arnOf('mqops-orders-cpu') }).resolves({
      Tags: Object.entries(alarmOf(single, 'cpu').tags).map(([Key, Value]) => ({ Key, Value })),
    });

    // Act
    const report = await reconcile();

    // Assess: one PutMetricAlarm writes the marker; the tags were right, so no TagResource
    expect(report.perBroker[0]?.updated).toEqual([{ name: 'mqops-orders-cpu', fields: ['description'] }]);
    expect(count()).toMatchObject({ listTags: 1, writes: 1, puts: 1 });
    expect(cw.commandCalls(PutMetricAlarmCommand)[0]?.args[0].input.AlarmDescription).toMatch(
      /\nmqops:managed v=1 broker=b-1234 broker-name=orders key=cpu$/,
    );
  });
});
