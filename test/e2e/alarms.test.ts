import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  type MetricAlarm,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateBrokerCommand,
  DeleteBrokerCommand,
  MqClient,
  RebootBrokerCommand,
  UpdateBrokerCommand,
} from '@aws-sdk/client-mq';
import { CloudWatchAlarmStore } from '@mqops/aws/cloudwatch-alarms';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import { InvalidInputError } from '@mqops/core';
import { type AlarmReconcileReport, reconcileAlarms } from '@mqops/core/alarms/reconcile';
import { ControllableClock, type LocalCloud, type Scenario, startLocalCloud } from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlarmsResult, handler } from '../../functions/alarms';
import { jobMetrics, lambdaContext, scheduledEvent } from '../helpers/lambda';
import { capturingOutput } from '../helpers/process';

const NOW = '2026-11-25T12:00:00.000Z';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:mqops-alerts';
const WRITES = new Set(['PutMetricAlarm', 'DeleteAlarms', 'TagResource', 'UntagResource']);

/**
 * Three brokers that have no alarms yet (an ActiveMQ active/standby pair, a 3-node RabbitMQ cluster and a RabbitMQ
 * single instance with override tags, one of them bad), and two alarms that are not mqops': one with mqops' name
 * prefix but without its tag, one of a team.
 */
const scenario: Scenario = {
  accountId: '123456789012',
  region: 'us-east-1',
  now: NOW,
  topics: [{ Name: 'mqops-alerts' }],
  brokers: [
    {
      BrokerName: 'orders',
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
      HostInstanceType: 'mq.m5.large',
      Backing: 'none',
      Metrics: { CpuUtilization: 20, HeapUsage: 40, CurrentConnectionsCount: 120 },
    },
    {
      BrokerName: 'events',
      EngineType: 'RABBITMQ',
      EngineVersion: '3.13',
      DeploymentMode: 'CLUSTER_MULTI_AZ',
      HostInstanceType: 'mq.m5.large',
      Backing: 'none',
      Metrics: {
        SystemCpuUtilization: 15,
        RabbitMQMemUsed: 900_000_000,
        RabbitMQMemLimit: 3_200_000_000,
        RabbitMQDiskFree: 50_000_000_000,
        RabbitMQDiskFreeLimit: 500_000_000,
        ConnectionCount: 300,
      },
    },
    {
      BrokerName: 'billing',
      EngineType: 'RABBITMQ',
      EngineVersion: '3.13',
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: 'mq.t3.micro',
      Backing: 'none',
      Tags: {
        'mqops:alarm:cpu': 'off',
        'mqops:alarm:backlog:threshold': '5000',
        'mqops:alarm:memory:threshold': 'lots',
      },
      Metrics: { SystemCpuUtilization: 5 },
    },
  ],
  alarms: [
    {
      AlarmName: 'mqops-orders-legacy',
      Namespace: 'AWS/AmazonMQ',
      MetricName: 'CpuUtilization',
      Dimensions: [{ Name: 'Broker', Value: 'orders-1' }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 99,
      ComparisonOperator: 'GreaterThanThreshold',
    },
    {
      AlarmName: 'team-events-connections',
      Namespace: 'AWS/AmazonMQ',
      MetricName: 'ConnectionCount',
      Dimensions: [{ Name: 'Broker', Value: 'events' }],
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1000,
      ComparisonOperator: 'GreaterThanThreshold',
      Tags: [{ Key: 'team', Value: 'events' }],
    },
  ],
};

describe('Alarm reconciler against the local cloud (real SDK clients)', () => {
  let cloud: LocalCloud;
  let cw: CloudWatchClient;
  let mq: MqClient;
  let store: CloudWatchAlarmStore;
  let inventory: MqBrokerInventory;
  /** Calls of the last `run()`, by operation, and its write calls. */
  let calls: Record<string, number> = {};
  let writes = 0;

  const run = async (): Promise<AlarmReconcileReport> => {
    const from = cloud.requests.length;
    const report = await reconcileAlarms(
      { inventory, alarms: store, nodes: store },
      { alarmActions: [TOPIC] },
    );
    calls = {};
    for (const r of cloud.requests.slice(from)) calls[r.operation] = (calls[r.operation] ?? 0) + 1;
    writes = cloud.requests
      .slice(from)
      .filter((r) => r.service === 'monitoring' && WRITES.has(r.operation)).length;
    return report;
  };
  const describeAlarm = async (name: string): Promise<MetricAlarm> => {
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
    const alarm = out.MetricAlarms?.[0];
    if (!alarm) throw new Error(`no alarm ${name}`);
    return alarm;
  };
  const alarmNames = async (prefix: string) => {
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, MaxRecords: 100 }));
    return (out.MetricAlarms ?? []).map((a) => a.AlarmName);
  };
  /** Someone edits an alarm in the console or with the CLI: PutMetricAlarm with one field changed. */
  const edit = async (name: string, change: Partial<PutMetricAlarmCommandInput>) => {
    const {
      AlarmArn: _arn,
      StateValue: _s,
      StateReason: _r,
      StateReasonData: _d,
      StateUpdatedTimestamp: _u,
      StateTransitionedTimestamp: _t,
      AlarmConfigurationUpdatedTimestamp: _c,
      InsufficientDataActions: _i,
      ...config
    } = await describeAlarm(name);
    await cw.send(new PutMetricAlarmCommand({ ...(config as PutMetricAlarmCommandInput), ...change }));
  };
  const brokerReport = (report: AlarmReconcileReport, name: string) => {
    const found = report.perBroker.find((b) => b.brokerName === name);
    if (!found) throw new Error(`no report for ${name}`);
    return found;
  };

  beforeAll(async () => {
    cloud = await startLocalCloud({ scenario, clock: new ControllableClock(NOW, { frozen: true }) });
    cw = new CloudWatchClient(cloud.clientConfig());
    mq = new MqClient(cloud.clientConfig());
    store = new CloudWatchAlarmStore(new CloudWatchClient(cloud.clientConfig()));
    inventory = new MqBrokerInventory(new MqClient(cloud.clientConfig()));
  });
  afterAll(async () => {
    cw.destroy();
    mq.destroy();
    await cloud.stop();
  });

  it('gives every new broker its full alarm set in one run', async () => {
    // Act
    const report = await run();

    // Assess
    expect(report).toMatchObject({
      brokers: 3,
      desired: 29,
      created: 29,
      updated: 0,
      deleted: 0,
      errors: [],
    });
    expect(brokerReport(report, 'orders').created).toEqual(
      ['backlog', 'connections', 'cpu', 'dlq', 'down', 'heap', 'journal', 'store'].map(
        (k) => `mqops-orders-${k}`,
      ),
    );
    expect(brokerReport(report, 'events').created).toEqual(
      [
        'backlog',
        'channels',
        'connections',
        'cpu-node1',
        'cpu-node2',
        'cpu-node3',
        'disk-node1',
        'disk-node2',
        'disk-node3',
        'down',
        'memory-node1',
        'memory-node2',
        'memory-node3',
        'queues',
      ].map((k) => `mqops-events-${k}`),
    );
    expect(brokerReport(report, 'billing').created).toEqual(
      ['backlog', 'channels', 'connections', 'disk', 'down', 'memory', 'queues'].map(
        (k) => `mqops-billing-${k}`,
      ),
    );
    // The bad override tag is reported, the good ones applied.
    expect(report.issues).toEqual([
      expect.objectContaining({ tag: 'mqops:alarm:memory:threshold', value: 'lots', brokerName: 'billing' }),
    ]);
    expect((await describeAlarm('mqops-billing-backlog')).Threshold).toBe(5_000);
    expect((await describeAlarm('mqops-billing-memory')).Threshold).toBe(80);
    // What CloudWatch now holds: per-node dimensions, metric math for the active/standby pair, actions, tags.
    const node2 = await describeAlarm('mqops-events-cpu-node2');
    expect(node2.Dimensions).toEqual([
      { Name: 'Broker', Value: 'events' },
      { Name: 'Node', Value: 'rabbit@ip-10-0-0-2.ec2.internal' },
    ]);
    expect(node2.AlarmActions).toEqual([TOPIC]);
    expect(node2.OKActions).toEqual([TOPIC]);
    const heap = await describeAlarm('mqops-orders-heap');
    expect(heap.Metrics?.map((m) => m.Expression ?? m.MetricStat?.Metric?.Dimensions?.[0]?.Value)).toEqual([
      'orders-1',
      'orders-2',
      'MAX([m1, m2])',
    ]);
    expect((await describeAlarm('mqops-orders-connections')).Threshold).toBe(1_600);
    expect((await describeAlarm('mqops-events-connections')).Threshold).toBe(12_000);
    const tags = await cw.send(new ListTagsForResourceCommand({ ResourceARN: node2.AlarmArn }));
    expect(tags.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'mqops:managed', Value: 'true' },
        { Key: 'mqops:broker-name', Value: 'events' },
        { Key: 'mqops:alarm-key', Value: 'cpu' },
        { Key: 'mqops:node', Value: 'rabbit@ip-10-0-0-2.ec2.internal' },
      ]),
    );
    // One PutMetricAlarm per alarm (tags included), nothing else written.
    expect(writes).toBe(29);
    expect(calls.PutMetricAlarm).toBe(29);
    expect(calls.TagResource).toBeUndefined();
    // Every description ends with the marker the next runs recognise the alarm by.
    expect(node2.AlarmDescription?.split('\n').at(-1)).toBe(
      `mqops:managed v=1 broker=${brokerReport(report, 'events').brokerId} broker-name=events key=cpu node=rabbit@ip-10-0-0-2.ec2.internal`,
    );
    // The only tags read: those of the hand-made mqops-orders-legacy (no marker), left alone.
    expect(report).toMatchObject({ tagReads: 1, unowned: ['mqops-orders-legacy'] });
    expect(calls.ListTagsForResource).toBe(1);
    process.stdout.write(`[alarms e2e] first run calls: ${JSON.stringify(calls)}\n`);
  });

  it('makes zero write calls, and reads the tags of no alarm of its own, in a second run', async () => {
    // Act
    const report = await run();

    // Assess
    expect(report).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 29, writes: 0 });
    expect(writes).toBe(0);
    // One DescribeAlarms page; tags read only for the hand-made alarm without the marker (not one per alarm).
    expect(calls.DescribeAlarms).toBe(1);
    expect(calls.ListTagsForResource).toBe(1);
    expect(report.tagReads).toBe(1);
    process.stdout.write(`[alarms e2e] second run calls: ${JSON.stringify(calls)}\n`);
  });

  it('adopts the alarms of an older mqops version (tags, no marker) with one tag read each, once', async () => {
    // Prepare: billing's alarms as an mqops version before the marker left them (tagged, no marker line)
    const names = (await alarmNames('mqops-billing-')) as string[];
    for (const name of names) {
      const description = (await describeAlarm(name)).AlarmDescription ?? '';
      await edit(name, { AlarmDescription: description.replace(/\nmqops:managed [^\n]*$/, '') });
    }

    // Act
    const adopted = await run();
    const adoptedCalls = calls;
    const next = await run();

    // Assess: their tags read once (plus the hand-made alarm's), the marker written, the tags kept
    expect(names).toHaveLength(7);
    expect(adopted).toMatchObject({ updated: 7, deleted: 0, tagReads: 8, writes: 7 });
    expect(brokerReport(adopted, 'billing').updated).toContainEqual({
      name: 'mqops-billing-disk',
      fields: ['description'],
    });
    expect(adoptedCalls).toMatchObject({ ListTagsForResource: 8, PutMetricAlarm: 7 });
    expect(adoptedCalls.TagResource).toBeUndefined();
    expect((await describeAlarm('mqops-billing-disk')).AlarmDescription).toMatch(/\nmqops:managed v=1 /);
    expect(next).toMatchObject({ tagReads: 1, writes: 0 });
  });

  it('repairs a changed threshold, period and alarm actions', async () => {
    // Prepare: three edits made outside mqops
    await edit('mqops-orders-store', { Threshold: 99 });
    await edit('mqops-events-backlog', { Period: 60 });
    await edit('mqops-billing-disk', { AlarmActions: [] });

    // Act
    const report = await run();

    // Assess
    expect(report.updated).toBe(3);
    expect(brokerReport(report, 'orders').updated).toEqual([
      { name: 'mqops-orders-store', fields: ['threshold'] },
    ]);
    expect(brokerReport(report, 'events').updated).toEqual([
      { name: 'mqops-events-backlog', fields: ['period'] },
    ]);
    expect(brokerReport(report, 'billing').updated).toEqual([
      { name: 'mqops-billing-disk', fields: ['alarmActions'] },
    ]);
    expect((await describeAlarm('mqops-orders-store')).Threshold).toBe(80);
    expect((await describeAlarm('mqops-events-backlog')).Period).toBe(300);
    expect((await describeAlarm('mqops-billing-disk')).AlarmActions).toEqual([TOPIC]);
    expect(writes).toBe(3);
    expect((await run()).writes).toBe(0);
  });

  it('gives a broker created through the API its full alarm set in one run', async () => {
    // Prepare
    const created = await mq.send(
      new CreateBrokerCommand({
        BrokerName: 'payments',
        EngineType: 'RABBITMQ',
        DeploymentMode: 'CLUSTER_MULTI_AZ',
        HostInstanceType: 'mq.m5.large',
        PubliclyAccessible: false,
        Users: [{ Username: 'payments-admin', Password: 'e2e-Alarms-Password-1' }],
      }),
    );
    cloud.clock.advance(31_000); // creation takes 30 s in the local cloud

    // Act
    const report = await run();

    // Assess
    expect(report.created).toBe(14);
    expect(brokerReport(report, 'payments')).toMatchObject({ brokerId: created.BrokerId, desired: 14 });
    expect(brokerReport(report, 'payments').created).toContain('mqops-payments-memory-node3');
    expect(writes).toBe(14);
  });

  it('re-derives the cap-based thresholds when the instance type changes', async () => {
    // Prepare: the resize waits for a reboot
    const id = (await inventory.list()).find((b) => b.name === 'events')?.id as string;
    await mq.send(new UpdateBrokerCommand({ BrokerId: id, HostInstanceType: 'mq.m5.xlarge' }));

    // Act + Assess: pending only, the broker still runs (and is capped) on mq.m5.large
    expect((await run()).writes).toBe(0);

    // Act: the reboot applies it (the RebootBroker event arrives during the reboot)
    await mq.send(new RebootBrokerCommand({ BrokerId: id }));
    const report = await run();

    // Assess
    expect(brokerReport(report, 'events')).toMatchObject({ instanceType: 'mq.m5.xlarge' });
    expect(brokerReport(report, 'events').updated).toEqual([
      { name: 'mqops-events-channels', fields: ['description', 'threshold'] },
      { name: 'mqops-events-connections', fields: ['description', 'threshold'] },
      { name: 'mqops-events-queues', fields: ['description', 'threshold'] },
    ]);
    expect((await describeAlarm('mqops-events-connections')).Threshold).toBe(24_000);
    expect((await describeAlarm('mqops-events-channels')).Threshold).toBe(72_000);
    expect((await describeAlarm('mqops-events-queues')).Threshold).toBe(48_000);
    expect(writes).toBe(3);

    // Act + Assess: once the reboot is over nothing more changes
    cloud.clock.advance(11_000);
    expect((await run()).writes).toBe(0);
  });

  it('removes the alarms of a deleted broker, and only those', async () => {
    // Prepare
    const id = (await inventory.list()).find((b) => b.name === 'billing')?.id as string;
    await mq.send(new DeleteBrokerCommand({ BrokerId: id }));
    cloud.clock.advance(31_000); // past the deletion: the broker is gone

    // Act
    const report = await run();

    // Assess
    expect(report.deleted).toBe(7);
    expect(report.perBroker.find((b) => b.brokerId === id)).toMatchObject({
      gone: true,
      brokerName: 'billing',
      deleted: ['backlog', 'channels', 'connections', 'disk', 'down', 'memory', 'queues'].map(
        (k) => `mqops-billing-${k}`,
      ),
    });
    expect(await alarmNames('mqops-billing')).toEqual([]);
    expect(calls.DeleteAlarms).toBe(1);
    expect(writes).toBe(1);
  });

  it('never touches an alarm it does not own', async () => {
    // Assess: after every run above, the foreign alarms are as the scenario made them
    const legacy = await describeAlarm('mqops-orders-legacy');
    expect(legacy).toMatchObject({ Threshold: 99, Period: 60, Statistic: 'Maximum' });
    expect((await cw.send(new ListTagsForResourceCommand({ ResourceARN: legacy.AlarmArn }))).Tags).toEqual(
      [],
    );
    expect((await describeAlarm('team-events-connections')).Threshold).toBe(1000);
  });
});

describe('Alarm reconciler function (handler) against the local cloud', () => {
  let cloud: LocalCloud;
  let savedEnv: NodeJS.ProcessEnv;
  const invoke = async (event: unknown) =>
    (await handler(event as never, lambdaContext('mqops-alarms'))) as AlarmsResult | { skipped: string };

  beforeAll(async () => {
    savedEnv = { ...process.env };
    cloud = await startLocalCloud({ scenario, clock: new ControllableClock(NOW, { frozen: true }) });
    Object.assign(process.env, cloud.env(), { MQOPS_ALERT_TOPIC_ARN: TOPIC });
    delete process.env.AWS_PROFILE;
  });
  afterAll(async () => {
    process.env = savedEnv;
    await cloud.stop();
  });

  it('reconciles on a schedule, then writes nothing on the next CloudTrail event', async () => {
    // Act
    const first = await invoke(scheduledEvent());
    const second = await invoke({
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.amazonmq',
      account: '123456789012',
      time: NOW,
      region: 'us-east-1',
      resources: [],
      detail: {
        eventSource: 'amazonmq.amazonaws.com',
        eventName: 'RebootBroker',
        requestParameters: { brokerId: 'b-1' },
      },
    });

    // Assess
    expect(first).toMatchObject({
      status: 'complete',
      gaps: 0,
      notCovered: [],
      trigger: 'schedule',
      created: 29,
      writes: 29,
      tagReads: 1,
      unowned: 1,
      issues: 1,
      errors: 0,
    });
    expect(second).toMatchObject({
      trigger: 'change',
      eventName: 'RebootBroker',
      created: 0,
      unchanged: 29,
      writes: 0,
      tagReads: 1,
    });
  });

  it.each([
    ['an empty scheduled event', { source: 'aws.events' }],
    [
      'a CloudTrail event of another service',
      { source: 'aws.ec2', 'detail-type': 'AWS API Call via CloudTrail' },
    ],
    ['a manual invoke with an unknown field', { brokerIds: ['b-1'] }],
    ['a string', 'reconcile please'],
    ['null', null],
  ])('rejects %s with InvalidInputError and makes no call', async (_, event) => {
    // Prepare
    const before = cloud.requests.length;

    // Act + Assess
    await expect(invoke(event)).rejects.toBeInstanceOf(InvalidInputError);
    expect(cloud.requests.length).toBe(before);
  });

  it('rejects a bad MQOPS_ALERT_TOPIC_ARN before any call', async () => {
    // Prepare
    const before = cloud.requests.length;
    process.env.MQOPS_ALERT_TOPIC_ARN = 'not-an-arn';

    // Act + Assess
    try {
      await expect(invoke({})).rejects.toThrow('MQOPS_ALERT_TOPIC_ARN is not an SNS topic ARN');
      expect(cloud.requests.length).toBe(before);
    } finally {
      process.env.MQOPS_ALERT_TOPIC_ARN = TOPIC;
    }
  });

  describe('outcome: result, metric and invocation', () => {
    /** Invokes the handler, keeping what it writes on stdout (log lines, the EMF metric line). */
    const invokeCapturing = async (event: unknown) => {
      const lines: string[] = [];
      const outcome = await capturingOutput(lines, () =>
        invoke(event).then(
          (result) => ({ result, error: undefined }),
          (error: unknown) => ({ result: undefined, error }),
        ),
      );
      const metrics = jobMetrics(lines);
      return { ...outcome, metrics };
    };
    const brokerId = async (name: string) => {
      const inventory = new MqBrokerInventory(new MqClient(cloud.clientConfig()));
      return (await inventory.list()).find((b) => b.name === name)?.id as string;
    };

    it('counts a complete reconcile as complete', async () => {
      const { result, metrics } = await invokeCapturing({});
      expect(result).toMatchObject({ status: 'complete', gaps: 0 });
      expect(metrics).toEqual([
        expect.objectContaining({ Job: 'alarms', JobComplete: 1, JobPartial: 0, JobFailed: 0, Gaps: 0 }),
      ]);
    });

    it('returns partial, naming the broker it could not describe, and counts it', async () => {
      // Prepare
      const id = await brokerId('billing');
      const undo = cloud.faults.add({
        service: 'mq',
        operation: 'DescribeBroker',
        pathIncludes: id,
        deny: true,
      });

      // Act
      const { result, error, metrics } = await invokeCapturing({}).finally(undo);

      // Assess
      expect(error).toBeUndefined();
      expect(result).toMatchObject({ status: 'partial', brokers: 2, gaps: 1, errors: 1 });
      expect((result as AlarmsResult).notCovered).toEqual([
        {
          target: 'self/us-east-1',
          broker: 'billing',
          reason: expect.stringMatching(/^not described, alarms left as they are: .*not authorized/),
        },
      ]);
      expect(metrics).toEqual([
        expect.objectContaining({ Job: 'alarms', JobComplete: 0, JobPartial: 1, JobFailed: 0, Gaps: 1 }),
      ]);
    });

    it('fails the invocation (after logging and counting it) when the brokers cannot be listed', async () => {
      // Prepare
      const undo = cloud.faults.add({ service: 'mq', operation: 'ListBrokers', deny: true });

      // Act
      const { error, metrics } = await invokeCapturing({}).finally(undo);

      // Assess
      expect(error).toMatchObject({
        name: 'JobFailedError',
        job: 'alarms',
        outcome: { status: 'failed', covered: 0 },
        result: expect.objectContaining({ status: 'failed', writes: 0 }),
      });
      expect((error as Error).message).toMatch(
        /^alarms failed: 0 brokers covered, 1 gap: self\/us-east-1: not reconciled: ListBrokers failed: /,
      );
      expect(metrics).toEqual([expect.objectContaining({ Job: 'alarms', JobFailed: 1, Gaps: 1 })]);
      // Nothing deleted: the alarms are all still there for the next run.
      const second = await invoke({});
      expect(second).toMatchObject({ status: 'complete', deleted: 0, created: 0 });
    });
  });
});
