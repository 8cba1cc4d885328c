/**
 * The capacity metric catalog: which CloudWatch series (namespace AWS/AmazonMQ) measure each
 * {@link CapacityMetric} of a broker, per engine and deployment mode, and how a lookback of them is summarised into
 * a utilisation (p95, max, average and coverage per metric, the worst instance or node).
 *
 * ActiveMQ (dimension `Broker` = `<name>-1`, and `<name>-2` for the standby of an active/standby pair; both are read
 * and combined by taking, at each timestamp, the higher value, i.e. whichever instance is active):
 * | metric | CloudWatch metric | statistic |
 * |---|---|---|
 * | cpu | CpuUtilization (%) | Average |
 * | heap | HeapUsage (% of the JVM memory limit) | Average |
 * | store | StorePercentUsage (%; producers are refused at 100) | Maximum |
 * | connections | CurrentConnectionsCount, as % of the type's per-protocol cap | Maximum |
 * | messagesIn / messagesOut | TotalEnqueueCount / TotalDequeueCount, cumulative counters turned into messages/s | Maximum |
 * | queueDepth | TotalMessageCount (messages stored) | Maximum |
 * ActiveMQ publishes no system-memory metric: `memory` does not apply (heap is its memory).
 *
 * RabbitMQ (dimension `Broker` = `<name>`; cluster CPU, memory and disk per node with `Broker` + `Node`, because the
 * broker-level values of a cluster are sums over its three nodes; connections, rates and messages per broker):
 * | metric | CloudWatch metric | statistic |
 * |---|---|---|
 * | cpu | SystemCpuUtilization (%) | Average |
 * | memory | 100 × RabbitMQMemUsed / RabbitMQMemLimit (% of the memory high watermark), computed here | Maximum |
 * | store | 100 × RabbitMQDiskFreeLimit / RabbitMQDiskFree (free-disk pressure: 100 = at the limit), computed here | Minimum / Maximum |
 * | connections | ConnectionCount, as % of (per-node cap × nodes) | Maximum |
 * | messagesIn / messagesOut | PublishRate / AckRate (messages/s) | Average |
 * | queueDepth | MessageCount | Maximum |
 * `heap` does not apply. Percentages are computed after the read rather than with metric math: an expression
 * would cost a query slot of its own (500 per GetMetricData call).
 *
 * Unsure: whether TotalEnqueueCount / TotalDequeueCount are published with the `Broker` dimension alone (the Amazon
 * MQ guide lists them beside the per-destination metrics), and whether they are cumulative (read so here, with
 * counter resets handled) rather than per-period counts.
 */
import { instanceCount, instanceLimits } from '../instance-types';
import type { Broker } from '../model';
import type { CapacityMetric, MetricQuery, MetricRange, MetricSeries } from './ports';

/** The namespace Amazon MQ publishes broker metrics in. */
export const AMAZON_MQ_METRIC_NAMESPACE = 'AWS/AmazonMQ';

/** What one series means to {@link summarize}. */
export type SeriesRole =
  /** The metric itself. */
  | 'value'
  /** RabbitMQ memory used, divided by `limit`. */
  | 'used'
  | 'limit'
  /** RabbitMQ free disk; the pressure is `freeLimit` ÷ `free`. */
  | 'free'
  | 'freeLimit'
  /** A cumulative counter, turned into a per-second rate. */
  | 'counter';

/** Where a series is measured. */
export interface SeriesScope {
  /** `instance`: an ActiveMQ broker instance; `node`: a RabbitMQ cluster node; `broker`: the whole broker. */
  kind: 'instance' | 'node' | 'broker';
  /** `orders-1`, `rabbit@ip-10-0-1-23…`, or the broker name. */
  name: string;
}

/** One query of the catalog and what it measures. */
export interface CatalogEntry {
  metric: CapacityMetric;
  role: SeriesRole;
  scope: SeriesScope;
  query: MetricQuery;
}

/** A broker's queries. */
export interface MetricCatalog {
  brokerId: string;
  brokerName: string;
  entries: CatalogEntry[];
  /** The queries to read, in catalog order (keys unique and stable across runs). */
  queries: MetricQuery[];
  /** Metrics that cannot be measured and why (e.g. cluster node names unknown). */
  notes: string[];
}

export interface MetricCatalogOptions {
  /**
   * Prefix of every query key; default the broker id with anything but letters, digits and `_` replaced by `_`
   * (stable across runs, unique within a fleet).
   */
  prefix?: string;
  /** RabbitMQ cluster node names (the CloudWatch `Node` dimension); without them per-node metrics are not read. */
  rabbitNodes?: readonly string[];
}

/** The unit a metric's utilisation is expressed in. */
export type UtilisationUnit = '%' | 'count' | 'messages' | 'messages/s';

interface Definition {
  metric: CapacityMetric;
  metricName: string;
  stat: string;
  role: SeriesRole;
  /** Short name in the query key. */
  short: string;
  /** Read per instance/node (true) or per broker. */
  perScope: boolean;
}

const def = (
  metric: CapacityMetric,
  metricName: string,
  stat: string,
  short: string,
  role: SeriesRole = 'value',
  perScope = true,
): Definition => ({ metric, metricName, stat, role, short, perScope });

/** ActiveMQ: every metric per broker instance. */
const ACTIVEMQ: readonly Definition[] = [
  def('cpu', 'CpuUtilization', 'Average', 'cpu'),
  def('heap', 'HeapUsage', 'Average', 'heap'),
  def('store', 'StorePercentUsage', 'Maximum', 'store'),
  def('connections', 'CurrentConnectionsCount', 'Maximum', 'conn'),
  def('messagesIn', 'TotalEnqueueCount', 'Maximum', 'in', 'counter'),
  def('messagesOut', 'TotalDequeueCount', 'Maximum', 'out', 'counter'),
  def('queueDepth', 'TotalMessageCount', 'Maximum', 'depth'),
];

/** RabbitMQ: CPU, memory and disk per node (clusters), the rest per broker. */
const RABBITMQ: readonly Definition[] = [
  def('cpu', 'SystemCpuUtilization', 'Average', 'cpu'),
  def('memory', 'RabbitMQMemUsed', 'Maximum', 'memUsed', 'used'),
  def('memory', 'RabbitMQMemLimit', 'Maximum', 'memLimit', 'limit'),
  def('store', 'RabbitMQDiskFree', 'Minimum', 'diskFree', 'free'),
  def('store', 'RabbitMQDiskFreeLimit', 'Maximum', 'diskLimit', 'freeLimit'),
  def('connections', 'ConnectionCount', 'Maximum', 'conn', 'value', false),
  def('messagesIn', 'PublishRate', 'Average', 'in', 'value', false),
  def('messagesOut', 'AckRate', 'Average', 'out', 'value', false),
  def('queueDepth', 'MessageCount', 'Maximum', 'depth', 'value', false),
];

/** The capacity metrics that apply to an engine. */
export function metricsOf(engine: Broker['engine']): CapacityMetric[] {
  const defs = engine === 'ACTIVEMQ' ? ACTIVEMQ : RABBITMQ;
  return [...new Set(defs.map((d) => d.metric))];
}

/** The unit a metric is summarised in (connections: % of the cap when the cap is known). */
export function unitOf(metric: CapacityMetric): UtilisationUnit {
  if (metric === 'queueDepth') return 'messages';
  if (metric === 'messagesIn' || metric === 'messagesOut') return 'messages/s';
  return '%';
}

/** The default key prefix of a broker: its id as an identifier. */
export function keyPrefix(brokerId: string): string {
  const id = brokerId.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z]/.test(id) ? id : `b_${id}`;
}

/**
 * The queries that measure a broker's capacity metrics, with what each one means.
 *
 * Query counts: ActiveMQ single instance 7, active/standby 14; RabbitMQ single instance 9, cluster 4 + 5 per node
 * (19 for three nodes).
 *
 * @example
 * const catalog = metricCatalog(broker, { rabbitNodes: nodes.get(broker.name) });
 * const series = await reader.read(catalog.queries, range);
 * const utilisation = summarize(broker, series, range, { rabbitNodes: nodes.get(broker.name) });
 */
export function metricCatalog(broker: Broker, options: MetricCatalogOptions = {}): MetricCatalog {
  const prefix = options.prefix ?? keyPrefix(broker.id);
  const notes: string[] = [];
  const entries: CatalogEntry[] = [];
  const brokerScope: SeriesScope = { kind: 'broker', name: broker.name };
  let scopes: { scope: SeriesScope; short: string; dimensions: Record<string, string> }[];

  if (broker.engine === 'ACTIVEMQ') {
    const count = broker.deploymentMode === 'ACTIVE_STANDBY_MULTI_AZ' ? 2 : 1;
    scopes = Array.from({ length: count }, (_, i) => ({
      scope: { kind: 'instance', name: `${broker.name}-${i + 1}` },
      short: `i${i + 1}`,
      dimensions: { Broker: `${broker.name}-${i + 1}` },
    }));
  } else if (broker.deploymentMode === 'CLUSTER_MULTI_AZ') {
    const nodes = [...new Set(options.rabbitNodes ?? [])].sort();
    if (nodes.length === 0)
      notes.push(
        'cluster node names unknown (no node publishes metrics yet): cpu, memory and store cannot be measured per node',
      );
    scopes = nodes.map((node, i) => ({
      scope: { kind: 'node', name: node },
      short: `n${i + 1}`,
      dimensions: { Broker: broker.name, Node: node },
    }));
  } else {
    scopes = [{ scope: brokerScope, short: 'all', dimensions: { Broker: broker.name } }];
  }

  for (const d of broker.engine === 'ACTIVEMQ' ? ACTIVEMQ : RABBITMQ) {
    const targets = d.perScope
      ? scopes
      : [{ scope: brokerScope, short: 'all', dimensions: { Broker: broker.name } }];
    for (const target of targets) {
      entries.push({
        metric: d.metric,
        role: d.role,
        scope: target.scope,
        query: {
          key: `${prefix}_${d.short}_${target.short}`,
          metricName: d.metricName,
          dimensions: { ...target.dimensions },
          stat: d.stat,
        },
      });
    }
  }
  return {
    brokerId: broker.id,
    brokerName: broker.name,
    entries,
    queries: entries.map((e) => e.query),
    notes,
  };
}

/** The catalogs of a fleet and all their queries, for one read. */
export function fleetCatalog(
  brokers: readonly Broker[],
  rabbitNodes: ReadonlyMap<string, readonly string[]> = new Map(),
): { catalogs: MetricCatalog[]; queries: MetricQuery[] } {
  const catalogs = brokers.map((b) => {
    const nodes = rabbitNodes.get(b.name);
    return metricCatalog(b, nodes ? { rabbitNodes: nodes } : {});
  });
  return { catalogs, queries: catalogs.flatMap((c) => c.queries) };
}

/** What a broker's lookback says about one metric. */
export interface MetricUtilisation {
  metric: CapacityMetric;
  unit: UtilisationUnit;
  /** Fraction (0–1) of the expected datapoints present (see {@link summarize} for multi-instance brokers). */
  coverage: number;
  /** Datapoints the statistics are over. */
  datapoints: number;
  /** Datapoints a complete lookback holds. */
  expected: number;
  /** Undefined without datapoints. */
  p95?: number;
  max?: number;
  avg?: number;
  /** The instance or node with the highest p95 (brokers of more than one instance or node). */
  worst?: string;
  /** Connections: the cap the percentages are of (per instance for ActiveMQ, per broker for RabbitMQ). */
  cap?: number;
}

/** A broker's utilisation over a lookback. */
export interface Utilisation {
  brokerId: string;
  brokerName: string;
  /** The type the metrics were measured on. */
  instanceType: string;
  range: { start: string; end: string; periodSeconds: number };
  /** Every metric that applies to the engine. */
  metrics: Partial<Record<CapacityMetric, MetricUtilisation>>;
  notes: string[];
}

/** The 95th percentile by nearest rank (the smallest value at or above 95 % of the values). */
export function p95(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)];
}

/** Datapoints a complete series holds over the range. */
export function expectedDatapoints(range: MetricRange): number {
  return Math.max(
    0,
    Math.floor((range.end.getTime() - range.start.getTime()) / (range.periodSeconds * 1000)),
  );
}

type Points = Map<number, number>;

const pointsOf = (series: MetricSeries | undefined): Points => {
  const out: Points = new Map();
  if (!series) return out;
  series.timestamps.forEach((t, i) => {
    const v = series.values[i];
    if (v !== undefined && Number.isFinite(v)) out.set(t.getTime(), v);
  });
  return out;
};

/** Two series joined on their timestamps. */
function join(a: Points, b: Points, f: (a: number, b: number) => number | undefined): Points {
  const out: Points = new Map();
  for (const [t, x] of a) {
    const y = b.get(t);
    if (y === undefined) continue;
    const v = f(x, y);
    if (v !== undefined && Number.isFinite(v)) out.set(t, v);
  }
  return out;
}

/** Per-second rate of a cumulative counter; a drop is a restart (the new value counts from zero). */
function rateOf(counter: Points): Points {
  const times = [...counter.keys()].sort((a, b) => a - b);
  const out: Points = new Map();
  for (let i = 1; i < times.length; i++) {
    const [t0, t1] = [times[i - 1] as number, times[i] as number];
    const [v0, v1] = [counter.get(t0) as number, counter.get(t1) as number];
    const delta = v1 >= v0 ? v1 - v0 : v1;
    out.set(t1, delta / ((t1 - t0) / 1000));
  }
  return out;
}

/** Free-disk pressure values are capped here: at the limit it is 100, far below it the figure means little. */
const MAX_PRESSURE = 1_000;

/**
 * Summarises the series of a broker's catalog over the range: for every metric that applies, p95 / max / average
 * and coverage.
 *
 * Several instances or nodes: the values are combined by taking, at each timestamp, the highest of them (the
 * active ActiveMQ instance, the busiest RabbitMQ node), and `worst` names the instance or node with the highest p95
 * of its own. Coverage: for ActiveMQ the fraction of periods where at least one instance reported (a standby may
 * publish less); for RabbitMQ nodes the lowest coverage of any node (a silent node is not known to be idle).
 *
 * @param options the options the catalog was built with (the same prefix and node names).
 */
export function summarize(
  broker: Broker,
  series: ReadonlyMap<string, MetricSeries>,
  range: MetricRange,
  options: MetricCatalogOptions = {},
): Utilisation {
  const catalog = metricCatalog(broker, options);
  const expected = expectedDatapoints(range);
  const limits = instanceLimits(broker.engine, broker.instanceType);
  const notes = [...catalog.notes];
  const metrics: Partial<Record<CapacityMetric, MetricUtilisation>> = {};

  for (const metric of metricsOf(broker.engine)) {
    const entries = catalog.entries.filter((e) => e.metric === metric);
    const byScope = new Map<string, { scope: SeriesScope; raw: Partial<Record<SeriesRole, Points>> }>();
    for (const entry of entries) {
      const slot = byScope.get(entry.scope.name) ?? { scope: entry.scope, raw: {} };
      slot.raw[entry.role] = pointsOf(series.get(entry.query.key));
      byScope.set(entry.scope.name, slot);
    }

    let cap: number | undefined;
    if (metric === 'connections' && limits) {
      cap =
        limits.engine === 'ACTIVEMQ'
          ? limits.connectionsPerProtocol
          : limits.connectionsPerNode * instanceCount(broker.deploymentMode);
    }
    if (metric === 'connections' && cap === undefined)
      notes.push(
        `no documented connection cap for ${broker.instanceType}: connections are counts, not % of a cap`,
      );

    const scoped: { name: string; kind: SeriesScope['kind']; present: number; values: Points }[] = [];
    for (const { scope, raw } of byScope.values()) {
      let values: Points;
      let present: number;
      if (raw.used || raw.limit) {
        values = join(raw.used ?? new Map(), raw.limit ?? new Map(), (u, l) =>
          l > 0 ? (100 * u) / l : undefined,
        );
        present = values.size;
      } else if (raw.free || raw.freeLimit) {
        values = join(raw.free ?? new Map(), raw.freeLimit ?? new Map(), (f, l) =>
          f > 0 ? Math.min(MAX_PRESSURE, (100 * l) / f) : MAX_PRESSURE,
        );
        present = values.size;
      } else if (raw.counter) {
        values = rateOf(raw.counter);
        present = raw.counter.size;
      } else {
        values = raw.value ?? new Map();
        present = values.size;
      }
      if (cap !== undefined) {
        const capacity = cap;
        values = new Map([...values].map(([t, v]) => [t, (100 * v) / capacity]));
      }
      scoped.push({ name: scope.name, kind: scope.kind, present, values });
    }

    const combined: Points = new Map();
    for (const s of scoped) {
      for (const [t, v] of s.values)
        combined.set(t, Math.max(v, combined.get(t) ?? Number.NEGATIVE_INFINITY));
    }
    let present: number;
    if (scoped.length === 0) present = 0;
    else if (scoped.some((s) => s.kind === 'node')) present = Math.min(...scoped.map((s) => s.present));
    else if (scoped.length === 1) present = (scoped[0] as { present: number }).present;
    else {
      // Union of the instances' timestamps (counters: of their raw points).
      const times = new Set<number>();
      for (const s of scoped) for (const t of s.values.keys()) times.add(t);
      present = Math.max(times.size, ...scoped.map((s) => s.present));
    }

    const values = [...combined.values()];
    const result: MetricUtilisation = {
      metric,
      unit: metric === 'connections' && cap === undefined ? 'count' : unitOf(metric),
      coverage: expected > 0 ? Math.min(1, present / expected) : 0,
      datapoints: values.length,
      expected,
    };
    if (values.length > 0) {
      result.p95 = p95(values) as number;
      result.max = Math.max(...values);
      result.avg = values.reduce((a, b) => a + b, 0) / values.length;
    }
    if (scoped.length > 1) {
      let worst: { name: string; p95: number } | undefined;
      for (const s of scoped) {
        const own = p95([...s.values.values()]);
        if (own !== undefined && (!worst || own > worst.p95)) worst = { name: s.name, p95: own };
      }
      if (worst) result.worst = worst.name;
    }
    if (cap !== undefined) result.cap = cap;
    metrics[metric] = result;
  }

  return {
    brokerId: broker.id,
    brokerName: broker.name,
    instanceType: broker.instanceType,
    range: {
      start: range.start.toISOString(),
      end: range.end.toISOString(),
      periodSeconds: range.periodSeconds,
    },
    metrics,
    notes,
  };
}

/** The range a policy's lookback covers, ending at `now` rounded down to the period. */
export function lookbackRange(
  now: Date,
  policy: { lookbackDays: number; periodSeconds: number },
): MetricRange {
  const periodMs = policy.periodSeconds * 1000;
  const end = Math.floor(now.getTime() / periodMs) * periodMs;
  return {
    start: new Date(end - policy.lookbackDays * 86_400_000),
    end: new Date(end),
    periodSeconds: policy.periodSeconds,
  };
}
