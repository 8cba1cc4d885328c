/**
 * Emulated Amazon CloudWatch (signing name `monitoring`) on its current wire protocol: awsJson1_0 with
 * `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`, awsQueryCompatible (errors carry
 * `x-amzn-query-error: <QueryCode>;Sender|Receiver`, which the SDK maps to the modeled exception whose
 * `awsQueryError` trait names that code, e.g. `ValidationError` → `ValidationException`).
 *
 * Metrics come from three sources, merged per (namespace, metric, dimensions):
 * - synthesized: every scenario broker's `Metrics` spec defines 1-minute series in the `AWS/AmazonMQ` namespace with
 *   the dimensions Amazon MQ publishes (see {@link CloudWatchState}). A value at minute t is a pure function of
 *   (broker, metric, dimensions, t), so the same query always answers the same numbers;
 * - stored: datapoints sent with PutMetricData (gzip bodies too, as the SDK compresses large ones), read from
 *   Embedded Metric Format log lines ({@link CloudWatchState.ingestEmf}) or published by emulated services (SQS's
 *   message counts, Lambda's invocations and errors), kept 15 days on the clock;
 * - gauges: values an emulated service reports for any instant (SQS's `ApproximateNumberOfMessagesVisible`…), sampled
 *   once a minute (at the minute's end, or now for the current minute).
 * GetMetricData, GetMetricStatistics and ListMetrics answer all three.
 *
 * Alarms are stored (PutMetricAlarm / DescribeAlarms / DeleteAlarms / SetAlarmState / tags). Metric alarms on a
 * metric with stored datapoints or a gauge (and no synthesized series) are evaluated as CloudWatch does (see
 * {@link evaluateMetricAlarm}): when data arrives, when the alarm is put, when the clock is advanced or set, and every
 * second while the local cloud runs. The evaluation range ends with the period the clock is in once that period
 * has data (so one datapoint can raise an alarm at once), else with the period before it (a period is not missing
 * before it is over: with TreatMissingData `notBreaching`, a 1-minute alarm raised by a datapoint at 04:10:xx goes OK
 * at 04:12:00, when the whole minute 04:11 passed without data). SetAlarmState on an evaluated alarm holds until
 * its next evaluation, as in CloudWatch. Alarms on synthesized series keep the state the scenario, SetAlarmState or
 * {@link CloudWatchState.setAlarmState} gave them. When a state changes and actions are enabled, the matching actions
 * that are SNS topics of the local cloud get the real CloudWatch alarm notification (the world attaches its SNS).
 *
 * Composite alarms (PutCompositeAlarm, and scenario alarms with an `AlarmRule`) are stored too, answered by
 * DescribeAlarms with `AlarmTypes` `CompositeAlarm`, tagged like metric alarms, and evaluated: their state follows
 * their rule (`ALARM(x)`, `OK(x)`, `INSUFFICIENT_DATA(x)`, `AT_LEAST(n[%], [NOT] STATE, (x, …))`, `TRUE`, `FALSE`,
 * `AND`, `OR`, `NOT`, parentheses; names bare, quoted or as ARNs) whenever an alarm's state changes. SetAlarmState
 * sets a composite's state until the next change of an alarm its rule references, as in CloudWatch. Their state
 * changes are recorded in the transitions but send no notification.
 */

import { gunzipSync } from 'node:zlib';
import {
  ApiError,
  decodeToken,
  encodeToken,
  hash32,
  isObject,
  type JsonObject,
  jsonError,
  jsonResponse,
  jsonTarget,
  nullMemberMessage,
  optBoolean,
  optList,
  optNumber,
  optObject,
  optString,
  optStringList,
  parseJsonBody,
  readTimestamp,
} from '../protocols/json';
import type { Scenario, ScenarioBroker } from '../scenario';
import type { LocalRequest, LocalResponse, ServiceContext, ServiceEmulator } from '../types';
import type { WorldOptions } from '../world';
import {
  type AlarmDecision,
  addDatapoint,
  addValue,
  CLOUDWATCH_UNITS,
  datapointOf,
  EVALUATED_COMPARISONS,
  emptySample,
  evaluateMetricAlarm,
  isSupportedStatistic,
  parseEmf,
  type Sample,
  type StoredDatapoint,
  statisticOf,
} from './cloudwatch-data';
import type { SnsState } from './sns';

/**
 * How a scenario describes one metric's 1-minute values:
 * - a number: that constant;
 * - a list: repeating 1-minute values; element 0 is the minute the scenario's clock starts at (`now`), so the last
 *   N minutes before `now` show the list in order;
 * - a wave: `base + amplitude·sin(2π·m/periodMinutes) + trendPerHour·m/60 + noise·u`, m = minutes since the
 *   scenario's start, u a deterministic pseudo-random number in [-1, 1] per (broker, metric, dimensions, minute).
 *   `periodMinutes` defaults to 1440 (a daily cycle).
 * Values never go below 0; percentage metrics (…Utilization, …Usage) are capped at 100.
 */
export type ScenarioMetricSpec =
  | number
  | number[]
  | { base: number; amplitude?: number; periodMinutes?: number; trendPerHour?: number; noise?: number };

export interface Dimension {
  Name: string;
  Value: string;
}

export interface CloudWatchTag {
  Key: string;
  Value: string;
}

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** A metric alarm a scenario declares: PutMetricAlarm's input (PascalCase), plus the state it starts in. */
export interface ScenarioMetricAlarm {
  AlarmName: string;
  AlarmDescription?: string;
  ActionsEnabled?: boolean;
  OKActions?: string[];
  AlarmActions?: string[];
  InsufficientDataActions?: string[];
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions?: Dimension[];
  Period?: number;
  Unit?: string;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator: string;
  TreatMissingData?: string;
  EvaluateLowSampleCountPercentile?: string;
  Metrics?: JsonObject[];
  ThresholdMetricId?: string;
  Tags?: CloudWatchTag[];
  /** Default INSUFFICIENT_DATA. */
  StateValue?: AlarmStateValue;
  StateReason?: string;
  /** ISO 8601; default the scenario's start. */
  StateUpdatedTimestamp?: string;
}

/** A composite alarm a scenario declares: PutCompositeAlarm's input; its state follows its rule. */
export interface ScenarioCompositeAlarm {
  AlarmName: string;
  /** e.g. `ALARM("mqops-orders-down") OR ALARM(app-x)`. */
  AlarmRule: string;
  AlarmDescription?: string;
  ActionsEnabled?: boolean;
  OKActions?: string[];
  AlarmActions?: string[];
  InsufficientDataActions?: string[];
  Tags?: CloudWatchTag[];
}

/** An alarm a scenario declares: a metric alarm, or a composite alarm (one with an `AlarmRule`). */
export type ScenarioAlarm = ScenarioMetricAlarm | ScenarioCompositeAlarm;

/** What a stored metric alarm and a stored composite alarm share (DescribeAlarms' fields for both). */
export interface AlarmRecordBase {
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string;
  AlarmConfigurationUpdatedTimestamp: Date;
  ActionsEnabled: boolean;
  OKActions: string[];
  AlarmActions: string[];
  InsufficientDataActions: string[];
  StateValue: AlarmStateValue;
  StateReason: string;
  StateReasonData?: string;
  StateUpdatedTimestamp: Date;
  StateTransitionedTimestamp: Date;
}

/** A stored composite alarm, in DescribeAlarms' CompositeAlarm shape. */
export interface CompositeAlarmRecord extends AlarmRecordBase {
  AlarmRule: string;
}

/** A stored metric alarm, in DescribeAlarms' MetricAlarm shape. */
export interface MetricAlarmRecord extends AlarmRecordBase {
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions: Dimension[];
  Period?: number;
  Unit?: string;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator: string;
  TreatMissingData?: string;
  EvaluateLowSampleCountPercentile?: string;
  Metrics?: JsonObject[];
  ThresholdMetricId?: string;
}

/** One alarm state change, as recorded in {@link CloudWatchState.transitions}. */
export interface AlarmTransition {
  alarmName: string;
  alarmArn: string;
  oldState: AlarmStateValue;
  newState: AlarmStateValue;
  reason: string;
  at: Date;
}

/** One synthesized metric series. */
export interface MetricSeries {
  namespace: string;
  metricName: string;
  /** Sorted by name. */
  dimensions: Dimension[];
  /** Value at the minute starting at `minuteMs` (epoch ms, minute-aligned), or undefined for no data. */
  valueAt(minuteMs: number): number | undefined;
}

/** A series of stored datapoints (PutMetricData, Embedded Metric Format, emulated services), oldest first. */
export interface StoredSeries {
  namespace: string;
  metricName: string;
  /** Sorted by name. */
  dimensions: Dimension[];
  points: StoredDatapoint[];
}

/** A gauge an emulated service reports (e.g. the messages visible in an SQS queue): its value at any instant. */
export interface GaugeSeries {
  namespace: string;
  metricName: string;
  /** Sorted by name. */
  dimensions: Dimension[];
  /** The value at `ms` (epoch ms); undefined when there was nothing to report then (e.g. before the queue existed). */
  valueAt(ms: number): number | undefined;
  /** The unit its datapoints carry (GetMetricStatistics answers it; a query for another unit sees nothing). */
  unit?: string;
}

export const AMAZON_MQ_NAMESPACE = 'AWS/AmazonMQ';

/** How long stored datapoints are kept (CloudWatch keeps 1-minute data 15 days; the local cloud does not roll up). */
export const STORED_RETENTION_MS = 15 * 86_400_000;
/** The most datapoints kept per stored series (the oldest go first). */
export const MAX_POINTS_PER_SERIES = 100_000;
/** How far back and ahead of the clock a datapoint's timestamp may be (PutMetricData, EMF). */
const OLDEST_ACCEPTED_MS = 14 * 86_400_000;
const NEWEST_ACCEPTED_MS = 2 * 3_600_000;

/**
 * RabbitMQ metrics Amazon MQ publishes per node (dimensions Broker + Node). For these the scenario spec is the value of
 * each node, and the broker-level series (dimension Broker) is the sum over the nodes — as Amazon MQ reports cluster
 * CPU, memory and disk. All other RabbitMQ metrics are broker-level only and the spec is the broker-level value.
 */
export const RABBITMQ_NODE_METRICS: ReadonlySet<string> = new Set([
  'SystemCpuUtilization',
  'RabbitMQMemUsed',
  'RabbitMQMemLimit',
  'RabbitMQDiskFree',
  'RabbitMQDiskFreeLimit',
  'RabbitMQFdUsed',
]);

/** The Node dimension value of RabbitMQ node `index` (1-based). */
export function rabbitNodeName(index: number): string {
  return `rabbit@ip-10-0-0-${index}.ec2.internal`;
}

const MINUTE = 60_000;
const COMPARISON_OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
];
const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];
const STATE_VALUES: readonly AlarmStateValue[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
const TREAT_MISSING = ['breaching', 'notBreaching', 'ignore', 'missing'];

const cwError = (code: string, message: string, status = 400, fields: Record<string, unknown> = {}) =>
  new ApiError(status, code, message, fields);
const validation = (message: string) => cwError('ValidationError', message);

/** The error shape (`__type`) for each CloudWatch query error code. */
const SHAPE_OF_CODE: Record<string, string> = {
  ValidationError: 'ValidationException',
  InvalidParameterValue: 'InvalidParameterValueException',
  MissingParameter: 'MissingRequiredParameterException',
  InvalidParameterCombination: 'InvalidParameterCombinationException',
  InvalidNextToken: 'InvalidNextToken',
  InvalidFormat: 'InvalidFormatFault',
  LimitExceeded: 'LimitExceededFault',
  InternalServiceError: 'InternalServiceFault',
  ResourceNotFound: 'ResourceNotFound',
  ResourceNotFoundException: 'ResourceNotFoundException',
  Throttling: 'ThrottlingException',
};

const isPercentMetric = (name: string) => /(Utilization|Usage)$/.test(name);

/** Evaluates a metric spec at minute offset `m` from the anchor. */
function specValue(spec: ScenarioMetricSpec, m: number, seed: string): number | undefined {
  if (typeof spec === 'number') return spec;
  if (Array.isArray(spec)) {
    if (spec.length === 0) return undefined;
    return spec[((m % spec.length) + spec.length) % spec.length];
  }
  const period = spec.periodMinutes && spec.periodMinutes > 0 ? spec.periodMinutes : 1440;
  const wave = (spec.amplitude ?? 0) * Math.sin((2 * Math.PI * m) / period);
  const trend = ((spec.trendPerHour ?? 0) * m) / 60;
  const noise = spec.noise ? spec.noise * ((hash32(`${seed}|${m}`) / 0xffffffff) * 2 - 1) : 0;
  return spec.base + wave + trend + noise;
}

/** `CpuUtilization` or `QueueSize{Queue=orders}` → name and extra dimensions. */
function parseMetricKey(key: string): { metricName: string; extra: Record<string, string> } {
  const match = /^([^{]+)\{(.*)\}$/.exec(key.trim());
  if (!match) return { metricName: key.trim(), extra: {} };
  const extra: Record<string, string> = {};
  for (const part of (match[2] ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) extra[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return { metricName: (match[1] ?? '').trim(), extra };
}

const dimKey = (dims: readonly Dimension[]) =>
  [...dims]
    .sort((a, b) => a.Name.localeCompare(b.Name))
    .map((d) => `${d.Name}=${d.Value}`)
    .join(',');
const seriesKey = (namespace: string, metricName: string, dims: readonly Dimension[]) =>
  `${namespace}|${metricName}|${dimKey(dims)}`;
const sortDims = (dims: Dimension[]) => [...dims].sort((a, b) => a.Name.localeCompare(b.Name));

const REGION_NAMES: Record<string, string> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-west-2': 'EU (London)',
  'eu-west-3': 'EU (Paris)',
  'eu-central-1': 'EU (Frankfurt)',
  'eu-north-1': 'EU (Stockholm)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'ca-central-1': 'Canada (Central)',
  'sa-east-1': 'South America (Sao Paulo)',
};

/** CloudWatch's own timestamp style in alarm notifications: `2019-10-02T17:04:40.985+0000`. */
const notificationTime = (date: Date) => date.toISOString().replace('Z', '+0000');

/**
 * The CloudWatch state that persists (see {@link CloudWatchState.snapshot}). Metric series are not kept: they are
 * functions of the scenario (and of brokers created later, which the world keeps), so they are made again.
 */
export interface CloudWatchSnapshot {
  alarms: MetricAlarmRecord[];
  /** Absent in snapshots kept before composite alarms were emulated. */
  composites?: CompositeAlarmRecord[];
  tags: [string, CloudWatchTag[]][];
  transitions: AlarmTransition[];
  anchorMs: number;
  /** Stored datapoints (absent in snapshots kept before PutMetricData was emulated). */
  stored?: StoredSeries[];
}

/** State of the emulated CloudWatch: synthesized metric series, alarms and their tags. */
export class CloudWatchState {
  readonly accountId: string;
  readonly region: string;
  /** Alarms by name. */
  readonly alarms = new Map<string, MetricAlarmRecord>();
  /** Composite alarms by name (alarm names are unique across both kinds). */
  readonly composites = new Map<string, CompositeAlarmRecord>();
  /** Alarm tags by alarm ARN. */
  readonly tags = new Map<string, CloudWatchTag[]>();
  /** Every state change, oldest first. */
  readonly transitions: AlarmTransition[] = [];
  /** Minute (epoch ms) that list specs and waves are anchored at: the scenario's `now` (or the clock at start). */
  readonly anchorMs: number;
  private readonly series = new Map<string, MetricSeries>();
  /** Stored datapoints by series key. */
  private readonly stored = new Map<string, StoredSeries>();
  /** Gauges by series key. */
  private readonly gauges = new Map<string, GaugeSeries>();
  /** Alarm evaluation in progress (a listener may bring data that asks for another round). */
  private evaluating = false;
  private evaluateAgain = false;
  private readonly listeners: ((t: AlarmTransition, alarm: MetricAlarmRecord) => void)[] = [];
  private readonly clock: WorldOptions['clock'];
  private sns: SnsState | undefined;

  constructor(scenario: Scenario, options: WorldOptions) {
    this.accountId = options.accountId;
    this.region = options.region;
    this.clock = options.clock;
    const start = scenario.now ? new Date(scenario.now) : options.clock.now();
    this.anchorMs = Math.floor(start.getTime() / MINUTE) * MINUTE;
    for (const broker of scenario.brokers ?? []) this.addBrokerMetrics(broker);
    const declared = scenario.alarms ?? [];
    for (const alarm of declared) if (!('AlarmRule' in alarm)) this.addScenarioAlarm(alarm);
    for (const alarm of declared) if ('AlarmRule' in alarm) this.addScenarioComposite(alarm);
    this.evaluateComposites(new Date(this.anchorMs));
  }

  /** What outlives the process (../persistence.ts): alarms, their tags and state changes, and the anchor. */
  snapshot(): CloudWatchSnapshot {
    return {
      alarms: [...this.alarms.values()],
      composites: [...this.composites.values()],
      tags: [...this.tags],
      transitions: [...this.transitions],
      anchorMs: this.anchorMs,
      stored: [...this.stored.values()].map((s) => ({ ...s, points: [...s.points] })),
    };
  }

  /** Puts back what {@link snapshot} kept. */
  restore(saved: CloudWatchSnapshot): void {
    this.alarms.clear();
    for (const alarm of saved.alarms) this.alarms.set(alarm.AlarmName, alarm);
    this.composites.clear();
    for (const alarm of saved.composites ?? []) this.composites.set(alarm.AlarmName, alarm);
    this.tags.clear();
    for (const [arn, tags] of saved.tags) this.tags.set(arn, tags);
    this.transitions.splice(0, this.transitions.length, ...saved.transitions);
    (this as { anchorMs: number }).anchorMs = saved.anchorMs;
    this.stored.clear();
    for (const series of saved.stored ?? [])
      this.stored.set(seriesKey(series.namespace, series.metricName, series.dimensions), {
        ...series,
        points: [...series.points],
      });
  }

  /** Lets state changes notify SNS topics of this local cloud (alarm actions). */
  attachSns(sns: SnsState): void {
    this.sns = sns;
  }

  /** Calls `listener` after every alarm state change. Returns a function that removes it. */
  onStateChange(listener: (t: AlarmTransition, alarm: MetricAlarmRecord) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** ARN of the alarm called `name`. */
  /**
   * What a metric and a composite alarm share, read from PutMetricAlarm's or PutCompositeAlarm's input: name, ARN,
   * description, actions (at most 5 ARNs each), and the state kept from the alarm it replaces.
   */
  private alarmBase(
    name: string,
    input: JsonObject,
    existing: AlarmRecordBase | undefined,
    at: Date,
  ): AlarmRecordBase {
    const actions = (member: string) => {
      const list = optStringList(input, member, 'ValidationError') ?? [];
      if (list.length > 5)
        throw validation(constraint('…', member, 'Member must have length less than or equal to 5'));
      for (const arn of list) if (!arn.startsWith('arn:')) throw validation(`Invalid arn syntax: ${arn}`);
      return list;
    };
    return {
      AlarmName: name,
      AlarmArn: this.alarmArn(name),
      AlarmDescription: optString(input, 'AlarmDescription', 'ValidationError'),
      AlarmConfigurationUpdatedTimestamp: at,
      ActionsEnabled: optBoolean(input, 'ActionsEnabled', 'ValidationError') ?? true,
      OKActions: actions('OKActions'),
      AlarmActions: actions('AlarmActions'),
      InsufficientDataActions: actions('InsufficientDataActions'),
      StateValue: existing?.StateValue ?? 'INSUFFICIENT_DATA',
      StateReason: existing?.StateReason ?? 'Unchecked: Initial alarm creation',
      StateReasonData: existing?.StateReasonData,
      StateUpdatedTimestamp: existing?.StateUpdatedTimestamp ?? at,
      StateTransitionedTimestamp: existing?.StateTransitionedTimestamp ?? at,
    };
  }

  alarmArn(name: string): string {
    return `arn:aws:cloudwatch:${this.region}:${this.accountId}:alarm:${name}`;
  }

  /**
   * Registers the Amazon MQ metric series of a broker from its `Metrics` spec (also used for brokers created later).
   * ActiveMQ: dimension Broker = `NAME-1`, and for ACTIVE_STANDBY_MULTI_AZ also `NAME-2` (the idle standby: 0 unless
   * the spec declares it, e.g. `"CpuUtilization{Broker=NAME-2}": 3`). RabbitMQ: dimension Broker = NAME; metrics in
   * {@link RABBITMQ_NODE_METRICS} also per node (Broker + Node, 3 nodes for CLUSTER_MULTI_AZ, else 1) with the
   * broker-level value the sum over the nodes. A key `Metric{Dim=Value,…}` adds dimensions (e.g. `Queue`).
   */
  addBrokerMetrics(broker: ScenarioBroker): void {
    const name = broker.BrokerName;
    const createdMs = broker.Created ? Date.parse(broker.Created) : Number.NEGATIVE_INFINITY;
    const explicit = new Set<string>();
    const specs = Object.entries(broker.Metrics ?? {});
    const make = (metricName: string, dims: Dimension[], fn: (minuteMs: number) => number | undefined) => {
      const sorted = sortDims(dims);
      this.series.set(seriesKey(AMAZON_MQ_NAMESPACE, metricName, sorted), {
        namespace: AMAZON_MQ_NAMESPACE,
        metricName,
        dimensions: sorted,
        valueAt: (minuteMs) => (minuteMs < createdMs ? undefined : fn(minuteMs)),
      });
    };
    const valueFn = (spec: ScenarioMetricSpec, metricName: string, seed: string) => (minuteMs: number) => {
      const raw = specValue(spec, Math.round((minuteMs - this.anchorMs) / MINUTE), seed);
      if (raw === undefined) return undefined;
      const floored = Math.max(0, raw);
      return isPercentMetric(metricName) ? Math.min(100, floored) : floored;
    };
    for (const [key, spec] of specs) {
      const { metricName, extra } = parseMetricKey(key);
      if (broker.EngineType === 'ACTIVEMQ') {
        const dims: Dimension[] = [{ Name: 'Broker', Value: extra.Broker ?? `${name}-1` }];
        for (const [k, v] of Object.entries(extra)) if (k !== 'Broker') dims.push({ Name: k, Value: v });
        make(metricName, dims, valueFn(spec, metricName, `${name}|${key}`));
        explicit.add(seriesKey(AMAZON_MQ_NAMESPACE, metricName, sortDims(dims)));
      } else {
        const extraDims = Object.entries(extra).filter(([k]) => k !== 'Broker');
        if (extraDims.length === 0 && RABBITMQ_NODE_METRICS.has(metricName)) {
          const nodes = broker.DeploymentMode === 'CLUSTER_MULTI_AZ' ? 3 : 1;
          const perNode: ((m: number) => number | undefined)[] = [];
          for (let i = 1; i <= nodes; i++) {
            const fn = valueFn(spec, metricName, `${name}|${key}|${i}`);
            perNode.push(fn);
            make(
              metricName,
              [
                { Name: 'Broker', Value: name },
                { Name: 'Node', Value: rabbitNodeName(i) },
              ],
              fn,
            );
          }
          make(metricName, [{ Name: 'Broker', Value: name }], (m) => {
            let sum = 0;
            for (const fn of perNode) {
              const v = fn(m);
              if (v === undefined) return undefined;
              sum += v;
            }
            return sum;
          });
        } else {
          const dims: Dimension[] = [{ Name: 'Broker', Value: name }];
          for (const [k, v] of extraDims) dims.push({ Name: k, Value: v });
          make(metricName, dims, valueFn(spec, metricName, `${name}|${key}`));
        }
      }
    }
    if (broker.EngineType === 'ACTIVEMQ' && broker.DeploymentMode === 'ACTIVE_STANDBY_MULTI_AZ') {
      for (const [key] of specs) {
        const { metricName, extra } = parseMetricKey(key);
        if (Object.keys(extra).length > 0) continue;
        const dims = [{ Name: 'Broker', Value: `${name}-2` }];
        if (!explicit.has(seriesKey(AMAZON_MQ_NAMESPACE, metricName, dims))) make(metricName, dims, () => 0);
      }
    }
  }

  /** Adds (or replaces) a metric series directly. */
  putSeries(series: MetricSeries): void {
    const dims = sortDims(series.dimensions);
    this.series.set(seriesKey(series.namespace, series.metricName, dims), { ...series, dimensions: dims });
  }

  /** The series with exactly these dimensions, if any. */
  findSeries(
    namespace: string,
    metricName: string,
    dimensions: readonly Dimension[],
  ): MetricSeries | undefined {
    return this.series.get(seriesKey(namespace, metricName, dimensions));
  }

  /** Every series, sorted by namespace, metric name and dimensions. */
  listSeries(): MetricSeries[] {
    return [...this.series.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
  }

  /**
   * Stores datapoints of one metric, as PutMetricData does (emulated services publish through it too: SQS's message
   * counts, Lambda's invocations), then evaluates the alarms. Datapoints older than {@link STORED_RETENTION_MS} on the
   * clock are dropped, and the oldest beyond {@link MAX_POINTS_PER_SERIES}. `evaluate: false` leaves the alarms
   * for a later call (several datapoints of one change).
   */
  putDatapoints(
    namespace: string,
    metricName: string,
    dimensions: readonly Dimension[],
    points: readonly StoredDatapoint[],
    options: { evaluate?: boolean } = {},
  ): void {
    this.storePoints(namespace, metricName, dimensions, points);
    if (options.evaluate !== false) this.reevaluate();
  }

  private storePoints(
    namespace: string,
    metricName: string,
    dimensions: readonly Dimension[],
    points: readonly StoredDatapoint[],
  ): void {
    const dims = sortDims(dimensions.map((d) => ({ Name: d.Name, Value: d.Value })));
    const key = seriesKey(namespace, metricName, dims);
    let series = this.stored.get(key);
    if (!series) {
      series = { namespace, metricName, dimensions: dims, points: [] };
      this.stored.set(key, series);
    }
    for (const point of points) series.points.splice(upperBound(series.points, point.at), 0, point);
    const cutoff = this.clock.now().getTime() - STORED_RETENTION_MS;
    const expired = lowerBound(series.points, cutoff);
    const drop = Math.max(expired, series.points.length - MAX_POINTS_PER_SERIES);
    if (drop > 0) series.points.splice(0, drop);
  }

  /** The stored datapoints of a metric (exactly these dimensions), oldest first. */
  storedDatapoints(
    namespace: string,
    metricName: string,
    dimensions: readonly Dimension[],
  ): StoredDatapoint[] {
    return [...(this.stored.get(seriesKey(namespace, metricName, dimensions))?.points ?? [])];
  }

  /**
   * Registers (or replaces) a gauge: a metric whose value at any instant an emulated service knows (SQS's queue
   * depths), sampled once a minute. Returns a function that removes it.
   */
  registerGauge(gauge: GaugeSeries): () => void {
    const dims = sortDims(gauge.dimensions);
    const key = seriesKey(gauge.namespace, gauge.metricName, dims);
    const registered = { ...gauge, dimensions: dims, valueAt: gauge.valueAt };
    this.gauges.set(key, registered);
    return () => {
      if (this.gauges.get(key) === registered) this.gauges.delete(key);
    };
  }

  /**
   * Reads log output as CloudWatch Logs reads a Lambda function's: every line that is an Embedded Metric Format
   * document (see {@link parseEmf}) stores its datapoints; other lines, malformed documents and datapoints more than
   * two weeks before or two hours after the clock are ignored. Then evaluates the alarms. Never throws on bad input.
   * @returns how many datapoints were stored.
   */
  ingestEmf(text: string): number {
    const nowMs = this.clock.now().getTime();
    let count = 0;
    for (const line of String(text).split('\n')) {
      for (const metric of parseEmf(line)) {
        const at = metric.datapoint.at;
        if (at < nowMs - OLDEST_ACCEPTED_MS || at > nowMs + NEWEST_ACCEPTED_MS) continue;
        this.storePoints(metric.namespace, metric.metricName, metric.dimensions, [metric.datapoint]);
        count++;
      }
    }
    if (count > 0) this.reevaluate();
    return count;
  }

  /**
   * Stores PutMetricData's input (validated as CloudWatch does, all of it before anything is stored), then evaluates
   * the alarms.
   */
  putMetricData(input: JsonObject): void {
    const namespace = optString(input, 'Namespace', 'ValidationError');
    if (!namespace) throw validation(nullMemberMessage('Namespace'));
    if (namespace.length > 255)
      throw validation(constraint('…', 'Namespace', 'Member must have length less than or equal to 255'));
    if (namespace.startsWith('AWS/') || !/^[^:]/.test(namespace))
      throw cwError(
        'InvalidParameterValue',
        `The value ${namespace.slice(0, 64)} for parameter Namespace is invalid.`,
      );
    const data: { datum: unknown; member: string }[] = (
      optList(input, 'MetricData', 'ValidationError') ?? []
    ).map((datum, i) => ({ datum, member: `MetricData.member.${i + 1}` }));
    (optList(input, 'EntityMetricData', 'ValidationError') ?? []).forEach((entity, i) => {
      const list = isObject(entity) && Array.isArray(entity.MetricData) ? entity.MetricData : [];
      list.forEach((datum, j) => {
        data.push({ datum, member: `EntityMetricData.member.${i + 1}.MetricData.member.${j + 1}` });
      });
    });
    if (data.length === 0) throw cwError('MissingParameter', 'The parameter MetricData is required.');
    if (data.length > 1000)
      throw validation(constraint('…', 'MetricData', 'Member must have length less than or equal to 1000'));
    const nowMs = this.clock.now().getTime();
    const read = data.map(({ datum, member }) => readMetricDatum(datum, member, nowMs));
    for (const d of read) this.storePoints(namespace, d.metricName, d.dimensions, [d.point]);
    this.reevaluate();
  }

  /** Answers GetMetricStatistics (validated as CloudWatch does), over every source of the metric. */
  getMetricStatistics(input: JsonObject): JsonObject {
    const namespace = optString(input, 'Namespace', 'ValidationError');
    const metricName = optString(input, 'MetricName', 'ValidationError');
    if (!namespace) throw validation(nullMemberMessage('Namespace'));
    if (!metricName) throw validation(nullMemberMessage('MetricName'));
    const dimensions = readDimensions(input.Dimensions, 'Dimensions');
    const start = readTimestamp(input.StartTime, 'StartTime');
    const end = readTimestamp(input.EndTime, 'EndTime');
    if (!start) throw validation(nullMemberMessage('StartTime'));
    if (!end) throw validation(nullMemberMessage('EndTime'));
    if (start.getTime() >= end.getTime())
      throw cwError(
        'InvalidParameterValue',
        'The parameter StartTime must be less than the parameter EndTime.',
      );
    const period = optNumber(input, 'Period', 'ValidationError');
    if (period === undefined) throw validation(nullMemberMessage('Period'));
    checkPeriod(period);
    const statistics = optStringList(input, 'Statistics', 'ValidationError') ?? [];
    const extended = optStringList(input, 'ExtendedStatistics', 'ValidationError') ?? [];
    if (statistics.length === 0 && extended.length === 0)
      throw cwError('MissingParameter', 'The parameter Statistics or ExtendedStatistics must be specified.');
    if (statistics.length > 0 && extended.length > 0)
      throw cwError(
        'InvalidParameterCombination',
        'The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.',
      );
    if (statistics.length > 5 || extended.length > 10)
      throw validation(constraint('…', 'Statistics', 'Member must have length less than or equal to 5'));
    for (const stat of statistics)
      if (!STATISTICS.includes(stat))
        throw validation(
          constraint(stat, 'Statistics', `Member must satisfy enum value set: [${STATISTICS.join(', ')}]`),
        );
    for (const stat of extended)
      if (!/^p\d{1,2}(\.\d{1,2})?$|^p100$/.test(stat))
        throw cwError(
          'InvalidParameterValue',
          `The value ${stat.slice(0, 32)} for parameter ExtendedStatistics is not supported.`,
        );
    const unit = readUnit(input, 'Unit');
    const periodMs = period * 1000;
    const first = Math.floor(start.getTime() / MINUTE) * MINUTE;
    const requested = Math.ceil((end.getTime() - first) / periodMs);
    if (requested > 1440)
      throw cwError(
        'InvalidParameterCombination',
        `You have requested up to ${requested} datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
      );
    const key = seriesKey(namespace, metricName, dimensions);
    const nowMs = this.clock.now().getTime();
    const datapoints: JsonObject[] = [];
    for (let bucket = first; bucket < end.getTime(); bucket += periodMs) {
      const sample = this.sampleOf(
        key,
        bucket,
        Math.min(bucket + periodMs, end.getTime()),
        nowMs,
        periodMs,
        unit,
      );
      if (sample.count === 0) continue;
      const point: JsonObject = { Timestamp: new Date(bucket) };
      for (const stat of statistics) point[stat] = statisticOf(sample, stat);
      if (extended.length > 0) {
        const values: JsonObject = {};
        for (const stat of extended) {
          const value = statisticOf(sample, stat);
          if (value !== undefined) values[stat] = value;
        }
        point.ExtendedStatistics = values;
      }
      point.Unit = unit ?? sample.unit ?? 'None';
      datapoints.push(point);
    }
    return { Label: metricName, Datapoints: datapoints };
  }

  /** True when a metric has data from any source: a synthesized series, a gauge, or stored datapoints. */
  private hasData(key: string): boolean {
    return this.series.has(key) || this.gauges.has(key) || (this.stored.get(key)?.points.length ?? 0) > 0;
  }

  /**
   * Everything known of a metric over [fromMs, toMs): the synthesized series' completed minutes, the gauge's
   * once-a-minute samples (at the end of each minute, or now for the current one) and the stored datapoints.
   * Periods under a minute see only high-resolution stored datapoints. `unit` keeps only data in that unit.
   */
  private sampleOf(
    key: string,
    fromMs: number,
    toMs: number,
    nowMs: number,
    periodMs: number,
    unit: string | undefined,
  ): Sample {
    const sample = emptySample();
    if (periodMs >= MINUTE) {
      const series = this.series.get(key);
      if (series) {
        const latestMinute = Math.floor(nowMs / MINUTE) * MINUTE - MINUTE; // only completed minutes
        for (let m = fromMs; m < toMs && m <= latestMinute; m += MINUTE) {
          const v = series.valueAt(m);
          if (v !== undefined) addValue(sample, v);
        }
      }
      const gauge = this.gauges.get(key);
      if (gauge && (unit === undefined || (gauge.unit ?? 'None') === unit)) {
        for (let m = Math.floor(fromMs / MINUTE) * MINUTE; m < toMs && m <= nowMs; m += MINUTE) {
          if (m < fromMs) continue;
          const v = gauge.valueAt(Math.min(m + MINUTE - 1, nowMs));
          if (v !== undefined) addValue(sample, v);
        }
        if (sample.count > 0 && gauge.unit !== undefined) sample.unit ??= gauge.unit;
      }
    }
    const stored = this.stored.get(key);
    if (stored) {
      const points = stored.points;
      for (let i = lowerBound(points, fromMs); i < points.length; i++) {
        const point = points[i] as StoredDatapoint;
        if (point.at >= toMs) break;
        if (periodMs < MINUTE && !point.highResolution) continue;
        if (unit !== undefined && (point.unit ?? 'None') !== unit) continue;
        addDatapoint(sample, point);
      }
    }
    return sample;
  }

  /**
   * Evaluates the metric alarms whose metric has stored datapoints or a gauge and no synthesized series (the others
   * keep the state the scenario or SetAlarmState gave them) at the clock's time, as CloudWatch does (see
   * {@link evaluateMetricAlarm}; the range ends with the period the clock is in when it has data, else with the one
   * before), and moves each alarm
   * whose data calls for another state through {@link setAlarmState}, so its SNS actions and the listeners follow.
   * `names` limits it to those alarms. A listener that brings data or moves the clock gets another round.
   * @returns the transitions made.
   * @throws whatever a state-change listener throws.
   */
  evaluateAlarms(names?: readonly string[]): AlarmTransition[] {
    if (this.evaluating) {
      this.evaluateAgain = true;
      return [];
    }
    this.evaluating = true;
    const made: AlarmTransition[] = [];
    let only = names;
    try {
      for (let round = 0; round < 10; round++) {
        this.evaluateAgain = false;
        const nowMs = this.clock.now().getTime();
        for (const alarm of [...this.alarms.values()]) {
          if (only && !only.includes(alarm.AlarmName)) continue;
          if (this.alarms.get(alarm.AlarmName) !== alarm) continue; // deleted or replaced meanwhile
          const decision = this.decide(alarm, nowMs);
          if (!decision || decision.state === alarm.StateValue) continue;
          const transition = this.setAlarmState(
            alarm.AlarmName,
            decision.state,
            decision.reason,
            decision.reasonData,
          );
          if (transition) made.push(transition);
        }
        if (!this.evaluateAgain) break;
        only = undefined;
      }
    } finally {
      this.evaluating = false;
    }
    return made;
  }

  /**
   * {@link evaluateAlarms} as CloudWatch's own evaluation runs: after data arrives, when the clock moves, on a timer.
   * Never throws: an error of a state-change listener is thrown again outside (an uncaught error, as an event
   * emitter without an error listener does), so it is seen but does not fail the request that brought the data.
   */
  reevaluate(names?: readonly string[]): void {
    try {
      this.evaluateAlarms(names);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  /** The state a metric alarm's data calls for; undefined when it is not evaluated (or keeps its state). */
  private decide(alarm: MetricAlarmRecord, nowMs: number): AlarmDecision | undefined {
    const stat = alarm.Statistic ?? alarm.ExtendedStatistic;
    if (alarm.Metrics || !alarm.Namespace || !alarm.MetricName || !stat) return undefined;
    if (alarm.Period === undefined || alarm.Threshold === undefined) return undefined;
    if (!EVALUATED_COMPARISONS[alarm.ComparisonOperator]) return undefined;
    const key = seriesKey(alarm.Namespace, alarm.MetricName, alarm.Dimensions);
    if (this.series.has(key) || !(this.stored.has(key) || this.gauges.has(key))) return undefined;
    const periodMs = alarm.Period * 1000;
    const current = Math.floor(nowMs / periodMs) * periodMs;
    const periods: { at: number; value: number | undefined; sampleCount?: number }[] = [];
    // The period the clock is in, then the ones before it.
    for (let i = 0; i <= alarm.EvaluationPeriods; i++) {
      const at = current - i * periodMs;
      const sample = this.sampleOf(key, at, at + periodMs, nowMs, periodMs, alarm.Unit);
      const value = statisticOf(sample, stat);
      periods.unshift(value === undefined ? { at, value } : { at, value, sampleCount: sample.count });
    }
    // The current period counts as soon as it has data; until then it is not missing yet: the range ends before it.
    if (periods[periods.length - 1]?.value === undefined) periods.pop();
    else periods.shift();
    return evaluateMetricAlarm({
      comparison: alarm.ComparisonOperator,
      threshold: alarm.Threshold,
      evaluationPeriods: alarm.EvaluationPeriods,
      datapointsToAlarm: alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods,
      treatMissingData: alarm.TreatMissingData,
      current: alarm.StateValue,
      statistic: stat,
      periodSeconds: alarm.Period,
      ...(alarm.Unit !== undefined ? { unit: alarm.Unit } : {}),
      nowMs,
      periods,
    });
  }

  /**
   * Sets an alarm's state (as SetAlarmState does): records the transition, notifies listeners and, when actions are
   * enabled, publishes the CloudWatch notification to the matching SNS actions. Same state again: nothing changes.
   * @throws ApiError ResourceNotFound when there is no such alarm.
   */
  setAlarmState(
    name: string,
    value: AlarmStateValue,
    reason: string,
    reasonData?: string,
  ): AlarmTransition | undefined {
    const composite = this.composites.get(name);
    if (composite) {
      const transition = this.setCompositeState(composite, value, reason, this.clock.now(), reasonData);
      if (transition) this.evaluateComposites(transition.at);
      return transition;
    }
    const alarm = this.alarms.get(name);
    if (!alarm) throw cwError('ResourceNotFound', `Alarm ${name} not found`, 404);
    if (alarm.StateValue === value) return undefined;
    const now = this.clock.now();
    const transition: AlarmTransition = {
      alarmName: name,
      alarmArn: alarm.AlarmArn,
      oldState: alarm.StateValue,
      newState: value,
      reason,
      at: now,
    };
    alarm.StateValue = value;
    alarm.StateReason = reason;
    alarm.StateReasonData = reasonData;
    alarm.StateUpdatedTimestamp = now;
    alarm.StateTransitionedTimestamp = now;
    this.transitions.push(transition);
    this.notify(alarm, transition);
    for (const listener of [...this.listeners]) listener(transition, alarm);
    this.evaluateComposites(now);
    return transition;
  }

  private setCompositeState(
    alarm: CompositeAlarmRecord,
    value: AlarmStateValue,
    reason: string,
    at: Date,
    reasonData?: string,
  ): AlarmTransition | undefined {
    if (alarm.StateValue === value) return undefined;
    const transition: AlarmTransition = {
      alarmName: alarm.AlarmName,
      alarmArn: alarm.AlarmArn,
      oldState: alarm.StateValue,
      newState: value,
      reason,
      at,
    };
    alarm.StateValue = value;
    alarm.StateReason = reason;
    alarm.StateReasonData = reasonData;
    alarm.StateUpdatedTimestamp = at;
    alarm.StateTransitionedTimestamp = at;
    this.transitions.push(transition);
    return transition;
  }

  /** The state of any alarm by name (undefined: no such alarm). */
  private stateOf(name: string): AlarmStateValue | undefined {
    return (this.alarms.get(name) ?? this.composites.get(name))?.StateValue;
  }

  /**
   * Brings every composite alarm's state in line with its rule, again while one change leads to another (a
   * composite over composites); bounded, since CloudWatch forbids cycles but a stored rule could still form one.
   */
  private evaluateComposites(at: Date): void {
    for (let round = 0; round <= this.composites.size; round++) {
      let changed = false;
      for (const alarm of this.composites.values()) {
        const rule = parseAlarmRule(alarm.AlarmRule);
        if (!rule) continue;
        const value: AlarmStateValue = evaluateAlarmRule(rule, (n) => this.stateOf(n)) ? 'ALARM' : 'OK';
        const reason = `The rule ${alarm.AlarmRule.slice(0, 200)} evaluates to ${value === 'ALARM' ? 'TRUE' : 'FALSE'}`;
        if (this.setCompositeState(alarm, value, reason, at)) changed = true;
      }
      if (!changed) return;
    }
  }

  private addScenarioComposite(alarm: ScenarioCompositeAlarm): void {
    this.putCompositeAlarm(alarm as unknown as JsonObject, new Date(this.anchorMs));
  }

  /**
   * Creates or updates a composite alarm from PutCompositeAlarm input (validated as CloudWatch does) and evaluates
   * it. Updating keeps the state and ignores Tags.
   */
  putCompositeAlarm(input: JsonObject, at: Date = this.clock.now()): CompositeAlarmRecord {
    const name = optString(input, 'AlarmName', 'ValidationError');
    if (!name) throw validation(nullMemberMessage('AlarmName'));
    if (name.length > 255)
      throw validation(constraint(name, 'AlarmName', 'Member must have length less than or equal to 255'));
    if (this.alarms.has(name)) throw validation(`An alarm named ${name} already exists as a metric alarm.`);
    const rule = optString(input, 'AlarmRule', 'ValidationError');
    if (!rule) throw validation(nullMemberMessage('AlarmRule'));
    if (rule.length > 10_240)
      throw validation(constraint('…', 'AlarmRule', 'Member must have length less than or equal to 10240'));
    if (!parseAlarmRule(rule))
      throw validation(`Error in AlarmRule [${rule.slice(0, 200)}]: invalid syntax.`);
    const existing = this.composites.get(name);
    const record: CompositeAlarmRecord = { ...this.alarmBase(name, input, existing, at), AlarmRule: rule };
    const tags = existing ? undefined : readTags(input.Tags);
    this.composites.set(name, record);
    if (tags && tags.length > 0) this.tags.set(record.AlarmArn, tags);
    this.evaluateComposites(at);
    return record;
  }

  private notify(alarm: MetricAlarmRecord, transition: AlarmTransition): void {
    if (!this.sns || !alarm.ActionsEnabled) return;
    const actions =
      transition.newState === 'ALARM'
        ? alarm.AlarmActions
        : transition.newState === 'OK'
          ? alarm.OKActions
          : alarm.InsufficientDataActions;
    const regionName = REGION_NAMES[this.region] ?? this.region;
    const subject = `${transition.newState}: "${alarm.AlarmName}" in ${regionName}`.slice(0, 100);
    const message = JSON.stringify(this.notificationMessage(alarm, transition, regionName));
    for (const arn of actions) {
      if (!arn.startsWith('arn:aws:sns:') || !this.sns.hasTopic(arn)) continue;
      try {
        this.sns.publish({ topicArn: arn, subject, message });
      } catch (error) {
        // As in AWS, a failing action (e.g. a FIFO topic) does not fail the state change.
        if (!(error instanceof ApiError)) throw error;
      }
    }
  }

  /** The JSON CloudWatch sends to an SNS action when an alarm changes state. */
  notificationMessage(alarm: MetricAlarmRecord, transition: AlarmTransition, regionName: string): JsonObject {
    const trigger: JsonObject = alarm.Metrics
      ? { Metrics: alarm.Metrics }
      : {
          MetricName: alarm.MetricName,
          Namespace: alarm.Namespace,
          StatisticType: alarm.ExtendedStatistic ? 'ExtendedStatistic' : 'Statistic',
          Statistic: (alarm.Statistic ?? alarm.ExtendedStatistic ?? '').toUpperCase(),
          Unit: alarm.Unit ?? null,
          Dimensions: alarm.Dimensions.map((d) => ({ value: d.Value, name: d.Name })),
          Period: alarm.Period,
        };
    return {
      AlarmName: alarm.AlarmName,
      AlarmDescription: alarm.AlarmDescription ?? null,
      AWSAccountId: this.accountId,
      AlarmConfigurationUpdatedTimestamp: notificationTime(alarm.AlarmConfigurationUpdatedTimestamp),
      NewStateValue: transition.newState,
      NewStateReason: transition.reason,
      StateChangeTime: notificationTime(transition.at),
      Region: regionName,
      AlarmArn: alarm.AlarmArn,
      OldStateValue: transition.oldState,
      OKActions: alarm.OKActions,
      AlarmActions: alarm.AlarmActions,
      InsufficientDataActions: alarm.InsufficientDataActions,
      Trigger: {
        ...trigger,
        EvaluationPeriods: alarm.EvaluationPeriods,
        DatapointsToAlarm: alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods,
        ComparisonOperator: alarm.ComparisonOperator,
        Threshold: alarm.Threshold,
        TreatMissingData: alarm.TreatMissingData ?? 'missing',
        EvaluateLowSampleCountPercentile: alarm.EvaluateLowSampleCountPercentile ?? '',
      },
    };
  }

  private addScenarioAlarm(alarm: ScenarioMetricAlarm): void {
    const { Tags, StateValue, StateReason, StateUpdatedTimestamp, ...input } = alarm;
    const record = this.putAlarm({ ...input, Tags } as unknown as JsonObject);
    const at = StateUpdatedTimestamp ? new Date(StateUpdatedTimestamp) : new Date(this.anchorMs);
    if (StateValue) record.StateValue = StateValue;
    if (StateReason) record.StateReason = StateReason;
    else if (StateValue && StateValue !== 'INSUFFICIENT_DATA')
      record.StateReason = `Scenario: alarm is ${StateValue}`;
    record.StateUpdatedTimestamp = at;
    record.StateTransitionedTimestamp = at;
  }

  /**
   * Creates or updates an alarm from PutMetricAlarm input (validated as CloudWatch does). Updating keeps the state and
   * ignores Tags, as CloudWatch does.
   */
  putAlarm(input: JsonObject): MetricAlarmRecord {
    const name = optString(input, 'AlarmName', 'ValidationError');
    if (!name) throw validation(nullMemberMessage('AlarmName'));
    if (name.length > 255)
      throw validation(constraint(name, 'AlarmName', 'Member must have length less than or equal to 255'));
    if (this.composites.has(name))
      throw validation(`An alarm named ${name} already exists as a composite alarm.`);
    const evaluationPeriods = optNumber(input, 'EvaluationPeriods', 'ValidationError');
    if (evaluationPeriods === undefined) throw validation(nullMemberMessage('EvaluationPeriods'));
    if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1) {
      throw validation(
        constraint(
          evaluationPeriods,
          'EvaluationPeriods',
          'Member must have value greater than or equal to 1',
        ),
      );
    }
    const comparison = optString(input, 'ComparisonOperator', 'ValidationError');
    if (comparison === undefined) throw validation(nullMemberMessage('ComparisonOperator'));
    if (!COMPARISON_OPERATORS.includes(comparison)) {
      throw validation(
        constraint(
          comparison,
          'ComparisonOperator',
          `Member must satisfy enum value set: [${COMPARISON_OPERATORS.join(', ')}]`,
        ),
      );
    }
    const metrics = optList(input, 'Metrics', 'ValidationError') as JsonObject[] | undefined;
    const metricName = optString(input, 'MetricName', 'ValidationError');
    const namespace = optString(input, 'Namespace', 'ValidationError');
    const statistic = optString(input, 'Statistic', 'ValidationError');
    const extended = optString(input, 'ExtendedStatistic', 'ValidationError');
    const period = optNumber(input, 'Period', 'ValidationError');
    const thresholdMetricId = optString(input, 'ThresholdMetricId', 'ValidationError');
    const threshold = optNumber(input, 'Threshold', 'ValidationError');
    if (metrics && metrics.length > 0) {
      if (metricName || namespace || statistic || extended || period !== undefined) {
        throw cwError(
          'InvalidParameterCombination',
          'The parameters MetricName, Namespace, Statistic, ExtendedStatistic, Period and Metrics are mutually exclusive: use either a single metric or Metrics.',
        );
      }
      if (metrics.filter((m) => isObject(m) && m.ReturnData !== false).length !== 1 && !thresholdMetricId) {
        throw validation('Exactly one element of the metrics list should return data.');
      }
    } else {
      if (!metricName) throw cwError('MissingParameter', 'The parameter MetricName is required.');
      if (!namespace) throw cwError('MissingParameter', 'The parameter Namespace is required.');
      if (statistic && extended) {
        throw cwError(
          'InvalidParameterCombination',
          'The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both.',
        );
      }
      if (!statistic && !extended) {
        throw cwError('MissingParameter', 'The parameter Statistic or ExtendedStatistic must be specified.');
      }
      if (statistic && !STATISTICS.includes(statistic)) {
        throw validation(
          constraint(
            statistic,
            'Statistic',
            `Member must satisfy enum value set: [${STATISTICS.join(', ')}]`,
          ),
        );
      }
      if (extended && !/^p\d{1,2}(\.\d{1,2})?$|^p100$/.test(extended)) {
        throw cwError(
          'InvalidParameterValue',
          `The value ${extended} for parameter ExtendedStatistic is not supported.`,
        );
      }
      if (period === undefined) throw cwError('MissingParameter', 'The parameter Period is required.');
      if (![10, 20, 30].includes(period) && (period < 60 || period % 60 !== 0)) {
        throw validation('Period must be 10, 20, 30 or a multiple of 60');
      }
      if (period * evaluationPeriods > 7 * 86_400) {
        throw validation(
          'The total evaluation period (EvaluationPeriods × Period) can be no longer than 7 days.',
        );
      }
      if (period < 3600 && period * evaluationPeriods > 86_400) {
        throw validation(
          'For periods under one hour the total evaluation period (EvaluationPeriods × Period) can be no longer than one day.',
        );
      }
    }
    if (threshold === undefined && !thresholdMetricId) {
      throw cwError(
        'MissingParameter',
        'The parameter Threshold is required unless ThresholdMetricId is used.',
      );
    }
    const datapoints = optNumber(input, 'DatapointsToAlarm', 'ValidationError');
    if (datapoints !== undefined && (datapoints < 1 || datapoints > evaluationPeriods)) {
      throw validation('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
    }
    const treatMissing = optString(input, 'TreatMissingData', 'ValidationError');
    if (treatMissing !== undefined && !TREAT_MISSING.includes(treatMissing)) {
      throw validation(
        `The value ${treatMissing} is not supported for TreatMissingData parameter. Supported values are [${TREAT_MISSING.join(', ')}].`,
      );
    }
    const lowSample = optString(input, 'EvaluateLowSampleCountPercentile', 'ValidationError');
    if (lowSample !== undefined && lowSample !== 'evaluate' && lowSample !== 'ignore') {
      throw validation(
        `Option ${lowSample} is not supported. Supported options for parameter EvaluateLowSampleCountPercentile are evaluate and ignore.`,
      );
    }
    const dimensions = readDimensions(input.Dimensions, 'Dimensions');
    if (dimensions.length > 30)
      throw validation(constraint('…', 'Dimensions', 'Member must have length less than or equal to 30'));
    const now = this.clock.now();
    const existing = this.alarms.get(name);
    const record: MetricAlarmRecord = {
      ...this.alarmBase(name, input, existing, now),
      MetricName: metricName,
      Namespace: namespace,
      Statistic: statistic,
      ExtendedStatistic: extended,
      Dimensions: dimensions,
      Period: period,
      Unit: optString(input, 'Unit', 'ValidationError'),
      EvaluationPeriods: evaluationPeriods,
      DatapointsToAlarm: datapoints,
      Threshold: threshold,
      ComparisonOperator: comparison,
      TreatMissingData: treatMissing,
      EvaluateLowSampleCountPercentile: lowSample,
      Metrics: metrics,
      ThresholdMetricId: thresholdMetricId,
    };
    this.alarms.set(name, record);
    if (!existing) {
      const tags = readTags(input.Tags);
      if (tags.length > 0) this.tags.set(record.AlarmArn, tags);
    }
    return record;
  }

  /** Deletes alarms by name. Unknown names are ignored, as CloudWatch does. */
  deleteAlarms(names: readonly string[]): void {
    for (const name of names) {
      const alarm = this.alarms.get(name);
      if (!alarm) continue;
      this.alarms.delete(name);
      this.tags.delete(alarm.AlarmArn);
    }
    for (const name of names) {
      const composite = this.composites.get(name);
      if (!composite) continue;
      this.composites.delete(name);
      this.tags.delete(composite.AlarmArn);
    }
    if (names.length > 0) this.evaluateComposites(this.clock.now());
  }

  /**
   * Answers one GetMetricData request (validated as CloudWatch does).
   * @throws ApiError ValidationError for malformed queries or unsupported expressions and statistics.
   */
  getMetricData(input: JsonObject): JsonObject {
    const queries = optList(input, 'MetricDataQueries', 'ValidationError');
    if (!queries) throw validation(nullMemberMessage('MetricDataQueries'));
    if (queries.length === 0 || queries.length > 500) {
      throw validation(
        'The collection MetricDataQueries must not be empty and must not contain more than 500 items.',
      );
    }
    const start = readTimestamp(input.StartTime, 'StartTime');
    const end = readTimestamp(input.EndTime, 'EndTime');
    if (!start) throw validation(nullMemberMessage('StartTime'));
    if (!end) throw validation(nullMemberMessage('EndTime'));
    if (start.getTime() >= end.getTime()) {
      throw validation('The parameter StartTime must be less than the parameter EndTime.');
    }
    const scanBy = optString(input, 'ScanBy', 'ValidationError') ?? 'TimestampDescending';
    if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
      throw validation(
        constraint(
          scanBy,
          'ScanBy',
          'Member must satisfy enum value set: [TimestampDescending, TimestampAscending]',
        ),
      );
    }
    const maxDatapoints = optNumber(input, 'MaxDatapoints', 'ValidationError') ?? 100_800;
    const parsed = new Map<string, JsonObject>();
    queries.forEach((q, i) => {
      if (!isObject(q)) throw validation(`MetricDataQueries.member.${i + 1} must be a structure`);
      const id = optString(q, 'Id', 'ValidationError');
      if (!id) throw validation(nullMemberMessage(`MetricDataQueries.${i + 1}.member.id`));
      if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) {
        throw validation(
          `The value ${id} for parameter MetricDataQueries.member.${i + 1}.Id is invalid: it must start with a lowercase letter and contain only letters, numbers and underscores.`,
        );
      }
      if (parsed.has(id))
        throw validation('The values for parameter id in MetricDataQueries are not unique.');
      const hasStat = q.MetricStat !== undefined && q.MetricStat !== null;
      const hasExpr = typeof q.Expression === 'string';
      if (hasStat === hasExpr) {
        throw validation(
          `The parameter MetricDataQueries.member.${i + 1} must specify exactly one of MetricStat and Expression.`,
        );
      }
      parsed.set(id, q);
    });
    const nowMs = this.clock.now().getTime();
    const evaluated = new Map<string, Points>();
    const evaluating = new Set<string>();
    const evaluate = (id: string): Points => {
      const done = evaluated.get(id);
      if (done) return done;
      const q = parsed.get(id);
      if (!q) throw validation(`Error in expression: Unrecognized metric identifier ${id}`);
      if (evaluating.has(id)) throw validation(`Error in expression ${id}: circular dependency`);
      evaluating.add(id);
      const points = isObject(q.MetricStat)
        ? this.statPoints(q.MetricStat, start.getTime(), end.getTime(), nowMs)
        : evaluateExpression(String(q.Expression), evaluate);
      evaluating.delete(id);
      evaluated.set(id, points);
      return points;
    };
    let budget = maxDatapoints;
    const results: JsonObject[] = [];
    for (const [id, q] of parsed) {
      const points = evaluate(id);
      if (q.ReturnData === false) continue;
      let entries = [...points.entries()].sort(([a], [b]) => a - b);
      if (scanBy === 'TimestampDescending') entries.reverse();
      let status = 'Complete';
      if (entries.length > budget) {
        entries = entries.slice(0, Math.max(0, budget));
        status = 'PartialData';
      }
      budget -= entries.length;
      const stat = isObject(q.MetricStat) ? q.MetricStat : undefined;
      const metric = stat && isObject(stat.Metric) ? stat.Metric : undefined;
      const label =
        typeof q.Label === 'string'
          ? q.Label
          : typeof metric?.MetricName === 'string'
            ? metric.MetricName
            : id;
      results.push({
        Id: id,
        Label: label,
        Timestamps: entries.map(([t]) => t / 1000),
        Values: entries.map(([, v]) => v),
        StatusCode: status,
        Messages: [],
      });
    }
    return { MetricDataResults: results, Messages: [] };
  }

  /**
   * Aggregates one MetricStat over [start, end) into period buckets that start at StartTime rounded down to the
   * minute (as CloudWatch aligns datapoints to the start time); each bucket is labelled with its start.
   */
  private statPoints(metricStat: JsonObject, startMs: number, endMs: number, nowMs: number): Points {
    const metric = optObject(metricStat, 'Metric', 'ValidationError');
    if (!metric) throw validation(nullMemberMessage('Metric'));
    const namespace = optString(metric, 'Namespace', 'ValidationError');
    const metricName = optString(metric, 'MetricName', 'ValidationError');
    if (!namespace) throw validation(nullMemberMessage('Namespace'));
    if (!metricName) throw validation(nullMemberMessage('MetricName'));
    const period = optNumber(metricStat, 'Period', 'ValidationError');
    if (period === undefined) throw validation(nullMemberMessage('Period'));
    checkPeriod(period);
    const stat = optString(metricStat, 'Stat', 'ValidationError');
    if (!stat) throw validation(nullMemberMessage('Stat'));
    checkStatistic(stat);
    const unit = readUnit(metricStat, 'Unit');
    const points: Points = new Map();
    const key = seriesKey(namespace, metricName, readDimensions(metric.Dimensions, 'Dimensions'));
    if (!this.hasData(key)) return points;
    // Standard-resolution data has nothing under a minute: only high-resolution stored datapoints do.
    if (period < 60 && !this.stored.get(key)?.points.some((p) => p.highResolution)) return points;
    const periodMs = period * 1000;
    for (let bucket = Math.floor(startMs / MINUTE) * MINUTE; bucket < endMs; bucket += periodMs) {
      const age = nowMs - bucket;
      // CloudWatch retention: 1-minute data for 15 days, 5-minute for 63 days, 1-hour for 455 days.
      if (age > 455 * 86_400_000) continue;
      if (age > 63 * 86_400_000 && period < 3600) continue;
      if (age > 15 * 86_400_000 && period < 300) continue;
      const sample = this.sampleOf(key, bucket, Math.min(bucket + periodMs, endMs), nowMs, periodMs, unit);
      const value = statisticOf(sample, stat);
      if (value !== undefined) points.set(bucket, value);
    }
    return points;
  }

  /** The page of alarms DescribeAlarms answers. */
  describeAlarms(input: JsonObject): JsonObject {
    const names = optStringList(input, 'AlarmNames', 'ValidationError');
    const prefix = optString(input, 'AlarmNamePrefix', 'ValidationError');
    if (names && names.length > 0 && prefix !== undefined) {
      throw cwError(
        'InvalidParameterCombination',
        'The parameters AlarmNames and AlarmNamePrefix are mutually exclusive and you have specified both.',
      );
    }
    if (names && names.length > 100)
      throw validation(constraint('…', 'AlarmNames', 'Member must have length less than or equal to 100'));
    const stateValue = optString(input, 'StateValue', 'ValidationError');
    if (stateValue !== undefined && !STATE_VALUES.includes(stateValue as AlarmStateValue)) {
      throw validation(
        constraint(
          stateValue,
          'StateValue',
          'Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]',
        ),
      );
    }
    const actionPrefix = optString(input, 'ActionPrefix', 'ValidationError');
    const types = optStringList(input, 'AlarmTypes', 'ValidationError');
    const maxRecords = optNumber(input, 'MaxRecords', 'ValidationError') ?? 50;
    if (maxRecords < 1 || maxRecords > 100) {
      throw validation(constraint(maxRecords, 'MaxRecords', 'Member must have value between 1 and 100'));
    }
    const wantMetric = !types || types.length === 0 || types.includes('MetricAlarm');
    const wantComposite = types?.includes('CompositeAlarm') ?? false;
    type Listed = { composite: boolean; alarm: MetricAlarmRecord | CompositeAlarmRecord };
    let alarms: Listed[] = [
      ...(wantMetric ? [...this.alarms.values()].map((alarm) => ({ composite: false, alarm })) : []),
      ...(wantComposite ? [...this.composites.values()].map((alarm) => ({ composite: true, alarm })) : []),
    ];
    if (names && names.length > 0) alarms = alarms.filter((a) => names.includes(a.alarm.AlarmName));
    if (prefix !== undefined) alarms = alarms.filter((a) => a.alarm.AlarmName.startsWith(prefix));
    if (stateValue) alarms = alarms.filter((a) => a.alarm.StateValue === stateValue);
    if (actionPrefix) {
      alarms = alarms.filter(({ alarm: a }) =>
        [...a.AlarmActions, ...a.OKActions, ...a.InsufficientDataActions].some((x) =>
          x.startsWith(actionPrefix),
        ),
      );
    }
    // Metric alarms first, then composite alarms, each by name.
    alarms.sort((a, b) =>
      a.composite !== b.composite
        ? a.composite
          ? 1
          : -1
        : a.alarm.AlarmName < b.alarm.AlarmName
          ? -1
          : a.alarm.AlarmName > b.alarm.AlarmName
            ? 1
            : 0,
    );
    const salt = `alarms|${names?.join(',') ?? ''}|${prefix ?? ''}|${stateValue ?? ''}|${actionPrefix ?? ''}|${wantMetric}|${wantComposite}`;
    const token = optString(input, 'NextToken', 'ValidationError');
    const offset = token === undefined ? 0 : decodeToken(token, salt);
    if (offset === undefined) throw cwError('InvalidNextToken', 'The service cannot process the NextToken.');
    const page = alarms.slice(offset, offset + maxRecords);
    const out: JsonObject = {
      MetricAlarms: page.filter((a) => !a.composite).map((a) => alarmOutput(a.alarm)),
      CompositeAlarms: page.filter((a) => a.composite).map((a) => alarmOutput(a.alarm)),
    };
    if (offset + maxRecords < alarms.length) out.NextToken = encodeToken(offset + maxRecords, salt);
    return out;
  }

  /** The page of metrics ListMetrics answers. */
  listMetrics(input: JsonObject): JsonObject {
    const namespace = optString(input, 'Namespace', 'ValidationError');
    const metricName = optString(input, 'MetricName', 'ValidationError');
    const filters = (optList(input, 'Dimensions', 'ValidationError') ?? []).map((f, i) => {
      if (!isObject(f) || typeof f.Name !== 'string')
        throw validation(nullMemberMessage(`Dimensions.member.${i + 1}.Name`));
      return { Name: f.Name, Value: typeof f.Value === 'string' ? f.Value : undefined };
    });
    if (filters.length > 10)
      throw validation(constraint('…', 'Dimensions', 'Member must have length less than or equal to 10'));
    const matches = this.listedMetrics().filter(
      (s) =>
        (namespace === undefined || s.namespace === namespace) &&
        (metricName === undefined || s.metricName === metricName) &&
        filters.every((f) =>
          s.dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value)),
        ),
    );
    const salt = `metrics|${namespace ?? ''}|${metricName ?? ''}|${dimKey(filters.map((f) => ({ Name: f.Name, Value: f.Value ?? '*' })))}`;
    const token = optString(input, 'NextToken', 'ValidationError');
    const offset = token === undefined ? 0 : decodeToken(token, salt);
    if (offset === undefined) throw cwError('InvalidNextToken', 'The service cannot process the NextToken.');
    const page = matches.slice(offset, offset + 500);
    const out: JsonObject = {
      Metrics: page.map((s) => ({
        Namespace: s.namespace,
        MetricName: s.metricName,
        Dimensions: s.dimensions,
      })),
    };
    if (offset + 500 < matches.length) out.NextToken = encodeToken(offset + 500, salt);
    return out;
  }

  /** Every metric with data (synthesized series, gauges, stored datapoints), sorted by key, each once. */
  private listedMetrics(): { namespace: string; metricName: string; dimensions: Dimension[] }[] {
    const all = new Map<string, { namespace: string; metricName: string; dimensions: Dimension[] }>();
    for (const [key, s] of this.series) all.set(key, s);
    for (const [key, s] of this.gauges) all.set(key, s);
    for (const [key, s] of this.stored) if (s.points.length > 0) all.set(key, s);
    return [...all.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
  }

  /** Tags of an alarm by ARN. @throws ApiError ResourceNotFoundException for an unknown alarm. */
  alarmTags(arn: string): CloudWatchTag[] {
    this.alarmByArn(arn);
    return [...(this.tags.get(arn) ?? [])];
  }

  /** Adds or overwrites tags of an alarm. */
  tagAlarm(arn: string, tags: CloudWatchTag[]): void {
    this.alarmByArn(arn);
    const current = new Map((this.tags.get(arn) ?? []).map((t) => [t.Key, t.Value]));
    for (const tag of tags) current.set(tag.Key, tag.Value);
    if (current.size > 50)
      throw cwError('LimitExceededException', 'The maximum number of tags (50) was exceeded.');
    this.tags.set(
      arn,
      [...current].map(([Key, Value]) => ({ Key, Value })),
    );
  }

  /** Removes tags of an alarm by key. */
  untagAlarm(arn: string, keys: string[]): void {
    this.alarmByArn(arn);
    this.tags.set(
      arn,
      (this.tags.get(arn) ?? []).filter((t) => !keys.includes(t.Key)),
    );
  }

  private alarmByArn(arn: string): MetricAlarmRecord | CompositeAlarmRecord {
    const prefix = `arn:aws:cloudwatch:${this.region}:${this.accountId}:alarm:`;
    const name = arn.startsWith(prefix) ? arn.slice(prefix.length) : undefined;
    const alarm = name === undefined ? undefined : (this.alarms.get(name) ?? this.composites.get(name));
    if (!alarm) {
      throw cwError('ResourceNotFoundException', 'The specified resource does not exist.', 404, {
        ResourceType: 'alarm',
        ResourceId: arn,
      });
    }
    return alarm;
  }
}

type Points = Map<number, number>;

// ---- composite alarm rules ----

const RULE_STATES: readonly AlarmStateValue[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];

/** A parsed AlarmRule. */
export type AlarmRuleNode =
  | { kind: 'const'; value: boolean }
  | { kind: 'state'; state: AlarmStateValue; name: string }
  | { kind: 'not'; operand: AlarmRuleNode }
  | { kind: 'and' | 'or'; operands: AlarmRuleNode[] }
  | {
      kind: 'at-least';
      count: number;
      percent: boolean;
      negate: boolean;
      state: AlarmStateValue;
      names: string[];
    };

/** A name as a rule writes it (bare, quoted, or an alarm ARN) → the alarm name. */
function ruleAlarmName(token: string): string {
  const bare = token.startsWith('"') ? token.slice(1, -1).replace(/\\(.)/g, '$1') : token;
  return /^arn:[^:]+:cloudwatch:[^:]*:[^:]*:alarm:(.+)$/.exec(bare)?.[1] ?? bare;
}

/** Parses a composite alarm's AlarmRule; undefined when it is not valid. */
export function parseAlarmRule(rule: string): AlarmRuleNode | undefined {
  const tokens = rule.match(/"(?:[^"\\]|\\.)*"|[(),]|[^\s(),"]+/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const take = (expected?: string) => {
    const token = tokens[i];
    if (token === undefined || (expected !== undefined && token.toUpperCase() !== expected))
      throw new Error('syntax');
    i++;
    return token;
  };
  const name = () => {
    const token = take();
    if (token === '(' || token === ')' || token === ',') throw new Error('syntax');
    return ruleAlarmName(token);
  };
  const factor = (): AlarmRuleNode => {
    const token = take();
    const upper = token.toUpperCase();
    if (token === '(') {
      const inner = expression();
      take(')');
      return inner;
    }
    if (upper === 'NOT') return { kind: 'not', operand: factor() };
    if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'const', value: upper === 'TRUE' };
    if (RULE_STATES.includes(upper as AlarmStateValue)) {
      take('(');
      const alarm = name();
      take(')');
      return { kind: 'state', state: upper as AlarmStateValue, name: alarm };
    }
    if (upper === 'AT_LEAST') {
      take('(');
      const threshold = /^(\d+(?:\.\d+)?)(%?)$/.exec(take());
      if (!threshold) throw new Error('syntax');
      take(',');
      let state = take().toUpperCase();
      const negate = state === 'NOT';
      if (negate) state = take().toUpperCase();
      if (!RULE_STATES.includes(state as AlarmStateValue)) throw new Error('syntax');
      take(',');
      take('(');
      const names = [name()];
      while (peek() === ',') {
        take(',');
        names.push(name());
      }
      take(')');
      take(')');
      return {
        kind: 'at-least',
        count: Number(threshold[1]),
        percent: threshold[2] === '%',
        negate,
        state: state as AlarmStateValue,
        names,
      };
    }
    throw new Error('syntax');
  };
  const chain = (kind: 'and' | 'or', operand: () => AlarmRuleNode): AlarmRuleNode => {
    const operands = [operand()];
    while (peek()?.toUpperCase() === kind.toUpperCase()) {
      take();
      operands.push(operand());
    }
    return operands.length === 1 ? (operands[0] as AlarmRuleNode) : { kind, operands };
  };
  const expression = (): AlarmRuleNode => chain('or', () => chain('and', factor));
  try {
    const node = expression();
    return i === tokens.length ? node : undefined;
  } catch {
    return undefined;
  }
}

/** True when the rule holds, given each alarm's state (an alarm that does not exist is in no state). */
export function evaluateAlarmRule(
  node: AlarmRuleNode,
  stateOf: (name: string) => AlarmStateValue | undefined,
): boolean {
  switch (node.kind) {
    case 'const':
      return node.value;
    case 'state':
      return stateOf(node.name) === node.state;
    case 'not':
      return !evaluateAlarmRule(node.operand, stateOf);
    case 'and':
      return node.operands.every((o) => evaluateAlarmRule(o, stateOf));
    case 'or':
      return node.operands.some((o) => evaluateAlarmRule(o, stateOf));
    case 'at-least': {
      const matching = node.names.filter((n) => (stateOf(n) === node.state) !== node.negate).length;
      return node.percent ? matching * 100 >= node.count * node.names.length : matching >= node.count;
    }
  }
}

function constraint(value: unknown, member: string, rule: string): string {
  const camel = member.charAt(0).toLowerCase() + member.slice(1);
  return `1 validation error detected: Value '${String(value)}' at '${camel}' failed to satisfy constraint: ${rule}`;
}

function readDimensions(value: unknown, member: string): Dimension[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw validation(`${member} must be a list`);
  return value.map((d, i) => {
    if (!isObject(d) || typeof d.Name !== 'string' || typeof d.Value !== 'string') {
      throw validation(nullMemberMessage(`${member}.member.${i + 1}.Value`));
    }
    return { Name: d.Name, Value: d.Value };
  });
}

function readTags(value: unknown): CloudWatchTag[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw validation('Tags must be a list');
  return value.map((t, i) => {
    if (!isObject(t) || typeof t.Key !== 'string' || typeof t.Value !== 'string') {
      throw validation(nullMemberMessage(`Tags.member.${i + 1}.Key`));
    }
    if (t.Key.startsWith('aws:'))
      throw cwError('InvalidParameterValue', 'Tag keys starting with aws: are reserved.');
    return { Key: t.Key, Value: t.Value };
  });
}

function alarmOutput(alarm: MetricAlarmRecord | CompositeAlarmRecord): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(alarm)) if (v !== undefined) out[k] = v;
  return out;
}

/** @throws ApiError ValidationError for a statistic the local cloud does not compute. */
function checkStatistic(stat: string): void {
  if (isSupportedStatistic(stat)) return;
  throw validation(
    `The statistic ${stat.slice(0, 64)} is not supported by the local cloud (supported: Average, Sum, Minimum, Maximum, SampleCount, pNN).`,
  );
}

/** @throws ApiError ValidationError unless the period is 1, 5, 10, 20, 30 or a multiple of 60 seconds. */
function checkPeriod(period: number): void {
  if (
    !Number.isInteger(period) ||
    period < 1 ||
    (period >= 60 ? period % 60 !== 0 : ![1, 5, 10, 20, 30].includes(period))
  ) {
    throw validation('The parameter Period must be 1, 5, 10, 20, 30, or a multiple of 60.');
  }
}

/** Reads an optional `Unit` member. @throws ApiError ValidationError for a unit CloudWatch does not know. */
function readUnit(input: JsonObject, member: string): string | undefined {
  const unit = optString(input, member, 'ValidationError');
  if (unit !== undefined && !CLOUDWATCH_UNITS.has(unit))
    throw validation(
      constraint(
        unit.slice(0, 64),
        member,
        `Member must satisfy enum value set: [${[...CLOUDWATCH_UNITS].join(', ')}]`,
      ),
    );
  return unit;
}

/** The first index whose datapoint is at or after `at` (points sorted by time). */
function lowerBound(points: readonly StoredDatapoint[], at: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((points[mid] as StoredDatapoint).at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index whose datapoint is after `at` (where a new datapoint at `at` goes, after equal ones). */
function upperBound(points: readonly StoredDatapoint[], at: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((points[mid] as StoredDatapoint).at <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** CloudWatch's largest accepted value magnitude (2^360). */
const MAX_MAGNITUDE = 2 ** 360;

/**
 * Reads one PutMetricData datum (`member` names it in errors) into the datapoint to store: a Value, Values with
 * Counts, or StatisticValues; Timestamp (default now) within two weeks back and two hours ahead of `nowMs`.
 * @throws ApiError as CloudWatch answers a bad datum.
 */
function readMetricDatum(
  datum: unknown,
  member: string,
  nowMs: number,
): { metricName: string; dimensions: Dimension[]; point: StoredDatapoint } {
  if (!isObject(datum)) throw validation(`${member} must be a structure`);
  const metricName = optString(datum, 'MetricName', 'ValidationError');
  if (!metricName) throw cwError('MissingParameter', `The parameter ${member}.MetricName is required.`);
  if (metricName.length > 255)
    throw validation(
      constraint('…', `${member}.MetricName`, 'Member must have length less than or equal to 255'),
    );
  const dimensions = readDimensions(datum.Dimensions, `${member}.Dimensions`);
  if (dimensions.length > 30)
    throw validation(
      constraint('…', `${member}.Dimensions`, 'Member must have length less than or equal to 30'),
    );
  dimensions.forEach((d, i) => {
    if (d.Name.length === 0 || d.Name.length > 255 || d.Value.length === 0 || d.Value.length > 1024)
      throw cwError(
        'InvalidParameterValue',
        `The value for parameter ${member}.Dimensions.member.${i + 1} is invalid: names are 1 to 255 characters, values 1 to 1024.`,
      );
  });
  if (new Set(dimensions.map((d) => d.Name)).size !== dimensions.length)
    throw cwError(
      'InvalidParameterValue',
      `The parameter ${member}.Dimensions has duplicate dimension names.`,
    );
  const timestamp = readTimestamp(datum.Timestamp, `${member}.Timestamp`)?.getTime() ?? nowMs;
  if (timestamp < nowMs - OLDEST_ACCEPTED_MS)
    throw cwError(
      'InvalidParameterValue',
      `The parameter ${member}.Timestamp must specify a time no more than two weeks in the past.`,
    );
  if (timestamp > nowMs + NEWEST_ACCEPTED_MS)
    throw cwError(
      'InvalidParameterValue',
      `The parameter ${member}.Timestamp must specify a time no more than two hours in the future.`,
    );
  const unit = readUnit(datum, 'Unit');
  const resolution = optNumber(datum, 'StorageResolution', 'ValidationError');
  if (resolution !== undefined && resolution !== 1 && resolution !== 60)
    throw cwError(
      'InvalidParameterValue',
      `The value ${resolution} for parameter ${member}.StorageResolution is invalid. Valid values are 1 and 60.`,
    );
  const number = (value: unknown, name: string): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > MAX_MAGNITUDE)
      throw cwError(
        'InvalidParameterValue',
        `The value ${String(value).slice(0, 32)} for parameter ${name} is invalid.`,
      );
    return value;
  };
  const present = (name: string) => datum[name] !== undefined && datum[name] !== null;
  const given = ['Value', 'Values', 'StatisticValues'].filter(present);
  if (given.length > 1)
    throw cwError(
      'InvalidParameterCombination',
      `The parameters ${given.map((g) => `${member}.${g}`).join(' and ')} are mutually exclusive and you have specified both.`,
    );
  const options = { ...(unit !== undefined ? { unit } : {}), highResolution: resolution === 1 };
  let point: StoredDatapoint;
  if (present('StatisticValues')) {
    const stats = optObject(datum, 'StatisticValues', 'ValidationError') as JsonObject;
    const sampleCount = number(stats.SampleCount, `${member}.StatisticValues.SampleCount`);
    const sum = number(stats.Sum, `${member}.StatisticValues.Sum`);
    const min = number(stats.Minimum, `${member}.StatisticValues.Minimum`);
    const max = number(stats.Maximum, `${member}.StatisticValues.Maximum`);
    if (sampleCount <= 0 || min > max)
      throw cwError(
        'InvalidParameterValue',
        `The parameter ${member}.StatisticValues must have a SampleCount above 0 and a Minimum not above the Maximum.`,
      );
    point = { at: timestamp, sampleCount, sum, min, max, ...options };
  } else if (present('Values')) {
    const values = (optList(datum, 'Values', 'ValidationError') ?? []).map((v, i) =>
      number(v, `${member}.Values.member.${i + 1}`),
    );
    const counts = optList(datum, 'Counts', 'ValidationError')?.map((c, i) =>
      number(c, `${member}.Counts.member.${i + 1}`),
    );
    if (values.length === 0 || values.length > 150)
      throw cwError('InvalidParameterValue', `The parameter ${member}.Values must have 1 to 150 values.`);
    if (counts && (counts.length !== values.length || counts.some((c) => c < 0)))
      throw cwError(
        'InvalidParameterValue',
        `The parameters ${member}.Values and ${member}.Counts must be of the same size, with counts not below 0.`,
      );
    point = datapointOf(timestamp, values, { ...options, ...(counts ? { counts } : {}) });
  } else if (present('Value')) {
    point = datapointOf(timestamp, [number(datum.Value, `${member}.Value`)], options);
  } else {
    throw cwError('MissingParameter', `The parameter ${member}.Value is required.`);
  }
  return { metricName, dimensions, point };
}

// ---- metric math: + - * / on series and numbers, parentheses, ABS(x), and SUM/AVG/MIN/MAX([a, b, …]) ----

type MathValue = { kind: 'scalar'; value: number } | { kind: 'series'; points: Points };

function evaluateExpression(expression: string, lookup: (id: string) => Points): Points {
  const tokens = expression.match(
    /\s*(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z0-9_]*|[-+*/()[\],])\s*/g,
  );
  const unsupported = () =>
    validation(
      `Unsupported metric math expression "${expression}": the local cloud supports + - * /, parentheses, numbers, query ids, ABS(x) and SUM/AVG/MIN/MAX([…]).`,
    );
  if (!tokens || tokens.join('').length !== expression.length) throw unsupported();
  const list = tokens.map((t) => t.trim());
  let pos = 0;
  const peek = () => list[pos];
  const take = (expected?: string) => {
    const t = list[pos++];
    if (t === undefined || (expected !== undefined && t !== expected)) throw unsupported();
    return t;
  };
  const combine = (a: MathValue, b: MathValue, op: (x: number, y: number) => number): MathValue => {
    if (a.kind === 'scalar' && b.kind === 'scalar') return { kind: 'scalar', value: op(a.value, b.value) };
    const out: Points = new Map();
    if (a.kind === 'series' && b.kind === 'series') {
      for (const [t, x] of a.points) {
        const y = b.points.get(t);
        if (y !== undefined) out.set(t, op(x, y));
      }
    } else if (a.kind === 'series' && b.kind === 'scalar') {
      for (const [t, x] of a.points) out.set(t, op(x, b.value));
    } else if (a.kind === 'scalar' && b.kind === 'series') {
      for (const [t, y] of b.points) out.set(t, op(a.value, y));
    }
    return { kind: 'series', points: out };
  };
  const primary = (): MathValue => {
    const t = take();
    if (t === '(') {
      const v = sum();
      take(')');
      return v;
    }
    if (t === '-') return combine({ kind: 'scalar', value: 0 }, primary(), (x, y) => x - y);
    if (/^\d/.test(t)) return { kind: 'scalar', value: Number(t) };
    if (/^[A-Z]+$/.test(t) && peek() === '(') {
      take('(');
      if (t === 'ABS') {
        const v = sum();
        take(')');
        return combine(v, { kind: 'scalar', value: 0 }, (x) => Math.abs(x));
      }
      const reducer = { SUM: 'sum', AVG: 'avg', MIN: 'min', MAX: 'max' }[t];
      if (!reducer || peek() !== '[') throw unsupported();
      take('[');
      const items: MathValue[] = [sum()];
      while (peek() === ',') {
        take(',');
        items.push(sum());
      }
      take(']');
      take(')');
      const timestamps = new Set<number>();
      for (const item of items)
        if (item.kind === 'series') for (const ts of item.points.keys()) timestamps.add(ts);
      const out: Points = new Map();
      for (const ts of timestamps) {
        const values = items
          .map((item) => (item.kind === 'scalar' ? item.value : item.points.get(ts)))
          .filter((v): v is number => v !== undefined);
        const total = values.reduce((a, b) => a + b, 0);
        out.set(
          ts,
          reducer === 'sum'
            ? total
            : reducer === 'avg'
              ? total / values.length
              : reducer === 'min'
                ? Math.min(...values)
                : Math.max(...values),
        );
      }
      return { kind: 'series', points: out };
    }
    if (/^[a-z][A-Za-z0-9_]*$/.test(t)) return { kind: 'series', points: lookup(t) };
    throw unsupported();
  };
  const product = (): MathValue => {
    let v = primary();
    while (peek() === '*' || peek() === '/') {
      const op = take();
      const rhs = primary();
      v = combine(v, rhs, op === '*' ? (x, y) => x * y : (x, y) => x / y);
    }
    return v;
  };
  const sum = (): MathValue => {
    let v = product();
    while (peek() === '+' || peek() === '-') {
      const op = take();
      const rhs = product();
      v = combine(v, rhs, op === '+' ? (x, y) => x + y : (x, y) => x - y);
    }
    return v;
  };
  const result = sum();
  if (pos !== list.length) throw unsupported();
  if (result.kind === 'scalar') throw unsupported();
  const finite: Points = new Map();
  for (const [t, v] of result.points) if (Number.isFinite(v)) finite.set(t, v);
  return finite;
}

// ---- the emulator ----

const TARGET_PREFIX = 'GraniteServiceVersion20100801';
const NAMESPACE = 'com.amazonaws.cloudwatch';

function errorResponse(error: ApiError): LocalResponse {
  return jsonError(error, {
    version: '1.0',
    namespace: NAMESPACE,
    queryCompatible: true,
    shapeName: SHAPE_OF_CODE[error.code] ?? error.code,
  });
}

function handleOperation(operation: string, input: JsonObject, ctx: ServiceContext): JsonObject {
  const state = ctx.world.cloudwatch;
  switch (operation) {
    case 'GetMetricData':
      return state.getMetricData(input);
    case 'GetMetricStatistics':
      return state.getMetricStatistics(input);
    case 'PutMetricData':
      state.putMetricData(input);
      return {};
    case 'ListMetrics':
      return state.listMetrics(input);
    case 'PutMetricAlarm': {
      const alarm = state.putAlarm(input);
      state.reevaluate([alarm.AlarmName]);
      return {};
    }
    case 'PutCompositeAlarm':
      state.putCompositeAlarm(input);
      return {};
    case 'DescribeAlarms':
      return state.describeAlarms(input);
    case 'DeleteAlarms': {
      const names = optStringList(input, 'AlarmNames', 'ValidationError');
      if (!names) throw validation(nullMemberMessage('AlarmNames'));
      if (names.length > 100)
        throw validation(constraint('…', 'AlarmNames', 'Member must have length less than or equal to 100'));
      state.deleteAlarms(names);
      return {};
    }
    case 'SetAlarmState': {
      const name = optString(input, 'AlarmName', 'ValidationError');
      if (!name) throw validation(nullMemberMessage('AlarmName'));
      const value = optString(input, 'StateValue', 'ValidationError');
      if (!value) throw validation(nullMemberMessage('StateValue'));
      if (!STATE_VALUES.includes(value as AlarmStateValue)) {
        throw validation(
          constraint(
            value,
            'StateValue',
            'Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]',
          ),
        );
      }
      const reason = optString(input, 'StateReason', 'ValidationError');
      if (reason === undefined) throw validation(nullMemberMessage('StateReason'));
      const reasonData = optString(input, 'StateReasonData', 'ValidationError');
      if (reasonData !== undefined) {
        try {
          JSON.parse(reasonData);
        } catch {
          throw cwError('InvalidFormat', 'StateReasonData is not valid JSON.');
        }
      }
      state.setAlarmState(name, value as AlarmStateValue, reason, reasonData);
      return {};
    }
    case 'ListTagsForResource': {
      const arn = optString(input, 'ResourceARN', 'ValidationError');
      if (!arn) throw validation(nullMemberMessage('ResourceARN'));
      return { Tags: state.alarmTags(arn) };
    }
    case 'TagResource': {
      const arn = optString(input, 'ResourceARN', 'ValidationError');
      if (!arn) throw validation(nullMemberMessage('ResourceARN'));
      const tags = readTags(input.Tags);
      state.tagAlarm(arn, tags);
      return {};
    }
    case 'UntagResource': {
      const arn = optString(input, 'ResourceARN', 'ValidationError');
      if (!arn) throw validation(nullMemberMessage('ResourceARN'));
      state.untagAlarm(arn, optStringList(input, 'TagKeys', 'ValidationError') ?? []);
      return {};
    }
    case 'EnableAlarmActions':
    case 'DisableAlarmActions': {
      for (const name of optStringList(input, 'AlarmNames', 'ValidationError') ?? []) {
        const alarm = state.alarms.get(name) ?? state.composites.get(name);
        if (alarm) alarm.ActionsEnabled = operation === 'EnableAlarmActions';
      }
      return {};
    }
    default:
      throw cwError('InvalidAction', `The action ${operation} is not valid for this web service.`);
  }
}

/** The request with its body gunzipped when it came compressed (the SDK gzips large PutMetricData bodies). */
function decompressed(req: LocalRequest): LocalRequest {
  const header = req.headers['content-encoding'];
  const encoding = (Array.isArray(header) ? header.join(',') : (header ?? '')).toLowerCase();
  if (!encoding.includes('gzip')) return req;
  try {
    return { ...req, body: gunzipSync(req.body, { maxOutputLength: 16 * 1_048_576 }) };
  } catch {
    throw cwError('InvalidParameterValue', 'The request body is not valid gzip.');
  }
}

/** CloudWatch on awsJson1_0 (query-compatible errors). */
export const cloudwatchEmulator: ServiceEmulator = {
  signingNames: ['monitoring'],
  operation: (req: LocalRequest) => jsonTarget(req, TARGET_PREFIX),
  handle(operation, req, ctx) {
    try {
      ctx.world.cloudwatch.attachSns(ctx.world.sns);
      if (!jsonTarget(req, TARGET_PREFIX)) {
        throw cwError(
          'InvalidAction',
          'Missing or unknown X-Amz-Target; the local cloud speaks the JSON protocol.',
        );
      }
      return jsonResponse(handleOperation(operation, parseJsonBody(decompressed(req)), ctx), '1.0');
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error);
      throw error;
    }
  },
  throttled: () => errorResponse(cwError('Throttling', 'Rate exceeded')),
  failure: (_operation, message) => errorResponse(cwError('InternalServiceError', message, 500)),
};
