import { beforeEach, describe, expect, it } from 'vitest';
import { parseCapacityEvent } from '../../../src/capacity/events';
import { expectedDatapoints, lookbackRange } from '../../../src/capacity/metrics';
import { type CapacityPlan, planKey } from '../../../src/capacity/plan';
import { DEFAULT_CAPACITY_POLICY } from '../../../src/capacity/policy';
import type {
  InstanceOption,
  InstanceOptionsSource,
  MetricQuery,
  MetricRange,
  MetricReader,
  MetricSeries,
  PriceQuery,
  PriceSource,
} from '../../../src/capacity/ports';
import { type RightsizeDeps, rightsizeFleet, runRightsize } from '../../../src/capacity/rightsize';
import { BrokerNotFoundError, InvalidInputError } from '../../../src/errors';
import { MemoryKeyValueStore } from '../../../src/kv';
import type { Broker, Engine } from '../../../src/model';
import type { Notice, NoticeSink } from '../../../src/notices';
import type { BrokerInventory, BrokerRef } from '../../../src/ports';
import { makeBroker } from '../../helpers/broker';

const NOW = new Date('2026-11-25T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Three ActiveMQ active/standby brokers on mq.m5.large (2 vCPUs): `orders` runs hot, the others are quiet.
const orders = makeBroker({ id: 'b-1', name: 'orders' });
const payments = makeBroker({ id: 'b-2', name: 'payments' });
// Shares a prefix with `orders`: its series must never be taken for orders' ones.
const ordersEu = makeBroker({ id: 'b-3', name: 'orders-eu' });
const AUTO = { 'mqops:rightsize': 'auto' };

/** The ListBrokers / DescribeBroker side, recording what was described. */
class FakeInventory implements BrokerInventory {
  readonly described: string[] = [];
  lists = 0;

  constructor(
    private readonly brokers: readonly Broker[],
    private readonly failures: ReadonlyMap<string, Error> = new Map(),
  ) {}

  async list(): Promise<BrokerRef[]> {
    this.lists++;
    return this.brokers.map((b) => ({ id: b.id, name: b.name }));
  }

  async describe(id: string): Promise<Broker> {
    this.described.push(id);
    const failure = this.failures.get(id);
    if (failure) throw failure;
    const broker = this.brokers.find((b) => b.id === id);
    if (!broker) throw new BrokerNotFoundError(id);
    return broker;
  }
}

/** The `Broker` dimension's broker name: `orders-1` → `orders` (ActiveMQ instances), `events` → `events`. */
const brokerNameOf = (query: MetricQuery, fleet: readonly Broker[]): string | undefined => {
  const value = query.dimensions.Broker;
  return fleet.find((b) => value === b.name || value === `${b.name}-1` || value === `${b.name}-2`)?.name;
};

/**
 * CloudWatch: records every read; answers, for every query, a complete series (one datapoint per period of the
 * range) of the value `valueAt` gives, or no datapoint when it gives undefined.
 */
class FakeMetrics implements MetricReader {
  readonly reads: { queries: MetricQuery[]; range: MetricRange }[] = [];

  constructor(private readonly valueAt: (query: MetricQuery) => number | undefined) {}

  async read(queries: MetricQuery[], range: MetricRange): Promise<Map<string, MetricSeries>> {
    this.reads.push({ queries: [...queries], range });
    const n = expectedDatapoints(range);
    const grid = Array.from(
      { length: n },
      (_, i) => new Date(range.start.getTime() + i * range.periodSeconds * 1000),
    );
    return new Map(
      queries.map((q) => {
        const v = this.valueAt(q);
        return [
          q.key,
          v === undefined
            ? { key: q.key, timestamps: [], values: [] }
            : { key: q.key, timestamps: grid, values: grid.map(() => v) },
        ];
      }),
    );
  }
}

/** Quiet values of every ActiveMQ and RabbitMQ metric, CPU at `cpu(name)` for the broker of the series. */
function fleetMetrics(fleet: readonly Broker[], cpu: (name: string | undefined) => number): FakeMetrics {
  const quiet: Record<string, number> = {
    HeapUsage: 20,
    StorePercentUsage: 5,
    CurrentConnectionsCount: 10,
    TotalEnqueueCount: 1_000,
    TotalDequeueCount: 1_000,
    TotalMessageCount: 3,
    RabbitMQMemUsed: 20,
    RabbitMQMemLimit: 100,
    RabbitMQDiskFree: 1_000,
    RabbitMQDiskFreeLimit: 50,
    ConnectionCount: 10,
    PublishRate: 1,
    AckRate: 1,
    MessageCount: 3,
  };
  return new FakeMetrics((q) =>
    q.metricName === 'CpuUtilization' || q.metricName === 'SystemCpuUtilization'
      ? cpu(brokerNameOf(q, fleet))
      : quiet[q.metricName],
  );
}

const M5 = ['mq.m5.large', 'mq.m5.xlarge', 'mq.m5.2xlarge', 'mq.m5.4xlarge'];

/** DescribeBrokerInstanceOptions, recording the engines asked for. */
class FakeOptions implements InstanceOptionsSource {
  readonly asked: Engine[] = [];

  async options(engine: Engine): Promise<InstanceOption[]> {
    this.asked.push(engine);
    return M5.map((instanceType) => ({
      engine,
      instanceType,
      storageType: engine === 'ACTIVEMQ' ? 'EFS' : 'EBS',
      deploymentModes:
        engine === 'ACTIVEMQ'
          ? ['SINGLE_INSTANCE', 'ACTIVE_STANDBY_MULTI_AZ']
          : ['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ'],
      engineVersions: engine === 'ACTIVEMQ' ? ['5.18'] : ['3.13'],
    }));
  }
}

/** Hourly prices per instance: mq.m5.large $0.30, mq.m5.xlarge $0.60 (from a table). */
class FakePrices implements PriceSource {
  readonly queries: PriceQuery[] = [];

  async price(query: PriceQuery) {
    this.queries.push(query);
    if (query.kind !== 'instance') return undefined;
    const usd = { 'mq.m5.large': 0.3, 'mq.m5.xlarge': 0.6 }[query.instanceType];
    return usd === undefined
      ? undefined
      : { usd, unit: 'hour' as const, source: 'table' as const, asOf: '2026-11-01' };
  }
}

class RecordingSink implements NoticeSink {
  readonly channel = 'recording';
  readonly notices: Notice[] = [];

  async send(notice: Notice): Promise<void> {
    this.notices.push(notice);
  }
}

/** The default fleet: orders at 85 % CPU (p95 above the 70 % threshold), the others at 20 %. */
function setup(fleet: readonly Broker[] = [orders, payments, ordersEu], failures = new Map<string, Error>()) {
  const inventory = new FakeInventory(fleet, failures);
  const metrics = fleetMetrics(fleet, (name) => (name === 'orders' ? 85 : 20));
  const options = new FakeOptions();
  const prices = new FakePrices();
  const deps: RightsizeDeps = { inventory, metrics, options, prices, now: () => NOW };
  return { inventory, metrics, options, prices, deps };
}

describe('Function: rightsizeFleet', () => {
  it('reports progress once per described broker, up to the fleet size', async () => {
    const { deps } = setup();
    const seen: [number, number][] = [];
    await rightsizeFleet({ ...deps, onProgress: (done, total) => seen.push([done, total]) });
    expect(seen).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('reads the metrics of the whole fleet in ONE read over the lookback range', async () => {
    // Prepare
    const { deps, metrics } = setup();

    // Act
    const report = await rightsizeFleet(deps);

    // Assess
    expect(metrics.reads).toHaveLength(1);
    const [read] = metrics.reads;
    // ActiveMQ active/standby: 7 metrics × 2 instances, for each of the 3 brokers.
    expect(read?.queries).toHaveLength(3 * 14);
    expect(new Set(read?.queries.map((q) => q.key)).size).toBe(3 * 14);
    expect(new Set(read?.queries.map((q) => q.dimensions.Broker))).toEqual(
      new Set(['orders-1', 'orders-2', 'payments-1', 'payments-2', 'orders-eu-1', 'orders-eu-2']),
    );
    expect(read?.range).toEqual(lookbackRange(NOW, DEFAULT_CAPACITY_POLICY));
    expect(report.range).toEqual({
      start: '2026-11-11T12:00:00.000Z',
      end: '2026-11-25T12:00:00.000Z',
      periodSeconds: 7_200,
    });
    expect(report.at).toBe(NOW.toISOString());
  });

  it('asks the instance options of each engine once', async () => {
    const events = makeBroker({
      id: 'b-r',
      name: 'events',
      engine: 'RABBITMQ',
      engineVersion: '3.13',
      deploymentMode: 'SINGLE_INSTANCE',
      storageType: 'EBS',
      users: [],
      configuration: undefined,
    });
    const { deps, options, metrics } = setup([orders, events, payments]);

    const report = await rightsizeFleet(deps);

    expect([...options.asked].sort()).toEqual(['ACTIVEMQ', 'RABBITMQ']);
    expect(metrics.reads).toHaveLength(1);
    // RabbitMQ single instance: 9 queries, beside 14 per ActiveMQ active/standby broker.
    expect(metrics.reads[0]?.queries).toHaveLength(14 + 9 + 14);
    expect(report.recommendations.map((r) => r.brokerName)).toEqual(['orders', 'events', 'payments']);
    expect(report.errors).toEqual([]);
  });

  it('recommends a priced upsize for the hot broker and keeps the quiet ones', async () => {
    const { deps } = setup();

    const report = await rightsizeFleet(deps);

    const byName = new Map(report.recommendations.map((r) => [r.brokerName, r]));
    expect(byName.get('orders')).toMatchObject({
      brokerId: 'b-1',
      action: 'upsize',
      from: 'mq.m5.large',
      to: 'mq.m5.xlarge',
      // 730 h × 2 instances × ($0.60 − $0.30)
      monthlyCostDelta: { usd: 438, source: 'table' },
    });
    expect(byName.get('orders')?.reasons[0]).toBe('CPU p95 85% over 14 days is above 70% (worst: orders-1)');
    // `orders-eu` shares orders' prefix but not its series.
    expect(byName.get('orders-eu')?.action).toBe('keep');
    expect(byName.get('payments')?.action).toBe('keep');
    expect(report.brokers.map((b) => b.id)).toEqual(['b-1', 'b-2', 'b-3']);
    expect(report.errors).toEqual([]);
    expect(report.outcome).toEqual({ status: 'complete', covered: 3, gaps: [] });
  });

  it('answers "not enough data" for a broker without datapoints, never a guess', async () => {
    const { deps } = setup([orders, payments]);
    const silent = new FakeMetrics((q) =>
      brokerNameOf(q, [orders, payments]) === 'payments' ? undefined : 50,
    );

    const report = await rightsizeFleet({ ...deps, metrics: silent });

    const payment = report.recommendations.find((r) => r.brokerName === 'payments');
    expect(payment?.action).toBe('not-enough-data');
    expect(payment?.to).toBeUndefined();
    // "Not enough data" is an answer, not a broker left out.
    expect(report.outcome).toEqual({ status: 'complete', covered: 2, gaps: [] });
  });

  it('recommends without cost deltas when no price source is given', async () => {
    const { deps } = setup();
    const { prices: _prices, ...unpriced } = deps;

    const report = await rightsizeFleet(unpriced);

    const upsize = report.recommendations.find((r) => r.action === 'upsize');
    expect(upsize?.to).toBe('mq.m5.xlarge');
    expect(upsize?.monthlyCostDelta).toBeUndefined();
  });

  it('assesses only the requested brokers, named by id or by name', async () => {
    const { deps, inventory, metrics } = setup();

    const report = await rightsizeFleet(deps, { brokers: ['b-2', 'orders'] });

    expect([...inventory.described].sort()).toEqual(['b-1', 'b-2']);
    expect(report.recommendations.map((r) => r.brokerId)).toEqual(['b-2', 'b-1']);
    expect(metrics.reads).toHaveLength(1);
    expect(new Set(metrics.reads[0]?.queries.map((q) => q.dimensions.Broker))).toEqual(
      new Set(['orders-1', 'orders-2', 'payments-1', 'payments-2']),
    );
  });

  it('prefers an id over a name when a broker is named like another broker id', async () => {
    const confusing = makeBroker({ id: 'b-9', name: 'b-1' });
    const { deps, inventory } = setup([orders, confusing]);

    await rightsizeFleet(deps, { brokers: ['b-1'] });

    expect(inventory.described).toEqual(['b-1']);
  });

  it('assesses a broker requested twice (by id and by name) once, with unique query keys', async () => {
    // The CloudWatch reader refuses duplicate query keys (MetricReadError "duplicate query key"), so a broker
    // named twice in a request must be read once.
    const { deps, metrics } = setup();

    const report = await rightsizeFleet(deps, { brokers: ['b-1', 'orders'] });

    const keys = metrics.reads[0]?.queries.map((q) => q.key) ?? [];
    expect(new Set(keys).size).toBe(keys.length);
    expect(report.recommendations.map((r) => r.brokerId)).toEqual(['b-1']);
  });

  it('throws BrokerNotFoundError for a requested broker that is not listed, before describing anything', async () => {
    const { deps, inventory, metrics } = setup();

    const error = await rightsizeFleet(deps, { brokers: ['orders', 'nope'] }).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(BrokerNotFoundError);
    expect((error as BrokerNotFoundError).brokerId).toBe('nope');
    expect(inventory.described).toEqual([]);
    expect(metrics.reads).toHaveLength(0);
  });

  it('throws when a requested broker cannot be described', async () => {
    const { deps } = setup(undefined, new Map([['b-2', new Error('Rate exceeded')]]));

    await expect(rightsizeFleet(deps, { brokers: ['payments'] })).rejects.toThrow('Rate exceeded');
  });

  it('reports a broker whose describe fails in a full run as an error and still assesses the others', async () => {
    // Prepare: payments is throttled, a broker listed a moment ago is gone.
    const gone = makeBroker({ id: 'b-gone', name: 'gone' });
    const { deps, metrics } = setup(
      [orders, payments, ordersEu, gone],
      new Map<string, Error>([
        ['b-2', new Error('Rate exceeded')],
        ['b-gone', new BrokerNotFoundError('b-gone')],
      ]),
    );

    // Act
    const report = await rightsizeFleet(deps);

    // Assess
    expect([...report.errors].sort((a, b) => a.broker.localeCompare(b.broker))).toEqual([
      { broker: 'gone', error: 'unknown broker: b-gone (no such broker in this account and region)' },
      { broker: 'payments', error: 'Rate exceeded' },
    ]);
    expect(report.recommendations.map((r) => [r.brokerName, r.action])).toEqual([
      ['orders', 'upsize'],
      ['orders-eu', 'keep'],
    ]);
    expect(report.brokers.map((b) => b.name)).toEqual(['orders', 'orders-eu']);
    expect(report.outcome.status).toBe('partial');
    expect(report.outcome.covered).toBe(2);
    expect([...report.outcome.gaps].sort((a, b) => String(a.broker).localeCompare(String(b.broker)))).toEqual(
      [
        {
          target: 'self',
          broker: 'gone',
          reason: 'not assessed: unknown broker: b-gone (no such broker in this account and region)',
        },
        { target: 'self', broker: 'payments', reason: 'not assessed: Rate exceeded' },
      ],
    );
    expect(metrics.reads).toHaveLength(1);
    expect(metrics.reads[0]?.queries.some((q) => q.dimensions.Broker?.startsWith('payments'))).toBe(false);
  });

  it('reports a broker whose pricing fails as an error and still assesses the others', async () => {
    const { deps } = setup();
    const failingPrices: PriceSource = {
      price: async () => {
        throw new Error('Pricing API unavailable');
      },
    };

    const report = await rightsizeFleet({ ...deps, prices: failingPrices });

    // Only the upsize is priced; keep recommendations need no price.
    expect(report.errors).toEqual([{ broker: 'orders', error: 'Pricing API unavailable' }]);
    expect(report.recommendations.map((r) => r.brokerName).sort()).toEqual(['orders-eu', 'payments']);
    expect(report.outcome).toEqual({
      status: 'partial',
      covered: 2,
      gaps: [{ target: 'self', broker: 'orders', reason: 'not assessed: Pricing API unavailable' }],
    });
  });

  it('fails, reading nothing more, when the brokers cannot be listed', async () => {
    const { deps, metrics } = setup();
    const inventory: BrokerInventory = {
      list: async () => {
        throw new Error('User is not authorized to perform: mq:ListBrokers');
      },
      describe: deps.inventory.describe.bind(deps.inventory),
    };

    const report = await rightsizeFleet({ ...deps, inventory, target: 'self/eu-west-1' });

    expect(report.recommendations).toEqual([]);
    expect(metrics.reads).toHaveLength(0);
    expect(report.outcome).toEqual({
      status: 'failed',
      covered: 0,
      gaps: [
        {
          target: 'self/eu-west-1',
          reason: 'not assessed: ListBrokers failed: User is not authorized to perform: mq:ListBrokers',
        },
      ],
    });
  });

  it('fails, naming every broker, when the metrics cannot be read', async () => {
    const { deps } = setup([orders, payments]);
    const denied: MetricReader = {
      read: async () => {
        throw new Error('not authorized to perform: cloudwatch:GetMetricData');
      },
    };

    const report = await rightsizeFleet({ ...deps, metrics: denied });

    expect(report.recommendations).toEqual([]);
    expect(report.outcome.status).toBe('failed');
    expect(report.outcome.gaps.map((g) => [g.broker, g.reason])).toEqual([
      ['orders', 'not assessed: metrics unreadable: not authorized to perform: cloudwatch:GetMetricData'],
      ['payments', 'not assessed: metrics unreadable: not authorized to perform: cloudwatch:GetMetricData'],
    ]);
  });

  it("leaves out the brokers of an engine whose instance options cannot be read, or whose node names can't", async () => {
    const events = makeBroker({
      id: 'b-9',
      name: 'events',
      engine: 'RABBITMQ',
      deploymentMode: 'CLUSTER_MULTI_AZ',
    });
    const fleet = [orders, events];
    const { deps } = setup(fleet);
    const nodes = { nodes: async () => new Map([['events', ['rabbit@a', 'rabbit@b', 'rabbit@c']]]) };
    const options: InstanceOptionsSource = {
      options: async (engine) => {
        if (engine === 'RABBITMQ') throw new Error('Rate exceeded');
        return new FakeOptions().options(engine);
      },
    };

    const noOptions = await rightsizeFleet({ ...deps, nodes, options });
    expect(noOptions.recommendations.map((r) => r.brokerName)).toEqual(['orders']);
    expect(noOptions.outcome).toEqual({
      status: 'partial',
      covered: 1,
      gaps: [
        {
          target: 'self',
          broker: 'events',
          reason: 'not assessed: instance options unavailable: Rate exceeded',
        },
      ],
    });

    const noNodes = await rightsizeFleet({
      ...deps,
      nodes: {
        nodes: async () => {
          throw new Error('ListMetrics denied');
        },
      },
    });
    expect(noNodes.recommendations.map((r) => r.brokerName)).toEqual(['orders']);
    expect(noNodes.outcome.gaps).toEqual([
      {
        target: 'self',
        broker: 'events',
        reason: 'not assessed: node names unavailable: ListMetrics denied',
      },
    ]);
  });

  it('reads nothing but the inventory for an empty fleet', async () => {
    const { deps, metrics, options } = setup([]);

    const report = await rightsizeFleet(deps);

    expect(report.recommendations).toEqual([]);
    expect(options.asked).toEqual([]);
    expect(metrics.reads.flatMap((r) => r.queries)).toEqual([]);
  });
});

describe('Function: runRightsize', () => {
  let store: MemoryKeyValueStore;
  let sink: RecordingSink;

  beforeEach(() => {
    store = new MemoryKeyValueStore();
    sink = new RecordingSink();
  });

  const run = (deps: RightsizeDeps, at: Date = NOW, extra: { dedupeSeconds?: number } = {}) =>
    runRightsize({ ...deps, now: () => at, store, sinks: [sink], ...extra });
  const recommendationNotices = () => sink.notices.filter((n) => n.key?.startsWith('capacity:recommend:'));

  it('announces a resize recommendation once, naming broker, types and cost', async () => {
    const { deps } = setup();

    await run(deps);

    expect(recommendationNotices()).toEqual([
      expect.objectContaining({
        kind: 'capacity',
        level: 'warning',
        title: 'upsize recommended for broker orders: mq.m5.large → mq.m5.xlarge',
        fields: { from: 'mq.m5.large', to: 'mq.m5.xlarge', 'monthly cost': '+$438.00/month (table)' },
        broker: { id: 'b-1', name: 'orders', region: 'us-east-1' },
        key: 'capacity:recommend:b-1:upsize:mq.m5.xlarge',
      }),
    ]);
    expect(recommendationNotices()[0]?.text).toContain('mqops rightsize --accept orders');
  });

  it('counts a recommendation a channel did not take as not covered', async () => {
    const { deps } = setup();
    const failing: NoticeSink = {
      channel: 'slack',
      send: async () => {
        throw new Error('HTTP 500');
      },
    };

    const result = await runRightsize({ ...deps, store, sinks: [failing], target: 'self/us-east-1' });

    expect(result.outcome).toEqual({
      status: 'partial',
      covered: 3,
      gaps: [
        {
          target: 'self/us-east-1',
          broker: 'orders',
          check: 'upsize notice',
          reason: 'not announced on slack: HTTP 500',
        },
      ],
    });
  });

  it('announces a hot broker that no resize can relieve as blocked, once, and never plans it', async () => {
    // Prepare: `biggest` runs hot on the largest type offered, and is tagged for auto-apply.
    const biggest = makeBroker({ id: 'b-5', name: 'biggest', instanceType: 'mq.m5.4xlarge', tags: AUTO });
    const fleet = [biggest, payments];
    const { deps } = setup(fleet);
    const metrics = fleetMetrics(fleet, (name) => (name === 'biggest' ? 85 : 20));

    // Act
    const first = await run({ ...deps, metrics });
    await run({ ...deps, metrics }, new Date(NOW.getTime() + DAY));

    // Assess
    const rec = first.recommendations.find((r) => r.brokerName === 'biggest');
    expect(rec).toMatchObject({ action: 'blocked', from: 'mq.m5.4xlarge' });
    expect(rec?.to).toBeUndefined();
    const blocker =
      'CPU p95 85% is over the 70% threshold, but no larger instance type is offered for ActiveMQ 5.18 ' +
      'ACTIVE_STANDBY_MULTI_AZ on EFS';
    expect(rec?.reasons.at(-1)).toBe(blocker);
    expect(recommendationNotices()).toEqual([
      expect.objectContaining({
        kind: 'capacity',
        level: 'warning',
        title:
          'blocked: broker biggest on mq.m5.4xlarge is over a threshold, and no resize can be recommended',
        fields: { type: 'mq.m5.4xlarge', blocked: blocker },
        broker: { id: 'b-5', name: 'biggest', region: 'us-east-1' },
        key: 'capacity:recommend:b-5:blocked:mq.m5.4xlarge',
      }),
    ]);
    expect(recommendationNotices()[0]?.text).toContain(blocker);
    expect(recommendationNotices()[0]?.text).not.toContain('--accept');
    expect(first.planned).toEqual([]);
    expect(first.skipped).toEqual([]);
    expect(await store.get(planKey('b-5'))).toBeUndefined();
    // Blocked is an answer (announced), not a broker left out.
    expect(first.outcome).toEqual({ status: 'complete', covered: 2, gaps: [] });
  });

  it('does not announce the same recommendation again on the next run', async () => {
    const { deps } = setup();

    await run(deps);
    await run(deps, new Date(NOW.getTime() + DAY));

    expect(recommendationNotices()).toHaveLength(1);
  });

  it('announces it again once dedupeSeconds have passed', async () => {
    const { deps } = setup();

    await run(deps, NOW, { dedupeSeconds: 3_600 });
    await run(deps, new Date(NOW.getTime() + 2 * HOUR), { dedupeSeconds: 3_600 });

    expect(recommendationNotices()).toHaveLength(2);
  });

  it('announces a new target as a new recommendation', async () => {
    const { deps } = setup();
    await run(deps);
    // Twice as hot: two sizes up (mq.m5.2xlarge) are needed now.
    const hotter = fleetMetrics([orders, payments, ordersEu], (name) => (name === 'orders' ? 170 : 20));

    await run({ ...deps, metrics: hotter }, new Date(NOW.getTime() + DAY));

    expect(recommendationNotices().map((n) => n.key)).toEqual([
      'capacity:recommend:b-1:upsize:mq.m5.xlarge',
      'capacity:recommend:b-1:upsize:mq.m5.2xlarge',
    ]);
  });

  it('plans no resize for a broker without the auto-apply tag', async () => {
    const { deps } = setup();

    const result = await run(deps);

    expect(result.planned).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(await store.list('capacityplan#')).toEqual([]);
  });

  it('plans the resize of a broker tagged mqops:rightsize=auto only', async () => {
    // Prepare: two hot brokers, one of them tagged.
    const tagged = makeBroker({ id: 'b-1', name: 'orders', tags: { ...orders.tags, ...AUTO } });
    const hot = makeBroker({ id: 'b-4', name: 'billing' });
    const fleet = [tagged, hot, payments];
    const { deps } = setup(fleet);
    const metrics = fleetMetrics(fleet, (name) => (name === 'orders' || name === 'billing' ? 85 : 20));

    // Act
    const result = await run({ ...deps, metrics });

    // Assess
    expect(result.recommendations.filter((r) => r.action === 'upsize').map((r) => r.brokerName)).toEqual([
      'orders',
      'billing',
    ]);
    expect(result.planned).toHaveLength(1);
    expect(result.planned[0]).toMatchObject({
      brokerId: 'b-1',
      state: 'planned',
      source: 'auto-policy',
      from: 'mq.m5.large',
      to: 'mq.m5.xlarge',
      createdAt: NOW.toISOString(),
    });
    expect((await store.get<CapacityPlan>(planKey('b-1')))?.value.id).toBe(result.planned[0]?.id);
    expect(await store.get(planKey('b-4'))).toBeUndefined();
    expect(sink.notices.map((n) => n.title)).toContain(
      'Resize of broker orders planned: mq.m5.large → mq.m5.xlarge',
    );
  });

  it('skips the auto plan while an unfinished plan of the broker exists', async () => {
    const tagged = makeBroker({ id: 'b-1', name: 'orders', tags: { ...orders.tags, ...AUTO } });
    const { deps } = setup([tagged, payments]);
    const first = await run(deps);

    const second = await run(deps, new Date(NOW.getTime() + DAY));

    expect(first.planned).toHaveLength(1);
    expect(second.planned).toEqual([]);
    expect(second.skipped).toEqual(['broker orders already has a planned plan mq.m5.large → mq.m5.xlarge']);
    // The stored plan is still the first one.
    expect((await store.get<CapacityPlan>(planKey('b-1')))?.value.id).toBe(first.planned[0]?.id);
  });

  it('plans again once the previous plan has finished', async () => {
    const tagged = makeBroker({ id: 'b-1', name: 'orders', tags: { ...orders.tags, ...AUTO } });
    const { deps } = setup([tagged, payments]);
    const first = await run(deps);
    const stored = await store.get<CapacityPlan>(planKey('b-1'));
    await store.put(
      planKey('b-1'),
      { ...(stored?.value as CapacityPlan), state: 'cancelled' },
      { expectedVersion: stored?.version ?? 0 },
    );

    const later = new Date(NOW.getTime() + DAY);
    const second = await run(deps, later);

    expect(second.skipped).toEqual([]);
    expect(second.planned).toHaveLength(1);
    expect(second.planned[0]?.id).not.toBe(first.planned[0]?.id);
    expect((await store.get<CapacityPlan>(planKey('b-1')))?.value).toMatchObject({
      state: 'planned',
      createdAt: later.toISOString(),
    });
  });
});

describe('Function: parseCapacityEvent', () => {
  const scheduled = {
    version: '0',
    id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: '2026-11-25T12:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:123456789012:rule/mqops-rightsize'],
    detail: {},
  };

  it('reads an EventBridge scheduled event with its time', () => {
    expect(parseCapacityEvent(scheduled)).toEqual({ trigger: 'schedule', time: '2026-11-25T12:00:00Z' });
  });

  it('reads a scheduled time with an offset', () => {
    expect(parseCapacityEvent({ ...scheduled, time: '2026-11-25T13:00:00+01:00' })).toEqual({
      trigger: 'schedule',
      time: '2026-11-25T13:00:00+01:00',
    });
  });

  it('reads {} as a manual run of every broker', () => {
    expect(parseCapacityEvent({})).toStrictEqual({ trigger: 'manual' });
  });

  it('reads {brokers: […]} as a manual run of those brokers', () => {
    expect(parseCapacityEvent({ brokers: ['b-1234', 'orders'] })).toEqual({
      trigger: 'manual',
      brokers: ['b-1234', 'orders'],
    });
  });

  it.each([
    ['an empty broker list', { brokers: [] }, /brokers/],
    ['an empty broker name', { brokers: [''] }, /brokers\.0/],
    ['a broker list that is not an array', { brokers: 'orders' }, /brokers/],
    ['an unknown key (a typo)', { brokerIds: ['b-1234'] }, /brokerIds/],
    ['an unknown key beside brokers', { brokers: ['b-1'], dryRun: true }, /dryRun/],
    ['null', null, /\(event\)/],
    ['a string', 'orders', /\(event\)/],
    ['an array', ['orders'], /\(event\)/],
  ])('rejects %s', (_what, event, issue) => {
    const error = (() => {
      try {
        parseCapacityEvent(event);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/^expected an EventBridge scheduled event or a manual/);
    expect((error as InvalidInputError).issues.join('; ')).toMatch(issue);
  });

  it.each([
    [
      'without id, account, region, resources and detail',
      { source: 'aws.events', 'detail-type': 'Scheduled Event', time: '2026-11-25T12:00:00Z' },
    ],
    ['without time', { ...scheduled, time: undefined }],
    ['with a time that is not ISO 8601', { ...scheduled, time: 'Wed, 25 Nov 2026 12:00:00 GMT' }],
    ['of another detail-type', { ...scheduled, 'detail-type': 'AWS API Call via CloudTrail' }],
    ['of another source', { ...scheduled, source: 'aws.amazonmq' }],
  ])('rejects a half scheduled event (%s)', (_what, event) => {
    expect(() => parseCapacityEvent(event)).toThrow(InvalidInputError);
  });
});
