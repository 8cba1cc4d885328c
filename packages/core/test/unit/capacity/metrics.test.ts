import { describe, expect, it } from 'vitest';
import {
  expectedDatapoints,
  fleetCatalog,
  keyPrefix,
  lookbackRange,
  metricCatalog,
  p95,
  summarize,
} from '../../../src/capacity/metrics';
import type { MetricRange, MetricSeries } from '../../../src/capacity/ports';
import type { Broker } from '../../../src/model';
import { makeBroker } from '../../helpers/broker';

const PERIOD = 7_200;
const range: MetricRange = {
  start: new Date('2026-11-10T00:00:00Z'),
  end: new Date('2026-11-24T00:00:00Z'),
  periodSeconds: PERIOD,
};
const N = expectedDatapoints(range); // 168

/** A series on the range's grid: `values[i]` at start + i periods (undefined: no datapoint). */
function series(key: string, values: readonly (number | undefined)[]): MetricSeries {
  const timestamps: Date[] = [];
  const out: number[] = [];
  values.forEach((v, i) => {
    if (v === undefined) return;
    timestamps.push(new Date(range.start.getTime() + i * PERIOD * 1000));
    out.push(v);
  });
  return { key, timestamps, values: out };
}

const constant = (v: number, n = N) => Array.from({ length: n }, () => v);
const ramp = (n = N) => Array.from({ length: n }, (_, i) => i + 1);

function read(...list: MetricSeries[]): Map<string, MetricSeries> {
  return new Map(list.map((s) => [s.key, s]));
}

const rabbit = (overrides: Partial<Broker> = {}) =>
  makeBroker({
    id: 'b-rabbit',
    name: 'events',
    engine: 'RABBITMQ',
    engineVersion: '3.13',
    deploymentMode: 'CLUSTER_MULTI_AZ',
    storageType: 'EBS',
    instanceType: 'mq.m5.large',
    users: [],
    configuration: undefined,
    ...overrides,
  });

const NODES = ['rabbit@ip-10-0-2-2', 'rabbit@ip-10-0-1-1', 'rabbit@ip-10-0-3-3'];

describe('Function: metricCatalog', () => {
  it.each([
    ['ActiveMQ single instance', makeBroker({ deploymentMode: 'SINGLE_INSTANCE' }), [], 7],
    ['ActiveMQ active/standby', makeBroker(), [], 14],
    ['RabbitMQ single instance', rabbit({ deploymentMode: 'SINGLE_INSTANCE' }), [], 9],
    ['RabbitMQ cluster of three nodes', rabbit(), NODES, 19],
    ['RabbitMQ cluster without node names', rabbit(), [], 4],
  ])('reads a %s with the expected number of queries', (_name, broker, nodes, count) => {
    const catalog = metricCatalog(broker, { rabbitNodes: nodes });
    expect(catalog.queries).toHaveLength(count);
    expect(new Set(catalog.queries.map((q) => q.key)).size).toBe(catalog.queries.length);
    for (const q of catalog.queries) expect(q.key).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
  });

  it('reads ActiveMQ per instance with Broker = <name>-1 and -2', () => {
    const catalog = metricCatalog(makeBroker());
    const cpu = catalog.entries.filter((e) => e.metric === 'cpu');
    expect(cpu.map((e) => e.query.dimensions)).toEqual([{ Broker: 'orders-1' }, { Broker: 'orders-2' }]);
    expect(cpu.map((e) => [e.query.metricName, e.query.stat])).toEqual([
      ['CpuUtilization', 'Average'],
      ['CpuUtilization', 'Average'],
    ]);
    const names = new Set(catalog.queries.map((q) => q.metricName));
    expect(names).toEqual(
      new Set([
        'CpuUtilization',
        'HeapUsage',
        'StorePercentUsage',
        'CurrentConnectionsCount',
        'TotalEnqueueCount',
        'TotalDequeueCount',
        'TotalMessageCount',
      ]),
    );
    expect(catalog.entries.some((e) => e.metric === 'memory')).toBe(false);
  });

  it('reads RabbitMQ cluster CPU, memory and disk per node (sorted), the rest per broker', () => {
    const catalog = metricCatalog(rabbit(), { rabbitNodes: NODES });
    const cpu = catalog.entries.filter((e) => e.metric === 'cpu');
    expect(cpu.map((e) => e.query.dimensions.Node)).toEqual([...NODES].sort());
    expect(cpu.map((e) => e.query.dimensions.Broker)).toEqual(['events', 'events', 'events']);
    const memory = catalog.entries.filter((e) => e.metric === 'memory');
    expect(memory.map((e) => e.query.metricName).sort()).toEqual(
      ['RabbitMQMemLimit', 'RabbitMQMemUsed'].flatMap((m) => [m, m, m]).sort(),
    );
    const connections = catalog.entries.filter((e) => e.metric === 'connections');
    expect(connections).toHaveLength(1);
    expect(connections[0]?.query).toMatchObject({
      metricName: 'ConnectionCount',
      dimensions: { Broker: 'events' },
    });
    expect(catalog.queries.some((q) => q.expression)).toBe(false);
  });

  it('notes a cluster whose node names are unknown', () => {
    const catalog = metricCatalog(rabbit());
    expect(catalog.notes.join(' ')).toContain('cluster node names unknown');
    expect(catalog.entries.map((e) => e.metric)).toEqual([
      'connections',
      'messagesIn',
      'messagesOut',
      'queueDepth',
    ]);
  });

  it('keeps keys stable across runs and unique across a fleet', () => {
    const brokers = [makeBroker(), makeBroker({ id: 'b-5678', name: 'billing' }), rabbit()];
    const first = fleetCatalog(brokers, new Map([['events', NODES]]));
    const second = fleetCatalog([...brokers].reverse(), new Map([['events', [...NODES].reverse()]]));
    expect(new Set(first.queries.map((q) => q.key)).size).toBe(first.queries.length);
    expect(new Set(second.queries.map((q) => q.key))).toEqual(new Set(first.queries.map((q) => q.key)));
    expect(first.queries[0]?.key).toBe('b_1234_cpu_i1');
    expect(keyPrefix('0abc-def')).toBe('b_0abc_def');
  });
});

describe('Function: p95', () => {
  it.each([
    [[], undefined],
    [[5], 5],
    [ramp(20), 19],
    [ramp(100), 95],
    [ramp(168), 160],
  ])('p95 of %j is %s (nearest rank)', (values, expected) => {
    expect(p95(values as number[])).toBe(expected);
  });
});

describe('Function: summarize', () => {
  it('gives p95, max, average and full coverage for a complete ActiveMQ series', () => {
    const broker = makeBroker({ deploymentMode: 'SINGLE_INSTANCE' });
    const u = summarize(broker, read(series('b_1234_cpu_i1', ramp())), range);
    expect(u.metrics.cpu).toMatchObject({
      unit: '%',
      p95: 160,
      max: 168,
      avg: 84.5,
      coverage: 1,
      expected: 168,
    });
    expect(u.metrics.heap).toMatchObject({ coverage: 0, datapoints: 0 });
    expect(u.metrics.heap?.p95).toBeUndefined();
    expect(u.range).toEqual({
      start: '2026-11-10T00:00:00.000Z',
      end: '2026-11-24T00:00:00.000Z',
      periodSeconds: PERIOD,
    });
  });

  it('measures coverage as the fraction of expected datapoints present', () => {
    const broker = makeBroker({ deploymentMode: 'SINGLE_INSTANCE' });
    const values = ramp().map((v, i) => (i % 2 === 0 ? v : undefined));
    const u = summarize(broker, read(series('b_1234_cpu_i1', values)), range);
    expect(u.metrics.cpu?.coverage).toBeCloseTo(0.5, 5);
    expect(u.metrics.cpu?.datapoints).toBe(84);
  });

  it('follows the active instance of an active/standby pair through a failover', () => {
    const broker = makeBroker();
    const half = N / 2;
    const first = Array.from({ length: N }, (_, i) => (i < half ? 80 : undefined));
    const second = Array.from({ length: N }, (_, i) => (i >= half ? 30 : undefined));
    const u = summarize(broker, read(series('b_1234_cpu_i1', first), series('b_1234_cpu_i2', second)), range);
    expect(u.metrics.cpu).toMatchObject({ coverage: 1, max: 80, worst: 'orders-1', p95: 80 });
    expect(u.metrics.cpu?.avg).toBeCloseTo(55, 5);
  });

  it('turns ActiveMQ connections into % of the per-protocol cap of the type', () => {
    const broker = makeBroker({ deploymentMode: 'SINGLE_INSTANCE', instanceType: 'mq.m5.large' });
    const u = summarize(broker, read(series('b_1234_conn_i1', constant(1_600))), range);
    expect(u.metrics.connections).toMatchObject({ unit: '%', p95: 80, cap: 2_000 });
  });

  it('turns cumulative enqueue and dequeue counters into messages per second, across a restart', () => {
    const broker = makeBroker({ deploymentMode: 'SINGLE_INSTANCE' });
    // One message a second (7,200 per period); the counter restarts at index 100.
    const counter = Array.from({ length: N }, (_, i) => (i < 100 ? i * 7_200 : (i - 99) * 7_200));
    const u = summarize(broker, read(series('b_1234_in_i1', counter)), range);
    expect(u.metrics.messagesIn).toMatchObject({ unit: 'messages/s', p95: 1, max: 1, coverage: 1 });
    expect(u.metrics.messagesIn?.datapoints).toBe(N - 1);
  });

  it('computes RabbitMQ memory per node against its limit and names the worst node', () => {
    const broker = rabbit();
    const sorted = [...NODES].sort();
    const list: MetricSeries[] = [];
    sorted.forEach((_node, i) => {
      list.push(series(`b_rabbit_memUsed_n${i + 1}`, constant((i + 1) * 1_000)));
      list.push(series(`b_rabbit_memLimit_n${i + 1}`, constant(5_000)));
    });
    const u = summarize(broker, read(...list), range, { rabbitNodes: NODES });
    expect(u.metrics.memory).toMatchObject({ unit: '%', p95: 60, coverage: 1, worst: sorted[2] });
  });

  it('takes the lowest node coverage for a cluster (a silent node is not an idle one)', () => {
    const broker = rabbit();
    const list = [1, 2, 3].map((n) =>
      series(
        `b_rabbit_cpu_n${n}`,
        constant(10).map((v, i) => (n === 2 && i >= N / 4 ? undefined : v)),
      ),
    );
    const u = summarize(broker, read(...list), range, { rabbitNodes: NODES });
    expect(u.metrics.cpu?.coverage).toBeCloseTo(0.25, 5);
  });

  it('reads RabbitMQ free disk as pressure on the free-disk limit (100 = at the limit)', () => {
    const broker = rabbit({ deploymentMode: 'SINGLE_INSTANCE' });
    const u = summarize(
      broker,
      read(series('b_rabbit_diskFree_all', constant(10e9)), series('b_rabbit_diskLimit_all', constant(1e9))),
      range,
    );
    expect(u.metrics.store?.p95).toBeCloseTo(10, 5);
  });

  it('counts RabbitMQ cluster connections against the cap of all three nodes', () => {
    const u = summarize(rabbit(), read(series('b_rabbit_conn_all', constant(7_500))), range, {
      rabbitNodes: NODES,
    });
    expect(u.metrics.connections).toMatchObject({ p95: 50, cap: 15_000 });
  });

  it('reports raw connection counts when the type has no documented cap', () => {
    const broker = makeBroker({ deploymentMode: 'SINGLE_INSTANCE', instanceType: 'mq.x9.huge' });
    const u = summarize(broker, read(series('b_1234_conn_i1', constant(42))), range);
    expect(u.metrics.connections).toMatchObject({ unit: 'count', p95: 42 });
    expect(u.notes.join(' ')).toContain('no documented connection cap');
  });
});

describe('Function: lookbackRange', () => {
  it('ends at the last whole period and spans the lookback', () => {
    const r = lookbackRange(new Date('2026-11-24T01:30:00Z'), { lookbackDays: 14, periodSeconds: PERIOD });
    expect(r.end.toISOString()).toBe('2026-11-24T00:00:00.000Z');
    expect(r.start.toISOString()).toBe('2026-11-10T00:00:00.000Z');
    expect(expectedDatapoints(r)).toBe(168);
  });
});
