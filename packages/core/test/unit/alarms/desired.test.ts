import { describe, expect, it } from 'vitest';
import {
  ALARM_DESCRIPTION_MAX,
  alarmInstanceType,
  type DesiredAlarm,
  describedWithMarker,
  desiredAlarms,
  formatAlarmMarker,
  parseAlarmMarker,
} from '../../../src/alarms/desired';
import { DEFAULT_ALARM_POLICY } from '../../../src/alarms/policy';
import type { Broker } from '../../../src/model';
import { makeBroker } from '../../helpers/broker';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:mqops-alerts';
const NODES = [
  'rabbit@ip-10-0-0-3.ec2.internal',
  'rabbit@ip-10-0-0-1.ec2.internal',
  'rabbit@ip-10-0-0-2.ec2.internal',
];

const amq = (overrides: Partial<Broker> = {}) =>
  makeBroker({ deploymentMode: 'SINGLE_INSTANCE', tags: {}, ...overrides });
const rabbit = (overrides: Partial<Broker> = {}) =>
  makeBroker({
    id: 'b-rabbit',
    name: 'events',
    engine: 'RABBITMQ',
    engineVersion: '3.13',
    deploymentMode: 'CLUSTER_MULTI_AZ',
    instanceType: 'mq.m5.large',
    tags: {},
    ...overrides,
  });
const byKey = (alarms: DesiredAlarm[], key: string) => alarms.filter((a) => a.key === key);
const one = (alarms: DesiredAlarm[], name: string) => {
  const found = alarms.find((a) => a.name === name);
  if (!found) throw new Error(`no alarm ${name} in ${alarms.map((a) => a.name).join(', ')}`);
  return found;
};

describe('Function: desiredAlarms (ActiveMQ)', () => {
  it('gives a single-instance broker its eight alarms on Broker=<name>-1', () => {
    // Act
    const { alarms, issues, notes } = desiredAlarms(amq(), { alarmActions: [TOPIC] });

    // Assess
    expect(alarms.map((a) => a.name)).toEqual([
      'mqops-orders-cpu',
      'mqops-orders-heap',
      'mqops-orders-store',
      'mqops-orders-journal',
      'mqops-orders-connections',
      'mqops-orders-backlog',
      'mqops-orders-dlq',
      'mqops-orders-down',
    ]);
    expect(issues).toEqual([]);
    expect(notes).toEqual([]);
    expect(one(alarms, 'mqops-orders-cpu')).toMatchObject({
      metric: {
        namespace: 'AWS/AmazonMQ',
        metricName: 'CpuUtilization',
        dimensions: [{ name: 'Broker', value: 'orders-1' }],
        statistic: 'Average',
        period: 300,
      },
      threshold: 85,
      comparison: 'GreaterThanOrEqualToThreshold',
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: 'missing',
      alarmActions: [TOPIC],
      okActions: [TOPIC],
      tags: {
        'mqops:managed': 'true',
        'mqops:broker': 'b-1234',
        'mqops:broker-name': 'orders',
        'mqops:alarm-key': 'cpu',
      },
    });
    expect(one(alarms, 'mqops-orders-dlq')).toMatchObject({
      metric: {
        metricName: 'QueueSize',
        dimensions: [
          { name: 'Broker', value: 'orders-1' },
          { name: 'Queue', value: 'ActiveMQ.DLQ' },
        ],
      },
      threshold: 1,
      treatMissingData: 'notBreaching',
    });
    expect(one(alarms, 'mqops-orders-down')).toMatchObject({
      metric: { metricName: 'CpuUtilization', statistic: 'SampleCount', period: 60 },
      threshold: 1,
      comparison: 'LessThanThreshold',
      treatMissingData: 'breaching',
    });
  });

  it('watches whichever instance of an active/standby pair is active', () => {
    // Act
    const { alarms } = desiredAlarms(amq({ deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ' }));

    // Assess
    const heap = one(alarms, 'mqops-orders-heap');
    expect(heap.metric).toBeUndefined();
    expect(heap.metrics).toEqual([
      {
        id: 'm1',
        returnData: false,
        metric: {
          namespace: 'AWS/AmazonMQ',
          metricName: 'HeapUsage',
          dimensions: [{ name: 'Broker', value: 'orders-1' }],
        },
        stat: 'Average',
        period: 300,
      },
      {
        id: 'm2',
        returnData: false,
        metric: {
          namespace: 'AWS/AmazonMQ',
          metricName: 'HeapUsage',
          dimensions: [{ name: 'Broker', value: 'orders-2' }],
        },
        stat: 'Average',
        period: 300,
      },
      { id: 'e1', returnData: true, label: 'HeapUsage (active instance)', expression: 'MAX([m1, m2])' },
    ]);
    expect(one(alarms, 'mqops-orders-down').metrics?.at(-1)?.expression).toBe('SUM([m1, m2])');
    expect(alarms).toHaveLength(8);
  });

  it.each([
    ['mq.t3.micro', 240, '300 connections per protocol'],
    ['mq.m5.large', 1_600, '2000 connections per protocol'],
    ['mq.m5.4xlarge', 1_600, '2000 connections per protocol'],
  ])('derives the connection threshold from %s: %d', (instanceType, threshold, cap) => {
    // Act
    const alarm = one(desiredAlarms(amq({ instanceType })).alarms, 'mqops-orders-connections');

    // Assess
    expect(alarm.threshold).toBe(threshold);
    expect(alarm.metric?.metricName).toBe('CurrentConnectionsCount');
    expect(alarm.description).toContain(cap);
    expect(alarm.description).toContain(instanceType);
  });

  it('skips the connections alarm for an instance type without documented caps, and says so', () => {
    // Act
    const { alarms, notes } = desiredAlarms(amq({ instanceType: 'mq.x9.huge' }));

    // Assess
    expect(byKey(alarms, 'connections')).toEqual([]);
    expect(alarms).toHaveLength(7);
    expect(notes).toEqual(['no documented connection cap for ActiveMQ on mq.x9.huge: no connections alarm']);
  });
});

describe('Function: desiredAlarms (RabbitMQ)', () => {
  it('gives a cluster per-node CPU, memory and disk alarms and broker-level cap alarms', () => {
    // Act
    const { alarms, notes } = desiredAlarms(rabbit(), { alarmActions: [TOPIC], rabbitNodes: NODES });

    // Assess
    expect(notes).toEqual([]);
    expect(alarms.map((a) => a.name)).toEqual([
      'mqops-events-cpu-node1',
      'mqops-events-memory-node1',
      'mqops-events-disk-node1',
      'mqops-events-cpu-node2',
      'mqops-events-memory-node2',
      'mqops-events-disk-node2',
      'mqops-events-cpu-node3',
      'mqops-events-memory-node3',
      'mqops-events-disk-node3',
      'mqops-events-connections',
      'mqops-events-channels',
      'mqops-events-queues',
      'mqops-events-backlog',
      'mqops-events-down',
    ]);
    const cpu1 = one(alarms, 'mqops-events-cpu-node1');
    expect(cpu1).toMatchObject({
      node: 'rabbit@ip-10-0-0-1.ec2.internal',
      metric: {
        metricName: 'SystemCpuUtilization',
        dimensions: [
          { name: 'Broker', value: 'events' },
          { name: 'Node', value: 'rabbit@ip-10-0-0-1.ec2.internal' },
        ],
      },
      tags: { 'mqops:node': 'rabbit@ip-10-0-0-1.ec2.internal', 'mqops:alarm-key': 'cpu' },
    });
    expect(cpu1.description).toContain('node rabbit@ip-10-0-0-1.ec2.internal of RabbitMQ broker events');
    // Cluster caps: per node × 3 nodes; queues are per broker.
    expect(one(alarms, 'mqops-events-connections').threshold).toBe(12_000);
    expect(one(alarms, 'mqops-events-channels').threshold).toBe(36_000);
    expect(one(alarms, 'mqops-events-queues').threshold).toBe(24_000);
    expect(one(alarms, 'mqops-events-backlog').metric?.metricName).toBe('MessageReadyCount');
  });

  it('computes memory and disk with metric math on the node', () => {
    // Act
    const { alarms } = desiredAlarms(rabbit(), { rabbitNodes: NODES });

    // Assess
    const memory = one(alarms, 'mqops-events-memory-node2');
    expect(memory.metrics?.map((q) => q.expression ?? q.metric?.metricName)).toEqual([
      'RabbitMQMemUsed',
      'RabbitMQMemLimit',
      '100 * used / limit',
    ]);
    expect(memory.metrics?.[0]?.metric?.dimensions).toContainEqual({
      name: 'Node',
      value: 'rabbit@ip-10-0-0-2.ec2.internal',
    });
    expect(memory).toMatchObject({ threshold: 80, comparison: 'GreaterThanOrEqualToThreshold' });
    const disk = one(alarms, 'mqops-events-disk-node3');
    expect(disk.metrics?.map((q) => q.expression ?? q.metric?.metricName)).toEqual([
      'RabbitMQDiskFree',
      'RabbitMQDiskFreeLimit',
      'free / limit',
    ]);
    expect(disk).toMatchObject({ threshold: 3, comparison: 'LessThanOrEqualToThreshold' });
  });

  it('waits for node names before adding per-node alarms to a cluster', () => {
    // Act
    const { alarms, notes } = desiredAlarms(rabbit());

    // Assess
    expect(alarms.map((a) => a.key)).toEqual(['connections', 'channels', 'queues', 'backlog', 'down']);
    expect(notes[0]).toMatch(/no cluster node publishes metrics yet/);
  });

  it('gives a single instance broker-level alarms with single-node caps', () => {
    // Act
    const { alarms } = desiredAlarms(
      rabbit({ deploymentMode: 'SINGLE_INSTANCE', instanceType: 'mq.t3.micro' }),
      { rabbitNodes: NODES.slice(0, 1) },
    );

    // Assess
    expect(alarms.map((a) => a.name)).toEqual([
      'mqops-events-cpu',
      'mqops-events-memory',
      'mqops-events-disk',
      'mqops-events-connections',
      'mqops-events-channels',
      'mqops-events-queues',
      'mqops-events-backlog',
      'mqops-events-down',
    ]);
    expect(one(alarms, 'mqops-events-cpu').metric?.dimensions).toEqual([{ name: 'Broker', value: 'events' }]);
    expect(one(alarms, 'mqops-events-connections').threshold).toBe(400);
    expect(one(alarms, 'mqops-events-channels').threshold).toBe(1_200);
    expect(one(alarms, 'mqops-events-queues').threshold).toBe(2_000);
  });

  it('skips the queues alarm where the queue cap is not documented', () => {
    // Act
    const { alarms, notes } = desiredAlarms(rabbit({ instanceType: 'mq.m7g.16xlarge' }), {
      rabbitNodes: NODES,
    });

    // Assess
    expect(byKey(alarms, 'queues')).toEqual([]);
    expect(one(alarms, 'mqops-events-connections').threshold).toBe(384_000);
    expect(notes).toEqual(['no documented queue cap for RabbitMQ on mq.m7g.16xlarge: no queues alarm']);
  });
});

describe('Function: desiredAlarms (policy and tags)', () => {
  it('applies override tags and reports the bad ones', () => {
    // Act
    const result = desiredAlarms(
      rabbit({
        tags: {
          'mqops:alarm:cpu': 'off',
          'mqops:alarm:backlog:threshold': '5000',
          'mqops:alarm:connections:threshold': '50',
          'mqops:alarm:memory:threshold': 'lots',
        },
      }),
      { rabbitNodes: NODES },
    );

    // Assess
    expect(byKey(result.alarms, 'cpu')).toEqual([]);
    expect(one(result.alarms, 'mqops-events-backlog').threshold).toBe(5_000);
    expect(one(result.alarms, 'mqops-events-connections').threshold).toBe(7_500);
    expect(one(result.alarms, 'mqops-events-memory-node1').threshold).toBe(80);
    expect(result.issues).toEqual([
      { tag: 'mqops:alarm:memory:threshold', value: 'lots', problem: 'expected a number' },
    ]);
    expect(result.applied).toHaveLength(3);
  });

  it('gives no alarm to a broker tagged mqops:alarms=off', () => {
    // Act
    const result = desiredAlarms(amq({ tags: { 'mqops:alarms': 'off' } }));

    // Assess
    expect(result.alarms).toEqual([]);
    expect(result.notes).toEqual(['all alarms turned off by the broker tag mqops:alarms']);
  });

  it('sends no OK notification when the policy says so', () => {
    // Act
    const { alarms } = desiredAlarms(amq(), {
      alarmActions: [TOPIC],
      policy: { ...DEFAULT_ALARM_POLICY, notifyOnOk: false },
    });

    // Assess
    expect(alarms.every((a) => a.alarmActions[0] === TOPIC && a.okActions.length === 0)).toBe(true);
  });

  it('uses the policy’s timing in the alarm and its description', () => {
    // Act
    const policy = {
      ...DEFAULT_ALARM_POLICY,
      alarms: {
        ...DEFAULT_ALARM_POLICY.alarms,
        store: {
          ...DEFAULT_ALARM_POLICY.alarms.store,
          period: 60,
          evaluationPeriods: 5,
          datapointsToAlarm: 4,
        },
      },
    };
    const store = one(desiredAlarms(amq(), { policy }).alarms, 'mqops-orders-store');

    // Assess
    expect(store).toMatchObject({ metric: { period: 60 }, evaluationPeriods: 5, datapointsToAlarm: 4 });
    expect(store.description).toContain('in 4 of 5 periods of 1 min');
    expect(store.description).toContain("Defaults are mqops' own (AWS publishes no thresholds)");
  });

  it('keeps every description within CloudWatch’s 1024 characters and every name unique', () => {
    const longName = 'x'.repeat(50); // Amazon MQ's longest broker name
    const longNodes = NODES.map((n) => n.replace('ec2.internal', `${'n'.repeat(180)}.internal`));
    for (const broker of [
      amq({ deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ' }),
      rabbit(),
      amq({ name: longName }),
      rabbit({ name: longName }),
    ]) {
      const { alarms } = desiredAlarms(broker, { rabbitNodes: broker.name === longName ? longNodes : NODES });
      expect(new Set(alarms.map((a) => a.name)).size).toBe(alarms.length);
      for (const alarm of alarms) {
        expect(alarm.description.length).toBeLessThanOrEqual(1024);
        expect(parseAlarmMarker(alarm)).toEqual({
          brokerId: broker.id,
          brokerName: broker.name,
          key: alarm.key,
          ...(alarm.node ? { node: alarm.node } : {}),
        });
      }
    }
  });
});

describe('Function: desiredAlarms (broker state and instance type)', () => {
  it.each(['DELETION_IN_PROGRESS', 'CREATION_FAILED'])('gives a broker in %s no alarms', (state) => {
    expect(desiredAlarms(amq({ state })).alarms).toEqual([]);
  });

  it('leaves the down alarm out while the broker is being created', () => {
    // Act
    const { alarms, notes } = desiredAlarms(amq({ state: 'CREATION_IN_PROGRESS' }));

    // Assess
    expect(byKey(alarms, 'down')).toEqual([]);
    expect(alarms).toHaveLength(7);
    expect(notes).toEqual(['broker is being created: the down alarm is added once it runs']);
  });

  it.each([
    ['RUNNING', 'mq.m5.large', 12_000],
    ['REBOOT_IN_PROGRESS', 'mq.m5.xlarge', 24_000],
  ])('with a pending mq.m5.xlarge, a %s broker is capped on %s', (state, expected, threshold) => {
    // Prepare
    const broker = rabbit({ state, pending: { instanceType: 'mq.m5.xlarge' } });

    // Act
    const result = desiredAlarms(broker, { rabbitNodes: NODES });

    // Assess
    expect(alarmInstanceType(broker)).toBe(expected);
    expect(result.instanceType).toBe(expected);
    expect(one(result.alarms, 'mqops-events-connections').threshold).toBe(threshold);
  });
});

describe('Function: parseAlarmMarker', () => {
  const [cpu1] = byKey(desiredAlarms(rabbit(), { rabbitNodes: NODES }).alarms, 'cpu');
  const [heap] = byKey(desiredAlarms(amq()).alarms, 'heap');

  it('ends every description with the marker line, the tags mqops also writes', () => {
    expect(heap?.description.split('\n').at(-1)).toBe(
      'mqops:managed v=1 broker=b-1234 broker-name=orders key=heap',
    );
    expect(cpu1?.description.split('\n').at(-1)).toBe(
      'mqops:managed v=1 broker=b-rabbit broker-name=events key=cpu node=rabbit@ip-10-0-0-1.ec2.internal',
    );
  });

  it('reads back what it wrote, node and unusual characters included', () => {
    // Prepare
    const marker = { brokerId: 'b-1', brokerName: 'orders', key: 'memory' as const, node: 'rabbit@a b%c' };

    // Act
    const line = formatAlarmMarker(marker);

    // Assess
    expect(line).toBe('mqops:managed v=1 broker=b-1 broker-name=orders key=memory node=rabbit@a%20b%25c');
    expect(parseAlarmMarker({ name: 'mqops-orders-memory-node2', description: `text\n${line}` })).toEqual(
      marker,
    );
  });

  it.each<[string, string, string]>([
    ['no marker', 'mqops-orders-heap', 'mqops: JVM heap of ActiveMQ broker orders'],
    [
      'a marker that is not the last line',
      'mqops-orders-heap',
      'mqops:managed v=1 broker=b-1234 broker-name=orders key=heap\nedited',
    ],
    [
      'another format version',
      'mqops-orders-heap',
      'x\nmqops:managed v=2 broker=b-1234 broker-name=orders key=heap',
    ],
    [
      'an unknown key',
      'mqops-orders-heapx',
      'x\nmqops:managed v=1 broker=b-1234 broker-name=orders key=heapx',
    ],
    [
      'another name (a copy)',
      'mqops-orders-heap-copy',
      'x\nmqops:managed v=1 broker=b-1234 broker-name=orders key=heap',
    ],
    [
      'another broker name',
      'mqops-billing-heap',
      'x\nmqops:managed v=1 broker=b-1234 broker-name=orders key=heap',
    ],
    [
      'a node but no node suffix',
      'mqops-orders-heap',
      'x\nmqops:managed v=1 broker=b-1 broker-name=orders key=heap node=n1',
    ],
    [
      'a node suffix but no node',
      'mqops-orders-heap-node1',
      'x\nmqops:managed v=1 broker=b-1 broker-name=orders key=heap',
    ],
    [
      'bad percent-encoding',
      'mqops-orders-heap',
      'x\nmqops:managed v=1 broker=b-%zz broker-name=orders key=heap',
    ],
    [
      'extra fields',
      'mqops-orders-heap',
      'x\nmqops:managed v=1 broker=b-1 broker-name=orders key=heap owner=me',
    ],
    [
      'an over-long line',
      'mqops-orders-heap',
      `x\nmqops:managed v=1 broker=b-${'1'.repeat(800)} broker-name=orders key=heap`,
    ],
  ])('finds no marker with %s', (_, name, description) => {
    expect(parseAlarmMarker({ name, description })).toBeUndefined();
  });

  it('cuts the text, never the marker, to stay within 1024 characters', () => {
    // Act
    const description = describedWithMarker('t'.repeat(2000), {
      brokerId: 'b-1',
      brokerName: 'o',
      key: 'cpu',
    });

    // Assess
    expect(description).toHaveLength(ALARM_DESCRIPTION_MAX);
    expect(parseAlarmMarker({ name: 'mqops-o-cpu', description })).toEqual({
      brokerId: 'b-1',
      brokerName: 'o',
      key: 'cpu',
    });
  });
});
