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
    ['a missing managed tag (tags read)', { tags: { 'mqops:managed': 'true' } }, ['tags']],
    [
      'a marker naming another broker (tags not read)',
      { description: cpu.description.replace('broker=b-orders', 'broker=b-old'), tags: undefined },
      ['description', 'tags'],
    ],
    [
      'no marker and no tags read',
      { description: cpu.description.replace(/\nmqops:managed .*$/, ''), tags: undefined },
      ['description', 'tags'],
    ],
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
    ['unread tags when the marker says what they are', { tags: undefined }],
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
    [
      'our marker but another name (a copy), tags not read',
      asExisting(cpu, { name: 'mqops-orders-cpu-copy', tags: undefined }),
    ],
    ['our prefix, no marker, tags not read', asExisting(cpu, { description: 'by hand', tags: undefined })],
    [
      'a marker of another format version',
      asExisting(cpu, { description: cpu.description.replace(' v=1 ', ' v=2 '), tags: undefined }),
    ],
  ])('never deletes an alarm with %s', (_, foreign) => {
    // Act
    const plan = planAlarms([], [foreign]);

    // Assess
    expect(isOwned(foreign)).toBe(false);
    expect(plan.delete).toEqual([]);
  });

  it('reports a conflict, and changes nothing, when a foreign alarm has a desired name', () => {
    // Act
    const plan = planAlarms([cpu], [asExisting(cpu, { description: 'ours', tags: {}, threshold: 50 })]);

    // Assess
    expect(plan.update).toEqual([]);
    expect(plan.create).toEqual([]);
    expect(plan.conflicts.map((c) => c.reason)).toEqual([
      "an alarm named mqops-orders-cpu exists without mqops' marker or the tag mqops:managed=true: not mqops', left alone",
    ]);
    expect(plan.unowned.map((a) => a.name)).toEqual(['mqops-orders-cpu']);
  });

  it('owns, and deletes, an alarm by its marker alone (no tags read)', () => {
    // Act
    const plan = planAlarms([], [asExisting(cpu, { tags: undefined })]);

    // Assess
    expect(plan.delete.map((a) => a.name)).toEqual(['mqops-orders-cpu']);
    expect(plan.unowned).toEqual([]);
  });

  it('keeps the alarms of brokers it was told to keep, known by marker or by tags', () => {
    const keep = { keepBrokerIds: new Set(['b-orders']) };
    expect(planAlarms([], [asExisting(cpu, { tags: undefined })], keep).delete).toEqual([]);
    expect(planAlarms([], [asExisting(cpu, { description: 'v0.1' })], keep).delete).toEqual([]);
  });

  it('keeps the alarms of brokers it was told to keep', () => {
    // Act
    const plan = planAlarms([], [asExisting(cpu)], { keepBrokerIds: new Set(['b-orders']) });

    // Assess
    expect(plan.delete).toEqual([]);
  });
});

/** An in-memory alarm store (alarms with their tags) that records every write and every tag read. */
class MemoryAlarmStore implements AlarmStore, RabbitNodeDirectory {
  readonly alarms = new Map<string, ExistingAlarm>();
  readonly calls: { op: string; name: string; detail?: unknown }[] = [];
  /** Alarm names whose tags were read (ListTagsForResource). */
  readonly tagReads: string[] = [];
  nodeLookups = 0;
  failOn?: string;
  listFailure?: Error;
  tagsFailure?: Error;
  nodesFailure?: Error;

  constructor(private readonly nodes: Map<string, string[]> = new Map()) {}

  /** As DescribeAlarms: the configuration, no tags. */
  async list(prefix: string): Promise<ExistingAlarm[]> {
    if (this.listFailure) throw this.listFailure;
    return [...this.alarms.values()]
      .filter((a) => a.name.startsWith(prefix))
      .map(({ tags: _tags, ...alarm }) => structuredClone(alarm));
  }
  async tags(arn: string): Promise<Record<string, string> | undefined> {
    const alarm = [...this.alarms.values()].find((a) => a.arn === arn);
    this.tagReads.push(alarm?.name ?? arn);
    if (this.tagsFailure) throw this.tagsFailure;
    return alarm ? { ...alarm.tags } : undefined;
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
    const tags = current.tags ?? {};
    this.alarms.set(alarm.name, {
      ...(options.configuration
        ? asExisting(alarm, { actionsEnabled: options.actionsEnabled })
        : { ...current, actionsEnabled: options.actionsEnabled }),
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

  it('does not read back the tags of an alarm with the marker, and repairs them once the marker is removed', async () => {
    // Prepare: someone edits a tag of a marked alarm
    await run();
    const heap = store.alarms.get('mqops-orders-heap') as ExistingAlarm;
    store.alarms.set(heap.name, { ...heap, tags: { 'mqops:managed': 'true' } });
    store.calls.length = 0;

    // Act + Assess: the marker says whose it is; its tags are not read
    expect(await run()).toMatchObject({ writes: 0, tagReads: 0 });

    // Prepare: the marker line is removed from its description
    store.alarms.set(heap.name, { ...heap, description: 'edited', tags: { 'mqops:managed': 'true' } });

    // Act
    const report = await run();

    // Assess: its tags read once, then the configuration (marker) and the tags rewritten
    expect(report).toMatchObject({ tagReads: 1, updated: 1, writes: 2 });
    expect(store.tagReads).toEqual(['mqops-orders-heap']);
    expect(store.calls[0]?.detail).toMatchObject({ configuration: true, tags: true });
    expect(store.alarms.get(heap.name)?.tags).toEqual(heap.tags);
    expect(await run()).toMatchObject({ writes: 0, tagReads: 0 });
  });

  it('deletes the alarms of a broker that is gone, and only those', async () => {
    // Prepare
    await run();
    store.alarms.set('mqops-orders-legacy', {
      ...(store.alarms.get('mqops-orders-cpu') as ExistingAlarm),
      name: 'mqops-orders-legacy',
      arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:mqops-orders-legacy',
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

  describe('ownership from the marker, not from per-alarm tag reads', () => {
    /** The description an mqops version before the marker wrote: the text without the marker line. */
    const withoutMarker = (description: string) => description.replace(/\nmqops:managed [^\n]*$/, '');
    const arnOf = (name: string) => `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`;

    it('reads no tags and writes nothing in an hourly run over an in-sync fleet', async () => {
      // Prepare
      await run();
      store.calls.length = 0;

      // Act
      const report = await run();

      // Assess
      expect(report).toMatchObject({ unchanged: 22, writes: 0, tagReads: 0, unowned: [] });
      expect(store.tagReads).toEqual([]);
      expect(store.calls).toEqual([]);
    });

    it('makes exactly one PutMetricAlarm for a changed threshold, and reads no tags', async () => {
      // Prepare
      await run();
      store.calls.length = 0;
      inventory.brokers.set('b-orders', { ...orders, tags: { 'mqops:alarm:cpu:threshold': '90' } });

      // Act
      const report = await run();

      // Assess
      expect(report).toMatchObject({ updated: 1, writes: 1, tagReads: 0 });
      expect(store.calls).toEqual([
        {
          op: 'update',
          name: 'mqops-orders-cpu',
          detail: expect.objectContaining({ configuration: true, tags: false }),
        },
      ]);
      expect(store.alarms.get('mqops-orders-cpu')?.threshold).toBe(90);
      expect(store.tagReads).toEqual([]);
    });

    it('deletes the alarms of a deleted broker, knowing whose they are from their marker', async () => {
      // Prepare
      await run();
      inventory.brokers.delete('b-orders');

      // Act
      const report = await run();

      // Assess
      expect(report).toMatchObject({ deleted: 8, writes: 1, tagReads: 0 });
      expect(report.perBroker.find((b) => b.brokerId === 'b-orders')).toMatchObject({
        brokerName: 'orders',
        gone: true,
      });
      expect([...store.alarms.keys()].some((n) => n.startsWith('mqops-orders-'))).toBe(false);
    });

    it('adopts the alarms of an older mqops version: reads their tags once, writes the marker', async () => {
      // Prepare: the orders alarms as an mqops version before the marker left them (tags, no marker)
      await run();
      for (const [name, alarm] of store.alarms)
        if (name.startsWith('mqops-orders-'))
          store.alarms.set(name, { ...alarm, description: withoutMarker(alarm.description) });
      store.calls.length = 0;

      // Act
      const adopted = await run();
      const next = await run();

      // Assess: one tag read and one PutMetricAlarm (the description) each, no TagResource; then nothing
      expect(adopted).toMatchObject({ tagReads: 8, updated: 8, writes: 8, unowned: [] });
      expect(adopted.perBroker.find((b) => b.brokerName === 'orders')?.updated).toEqual(
        expect.arrayContaining([{ name: 'mqops-orders-cpu', fields: ['description'] }]),
      );
      expect(store.calls.every((c) => (c.detail as { tags: boolean }).tags === false)).toBe(true);
      expect(next).toMatchObject({ tagReads: 0, writes: 0 });
      expect(store.tagReads).toHaveLength(8);
    });

    it('deletes an older mqops alarm of a broker that is gone (tag mqops:managed=true, no marker)', async () => {
      // Prepare
      await run();
      const cpu = store.alarms.get('mqops-orders-cpu') as ExistingAlarm;
      store.alarms.set('mqops-gone-cpu', {
        ...cpu,
        name: 'mqops-gone-cpu',
        arn: arnOf('mqops-gone-cpu'),
        description: 'mqops: CPU of ActiveMQ broker gone',
        tags: { 'mqops:managed': 'true', 'mqops:broker': 'b-gone', 'mqops:broker-name': 'gone' },
      });

      // Act
      const report = await run();

      // Assess
      expect(report).toMatchObject({ deleted: 1, tagReads: 1, writes: 1 });
      expect(report.perBroker.find((b) => b.brokerId === 'b-gone')).toMatchObject({
        brokerName: 'gone',
        deleted: ['mqops-gone-cpu'],
      });
      expect(store.tagReads).toEqual(['mqops-gone-cpu']);
    });

    it('leaves a hand-made mqops- alarm without the marker alone, and reports it as unowned', async () => {
      // Prepare: a hand-made alarm with the prefix (no marker, no managed tag), and one taking a desired name
      await run();
      const cpu = store.alarms.get('mqops-orders-cpu') as ExistingAlarm;
      const handMade = {
        ...cpu,
        name: 'mqops-orders-legacy',
        arn: arnOf('mqops-orders-legacy'),
        description: 'our own, made by hand',
        threshold: 99,
        tags: { team: 'orders' },
      };
      store.alarms.set(handMade.name, handMade);
      store.alarms.set('mqops-events-down', {
        ...handMade,
        name: 'mqops-events-down',
        arn: arnOf('mqops-events-down'),
      });
      store.calls.length = 0;

      // Act
      const report = await run();
      inventory.brokers.delete('b-orders');
      const afterDelete = await run();

      // Assess: read (one tag read each), never written, reported; the conflict named
      expect(report).toMatchObject({ writes: 0, tagReads: 2 });
      expect(report.unowned).toEqual(['mqops-events-down', 'mqops-orders-legacy']);
      expect(report.conflicts.map((c) => c.name)).toEqual(['mqops-events-down']);
      expect(afterDelete.deleted).toBe(8);
      expect(afterDelete.unowned).toEqual(['mqops-events-down', 'mqops-orders-legacy']);
      expect(store.alarms.get('mqops-orders-legacy')).toEqual(handMade);
      expect(store.alarms.get('mqops-events-down')?.threshold).toBe(99);
      expect(store.calls.map((c) => c.op)).toEqual(['delete']);
    });

    it('does not take a copy of an mqops alarm under another name for its own', async () => {
      // Prepare: the console's "copy" keeps the description (marker included), not the tags
      await run();
      const cpu = store.alarms.get('mqops-orders-cpu') as ExistingAlarm;
      store.alarms.set('mqops-orders-cpu-copy', {
        ...cpu,
        name: 'mqops-orders-cpu-copy',
        arn: arnOf('mqops-orders-cpu-copy'),
        tags: {},
      });
      inventory.brokers.delete('b-orders');

      // Act
      const report = await run();

      // Assess
      expect(report.deleted).toBe(8);
      expect(report.unowned).toEqual(['mqops-orders-cpu-copy']);
      expect(store.alarms.has('mqops-orders-cpu-copy')).toBe(true);
    });

    it('rewrites the tags when the marker names another broker (a broker re-created with its name)', async () => {
      // Prepare
      await run();
      store.calls.length = 0;
      inventory.brokers.delete('b-orders');
      inventory.brokers.set('b-orders-2', { ...orders, id: 'b-orders-2' });

      // Act
      const report = await run();

      // Assess: no tag read; configuration (the marker) and tags rewritten, nothing deleted
      expect(report).toMatchObject({ updated: 8, deleted: 0, writes: 16, tagReads: 0 });
      expect(store.calls.every((c) => c.op === 'update')).toBe(true);
      expect(store.alarms.get('mqops-orders-cpu')?.tags).toMatchObject({ 'mqops:broker': 'b-orders-2' });
      expect(store.alarms.get('mqops-orders-cpu')?.description).toContain('broker=b-orders-2 ');
      expect(await run()).toMatchObject({ writes: 0, tagReads: 0 });
    });

    it('fails, and changes nothing, when the tags of an alarm without the marker cannot be read', async () => {
      // Prepare
      await run();
      const cpu = store.alarms.get('mqops-orders-cpu') as ExistingAlarm;
      store.alarms.set(cpu.name, { ...cpu, description: withoutMarker(cpu.description) });
      inventory.brokers.delete('b-orders');
      store.tagsFailure = new Error('Throttling');
      store.calls.length = 0;

      // Act
      const report = await run();

      // Assess
      expect(store.calls).toEqual([]);
      expect(report).toMatchObject({ tagReads: 1, writes: 0, deleted: 0 });
      expect(report.outcome).toMatchObject({ status: 'failed' });
    });
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
