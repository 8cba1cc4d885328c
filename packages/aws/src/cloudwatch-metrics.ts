import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { MqopsError } from '@mqops/core';
import type { MetricQuery, MetricRange, MetricReader, MetricSeries } from '@mqops/core/capacity/ports';

/** GetMetricData takes at most 500 MetricDataQueries per call. */
export const MAX_QUERIES_PER_CALL = 500;

/**
 * GetMetricData returns at most 100,800 data points per call (its default and ceiling for MaxDatapoints); more
 * come back through NextToken pages. So a batch of 500 queries stays one call while each series has ≤ 201 points
 * (e.g. 7 days at 1 hour, 24 hours at 5 minutes).
 */
export const MAX_DATAPOINTS_PER_CALL = 100_800;

/** The namespace Amazon MQ publishes its broker metrics in. */
export const AMAZON_MQ_NAMESPACE = 'AWS/AmazonMQ';

/** A read that CloudWatch could not answer in full (a result with status InternalError or Forbidden). */
export class MetricReadError extends MqopsError {
  constructor(
    message: string,
    /** The query keys the failure concerns. */
    readonly keys: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MetricReadError';
  }
}

/** Options of {@link CloudWatchMetricReader}. */
export interface CloudWatchMetricReaderOptions {
  /** Namespace of every query's metric. Default `AWS/AmazonMQ`. */
  namespace?: string;
  /** Queries per call, 1..500. Default 500 (tests use smaller batches). */
  batchSize?: number;
  /** MaxDatapoints of each call: points returned before CloudWatch pages with NextToken. Default 100,800. */
  maxDatapoints?: number;
  /**
   * Whether the inputs of a metric-math expression come back too. Default false: inputs are sent with ReturnData
   * false (only the expression's series is wanted; they cost no data points), so their keys are absent from the
   * result. A query no expression refers to always comes back.
   */
  returnInputs?: boolean;
}

/** One query as it goes on the wire. */
interface WireQuery {
  key: string;
  id: string;
  query: MetricDataQuery;
}

const IDENT = /[A-Za-z0-9_]/;

/** Query keys, indexed for finding them in expressions. */
interface KeyIndex {
  keys: ReadonlySet<string>;
  /** The distinct key lengths, longest first. */
  lengths: readonly number[];
}

function keyIndex(keys: Iterable<string>): KeyIndex {
  const set = new Set(keys);
  const lengths = [...new Set([...set].map((k) => k.length))].sort((a, b) => b - a);
  return { keys: set, lengths };
}

/**
 * The keys an expression refers to, and the expression rewritten with wire ids. A key counts as a whole token only
 * (not next to a letter, digit or underscore), read left to right, the longest key first (`cpu_max` is not `cpu`
 * followed by `_max`). Keys may hold characters CloudWatch ids may not (`orders-1/cpu`).
 */
function rewriteExpression(
  expression: string,
  index: KeyIndex,
  idOf: ReadonlyMap<string, string>,
): { refs: string[]; wire: string } {
  const refs = new Set<string>();
  let wire = '';
  let at = 0;
  let p = 0;
  while (p < expression.length) {
    let matched: string | undefined;
    if (p === 0 || !IDENT.test(expression.charAt(p - 1))) {
      for (const length of index.lengths) {
        if (p + length > expression.length) continue;
        const candidate = expression.slice(p, p + length);
        const after = expression.charAt(p + length);
        if (index.keys.has(candidate) && (after === '' || !IDENT.test(after))) {
          matched = candidate;
          break;
        }
      }
    }
    if (matched === undefined) {
      p++;
      continue;
    }
    refs.add(matched);
    wire += expression.slice(at, p) + (idOf.get(matched) ?? matched);
    p += matched.length;
    at = p;
  }
  wire += expression.slice(at);
  return { refs: [...refs], wire };
}

/** Union-find over query indexes: an expression and everything it reads (transitively) form one group. */
function groupsOf(count: number, edges: readonly [number, number][]): number[][] {
  const parent = Array.from({ length: count }, (_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root] as number;
    for (let j = i; parent[j] !== root; ) {
      const next = parent[j] as number;
      parent[j] = root;
      j = next;
    }
    return root;
  };
  for (const [a, b] of edges) {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const root = find(i);
    const group = byRoot.get(root);
    if (group) group.push(i);
    else byRoot.set(root, [i]);
  }
  // In order of each group's first query, so batches follow the caller's order.
  return [...byRoot.values()];
}

/**
 * Packs groups into batches of at most `size` queries without splitting a group (an expression must be in the same
 * call as its inputs): first fit, largest groups first, so single queries fill what groups leave and the number of
 * calls stays at ⌈queries / size⌉ in practice. Each batch lists its queries in the caller's order.
 */
function packBatches(groups: readonly number[][], size: number): number[][] {
  const order = groups.map((g, i) => ({ g, i })).sort((a, b) => b.g.length - a.g.length || a.i - b.i);
  const batches: number[][] = [];
  for (const { g } of order) {
    const batch = batches.find((b) => b.length + g.length <= size);
    if (batch) batch.push(...g);
    else batches.push([...g]);
  }
  for (const batch of batches) batch.sort((a, b) => a - b);
  return batches;
}

/**
 * CloudWatch metrics for the capacity loop, read with GetMetricData: all queries of a read go out in as few calls as
 * CloudWatch allows (500 queries per call; a metric-math expression always travels with its inputs), NextToken pages
 * are followed and merged, and every series comes back oldest first. Keys become wire ids `m0`, `m1`, … (CloudWatch
 * ids must match `[a-z][a-zA-Z0-9_]*`) and expressions are rewritten to match. Throttling is retried by the SDK's
 * standard retry strategy (`maxAttempts` / `retryMode` in the client configuration).
 *
 * 1,000 brokers × 8 metrics = 8,000 queries = 16 calls (while each series has ≤ 201 points, see
 * {@link MAX_DATAPOINTS_PER_CALL}). IAM: `cloudwatch:GetMetricData`.
 *
 * @example
 * const reader = new CloudWatchMetricReader({ region: 'eu-west-1', maxAttempts: 5 });
 * const series = await reader.read(
 *   [{ key: 'orders_cpu', metricName: 'CpuUtilization', dimensions: { Broker: 'orders-1' }, stat: 'Maximum' }],
 *   { start: new Date(Date.now() - 7 * 86_400_000), end: new Date(), periodSeconds: 3600 },
 * );
 * series.get('orders_cpu')?.values;
 */
export class CloudWatchMetricReader implements MetricReader {
  /** GetMetricData calls made so far (every page counts; the SDK's retries of a call do not), for benchmarks. */
  calls = 0;
  private readonly client: CloudWatchClient;
  private readonly namespace: string;
  private readonly batchSize: number;
  private readonly maxDatapoints: number;
  private readonly returnInputs: boolean;

  /**
   * @param client a client, or a client configuration (the SDK's standard configuration chain fills the rest:
   *   region, credentials, `AWS_ENDPOINT_URL`, retries).
   */
  constructor(
    client: CloudWatchClient | CloudWatchClientConfig = {},
    options: CloudWatchMetricReaderOptions = {},
  ) {
    this.client = client instanceof CloudWatchClient ? client : new CloudWatchClient(client);
    this.namespace = options.namespace ?? AMAZON_MQ_NAMESPACE;
    this.batchSize = options.batchSize ?? MAX_QUERIES_PER_CALL;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > MAX_QUERIES_PER_CALL)
      throw new RangeError(`batchSize must be an integer from 1 to ${MAX_QUERIES_PER_CALL}`);
    this.maxDatapoints = options.maxDatapoints ?? MAX_DATAPOINTS_PER_CALL;
    this.returnInputs = options.returnInputs ?? false;
  }

  async read(queries: MetricQuery[], range: MetricRange): Promise<Map<string, MetricSeries>> {
    const out = new Map<string, MetricSeries>();
    if (queries.length === 0) return out;
    const wire = this.toWire(queries, range);
    const groups = groupsOf(queries.length, wire.edges);
    for (const group of groups) {
      if (group.length > this.batchSize) {
        const keys = group.map((i) => queries[i]?.key ?? '');
        throw new MetricReadError(
          `${group.length} queries are tied together by metric-math expressions, more than one GetMetricData call takes (${this.batchSize})`,
          keys,
        );
      }
    }
    for (const batch of packBatches(groups, this.batchSize)) {
      await this.readBatch(
        batch.map((i) => wire.queries[i] as WireQuery),
        range,
        out,
      );
    }
    for (const series of out.values()) sortSeries(series);
    return out;
  }

  /** Wire queries (by index) and the dependency edges between them. */
  private toWire(
    queries: readonly MetricQuery[],
    range: MetricRange,
  ): { queries: WireQuery[]; edges: [number, number][] } {
    const indexOf = new Map<string, number>();
    const idOf = new Map<string, string>();
    queries.forEach((q, i) => {
      if (indexOf.has(q.key)) throw new MetricReadError(`duplicate query key ${q.key}`, [q.key]);
      indexOf.set(q.key, i);
      idOf.set(q.key, `m${i}`);
    });
    const keys = queries.some((q) => q.expression !== undefined) ? keyIndex(indexOf.keys()) : undefined;
    const edges: [number, number][] = [];
    const inputs = new Set<number>();
    const wire = queries.map((q, i): WireQuery => {
      const id = idOf.get(q.key) as string;
      if (q.expression === undefined) {
        return {
          key: q.key,
          id,
          query: {
            Id: id,
            ReturnData: true,
            MetricStat: {
              Metric: {
                Namespace: this.namespace,
                MetricName: q.metricName,
                Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
              },
              Period: range.periodSeconds,
              Stat: q.stat,
            },
          },
        };
      }
      const { refs, wire: expression } = rewriteExpression(q.expression, keys ?? keyIndex([]), idOf);
      for (const ref of refs) {
        const j = indexOf.get(ref) as number;
        if (j === i) continue;
        edges.push([i, j]);
        inputs.add(j);
      }
      return { key: q.key, id, query: { Id: id, ReturnData: true, Expression: expression } };
    });
    if (!this.returnInputs) {
      for (const j of inputs) {
        const query = wire[j]?.query;
        // An input that is itself an expression someone else reads is an intermediate step: not returned either.
        if (query) query.ReturnData = false;
      }
    }
    return { queries: wire, edges };
  }

  /** One batch: one GetMetricData call per page. */
  private async readBatch(batch: readonly WireQuery[], range: MetricRange, out: Map<string, MetricSeries>) {
    const keyOf = new Map(batch.map((w) => [w.id, w.key]));
    let token: string | undefined;
    do {
      this.calls++;
      const page = await this.client.send(
        new GetMetricDataCommand({
          StartTime: range.start,
          EndTime: range.end,
          ScanBy: 'TimestampAscending',
          MaxDatapoints: this.maxDatapoints,
          MetricDataQueries: batch.map((w) => w.query),
          NextToken: token,
        }),
      );
      for (const result of page.MetricDataResults ?? []) {
        const key = result.Id ? keyOf.get(result.Id) : undefined;
        if (key === undefined) continue;
        if (result.StatusCode === 'InternalError' || result.StatusCode === 'Forbidden') {
          const detail = (result.Messages ?? []).map((m) => `${m.Code ?? ''}: ${m.Value ?? ''}`).join('; ');
          throw new MetricReadError(
            `GetMetricData answered ${result.StatusCode} for ${key}${detail ? ` (${detail})` : ''}`,
            [key],
          );
        }
        let series = out.get(key);
        if (!series) {
          series = { key, timestamps: [], values: [] };
          out.set(key, series);
        }
        const timestamps = result.Timestamps ?? [];
        const values = result.Values ?? [];
        for (let k = 0; k < Math.min(timestamps.length, values.length); k++) {
          series.timestamps.push(timestamps[k] as Date);
          series.values.push(values[k] as number);
        }
      }
      token = page.NextToken;
    } while (token);
    // A returned query CloudWatch has no data for still gets its (empty) series.
    for (const w of batch) {
      if (w.query.ReturnData !== false && !out.has(w.key))
        out.set(w.key, { key: w.key, timestamps: [], values: [] });
    }
  }
}

/** Oldest first (pages and ScanBy already give that; this makes it a guarantee). */
function sortSeries(series: MetricSeries): void {
  let sorted = true;
  for (let i = 1; i < series.timestamps.length && sorted; i++) {
    if ((series.timestamps[i] as Date).getTime() < (series.timestamps[i - 1] as Date).getTime())
      sorted = false;
  }
  if (sorted) return;
  const order = series.timestamps
    .map((t, i) => ({ t: t.getTime(), i }))
    .sort((a, b) => a.t - b.t || a.i - b.i);
  const timestamps = order.map((o) => series.timestamps[o.i] as Date);
  const values = order.map((o) => series.values[o.i] as number);
  series.timestamps = timestamps;
  series.values = values;
}
