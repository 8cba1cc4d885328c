/**
 * bench/metrics, run with `npm run bench:metrics`: how many GetMetricData calls rightsizing makes for a fleet of
 * 1,000 brokers × 8 metric queries on average, through the real AWS SDK against the local cloud.
 *
 * The fleet: 500 ActiveMQ and 500 RabbitMQ single-instance brokers. The metric catalog reads 7 series per ActiveMQ
 * single instance and 9 per RabbitMQ single instance, so the fleet reads exactly 8 × 1,000 = 8,000 series. Every
 * broker has a CloudWatch `Metrics` spec for each series the catalog reads, shaped by a load profile (busy, idle,
 * steady, memory-bound, new), so the recommendations come out as upsize, downsize, keep and "not enough data".
 *
 * What runs: `rightsizeFleet` as mqops runs it, with the real adapters over the SDK (MqBrokerInventory,
 * CloudWatchMetricReader, MqInstanceOptions) and the shipped price table, over the default capacity policy
 * (14 days at 7,200 s: 168 points per series). Measured: GetMetricData calls (the reader's counter, cross-checked by
 * an SDK middleware on the CloudWatch client and by the local cloud's request log), queries and datapoints per call,
 * wall time and its split over the phases, the recommendations by action. Then the naive baseline: one
 * GetMetricData call per broker (its own catalog), over the same fleet and range.
 *
 * Target (from the issue): GetMetricData calls for 1,000 brokers × 8 metrics ≤ 16. The script exits 1 when it is
 * missed, when the three counts disagree, when a broker is not assessed, or when the batched and naive reads return
 * different data. Results go to bench/results/metrics-1000.json; see bench/README.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  type GetMetricDataCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import { CloudWatchMetricReader, MAX_DATAPOINTS_PER_CALL } from '@mqops/aws/cloudwatch-metrics';
import { MqInstanceOptions } from '@mqops/aws/mq-instance-options';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import { type Broker, type BrokerInventory, mapBounded } from '@mqops/core';
import { fleetCatalog, lookbackRange, metricCatalog } from '@mqops/core/capacity/metrics';
import { DEFAULT_CAPACITY_POLICY } from '@mqops/core/capacity/policy';
import type {
  InstanceOptionsSource,
  MetricQuery,
  MetricRange,
  MetricReader,
  MetricSeries,
} from '@mqops/core/capacity/ports';
import { tablePrices } from '@mqops/core/capacity/prices';
import { RECOMMENDATION_ACTIONS, type RecommendationAction } from '@mqops/core/capacity/recommend';
import { type RightsizeReport, rightsizeFleet } from '@mqops/core/capacity/rightsize';
import { type Scenario, type ScenarioBroker, startLocalCloud } from '@mqops/local';
import { envNumber, machineInfo, reproduceWith } from './common';

/** Brokers in the fleet: half ActiveMQ, half RabbitMQ (so 8 queries per broker on average). */
const BROKERS = envNumber('BENCH_BROKERS', 1000);
/** Brokers the naive baseline reads at once (one GetMetricData call each), as rightsizeFleet describes them. */
const NAIVE_CONCURRENCY = envNumber('BENCH_NAIVE_CONCURRENCY', 8);
/** Where the results go (default bench/results/metrics-1000.json). */
const OUT = process.env.BENCH_OUT || join(import.meta.dirname, 'results', 'metrics-1000.json');
/** Where the local cloud's clock starts: the lookback ends here. */
const NOW = '2026-03-02T12:00:00.000Z';
/** Brokers of the warm-up run (JIT, SDK lazy loading, sockets), not measured. */
const WARM_UP_BROKERS = 16;
/** The issue's target: GetMetricData calls for 1,000 brokers × 8 metrics. */
const TARGET_CALLS = 16;

if (!Number.isInteger(BROKERS) || BROKERS < 2 || BROKERS % 2 !== 0)
  throw new RangeError('BENCH_BROKERS must be an even number ≥ 2 (half ActiveMQ, half RabbitMQ)');

// ---- the fleet --------------------------------------------------------------------------------------------------

/** mulberry32: a small seeded generator, so the fleet is the same on every run. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Load profiles, with the recommendation each is built to get under the default policy:
 * - busy: CPU p95 above 70 % on a large type → upsize;
 * - idle: every metric low on an xlarge or 2xlarge type → downsize one size;
 * - steady: moderate load on a large type → keep (no smaller type fits, or none is allowed);
 * - memory: ActiveMQ heap above 70 % on mq.t3.micro (1 GiB) / RabbitMQ memory above 70 % of the watermark → upsize;
 * - new: created 5 days ago, 36 % of the lookback's datapoints → not enough data.
 */
const PROFILES = ['busy', 'idle', 'steady', 'memory', 'new'] as const;
type Profile = (typeof PROFILES)[number];
const PROFILE_WEIGHTS: Readonly<Record<Profile, number>> = {
  busy: 0.15,
  idle: 0.2,
  steady: 0.45,
  memory: 0.05,
  new: 0.15,
};
const EXPECTED: Readonly<Record<Profile, RecommendationAction>> = {
  busy: 'upsize',
  idle: 'downsize',
  steady: 'keep',
  memory: 'upsize',
  new: 'not-enough-data',
};

type Spec = NonNullable<ScenarioBroker['Metrics']>[string];
const GiB = 2 ** 30;
const DAY_MS = 86_400_000;

/** A daily wave around `base` (± amplitude), with deterministic noise. */
const wave = (base: number, amplitude: number, noise = 0): Spec => ({
  base,
  amplitude,
  ...(noise ? { noise } : {}),
});
/** A cumulative counter growing at `perSecond` (30 days of count before the scenario's start, so never below 0). */
const counter = (perSecond: number): Spec => ({
  base: perSecond * 30 * 86_400,
  trendPerHour: perSecond * 3_600,
});

/** The catalog's 7 ActiveMQ series (dimension Broker = NAME-1). */
function activeMqMetrics(profile: Profile, r: () => number): Record<string, Spec> {
  const jitter = (n: number) => n * (0.9 + 0.2 * r());
  const load = {
    busy: { cpu: wave(jitter(66), 14, 5), heap: wave(jitter(45), 8, 3), conn: jitter(600) },
    idle: { cpu: wave(jitter(8), 4, 2), heap: wave(jitter(14), 4, 2), conn: jitter(80) },
    steady: { cpu: wave(jitter(35), 10, 4), heap: wave(jitter(40), 8, 3), conn: jitter(400) },
    memory: { cpu: wave(jitter(25), 8, 3), heap: wave(jitter(76), 8, 3), conn: jitter(60) },
    new: { cpu: wave(jitter(30), 10, 4), heap: wave(jitter(35), 8, 3), conn: jitter(200) },
  }[profile];
  const rate = jitter(profile === 'idle' ? 2 : 40);
  return {
    CpuUtilization: load.cpu,
    HeapUsage: load.heap,
    StorePercentUsage: wave(jitter(6), 2),
    CurrentConnectionsCount: wave(load.conn, load.conn * 0.2),
    TotalEnqueueCount: counter(rate),
    TotalDequeueCount: counter(rate * 0.99),
    TotalMessageCount: wave(jitter(2_000), 1_500),
  };
}

/** The catalog's 9 RabbitMQ series (dimension Broker = NAME; a single instance's node values are its own). */
function rabbitMqMetrics(profile: Profile, instanceType: string, r: () => number): Record<string, Spec> {
  const jitter = (n: number) => n * (0.9 + 0.2 * r());
  const memoryGiB = instanceType.endsWith('.xlarge') ? 16 : instanceType.endsWith('.2xlarge') ? 32 : 8;
  // Amazon MQ sets the memory high watermark at 40 % of the instance's memory.
  const limit = 0.4 * memoryGiB * GiB;
  const load = {
    busy: { cpu: wave(jitter(66), 14, 5), mem: jitter(0.35), conn: jitter(1_500) },
    idle: { cpu: wave(jitter(8), 4, 2), mem: jitter(0.1), conn: jitter(200) },
    steady: { cpu: wave(jitter(35), 10, 4), mem: jitter(0.3), conn: jitter(1_000) },
    memory: { cpu: wave(jitter(25), 8, 3), mem: jitter(0.78), conn: jitter(300) },
    new: { cpu: wave(jitter(30), 10, 4), mem: jitter(0.3), conn: jitter(500) },
  }[profile];
  const rate = jitter(profile === 'idle' ? 2 : 80);
  return {
    SystemCpuUtilization: load.cpu,
    RabbitMQMemUsed: wave(load.mem * limit, 0.08 * limit),
    RabbitMQMemLimit: limit,
    RabbitMQDiskFree: wave(jitter(150e9), 10e9),
    RabbitMQDiskFreeLimit: 2e9,
    ConnectionCount: wave(load.conn, load.conn * 0.2),
    PublishRate: wave(rate, rate * 0.5),
    AckRate: wave(rate * 0.99, rate * 0.5),
    MessageCount: wave(jitter(3_000), 2_000),
  };
}

const pick = <T>(r: () => number, values: readonly T[]): T => values[Math.floor(r() * values.length)] as T;

function profileOf(r: () => number): Profile {
  let x = r();
  for (const profile of PROFILES) {
    x -= PROFILE_WEIGHTS[profile];
    if (x < 0) return profile;
  }
  return 'steady';
}

/** The instance type a profile's broker runs on. */
function instanceTypeOf(engine: 'ACTIVEMQ' | 'RABBITMQ', profile: Profile, r: () => number): string {
  if (profile === 'idle')
    return pick(r, ['mq.m5.xlarge', 'mq.m5.2xlarge', ...(engine === 'RABBITMQ' ? ['mq.m7g.xlarge'] : [])]);
  if (profile === 'memory' && engine === 'ACTIVEMQ') return 'mq.t3.micro';
  return engine === 'RABBITMQ' ? pick(r, ['mq.m5.large', 'mq.m7g.large']) : 'mq.m5.large';
}

/** `size` single-instance brokers, ActiveMQ and RabbitMQ alternating, each with the metrics its catalog reads. */
function fleet(size: number, seed = 8000): { scenario: Scenario; profiles: Map<string, Profile> } {
  const r = seeded(seed);
  const profiles = new Map<string, Profile>();
  const brokers: ScenarioBroker[] = [];
  for (let i = 0; i < size; i++) {
    const engine = i % 2 === 0 ? 'ACTIVEMQ' : 'RABBITMQ';
    const name = `${engine === 'ACTIVEMQ' ? 'amq' : 'rmq'}-${String(Math.floor(i / 2) + 1).padStart(4, '0')}`;
    const profile = profileOf(r);
    const instanceType = instanceTypeOf(engine, profile, r);
    const environment = pick(r, ['production', 'staging', 'dev']);
    profiles.set(name, profile);
    brokers.push({
      BrokerName: name,
      EngineType: engine,
      EngineVersion: engine === 'ACTIVEMQ' ? '5.18' : '3.13',
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: instanceType,
      StorageType:
        engine === 'RABBITMQ'
          ? 'EBS'
          : instanceType === 'mq.t3.micro'
            ? 'EFS'
            : pick(r, ['EBS', 'EFS'] as const),
      Backing: 'none',
      Tags: { env: environment, team: pick(r, ['orders', 'billing', 'search', 'identity', 'fraud']) },
      Created: new Date(Date.parse(NOW) - (profile === 'new' ? 5 : 400) * DAY_MS).toISOString(),
      Metrics:
        engine === 'ACTIVEMQ' ? activeMqMetrics(profile, r) : rabbitMqMetrics(profile, instanceType, r),
    });
  }
  return { scenario: { region: 'us-east-1', now: NOW, brokers }, profiles };
}

// ---- measuring wrappers ------------------------------------------------------------------------------------------

/** When a phase ran: from its first call's start to its last call's end (ms from the run's start). */
interface Span {
  calls: number;
  startMs: number;
  endMs: number;
}

class Phases {
  readonly spans = new Map<string, Span>();
  constructor(private readonly origin: number) {}

  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now() - this.origin;
    try {
      return await fn();
    } finally {
      const end = performance.now() - this.origin;
      const span = this.spans.get(name);
      if (span) {
        span.calls++;
        span.startMs = Math.min(span.startMs, start);
        span.endMs = Math.max(span.endMs, end);
      } else this.spans.set(name, { calls: 1, startMs: start, endMs: end });
    }
  }
}

/** One GetMetricData call as the SDK client sent it (an `initialize` middleware: once per send, retries inside). */
interface CallRecord {
  queries: number;
  datapoints: number;
  roundTripMs: number;
}

/** A CloudWatch client that records every GetMetricData call it sends. */
function countingClient(config: CloudWatchClientConfig) {
  const client = new CloudWatchClient(config);
  const calls: CallRecord[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'GetMetricDataCommand') return next(args);
      const started = performance.now();
      const result = await next(args);
      const input = args.input as { MetricDataQueries?: unknown[] };
      const output = result.output as GetMetricDataCommandOutput;
      calls.push({
        queries: input.MetricDataQueries?.length ?? 0,
        datapoints: (output.MetricDataResults ?? []).reduce((n, m) => n + (m.Values?.length ?? 0), 0),
        roundTripMs: performance.now() - started,
      });
      return result;
    },
    { step: 'initialize', name: 'benchCountGetMetricData' },
  );
  return { client, calls };
}

/** Counts what a reader was asked and answered. */
class MeasuredReader implements MetricReader {
  queries = 0;
  series = 0;
  datapoints = 0;
  constructor(
    private readonly inner: MetricReader,
    private readonly phases?: Phases,
  ) {}

  async read(queries: MetricQuery[], range: MetricRange): Promise<Map<string, MetricSeries>> {
    const run = () => this.inner.read(queries, range);
    const out = await (this.phases ? this.phases.time('metrics', run) : run());
    this.queries += queries.length;
    this.series += out.size;
    for (const s of out.values()) this.datapoints += s.values.length;
    return out;
  }
}

// ---- main -------------------------------------------------------------------------------------------------------

const { scenario, profiles } = fleet(BROKERS);
const halves = BROKERS / 2;
console.log(
  `bench/metrics: ${BROKERS} single-instance brokers (${halves} ActiveMQ × 7 queries + ${halves} RabbitMQ × 9 queries ` +
    `= ${halves * 16} queries, exactly 8 per broker on average); lookback ${DEFAULT_CAPACITY_POLICY.lookbackDays} days ` +
    `at ${DEFAULT_CAPACITY_POLICY.periodSeconds} s`,
);

const setupStarted = performance.now();
const cloud = await startLocalCloud({ scenario });
const setupMs = performance.now() - setupStarted;
const now = () => cloud.clock.now();

// Server side: how long the local CloudWatch takes to synthesize each GetMetricData answer (1-minute values
// aggregated into 2-hour buckets), so the wall time can be split between the emulator and the client.
const emulatorMs: number[] = [];
{
  const state = cloud.world.cloudwatch;
  const original = state.getMetricData.bind(state);
  state.getMetricData = (input) => {
    const started = performance.now();
    try {
      return original(input);
    } finally {
      emulatorMs.push(performance.now() - started);
    }
  };
}

const sdk = cloud.clientConfig();
const deps = (reader: MetricReader, inventory: BrokerInventory, options: InstanceOptionsSource) => ({
  inventory,
  metrics: reader,
  options,
  prices: tablePrices(),
  now,
});

let exitCode = 0;
try {
  // Warm-up (not measured): JIT, SDK lazy loading, sockets; its own clients and reader.
  {
    const inventory = new MqBrokerInventory(sdk);
    const names = (await inventory.list()).slice(0, WARM_UP_BROKERS).map((b) => b.name);
    await rightsizeFleet(deps(new CloudWatchMetricReader(sdk), inventory, new MqInstanceOptions(sdk)), {
      brokers: names,
    });
  }
  cloud.requests.length = 0;
  emulatorMs.length = 0;

  // ---- the measured run: rightsizeFleet over the whole fleet ----
  const counted = countingClient(sdk);
  const cw = new CloudWatchMetricReader(counted.client);
  const instanceOptions = new MqInstanceOptions(sdk);
  const mq = new MqBrokerInventory(sdk);
  const cpu = process.cpuUsage();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  const phases = new Phases(started);
  const reader = new MeasuredReader(cw, phases);
  const report: RightsizeReport = await rightsizeFleet(
    deps(
      reader,
      {
        list: () => phases.time('list', () => mq.list()),
        describe: (id) => phases.time('describe', () => mq.describe(id)),
      },
      { options: (engine) => phases.time('options', () => instanceOptions.options(engine)) },
    ),
  );
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  const serverCalls = cloud.requests.filter(
    (r) => r.service === 'monitoring' && r.operation === 'GetMetricData',
  );
  const mqCalls = cloud.requests.filter((r) => r.service === 'mq');
  const measuredEmulatorMs = [...emulatorMs];

  // Queries per engine, from the catalog of the brokers as described.
  const { catalogs, queries } = fleetCatalog(report.brokers);
  const byEngine = (engine: Broker['engine']) => {
    const brokers = report.brokers.filter((b) => b.engine === engine);
    const q = catalogs.filter((c) => brokers.some((b) => b.id === c.brokerId));
    const total = q.reduce((n, c) => n + c.queries.length, 0);
    const per = [...new Set(q.map((c) => c.queries.length))];
    return { brokers: brokers.length, queriesPerBroker: per.length === 1 ? per[0] : per, queries: total };
  };

  const actions = Object.fromEntries(RECOMMENDATION_ACTIONS.map((a) => [a, 0])) as Record<
    RecommendationAction,
    number
  >;
  const byProfile: Record<string, Partial<Record<RecommendationAction, number>>> = {};
  for (const rec of report.recommendations) {
    actions[rec.action]++;
    const profile = profiles.get(rec.brokerName) ?? 'unknown';
    const row = byProfile[profile] ?? {};
    byProfile[profile] = row;
    row[rec.action] = (row[rec.action] ?? 0) + 1;
  }
  const unlike = report.recommendations.filter((rec) => {
    const profile = profiles.get(rec.brokerName);
    return profile === undefined || EXPECTED[profile] !== rec.action;
  });
  const asBuilt = report.recommendations.length - unlike.length;
  const costDelta = (action: RecommendationAction) =>
    report.recommendations
      .filter((r) => r.action === action)
      .reduce((n, r) => n + (r.monthlyCostDelta?.usd ?? 0), 0);

  // ---- the naive baseline: one GetMetricData call per broker (its own catalog) ----
  emulatorMs.length = 0;
  const naiveCounted = countingClient(sdk);
  const naiveCw = new CloudWatchMetricReader(naiveCounted.client);
  const naive = new MeasuredReader(naiveCw);
  const range = lookbackRange(new Date(report.at), DEFAULT_CAPACITY_POLICY);
  const naiveStarted = performance.now();
  await mapBounded(report.brokers, NAIVE_CONCURRENCY, (broker) =>
    naive.read(metricCatalog(broker).queries, range),
  );
  const naiveWallMs = performance.now() - naiveStarted;
  const naiveEmulatorMs = emulatorMs.reduce((a, b) => a + b, 0);

  // ---- checks and report ----
  const calls = cw.calls;
  const okServerCalls = serverCalls.filter((r) => r.status === 200).length;
  const maxQueriesPerCall = Math.max(...counted.calls.map((c) => c.queries));
  const maxDatapointsPerCall = Math.max(...counted.calls.map((c) => c.datapoints));
  const expectedPoints = Math.floor(
    (DEFAULT_CAPACITY_POLICY.lookbackDays * 86_400) / DEFAULT_CAPACITY_POLICY.periodSeconds,
  );
  const met = {
    callsWithinTarget: calls <= TARGET_CALLS,
    countsAgree: calls === counted.calls.length && calls === serverCalls.length && calls === okServerCalls,
    everyBrokerAssessed: report.errors.length === 0 && report.recommendations.length === BROKERS,
    sameDatapointsAsNaive: naive.datapoints === reader.datapoints && naive.queries === reader.queries,
    /** Reported, not required: every profile got the recommendation it was built for. */
    profilesAsBuilt: asBuilt === report.recommendations.length,
  };
  if (!(met.callsWithinTarget && met.countsAgree && met.everyBrokerAssessed && met.sameDatapointsAsNaive))
    exitCode = 1;

  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const span = (name: string) => phases.spans.get(name);
  const spanMs = (name: string) => {
    const s = span(name);
    return s ? s.endMs - s.startMs : 0;
  };
  const metricsMs = spanMs('metrics');
  const gmdRoundTripMs = sum(counted.calls.map((c) => c.roundTripMs));
  const gmdEmulatorMs = sum(measuredEmulatorMs);
  const listDescribeMs = (span('describe')?.endMs ?? 0) - (span('list')?.startMs ?? 0);
  const recommendMs = wallMs - (span('options')?.endMs ?? span('metrics')?.endMs ?? 0);
  const round = (n: number, digits = 0) => Number(n.toFixed(digits));
  const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const int = (n: number) => n.toLocaleString('en-US');

  const rows: [string, string, string][] = [
    ['', 'rightsizeFleet (batched)', 'naive: 1 call per broker'],
    ['brokers', int(report.brokers.length), int(report.brokers.length)],
    ['metric queries', int(reader.queries), int(naive.queries)],
    ['GetMetricData calls', `${int(calls)} (target ≤ ${TARGET_CALLS})`, int(naiveCw.calls)],
    [
      'queries per call (max)',
      int(maxQueriesPerCall),
      int(Math.max(...naiveCounted.calls.map((c) => c.queries))),
    ],
    [
      `datapoints per call (max; limit ${int(MAX_DATAPOINTS_PER_CALL)})`,
      int(maxDatapointsPerCall),
      int(Math.max(...naiveCounted.calls.map((c) => c.datapoints))),
    ],
    [
      'series / datapoints returned',
      `${int(reader.series)} / ${int(reader.datapoints)}`,
      `${int(naive.series)} / ${int(naive.datapoints)}`,
    ],
    ['metric read wall time', sec(metricsMs), sec(naiveWallMs)],
    ['  of it: local CloudWatch synthesizing', sec(gmdEmulatorMs), sec(naiveEmulatorMs)],
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c]?.length ?? 0)));
  for (const row of rows)
    console.log(
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join('   '),
    );

  console.log(
    `\nqueries per engine: ActiveMQ ${JSON.stringify(byEngine('ACTIVEMQ'))}, RabbitMQ ${JSON.stringify(byEngine('RABBITMQ'))}; ` +
      `fleet ${int(queries.length)} queries = ${(queries.length / report.brokers.length).toFixed(2)} per broker`,
  );
  console.log(
    `GetMetricData calls: reader counter ${calls}, SDK middleware ${counted.calls.length}, local cloud request log ` +
      `${serverCalls.length} (${okServerCalls} answered 200)`,
  );
  const phaseRows: [string, number, string][] = [
    [
      `ListBrokers ×${mqCalls.filter((r) => r.operation === 'ListBrokers').length} + DescribeBroker ×${int(span('describe')?.calls ?? 0)}`,
      listDescribeMs,
      '8 at once, no pacing; the local cloud adds no throttle or latency',
    ],
    [
      `GetMetricData ×${calls}`,
      metricsMs,
      `local CloudWatch synthesizing ${sec(gmdEmulatorMs)}, SDK round trips ${sec(gmdRoundTripMs)}`,
    ],
    [`DescribeBrokerInstanceOptions ×${instanceOptions.calls}`, spanMs('options'), ''],
    [`summarize + recommend (${report.recommendations.length} brokers)`, recommendMs, 'CPU only'],
  ];
  const labelWidth = Math.max(...phaseRows.map(([label]) => label.length));
  console.log(
    `\nrightsizeFleet wall time ${sec(wallMs)} (process CPU ${sec((used.user + used.system) / 1000)}, peak RSS ` +
      `${round(peakRss / 2 ** 20)} MiB; the local cloud runs in this process):` +
      phaseRows
        .map(
          ([label, ms, note]) =>
            `\n  ${label.padEnd(labelWidth)}  ${sec(ms).padStart(8)}${note ? `  ${note}` : ''}`,
        )
        .join(''),
  );
  console.log(
    `\nrecommendations: ${RECOMMENDATION_ACTIONS.map((a) => `${a} ${actions[a]}`).join(', ')}; errors ${report.errors.length}` +
      `\n  monthly cost delta (shipped price table): upsizes +$${costDelta('upsize').toFixed(2)}, downsizes −$${Math.abs(costDelta('downsize')).toFixed(2)}` +
      `\n  by profile: ${JSON.stringify(byProfile)} (${asBuilt} of ${report.recommendations.length} as built)` +
      unlike
        .slice(0, 5)
        .map(
          (r) =>
            `\n  not as built: ${r.brokerName} (${profiles.get(r.brokerName)}, ${r.from}) ${r.action}: ${r.reasons.join('; ')}`,
        )
        .join(''),
  );
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log(
    `\nGetMetricData calls ${calls} ≤ ${TARGET_CALLS}: ${verdict(met.callsWithinTarget)}; ` +
      `the naive read makes ${naiveCw.calls} (${(naiveCw.calls / Math.max(1, calls)).toFixed(1)}× as many)` +
      `\ncounts agree (reader, SDK, local cloud): ${met.countsAgree ? 'yes' : 'NO'}` +
      `\nevery broker assessed, no errors: ${met.everyBrokerAssessed ? 'yes' : 'NO'}` +
      `\nsame queries and datapoints as the naive read: ${met.sameDatapointsAsNaive ? 'yes' : 'NO'}`,
  );

  const out = {
    benchmark: 'bench/metrics',
    command: reproduceWith('npm run bench:metrics', [
      'BENCH_BROKERS',
      'BENCH_NAIVE_CONCURRENCY',
      'BENCH_OUT',
    ]),
    at: new Date().toISOString(),
    machine: machineInfo(),
    node: process.version,
    fleet: {
      brokers: report.brokers.length,
      deploymentMode: 'SINGLE_INSTANCE',
      activemq: byEngine('ACTIVEMQ'),
      rabbitmq: byEngine('RABBITMQ'),
      queries: queries.length,
      queriesPerBroker: round(queries.length / report.brokers.length, 3),
      profiles: Object.fromEntries(
        PROFILES.map((p) => [p, [...profiles.values()].filter((x) => x === p).length]),
      ),
      clock: NOW,
    },
    policy: {
      lookbackDays: DEFAULT_CAPACITY_POLICY.lookbackDays,
      periodSeconds: DEFAULT_CAPACITY_POLICY.periodSeconds,
      pointsPerSeries: expectedPoints,
      range: report.range,
    },
    target: { getMetricDataCalls: TARGET_CALLS },
    rightsize: {
      getMetricDataCalls: {
        reader: calls,
        sdkMiddleware: counted.calls.length,
        localCloudLog: serverCalls.length,
        localCloudLog200: okServerCalls,
      },
      queries: reader.queries,
      series: reader.series,
      datapoints: reader.datapoints,
      perCall: counted.calls.map((c) => ({
        queries: c.queries,
        datapoints: c.datapoints,
        roundTripMs: round(c.roundTripMs),
      })),
      maxQueriesPerCall,
      maxDatapointsPerCall,
      otherCalls: {
        listBrokers: mqCalls.filter((r) => r.operation === 'ListBrokers').length,
        describeBroker: mqCalls.filter((r) => r.operation === 'DescribeBroker').length,
        describeBrokerInstanceOptions: instanceOptions.calls,
      },
      wallMs: round(wallMs),
      timeSplitMs: {
        listAndDescribe: round(listDescribeMs),
        metricRead: round(metricsMs),
        metricReadLocalCloudSynthesis: round(gmdEmulatorMs),
        instanceOptions: round(spanMs('options')),
        summarizeAndRecommend: round(recommendMs),
      },
      cpuMs: round((used.user + used.system) / 1000),
      peakRssMiB: round(peakRss / 2 ** 20),
      recommendations: actions,
      byProfile,
      asBuilt,
      notAsBuilt: unlike.map((r) => ({
        broker: r.brokerName,
        profile: profiles.get(r.brokerName),
        from: r.from,
        action: r.action,
        reasons: r.reasons,
      })),
      monthlyCostDeltaUsd: {
        upsize: round(costDelta('upsize'), 2),
        downsize: round(costDelta('downsize'), 2),
      },
      errors: report.errors.length,
    },
    naive: {
      description: 'one GetMetricData call per broker, its own catalog (what a per-broker loop does)',
      concurrency: NAIVE_CONCURRENCY,
      getMetricDataCalls: naiveCw.calls,
      queries: naive.queries,
      datapoints: naive.datapoints,
      wallMs: round(naiveWallMs),
      localCloudSynthesisMs: round(naiveEmulatorMs),
    },
    localCloudSetupMs: round(setupMs),
    met,
  };
  writeFileSync(OUT, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote ${OUT}`);
} finally {
  await cloud.stop();
}
process.exit(exitCode);
