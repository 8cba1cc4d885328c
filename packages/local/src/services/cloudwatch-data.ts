/**
 * The parts of the emulated CloudWatch that deal with stored (not synthesized) metric data, as pure functions:
 * datapoints and their aggregation into statistics, the Embedded Metric Format (EMF) as CloudWatch Logs extracts it,
 * and the evaluation of a metric alarm over its evaluation range (thresholds, M out of N, missing data), with
 * CloudWatch's reason texts. `cloudwatch.ts` stores the data and applies the decisions.
 */

/** A metric dimension (name and value). */
export interface MetricDimension {
  Name: string;
  Value: string;
}

/** The units CloudWatch accepts (PutMetricData's `StandardUnit`, EMF's `Unit`). */
export const CLOUDWATCH_UNITS: ReadonlySet<string> = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

/**
 * One stored datapoint: what PutMetricData, an EMF line or an emulated service published at `at` (epoch ms). A single
 * value, a set of values with counts, or a statistic set (no distribution: percentiles are then unknown).
 */
export interface StoredDatapoint {
  at: number;
  sampleCount: number;
  sum: number;
  min: number;
  max: number;
  /** The distinct values and how often each was seen (absent for a statistic set). */
  values?: number[];
  counts?: number[];
  unit?: string;
  /** StorageResolution 1: visible to periods under a minute too. */
  highResolution?: boolean;
}

/** Makes the datapoint of a list of values (each seen `counts[i]` times, default once). */
export function datapointOf(
  at: number,
  values: readonly number[],
  options: { counts?: readonly number[]; unit?: string; highResolution?: boolean } = {},
): StoredDatapoint {
  const counts = values.map((_, i) => options.counts?.[i] ?? 1);
  let sampleCount = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  values.forEach((v, i) => {
    const c = counts[i] as number;
    if (c <= 0) return;
    sampleCount += c;
    sum += v * c;
    if (v < min) min = v;
    if (v > max) max = v;
  });
  return {
    at,
    sampleCount,
    sum,
    min,
    max,
    values: [...values],
    counts,
    ...(options.unit !== undefined ? { unit: options.unit } : {}),
    ...(options.highResolution ? { highResolution: true } : {}),
  };
}

/** Everything known of one period's data: counts, sum, extremes, and the distribution when every source had one. */
export interface Sample {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** [value, count] pairs, for percentiles; undefined once a statistic set (no distribution) was added. */
  distribution: [number, number][] | undefined;
  /** The unit of the first datapoint that had one. */
  unit?: string;
}

export function emptySample(): Sample {
  return {
    count: 0,
    sum: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    distribution: [],
  };
}

/** Adds one observed value to a sample. */
export function addValue(sample: Sample, value: number): void {
  sample.count++;
  sample.sum += value;
  if (value < sample.min) sample.min = value;
  if (value > sample.max) sample.max = value;
  sample.distribution?.push([value, 1]);
}

/** Adds a stored datapoint to a sample. */
export function addDatapoint(sample: Sample, point: StoredDatapoint): void {
  if (point.sampleCount <= 0) return;
  sample.count += point.sampleCount;
  sample.sum += point.sum;
  if (point.min < sample.min) sample.min = point.min;
  if (point.max > sample.max) sample.max = point.max;
  if (point.unit !== undefined) sample.unit ??= point.unit;
  if (!sample.distribution) return;
  if (!point.values) {
    sample.distribution = undefined;
    return;
  }
  point.values.forEach((v, i) => {
    const c = point.counts?.[i] ?? 1;
    if (c > 0) sample.distribution?.push([v, c]);
  });
}

const PERCENTILE = /^p(\d{1,2}(?:\.\d{1,2})?|100)$/;

/** True for the statistics the local cloud computes: Average, Sum, Minimum, Maximum, SampleCount and pNN. */
export function isSupportedStatistic(stat: string): boolean {
  return ['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount'].includes(stat) || PERCENTILE.test(stat);
}

/** The value of a statistic over a sample; undefined when the sample is empty (or a percentile is unknown). */
export function statisticOf(sample: Sample, stat: string): number | undefined {
  if (sample.count === 0) return undefined;
  switch (stat) {
    case 'SampleCount':
      return sample.count;
    case 'Sum':
      return sample.sum;
    case 'Average':
      return sample.sum / sample.count;
    case 'Minimum':
      return sample.min;
    case 'Maximum':
      return sample.max;
  }
  const percentile = PERCENTILE.exec(stat);
  if (!percentile || !sample.distribution || sample.distribution.length === 0) return undefined;
  const sorted = [...sample.distribution].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((n, [, c]) => n + c, 0);
  const rank = Math.max(1, Math.ceil((Number(percentile[1]) / 100) * total));
  let seen = 0;
  for (const [value, count] of sorted) {
    seen += count;
    if (seen >= rank) return value;
  }
  return sorted[sorted.length - 1]?.[0];
}

// ---- Embedded Metric Format ----

/** One metric an EMF line publishes: a datapoint of one metric with one dimension set. */
export interface EmfMetric {
  namespace: string;
  metricName: string;
  /** In the order the dimension set names them. */
  dimensions: MetricDimension[];
  datapoint: StoredDatapoint;
}

/** EMF's bounds (CloudWatch's EMF specification). */
export const EMF_LIMITS = {
  /** MetricDefinitions in one directive. */
  metricsPerDirective: 100,
  /** Dimension keys in one dimension set. */
  dimensionsPerSet: 30,
  /** Values of one metric (an array value). */
  valuesPerMetric: 100,
  /** A log event's size (CloudWatch Logs): longer lines are not read. */
  eventBytes: 1_048_576,
} as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads one log line as CloudWatch Logs reads Embedded Metric Format: a JSON object whose `_aws` member has a
 * `Timestamp` (epoch ms) and `CloudWatchMetrics` directives; each directive publishes every metric it defines (the
 * value is the root member of that name: a number, or an array of up to 100 numbers) once per dimension set (the
 * dimension values are the root members the set names, strings). A line that is not JSON, not EMF, or breaks the
 * specification (a directive with more than 100 metrics, a dimension set over 30 keys or naming a missing or
 * non-string member, a bad unit or storage resolution) publishes nothing; a metric whose member is absent or not
 * numeric is skipped. Never throws.
 */
export function parseEmf(line: string): EmfMetric[] {
  const text = line.trim();
  if (!text.startsWith('{') || Buffer.byteLength(text) > EMF_LIMITS.eventBytes) return [];
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return [];
  }
  if (!isRecord(root) || !isRecord(root._aws)) return [];
  const { Timestamp: timestamp, CloudWatchMetrics: directives } = root._aws;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < 0) return [];
  if (!Array.isArray(directives)) return [];
  const out: EmfMetric[] = [];
  for (const directive of directives) {
    if (!isRecord(directive)) return [];
    const { Namespace: namespace, Dimensions: sets, Metrics: metrics } = directive;
    if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 255) return [];
    if (!Array.isArray(sets) || !Array.isArray(metrics)) return [];
    if (metrics.length > EMF_LIMITS.metricsPerDirective) return [];
    const dimensionSets: MetricDimension[][] = [];
    for (const set of sets.length === 0 ? [[]] : sets) {
      if (!Array.isArray(set) || set.length > EMF_LIMITS.dimensionsPerSet) return [];
      const dims: MetricDimension[] = [];
      for (const key of set) {
        if (typeof key !== 'string' || key.length === 0 || key.length > 255) return [];
        const value = root[key];
        if (typeof value !== 'string' || value.length === 0 || value.length > 1024) return [];
        dims.push({ Name: key, Value: value });
      }
      dimensionSets.push(dims);
    }
    for (const metric of metrics) {
      if (!isRecord(metric)) return [];
      const { Name: name, Unit: unit, StorageResolution: resolution } = metric;
      if (typeof name !== 'string' || name.length === 0 || name.length > 255) return [];
      if (unit !== undefined && (typeof unit !== 'string' || !CLOUDWATCH_UNITS.has(unit))) return [];
      if (resolution !== undefined && resolution !== 1 && resolution !== 60) return [];
      const raw = root[name];
      const values = typeof raw === 'number' ? [raw] : Array.isArray(raw) ? raw : undefined;
      if (
        !values ||
        values.length === 0 ||
        values.length > EMF_LIMITS.valuesPerMetric ||
        !values.every((v) => typeof v === 'number' && Number.isFinite(v))
      )
        continue;
      for (const dimensions of dimensionSets) {
        out.push({
          namespace,
          metricName: name,
          dimensions,
          datapoint: datapointOf(timestamp, values as number[], {
            ...(typeof unit === 'string' ? { unit } : {}),
            highResolution: resolution === 1,
          }),
        });
      }
    }
  }
  return out;
}

// ---- metric alarm evaluation ----

export type EvaluatedState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** The comparison operators an alarm is evaluated with (anomaly-detection bands are not evaluated). */
export const EVALUATED_COMPARISONS: Readonly<
  Record<string, { phrase: string; test: (v: number, t: number) => boolean }>
> = {
  GreaterThanOrEqualToThreshold: { phrase: 'greater than or equal to', test: (v, t) => v >= t },
  GreaterThanThreshold: { phrase: 'greater than', test: (v, t) => v > t },
  LessThanThreshold: { phrase: 'less than', test: (v, t) => v < t },
  LessThanOrEqualToThreshold: { phrase: 'less than or equal to', test: (v, t) => v <= t },
};

/** What evaluating an alarm needs: its settings, its current state, and one datapoint per period, oldest first. */
export interface AlarmEvaluationInput {
  comparison: string;
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  /** `missing` (CloudWatch's default), `ignore`, `breaching` or `notBreaching`. */
  treatMissingData: string | undefined;
  current: EvaluatedState;
  statistic: string;
  periodSeconds: number;
  unit?: string;
  /** When the evaluation happens (epoch ms). */
  nowMs: number;
  /** The evaluation range, oldest first: each period's start and its statistic (undefined: no data). */
  periods: { at: number; value: number | undefined; sampleCount?: number }[];
}

/** A state the alarm should be in, with CloudWatch's reason and reason data. */
export interface AlarmDecision {
  state: EvaluatedState;
  reason: string;
  reasonData: string;
}

/** CloudWatch's number style in reasons: Java's double (`1.0`, `0.5`). */
export function cloudwatchNumber(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** CloudWatch's datapoint time in reasons: `dd/MM/yy HH:mm:ss` (UTC). */
function reasonTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
}

/** CloudWatch's time in reason data: `2025-03-10T12:00:00.000+0000`. */
function reasonDataTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Decides the state of a metric alarm as CloudWatch does from its evaluation range: a period breaches when its
 * statistic compares with the threshold as the operator says; the alarm is ALARM when at least DatapointsToAlarm of
 * the EvaluationPeriods periods breach, OK otherwise. Missing periods follow TreatMissingData: `breaching` counts
 * them as breaching, `notBreaching` as not; `ignore` keeps the current state when there are fewer datapoints than
 * DatapointsToAlarm; `missing` (default) decides on the datapoints there are (ALARM when all of them breach), and is
 * INSUFFICIENT_DATA when every period is missing. (CloudWatch also looks a few periods further back when data is
 * missing; the local cloud does not.) Undefined: the state stays as it is (or the operator is not evaluated).
 */
export function evaluateMetricAlarm(input: AlarmEvaluationInput): AlarmDecision | undefined {
  const comparison = EVALUATED_COMPARISONS[input.comparison];
  if (!comparison) return undefined;
  const treat = input.treatMissingData ?? 'missing';
  const periods = input.periods;
  const present = periods.filter((p) => p.value !== undefined) as {
    at: number;
    value: number;
    sampleCount?: number;
  }[];
  const missing = periods.length - present.length;
  const breaching = present.filter((p) => comparison.test(p.value, input.threshold));
  const needed = input.datapointsToAlarm;

  let state: EvaluatedState;
  if (present.length === 0) {
    if (treat === 'ignore') return undefined;
    state = treat === 'breaching' ? 'ALARM' : treat === 'notBreaching' ? 'OK' : 'INSUFFICIENT_DATA';
  } else if (treat === 'breaching') {
    state = breaching.length + missing >= needed ? 'ALARM' : 'OK';
  } else if (treat === 'notBreaching' || present.length >= needed) {
    state = breaching.length >= needed ? 'ALARM' : 'OK';
  } else if (treat === 'ignore') {
    return undefined;
  } else {
    state = breaching.length === present.length ? 'ALARM' : 'OK';
  }

  const transition = `${input.current} -> ${state}`;
  const thresholdText = cloudwatchNumber(input.threshold);
  let reason: string;
  if (state === 'INSUFFICIENT_DATA') {
    reason = `Insufficient Data: ${plural(missing, 'datapoint')} ${missing === 1 ? 'was' : 'were'} unknown.`;
  } else if (present.length === 0) {
    const as = treat === 'breaching' ? 'Breaching' : 'NonBreaching';
    reason =
      `Threshold Crossed: no datapoints were received for ${plural(missing, 'period')} and ` +
      `${plural(missing, 'missing datapoint')} ${missing === 1 ? 'was' : 'were'} treated as [${as}].`;
  } else {
    const shown = (state === 'ALARM' ? breaching : present.filter((p) => !breaching.includes(p)))
      .slice()
      .reverse();
    const list = shown.map((p) => `${cloudwatchNumber(p.value)} (${reasonTime(p.at)})`).join(', ');
    const verb = shown.length === 1 ? 'was' : 'were';
    // Missing periods filled by TreatMissingData are evaluated datapoints too.
    const evaluated = present.length + (treat === 'breaching' || treat === 'notBreaching' ? missing : 0);
    const filled =
      treat === 'breaching' && missing > 0 && state === 'ALARM'
        ? ` and ${plural(missing, 'missing datapoint')} ${missing === 1 ? 'was' : 'were'} treated as [Breaching]`
        : '';
    reason =
      `Threshold Crossed: ${shown.length} out of the last ${evaluated} datapoints [${list}] ` +
      `${verb} ${state === 'ALARM' ? '' : 'not '}${comparison.phrase} the threshold (${thresholdText})${filled} ` +
      `(minimum ${plural(needed, 'datapoint')} for ${transition} transition).`;
  }
  const newest = present.slice().reverse();
  const reasonData = JSON.stringify({
    version: '1.0',
    queryDate: reasonDataTime(input.nowMs),
    startDate: reasonDataTime(periods[0]?.at ?? input.nowMs),
    ...(input.unit !== undefined ? { unit: input.unit } : {}),
    statistic: input.statistic,
    period: input.periodSeconds,
    recentDatapoints: present.map((p) => p.value),
    threshold: input.threshold,
    evaluatedDatapoints: newest.map((p) => ({
      timestamp: reasonDataTime(p.at),
      ...(p.sampleCount !== undefined ? { sampleCount: p.sampleCount } : {}),
      value: p.value,
    })),
  });
  return { state, reason, reasonData };
}
