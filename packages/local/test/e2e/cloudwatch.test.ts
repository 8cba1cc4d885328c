import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  InternalServiceFault,
  InvalidFormatFault,
  InvalidNextToken,
  InvalidParameterCombinationException,
  ListMetricsCommand,
  ListTagsForResourceCommand,
  type MetricAlarm,
  MissingRequiredParameterException,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  ResourceNotFound,
  ResourceNotFoundException,
  SetAlarmStateCommand,
  TagResourceCommand,
  ValidationException,
} from '@aws-sdk/client-cloudwatch';
import { isThrottlingError } from '@smithy/core/retry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControllableClock } from '../../src/clock';
import type { Scenario } from '../../src/scenario';
import { type LocalCloud, startLocalCloud } from '../../src/server';
import { rabbitNodeName } from '../../src/services/cloudwatch';

const NOW = '2025-03-10T12:00:00.000Z';
const at = (iso: string) => new Date(iso);
const minutesBefore = (n: number) => new Date(Date.parse(NOW) - n * 60_000);

const scenario: Scenario = {
  accountId: '111122223333',
  region: 'eu-west-1',
  now: NOW,
  brokers: [
    {
      BrokerName: 'orders',
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
      HostInstanceType: 'mq.m5.large',
      Metrics: { CpuUtilization: 42, HeapUsage: [10, 20, 30], 'QueueSize{Queue=orders.in}': 7 },
    },
    {
      BrokerName: 'events',
      EngineType: 'RABBITMQ',
      EngineVersion: '3.13',
      DeploymentMode: 'CLUSTER_MULTI_AZ',
      HostInstanceType: 'mq.m5.large',
      Metrics: {
        SystemCpuUtilization: 10,
        ConnectionCount: { base: 100, amplitude: 50, periodMinutes: 60 },
        RabbitMQMemUsed: { base: 1000, noise: 100 },
      },
    },
  ],
  alarms: [
    {
      AlarmName: 'events-connections',
      Namespace: 'AWS/AmazonMQ',
      MetricName: 'ConnectionCount',
      Dimensions: [{ Name: 'Broker', Value: 'events' }],
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1000,
      ComparisonOperator: 'GreaterThanThreshold',
      StateValue: 'ALARM',
      StateReason: 'Threshold Crossed',
      StateUpdatedTimestamp: '2025-03-10T11:00:00.000Z',
    },
  ],
  topics: [{ Name: 'mq-alerts' }],
};

describe('local CloudWatch through the real SDK client', () => {
  let cloud: LocalCloud;
  let cw: CloudWatchClient;
  const client = (extra: Partial<CloudWatchClientConfig> = {}) =>
    new CloudWatchClient({ ...cloud.clientConfig(), ...extra });

  beforeAll(async () => {
    cloud = await startLocalCloud({ scenario, clock: new ControllableClock(NOW, { frozen: true }) });
    cw = client({ maxAttempts: 1 });
  });
  afterAll(async () => {
    cw.destroy();
    await cloud.stop();
  });
  beforeEach(() => cloud.faults.clear());

  describe('GetMetricData', () => {
    it('aggregates a constant series into period buckets, newest first', async () => {
      const out = await cw.send(
        new GetMetricDataCommand({
          StartTime: minutesBefore(30),
          EndTime: at(NOW),
          MetricDataQueries: [
            {
              Id: 'cpu',
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/AmazonMQ',
                  MetricName: 'CpuUtilization',
                  Dimensions: [{ Name: 'Broker', Value: 'orders-1' }],
                },
                Period: 300,
                Stat: 'Average',
              },
            },
          ],
        }),
      );
      expect(out.MetricDataResults).toEqual([
        {
          Id: 'cpu',
          Label: 'CpuUtilization',
          Timestamps: [5, 10, 15, 20, 25, 30].map(minutesBefore),
          Values: [42, 42, 42, 42, 42, 42],
          StatusCode: 'Complete',
          Messages: [],
        },
      ]);
      expect(out.NextToken).toBeUndefined();
    });

    it('repeats a list spec minute by minute, honours ScanBy, and answers the same numbers every time', async () => {
      const query = (scanBy?: 'TimestampAscending' | 'TimestampDescending') =>
        cw.send(
          new GetMetricDataCommand({
            StartTime: minutesBefore(5),
            EndTime: at(NOW),
            ScanBy: scanBy,
            MetricDataQueries: [
              {
                Id: 'heap',
                Label: 'heap max',
                MetricStat: {
                  Metric: {
                    Namespace: 'AWS/AmazonMQ',
                    MetricName: 'HeapUsage',
                    Dimensions: [{ Name: 'Broker', Value: 'orders-1' }],
                  },
                  Period: 60,
                  Stat: 'Maximum',
                },
              },
            ],
          }),
        );
      // Element 0 of [10, 20, 30] is the scenario's start minute: 11:59 → 30, 11:58 → 20, 11:57 → 10, …
      const desc = await query();
      expect(desc.MetricDataResults?.[0]?.Label).toBe('heap max');
      expect(desc.MetricDataResults?.[0]?.Values).toEqual([30, 20, 10, 30, 20]);
      expect(desc.MetricDataResults?.[0]?.Timestamps).toEqual([1, 2, 3, 4, 5].map(minutesBefore));
      const asc = await query('TimestampAscending');
      expect(asc.MetricDataResults?.[0]?.Values).toEqual([20, 30, 10, 20, 30]);
      expect(asc.MetricDataResults?.[0]?.Timestamps).toEqual([5, 4, 3, 2, 1].map(minutesBefore));
      expect((await query()).MetricDataResults).toEqual(desc.MetricDataResults);
    });

    it('synthesizes waves and noise deterministically', async () => {
      const wave = await cw.send(
        new GetMetricDataCommand({
          StartTime: minutesBefore(30),
          EndTime: at(NOW),
          ScanBy: 'TimestampAscending',
          MetricDataQueries: [
            {
              Id: 'conn',
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/AmazonMQ',
                  MetricName: 'ConnectionCount',
                  Dimensions: [{ Name: 'Broker', Value: 'events' }],
                },
                Period: 60,
                Stat: 'Average',
              },
            },
            {
              Id: 'mem',
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/AmazonMQ',
                  MetricName: 'RabbitMQMemUsed',
                  Dimensions: [
                    { Name: 'Broker', Value: 'events' },
                    { Name: 'Node', Value: rabbitNodeName(2) },
                  ],
                },
                Period: 60,
                Stat: 'Average',
              },
            },
          ],
        }),
      );
      const [conn, mem] = wave.MetricDataResults ?? [];
      expect(conn?.Values).toHaveLength(30);
      // base 100, amplitude 50, a 60-minute period anchored at 12:00: 11:30 → 100, 11:45 → 50, 11:59 → ~94.8
      expect(conn?.Values?.[0]).toBeCloseTo(100, 6);
      expect(conn?.Values?.[15]).toBeCloseTo(50, 6);
      expect(conn?.Values?.[29]).toBeCloseTo(100 + 50 * Math.sin((2 * Math.PI * -1) / 60), 6);
      expect(mem?.Values).toHaveLength(30);
      for (const v of mem?.Values ?? []) {
        expect(v).toBeGreaterThanOrEqual(900);
        expect(v).toBeLessThanOrEqual(1100);
      }
      expect(new Set(mem?.Values).size).toBeGreaterThan(20);
    });

    it('reports RabbitMQ node metrics per node and their sum at broker level; the ActiveMQ standby is idle', async () => {
      const stat = (id: string, metric: string, dims: Record<string, string>) => ({
        Id: id,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/AmazonMQ',
            MetricName: metric,
            Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
          },
          Period: 300,
          Stat: 'Average',
        },
      });
      const out = await cw.send(
        new GetMetricDataCommand({
          StartTime: minutesBefore(10),
          EndTime: at(NOW),
          MetricDataQueries: [
            stat('broker', 'SystemCpuUtilization', { Broker: 'events' }),
            stat('node3', 'SystemCpuUtilization', { Broker: 'events', Node: rabbitNodeName(3) }),
            stat('standby', 'CpuUtilization', { Broker: 'orders-2' }),
            stat('queue', 'QueueSize', { Broker: 'orders-1', Queue: 'orders.in' }),
            stat('missing', 'CpuUtilization', { Broker: 'nope-1' }),
          ],
        }),
      );
      const values = Object.fromEntries((out.MetricDataResults ?? []).map((r) => [r.Id, r.Values]));
      expect(values).toEqual({
        broker: [30, 30],
        node3: [10, 10],
        standby: [0, 0],
        queue: [7, 7],
        missing: [],
      });
    });

    it('evaluates simple metric math and refuses what it does not support', async () => {
      const cpu = {
        Id: 'cpu',
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/AmazonMQ',
            MetricName: 'CpuUtilization',
            Dimensions: [{ Name: 'Broker', Value: 'orders-1' }],
          },
          Period: 300,
          Stat: 'Average',
        },
      };
      const out = await cw.send(
        new GetMetricDataCommand({
          StartTime: minutesBefore(10),
          EndTime: at(NOW),
          MetricDataQueries: [
            cpu,
            { Id: 'doubled', Expression: '(cpu + 8) * 2', Label: 'doubled' },
            { Id: 'total', Expression: 'SUM([cpu, doubled])' },
          ],
        }),
      );
      expect(out.MetricDataResults?.map((r) => [r.Id, r.Label, r.Values])).toEqual([
        ['doubled', 'doubled', [100, 100]],
        ['total', 'total', [142, 142]],
      ]);
      const error = await cw
        .send(
          new GetMetricDataCommand({
            StartTime: minutesBefore(10),
            EndTime: at(NOW),
            MetricDataQueries: [cpu, { Id: 'filled', Expression: 'FILL(cpu, 0)' }],
          }),
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationException);
      expect((error as ValidationException).message).toMatch(
        /Unsupported metric math expression "FILL\(cpu, 0\)"/,
      );
    });

    it('validates the request as CloudWatch does', async () => {
      const error = await cw
        .send(
          new GetMetricDataCommand({
            StartTime: at(NOW),
            EndTime: minutesBefore(5),
            MetricDataQueries: [{ Id: 'x', Expression: '1' }],
          }),
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationException);
      expect((error as ValidationException).$metadata.httpStatusCode).toBe(400);
      expect((error as Error).message).toBe(
        'The parameter StartTime must be less than the parameter EndTime.',
      );
    });
  });

  it('ListMetrics lists the series with Amazon MQ dimensions, filtered', async () => {
    const events = await cw.send(
      new ListMetricsCommand({
        Namespace: 'AWS/AmazonMQ',
        Dimensions: [{ Name: 'Broker', Value: 'events' }],
      }),
    );
    const nodes = [1, 2, 3].map((i) => ({
      Namespace: 'AWS/AmazonMQ',
      MetricName: 'SystemCpuUtilization',
      Dimensions: [
        { Name: 'Broker', Value: 'events' },
        { Name: 'Node', Value: rabbitNodeName(i) },
      ],
    }));
    expect(events.Metrics).toHaveLength(9);
    expect(events.Metrics).toEqual(expect.arrayContaining([...nodes]));
    const byName = await cw.send(
      new ListMetricsCommand({ MetricName: 'CpuUtilization', Dimensions: [{ Name: 'Broker' }] }),
    );
    expect(byName.Metrics).toEqual([
      {
        Namespace: 'AWS/AmazonMQ',
        MetricName: 'CpuUtilization',
        Dimensions: [{ Name: 'Broker', Value: 'orders-1' }],
      },
      {
        Namespace: 'AWS/AmazonMQ',
        MetricName: 'CpuUtilization',
        Dimensions: [{ Name: 'Broker', Value: 'orders-2' }],
      },
    ]);
    const queues = await cw.send(
      new ListMetricsCommand({ Dimensions: [{ Name: 'Queue', Value: 'orders.in' }] }),
    );
    expect(queues.Metrics).toEqual([
      {
        Namespace: 'AWS/AmazonMQ',
        MetricName: 'QueueSize',
        Dimensions: [
          { Name: 'Broker', Value: 'orders-1' },
          { Name: 'Queue', Value: 'orders.in' },
        ],
      },
    ]);
  });

  describe('alarms', () => {
    const input: PutMetricAlarmCommandInput = {
      AlarmName: 'orders-cpu-high',
      AlarmDescription: 'CPU of the orders broker',
      Namespace: 'AWS/AmazonMQ',
      MetricName: 'CpuUtilization',
      Dimensions: [{ Name: 'Broker', Value: 'orders-1' }],
      Statistic: 'Average',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 80,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: ['arn:aws:sns:eu-west-1:111122223333:mq-alerts'],
      OKActions: ['arn:aws:sns:eu-west-1:111122223333:mq-alerts'],
      Tags: [{ Key: 'team', Value: 'platform' }],
    };

    it('PutMetricAlarm stores every field; DescribeAlarms returns the MetricAlarm shape', async () => {
      await cw.send(new PutMetricAlarmCommand(input));
      const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['orders-cpu-high'] }));
      const expected: MetricAlarm = {
        AlarmName: 'orders-cpu-high',
        AlarmArn: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:orders-cpu-high',
        AlarmDescription: 'CPU of the orders broker',
        AlarmConfigurationUpdatedTimestamp: at(NOW),
        ActionsEnabled: true,
        OKActions: ['arn:aws:sns:eu-west-1:111122223333:mq-alerts'],
        AlarmActions: ['arn:aws:sns:eu-west-1:111122223333:mq-alerts'],
        InsufficientDataActions: [],
        StateValue: 'INSUFFICIENT_DATA',
        StateReason: 'Unchecked: Initial alarm creation',
        StateUpdatedTimestamp: at(NOW),
        StateTransitionedTimestamp: at(NOW),
        MetricName: 'CpuUtilization',
        Namespace: 'AWS/AmazonMQ',
        Statistic: 'Average',
        Dimensions: [{ Name: 'Broker', Value: 'orders-1' }],
        Period: 300,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 80,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      };
      expect(out.MetricAlarms).toEqual([expected]);
      expect(out.CompositeAlarms).toEqual([]);
      const tags = await cw.send(new ListTagsForResourceCommand({ ResourceARN: expected.AlarmArn }));
      expect(tags.Tags).toEqual([{ Key: 'team', Value: 'platform' }]);
    });

    it('scenario alarms start in their declared state', async () => {
      const out = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
      expect(
        out.MetricAlarms?.map((a) => [a.AlarmName, a.StateValue, a.StateReason, a.StateUpdatedTimestamp]),
      ).toEqual([['events-connections', 'ALARM', 'Threshold Crossed', at('2025-03-10T11:00:00.000Z')]]);
    });

    it('pages with MaxRecords and NextToken, sorted by name', async () => {
      for (const n of [3, 1, 5, 2, 4]) {
        await cw.send(new PutMetricAlarmCommand({ ...input, AlarmName: `paged-${n}`, Tags: undefined }));
      }
      const names: string[][] = [];
      let token: string | undefined;
      do {
        const page = await cw.send(
          new DescribeAlarmsCommand({ AlarmNamePrefix: 'paged-', MaxRecords: 2, NextToken: token }),
        );
        names.push((page.MetricAlarms ?? []).map((a) => a.AlarmName ?? ''));
        token = page.NextToken;
      } while (token);
      expect(names).toEqual([['paged-1', 'paged-2'], ['paged-3', 'paged-4'], ['paged-5']]);
      const bad = await cw.send(new DescribeAlarmsCommand({ NextToken: 'garbage' })).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(InvalidNextToken);
      const both = await cw
        .send(new DescribeAlarmsCommand({ AlarmNames: ['a'], AlarmNamePrefix: 'a' }))
        .catch((e: unknown) => e);
      expect(both).toBeInstanceOf(InvalidParameterCombinationException);
    });

    it('validates PutMetricAlarm with CloudWatch error types', async () => {
      const noThreshold = await cw
        .send(new PutMetricAlarmCommand({ ...input, AlarmName: 'x', Threshold: undefined }))
        .catch((e: unknown) => e);
      expect(noThreshold).toBeInstanceOf(MissingRequiredParameterException);
      const noPeriods = await cw
        .send(new PutMetricAlarmCommand({ ...input, AlarmName: 'x', EvaluationPeriods: undefined }))
        .catch((e: unknown) => e);
      expect(noPeriods).toBeInstanceOf(ValidationException);
      expect((noPeriods as Error).message).toContain("Value null at 'evaluationPeriods'");
      const badOperator = await cw
        .send(
          new PutMetricAlarmCommand({
            ...input,
            AlarmName: 'x',
            ComparisonOperator: 'Bigger' as 'GreaterThanThreshold',
          }),
        )
        .catch((e: unknown) => e);
      expect(badOperator).toBeInstanceOf(ValidationException);
      const both = await cw
        .send(new PutMetricAlarmCommand({ ...input, AlarmName: 'x', ExtendedStatistic: 'p99' }))
        .catch((e: unknown) => e);
      expect(both).toBeInstanceOf(InvalidParameterCombinationException);
      const described = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['x'] }));
      expect(described.MetricAlarms).toEqual([]);
    });

    it('updating keeps the state and ignores tags; SetAlarmState changes it and notifies the SNS action', async () => {
      const name = 'orders-cpu-notify';
      await cw.send(new PutMetricAlarmCommand({ ...input, AlarmName: name }));
      const before = cloud.world.sns.published.length;
      await cw.send(
        new SetAlarmStateCommand({
          AlarmName: name,
          StateValue: 'ALARM',
          StateReason: 'Threshold Crossed: 3 datapoints were greater than the threshold (80.0).',
          StateReasonData: '{"version":"1.0"}',
        }),
      );
      cloud.clock.advance(60_000);
      await cw.send(
        new PutMetricAlarmCommand({
          ...input,
          AlarmName: name,
          Threshold: 90,
          Tags: [{ Key: 'x', Value: 'y' }],
        }),
      );
      const [alarm] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms ?? [];
      expect(alarm?.StateValue).toBe('ALARM');
      expect(alarm?.StateReasonData).toBe('{"version":"1.0"}');
      expect(alarm?.Threshold).toBe(90);
      expect(alarm?.StateUpdatedTimestamp).toEqual(at(NOW));
      expect(alarm?.AlarmConfigurationUpdatedTimestamp).toEqual(new Date(Date.parse(NOW) + 60_000));
      const tags = await cw.send(new ListTagsForResourceCommand({ ResourceARN: alarm?.AlarmArn }));
      expect(tags.Tags).toEqual([{ Key: 'team', Value: 'platform' }]);

      const sent = cloud.world.sns.published.slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0]?.topicArn).toBe('arn:aws:sns:eu-west-1:111122223333:mq-alerts');
      expect(sent[0]?.subject).toBe(`ALARM: "${name}" in EU (Ireland)`);
      const message = JSON.parse(sent[0]?.message ?? '{}');
      expect(message).toMatchObject({
        AlarmName: name,
        AWSAccountId: '111122223333',
        NewStateValue: 'ALARM',
        OldStateValue: 'INSUFFICIENT_DATA',
        StateChangeTime: '2025-03-10T12:00:00.000+0000',
        Region: 'EU (Ireland)',
        AlarmArn: `arn:aws:cloudwatch:eu-west-1:111122223333:alarm:${name}`,
        Trigger: {
          MetricName: 'CpuUtilization',
          Namespace: 'AWS/AmazonMQ',
          Statistic: 'AVERAGE',
          Dimensions: [{ value: 'orders-1', name: 'Broker' }],
          Period: 300,
          EvaluationPeriods: 3,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          Threshold: 80,
          TreatMissingData: 'notBreaching',
        },
      });

      // Through the state too (what tests and other features use).
      cloud.world.cloudwatch.setAlarmState(name, 'OK', 'back to normal');
      expect(cloud.world.sns.published.slice(before).map((m) => m.subject)).toEqual([
        `ALARM: "${name}" in EU (Ireland)`,
        `OK: "${name}" in EU (Ireland)`,
      ]);
      expect(cloud.world.cloudwatch.alarms.get(name)?.StateValue).toBe('OK');
    });

    it('SetAlarmState and tag calls on unknown alarms raise the typed not-found errors', async () => {
      const unknown = await cw
        .send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' }))
        .catch((e: unknown) => e);
      expect(unknown).toBeInstanceOf(ResourceNotFound);
      expect((unknown as ResourceNotFound).$metadata.httpStatusCode).toBe(404);
      const badJson = await cw
        .send(
          new SetAlarmStateCommand({
            AlarmName: 'events-connections',
            StateValue: 'OK',
            StateReason: 'x',
            StateReasonData: '{not json',
          }),
        )
        .catch((e: unknown) => e);
      expect(badJson).toBeInstanceOf(InvalidFormatFault);
      const arn = 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:nope';
      const tags = await cw
        .send(new ListTagsForResourceCommand({ ResourceARN: arn }))
        .catch((e: unknown) => e);
      expect(tags).toBeInstanceOf(ResourceNotFoundException);
      const tag = await cw
        .send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'a', Value: 'b' }] }))
        .catch((e: unknown) => e);
      expect(tag).toBeInstanceOf(ResourceNotFoundException);
    });

    it('TagResource adds and overwrites alarm tags', async () => {
      await cw.send(new PutMetricAlarmCommand({ ...input, AlarmName: 'tagged' }));
      const arn = 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:tagged';
      await cw.send(
        new TagResourceCommand({
          ResourceARN: arn,
          Tags: [
            { Key: 'team', Value: 'mq' },
            { Key: 'env', Value: 'prod' },
          ],
        }),
      );
      expect((await cw.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
        { Key: 'team', Value: 'mq' },
        { Key: 'env', Value: 'prod' },
      ]);
    });

    it('DeleteAlarms deletes, and ignores names that do not exist (as CloudWatch does)', async () => {
      await cw.send(new PutMetricAlarmCommand({ ...input, AlarmName: 'doomed' }));
      await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['doomed', 'never-existed'] }));
      expect((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['doomed'] }))).MetricAlarms).toEqual([]);
      expect(cloud.world.cloudwatch.tags.has('arn:aws:cloudwatch:eu-west-1:111122223333:alarm:doomed')).toBe(
        false,
      );
    });
  });

  describe('fault injection', () => {
    it('a throttle surfaces as the Throttling error the SDK classifies as throttling', async () => {
      cloud.faults.add({
        service: 'monitoring',
        operation: 'DescribeAlarms',
        throttle: { rate: 1, burst: 1 },
      });
      await cw.send(new DescribeAlarmsCommand({}));
      const error = await cw.send(new DescribeAlarmsCommand({})).catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'Throttling',
        message: 'Rate exceeded',
        $fault: 'client',
        $metadata: { httpStatusCode: 400, attempts: 1 },
      });
      expect(isThrottlingError(error as Parameters<typeof isThrottlingError>[0])).toBe(true);
    });

    it('the SDK retries a throttle and succeeds once the bucket refills', async () => {
      cloud.faults.add({
        service: 'monitoring',
        operation: 'DescribeAlarms',
        throttle: { rate: 1, burst: 1 },
      });
      const retrying = client({ maxAttempts: 10 });
      await retrying.send(new DescribeAlarmsCommand({}));
      const seen = cloud.requests.length;
      // The clock is frozen: let one second of cloud time pass shortly after the first (throttled) attempt.
      const timer = setTimeout(() => cloud.clock.advance(1_000), 150);
      const out = await retrying.send(new DescribeAlarmsCommand({ AlarmNames: ['events-connections'] }));
      clearTimeout(timer);
      retrying.destroy();
      expect(out.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['events-connections']);
      expect(out.$metadata.attempts).toBeGreaterThan(1);
      const statuses = cloud.requests.slice(seen).map((r) => r.status);
      expect(statuses[0]).toBe(400);
      expect(statuses.at(-1)).toBe(200);
    });

    it('injected failures are InternalServiceFault (500) and retried', async () => {
      cloud.faults.add({ service: 'monitoring', operation: 'ListMetrics', failTimes: 1 });
      const error = await cw.send(new ListMetricsCommand({})).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InternalServiceFault);
      expect((error as InternalServiceFault).$metadata.httpStatusCode).toBe(500);
      cloud.faults.add({ service: 'monitoring', operation: 'ListMetrics', failTimes: 2 });
      const retrying = client({ maxAttempts: 3 });
      const out = await retrying.send(new ListMetricsCommand({ MetricName: 'QueueSize' }));
      retrying.destroy();
      expect(out.$metadata.attempts).toBe(3);
      expect(out.Metrics).toHaveLength(1);
    });
  });
});
