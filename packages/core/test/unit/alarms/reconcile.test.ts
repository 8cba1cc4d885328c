import { beforeEach, describe, expect, it } from 'vitest';
import {
  type AlarmSpec,
  type DesiredAlarm,
  desiredAlarms,
  type ExistingAlarm,
} from '../../../src/alarms/desired';
import {
  type AlarmStore,
  driftOf,
  isOwned,
  planAlarms,
  type RabbitNodeDirectory,
  reconcileAlarms,
} from '../../../src/alarms/reconcile';
import { BrokerNotFoundError } from '../../../src/errors';
import type { Broker } from '../../../src/model';
import type { BrokerInventory, BrokerRef } from '../../../src/ports';
import { makeBroker } from '../../helpers/broker';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:mqops-alerts';
const OTHER_TOPIC = 'arn:aws:sns:us-east-1:123456789012:other';
const NODES = [
  'rabbit@ip-10-0-0-1.ec2.internal',
  'rabbit@ip-10-0-0-2.ec2.internal',
  'rabbit@ip-10-0-0-3.ec2.internal',
];

const orders = makeBroker({ id: 'b-orders', name: 'orders', deploymentMode: 'SINGLE_INSTANCE', tags: {} });
const events = makeBroker({
  id: 'b-events',
  name: 'events',
  engine: 'RABBITMQ',
  engineVersion: '3.13',
  deploymentMode: 'CLUSTER_MULTI_AZ',
  instanceType: 'mq.m5.large',
  tags: {},
});

/** The desired alarm as it would exist in CloudWatch. */
const asExisting = (alarm: AlarmSpec, extra: Partial<ExistingAlarm> = {}): ExistingAlarm => {
  const { brokerId: _b, brokerName: _n, key: _k, node: _node, ...spec } = alarm as DesiredAlarm;
  return {
    ...spec,
    arn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarm.name}`,
    actionsEnabled: true,
    ...extra,
  };
};

const cpuOf = (broker: Broker) => {
  const alarm = desiredAlarms(broker, { alarmActions: [TOPIC] }).alarms.find((a) => a.key === 'cpu');
  if (!alarm) throw new Error('no cpu alarm');
  return alarm;
};
const memoryOf = () => {
  const alarm = desiredAlarms(events, { alarmActions: [TOPIC], rabbitNodes: NODES }).alarms.find(
    (a) => a.key === 'memory',
  );
  if (!alarm) throw new Error('no memory alarm');
  return alarm;
};

describe('Function: driftOf', () => {
  const cpu = cpuOf(orders);
  const metric = cpu.metric as NonNullable<AlarmSpec['metric']>;

  it('finds nothing between an alarm and itself', () => {
    expect(driftOf(cpu, asExisting(cpu))).toEqual([]);
  });

  it.each<[string, Partial<ExistingAlarm>, string[]]>([
    ['a changed threshold', { threshold: 99 }, ['threshold']],
    ['a changed period', { metric: { ...metric, period: 60 } }, ['period']],
    ['changed alarm actions', { alarmActions: [OTHER_TOPIC] }, ['alarmActions']],
    ['removed alarm actions', { alarmActions: [] }, ['alarmActions']],
    ['changed OK actions', { okActions: [] }, ['okActions']],
    ['a changed statistic', { metric: { ...metric, statistic: 'Maximum' } }, ['statistic']],
    ['another metric', { metric: { ...metric, metricName: 'HeapUsage' } }, ['metric']],
    [
      'another dimension value',
      { metric: { ...metric, dimensions: [{ name: 'Broker', value: 'x-1' }] } },
      ['metric'],
    ],
    ['a changed description', { description: 'edited' }, ['description']],
    ['changed evaluation periods', { evaluationPeriods: 5 }, ['evaluationPeriods']],
    ['changed datapoints', { datapointsToAlarm: 1 }, ['datapointsToAlarm']],
    ['a changed comparison', { comparison: 'GreaterThanThreshold' }, ['comparison']],
    ['changed missing-data handling', { treatMissingData: 'breaching' }, ['treatMissingData']],
    ['a missing managed tag', { tags: { 'mqops:managed': 'true' } }, ['tags']],
    [
      'a metric-math alarm in place of a metric',
      { metric: undefined, metrics: memoryOf().metrics },
      ['metric', 'metrics'],
    ],
    [
      'threshold and period together',
      { threshold: 1, metric: { ...metric, period: 600 } },
      ['period', 'threshold'],
    ],
  ])('detects %s', (_, change, fields) => {
    expect(driftOf(cpu, asExisting(cpu, change))).toEqual(fields);
  });

  it.each<[string, Partial<ExistingAlarm>]>([
    ['actions in another order', { alarmActions: [TOPIC], okActions: [TOPIC] }],
    ['dimensions in another order', { metric: { ...metric, dimensions: [...metric.dimensions].reverse() } }],
    ['extra tags of other tools', { tags: { ...cpu.tags, owner: 'team-a' } }],
    ['muted actions (DisableAlarmActions)', { actionsEnabled: false }],
  ])('ignores %s', (_, change) => {
    expect(driftOf(cpu, asExisting(cpu, change))).toEqual([]);
  });

  describe('on metric-math alarms', () => {
    const memory = memoryOf();
    const queries = memory.metrics ?? [];

    it.each<[string, AlarmSpec['metrics'], string[]]>([
      ['a changed period', queries.map((q) => (q.metric ? { ...q, period: 60 } : q)), ['period']],
      [
        'a changed expression',
        queries.map((q) => (q.expression ? { ...q, expression: 'used / limit' } : q)),
        ['metrics'],
      ],
      [
        'another node',
        queries.map((q) => (q.metric ? { ...q, metric: { ...q.metric, dimensions: [] } } : q)),
        ['metrics'],
      ],
      ['queries in another order', [...queries].reverse(), []],
      ['a missing query', queries.slice(1), ['metrics']],
    ])('compares %s as drift in %j', (_, metrics, fields) => {
      expect(driftOf(memory, asExisting(memory, { metrics }))).toEqual(fields);
    });
  });
});

describe('Function: planAlarms', () => {
  const cpu = cpuOf(orders);
  const heap = desiredAlarms(orders).alarms.find((a) => a.key === 'heap') as DesiredAlarm;

  it('creates what is missing, updates what drifted, keeps what is in sync', () => {
    // Act
    const plan = planAlarms([cpu, heap], [asExisting(heap, { threshold: 10 })]);

    // Assess
    expect(plan.create.map((a) => a.name)).toEqual(['mqops-orders-cpu']);
    expect(plan.update.map((u) => [u.alarm.name, u.fields])).toEqual([['mqops-orders-heap', ['threshold']]]);
    expect(plan.delete).toEqual([]);
    expect(planAlarms([cpu, heap], [asExisting(cpu), asExisting(heap)]).unchanged).toHaveLength(2);
  });

  it('deletes owned alarms nothing desires any more', () => {
    // Act
    const plan = planAlarms([heap], [asExisting(cpu), asExisting(heap)]);

    // Assess
    expect(plan.delete.map((a) => a.name)).toEqual(['mqops-orders-cpu']);
    expect(plan.unchanged.map((a) => a.name)).toEqual(['mqops-orders-heap']);
  });

  it.each<[string, ExistingAlarm]>([
    ['our prefix but no tag', asExisting(cpu, { name: 'mqops-orders-legacy', tags: {} })],
    [
      'our prefix and mqops:managed=false',
      asExisting(cpu, { name: 'mqops-x', tags: { 'mqops:managed': 'false' } }),
    ],
    ['our tag but another prefix', asExisting(cpu, { name: 'team-orders-cpu' })],
  ])('never deletes an alarm with %s', (_, foreign) => {
    // Act
    const plan = planAlarms([], [foreign]);

    // Assess
    expect(isOwned(foreign)).toBe(false);
    expect(plan.delete).toEqual([]);
  });

  it('reports a conflict, and changes nothing, when a foreign alarm has a desired name', () => {
    // Act
    const plan = planAlarms([cpu], [asExisting(cpu, { tags: {}, threshold: 50 })]);

    // Assess
    expect(plan.update).toEqual([]);
    expect(plan.create).toEqual([]);
    expect(plan.conflicts.map((c) => c.reason)).toEqual([
      "an alarm named mqops-orders-cpu exists without the tag mqops:managed=true: not mqops', left alone",
    ]);
  });

  it('keeps the alarms of brokers it was told to keep', () => {
    // Act
    const plan = planAlarms([], [asExisting(cpu)], { keepBrokerIds: new Set(['b-orders']) });

    // Assess
    expect(plan.delete).toEqual([]);
  });
});

/** An in-memory alarm store that records every write. */
class MemoryAlarmStore implements AlarmStore, RabbitNodeDirectory {
  readonly alarms = new Map<string, ExistingAlarm>();
  readonly calls: { op: string; name: string; detail?: unknown }[] = [];
  nodeLookups = 0;
  failOn?: string;
  listFailure?: Error;
  nodesFailure?: Error;

  constructor(private readonly nodes: Map<string, string[]> = new Map()) {}

  async list(prefix: string): Promise<ExistingAlarm[]> {
    if (this.listFailure) throw this.listFailure;
    return [...this.alarms.values()].filter((a) => a.name.startsWith(prefix)).map((a) => structuredClone(a));
  }
  async create(alarm: AlarmSpec): Promise<void> {
    if (this.failOn === alarm.name) throw new Error('throttled');
    this.calls.push({ op: 'create', name: alarm.name });
    this.alarms.set(alarm.name, asExisting(alarm));
  }
  async update(
    alarm: AlarmSpec,
    options: { arn: string; actionsEnabled: boolean; configuration: boolean; tags: boolean },
  ): Promise<void> {
    this.calls.push({ op: 'update', name: alarm.name, detail: options });
    const current = this.alarms.get(alarm.name) as ExistingAlarm;
    const { tags } = current;
    this.alarms.set(alarm.name, {
      ...asExisting(alarm, { actionsEnabled: options.actionsEnabled }),
      tags: options.tags ? { ...tags, ...alarm.tags } : tags,
    });
  }
  async delete(names: readonly string[]): Promise<void> {
    if (names.includes(this.failOn ?? '')) throw new Error('throttled');
    this.calls.push({ op: 'delete', name: names.join(',') });
    for (const name of names) this.alarms.delete(name);
  }
  async rabbitNodes(): Promise<Map<string, string[]>> {
    this.nodeLookups += 1;
    if (this.nodesFailure) throw this.nodesFailure;
    return this.nodes;
  }
}

class MemoryInventory implements BrokerInventory {
  readonly brokers = new Map<string, Broker>();
  failing = new Map<string, Error>();
  listFailure?: Error;
  constructor(brokers: Broker[]) {
    for (const b of brokers) this.brokers.set(b.id, b);
  }
  async list(): Promise<BrokerRef[]> {
    if (this.listFailure) throw this.listFailure;
    return [...this.brokers.values(), ...[...this.failing.keys()].map((id) => ({ id, name: id }))].map(
      (b) => ({
        id: b.id,
        name: b.name,
      }),
    );
  }
  async describe(id: string): Promise<Broker> {
    const failure = this.failing.get(id);
    if (failure) throw failure;
    const broker = this.brokers.get(id);
    if (!broker) throw new BrokerNotFoundError(id);
    return structuredClone(broker);
  }
}

describe('Function: reconcileAlarms', () => {
  let store: MemoryAlarmStore;
  let inventory: MemoryInventory;
  const run = (options: Parameters<typeof reconcileAlarms>[1] = {}) =>
    reconcileAlarms({ inventory, alarms: store, nodes: store }, { alarmActions: [TOPIC], ...options });

  beforeEach(() => {
    store = new MemoryAlarmStore(new Map([['events', NODES]]));
    inventory = new MemoryInventory([orders, events]);
  });

  it('creates every alarm in the first run and writes nothing in the second', async () => {
    // Act
    const first = await run();
    const writesAfterFirst = store.calls.length;
    const second = await run();

    // Assess
    expect(first).toMatchObject({ brokers: 2, desired: 22, created: 22, updated: 0, deleted: 0, writes: 22 });
    expect(first.perBroker.map((b) => [b.brokerName, b.created.length])).toEqual([
      ['events', 14],
      ['orders', 8],
    ]);
    expect(second).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 22, writes: 0 });
    expect(store.calls.length).toBe(writesAfterFirst);
  });

  it('reports progress once per broker described', async () => {
    const seen: [number, number][] = [];
    await run({ dryRun: true, onProgress: (done, total) => seen.push([done, total]) });
    expect(seen).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });

  it('repairs drift and names the drifted fields', async () => {
    // Prepare
    await run();
    const cpu = store.alarms.get('mqops-orders-cpu') as ExistingAlarm;
    store.alarms.set(cpu.name, { ...cpu, threshold: 99, alarmActions: [OTHER_TOPIC], actionsEnabled: false });
    store.calls.length = 0;

    // Act
    const report = await run();

    // Assess
    expect(report).toMatchObject({ updated: 1, writes: 1 });
    expect(report.perBroker.find((b) => b.brokerName === 'orders')?.updated).toEqual([
      { name: 'mqops-orders-cpu', fields: ['threshold', 'alarmActions'] },
    ]);
    // The operator's mute is kept; the configuration is repaired.
    expect(store.calls).toEqual([
      {
        op: 'update',
        name: 'mqops-orders-cpu',
        detail: { arn: cpu.arn, actionsEnabled: false, configuration: true, tags: false },
      },
    ]);
    expect(store.alarms.get('mqops-orders-cpu')).toMatchObject({ threshold: 85, alarmActions: [TOPIC] });
  });

  it('rewrites only the tags when only the tags drifted', async () => {
    // Prepare
    await run();
    const heap = store.alarms.get('mqops-orders-heap') as ExistingAlarm;
    store.alarms.set(heap.name, { ...heap, tags: { 'mqops:managed': 'true' } });
    store.calls.length = 0;

    // Act
    const report = await run();

    // Assess
    expect(report.writes).toBe(1);
    expect(store.calls[0]?.detail).toMatchObject({ configuration: false, tags: true });
  });

  it('deletes the alarms of a broker that is gone, and only those', async () => {
    // Prepare
    await run();
    store.alarms.set('mqops-orders-legacy', {
      ...(store.alarms.get('mqops-orders-cpu') as ExistingAlarm),
      name: 'mqops-orders-legacy',
      tags: {},
    });
    inventory.brokers.delete('b-orders');

    // Act
    const report = await run();

    // Assess
    expect(report.deleted).toBe(8);
    const gone = report.perBroker.find((b) => b.brokerId === 'b-orders');
    expect(gone).toMatchObject({ gone: true, brokerName: 'orders', desired: 0 });
    expect(gone?.deleted).toHaveLength(8);
    expect([...store.alarms.keys()].filter((n) => n.startsWith('mqops-orders'))).toEqual([
      'mqops-orders-legacy',
    ]);
  });

  it('deletes the alarms of a broker being deleted', async () => {
    // Prepare
    await run();
    inventory.brokers.set('b-orders', { ...orders, state: 'DELETION_IN_PROGRESS' });

    // Act
    const report = await run();

    // Assess
    expect(report.perBroker.find((b) => b.brokerId === 'b-orders')).toMatchObject({ gone: true });
    expect(report.deleted).toBe(8);
  });

  it('keeps the alarms of a broker it could not describe, and reports it', async () => {
    // Prepare
    await run();
    inventory.brokers.delete('b-orders');
    inventory.failing.set('b-orders', new Error('AccessDenied'));

    // Act
    const report = await run();

    // Assess
    expect(report.deleted).toBe(0);
    expect(report.errors).toEqual([
      { brokerId: 'b-orders', message: 'not described, alarms left as they are: AccessDenied' },
    ]);
    expect(store.alarms.has('mqops-orders-cpu')).toBe(true);
    expect(report.outcome).toEqual({
      status: 'partial',
      covered: 1,
      gaps: [
        {
          target: 'self',
          broker: 'b-orders',
          reason: 'not described, alarms left as they are: AccessDenied',
        },
      ],
    });
  });

  it('re-derives cap-based thresholds after an instance type change', async () => {
    // Prepare
    await run();
    inventory.brokers.set('b-events', { ...events, instanceType: 'mq.m5.xlarge' });

    // Act
    const report = await run();

    // Assess
    expect(report.perBroker.find((b) => b.brokerName === 'events')?.updated).toEqual([
      { name: 'mqops-events-channels', fields: ['description', 'threshold'] },
      { name: 'mqops-events-connections', fields: ['description', 'threshold'] },
      { name: 'mqops-events-queues', fields: ['description', 'threshold'] },
    ]);
    expect(store.alarms.get('mqops-events-connections')?.threshold).toBe(24_000);
  });

  it('reports bad override tags and applies the good ones', async () => {
    // Prepare
    inventory.brokers.set('b-orders', {
      ...orders,
      tags: { 'mqops:alarm:cpu:threshold': 'high', 'mqops:alarm:heap': 'off' },
    });

    // Act
    const report = await run();

    // Assess
    expect(report.issues).toEqual([
      {
        tag: 'mqops:alarm:cpu:threshold',
        value: 'high',
        problem: 'expected a number',
        brokerId: 'b-orders',
        brokerName: 'orders',
      },
    ]);
    expect(report.perBroker.find((b) => b.brokerName === 'orders')?.overrides).toEqual([
      'mqops:alarm:heap=off',
    ]);
    expect(store.alarms.has('mqops-orders-heap')).toBe(false);
    expect(store.alarms.get('mqops-orders-cpu')?.threshold).toBe(85);
  });

  it('writes nothing in a dry run, and reports what it would do', async () => {
    // Act
    const report = await run({ dryRun: true });

    // Assess
    expect(report).toMatchObject({ dryRun: true, created: 22, writes: 0 });
    expect(store.calls).toEqual([]);
  });

  it('deletes nothing when the plan deletes more than maxDeletes', async () => {
    // Prepare
    await run();
    inventory.brokers.clear();

    // Act
    const report = await run({ maxDeletes: 5 });

    // Assess
    expect(report.deleted).toBe(0);
    expect(report.notes).toEqual([
      'the plan deletes 22 alarms, more than maxDeletes (5): nothing deleted this run',
    ]);
    expect(store.alarms.size).toBe(22);
  });

  it('reports an alarm it could not write and goes on with the others', async () => {
    // Prepare
    store.failOn = 'mqops-orders-cpu';

    // Act
    const report = await run();

    // Assess
    expect(report.created).toBe(21);
    expect(report.errors).toEqual([{ alarm: 'mqops-orders-cpu', message: 'throttled' }]);
    // The broker with the alarm not written is not reconciled; the other one is.
    expect(report.outcome).toEqual({
      status: 'partial',
      covered: 1,
      gaps: [
        { target: 'self', broker: 'orders', check: 'mqops-orders-cpu', reason: 'not created: throttled' },
      ],
    });
  });

  it('looks node names up only when there is a RabbitMQ cluster', async () => {
    // Prepare
    inventory.brokers.delete('b-events');

    // Act
    await run();

    // Assess
    expect(store.nodeLookups).toBe(0);
  });

  describe('outcome', () => {
    it('is complete, covering every broker, when every broker is reconciled', async () => {
      expect((await run()).outcome).toEqual({ status: 'complete', covered: 2, gaps: [] });
      expect((await run({ target: 'self/eu-west-1' })).outcome).toEqual({
        status: 'complete',
        covered: 2,
        gaps: [],
      });
    });

    it('fails, and changes nothing, when the brokers cannot be listed', async () => {
      // Prepare: alarms exist; an empty listing would delete them all
      await run();
      const before = store.calls.length;
      inventory.listFailure = new Error('User is not authorized to perform: mq:ListBrokers');

      // Act
      const report = await run({ target: 'self/eu-west-1' });

      // Assess
      expect(store.calls.length).toBe(before);
      expect(store.alarms.size).toBe(22);
      expect(report).toMatchObject({ brokers: 0, created: 0, deleted: 0, writes: 0 });
      expect(report.errors).toEqual([
        {
          message: 'ListBrokers failed, no alarm changed: User is not authorized to perform: mq:ListBrokers',
        },
      ]);
      expect(report.outcome).toEqual({
        status: 'failed',
        covered: 0,
        gaps: [
          {
            target: 'self/eu-west-1',
            reason: 'not reconciled: ListBrokers failed: User is not authorized to perform: mq:ListBrokers',
          },
        ],
      });
    });

    it('fails, and changes nothing, when the existing alarms cannot be listed', async () => {
      // Prepare
      store.listFailure = new Error('AccessDenied');

      // Act
      const report = await run();

      // Assess
      expect(store.calls).toEqual([]);
      expect(report.outcome).toMatchObject({
        status: 'failed',
        covered: 0,
        gaps: [
          { target: 'self', reason: 'not reconciled: listing the existing alarms failed: AccessDenied' },
        ],
      });
    });

    it('fails when no broker could be described', async () => {
      // Prepare
      inventory.brokers.clear();
      inventory.failing.set('b-orders', new Error('AccessDenied'));

      // Act
      const report = await run();

      // Assess
      expect(report.outcome.status).toBe('failed');
      expect(report.outcome.gaps).toEqual([expect.objectContaining({ broker: 'b-orders' })]);
    });

    it('leaves a cluster alone, as a gap, when its node names cannot be read', async () => {
      // Prepare: the cluster has its per-node alarms
      await run();
      store.nodesFailure = new Error('ListMetrics throttled');

      // Act
      const report = await run();

      // Assess: no per-node alarm deleted, orders still reconciled
      expect(report.deleted).toBe(0);
      expect(store.alarms.has('mqops-events-cpu-node1')).toBe(true);
      expect(report.outcome).toEqual({
        status: 'partial',
        covered: 1,
        gaps: [
          {
            target: 'self',
            broker: 'events',
            reason: 'node names unavailable, alarms left as they are: ListMetrics throttled',
          },
        ],
      });
    });

    it('names each alarm a failed delete left behind', async () => {
      // Prepare
      await run();
      inventory.brokers.delete('b-orders');
      store.failOn = 'mqops-orders-cpu';

      // Act
      const report = await run();

      // Assess: the gone broker's alarms are gaps; events is still reconciled
      expect(report.deleted).toBe(0);
      expect(report.outcome.status).toBe('partial');
      expect(report.outcome.covered).toBe(1);
      expect(report.outcome.gaps).toHaveLength(8);
      expect(report.outcome.gaps[0]).toEqual({
        target: 'self',
        broker: 'orders',
        check: expect.stringMatching(/^mqops-orders-/),
        reason: 'not deleted: throttled',
      });
    });
  });
});
