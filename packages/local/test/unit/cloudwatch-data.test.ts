import { describe, expect, it } from 'vitest';
import {
  type AlarmEvaluationInput,
  addDatapoint,
  addValue,
  datapointOf,
  EMF_LIMITS,
  emptySample,
  evaluateMetricAlarm,
  parseEmf,
  statisticOf,
} from '../../src/services/cloudwatch-data';

const T = Date.parse('2026-08-12T04:10:00.000Z');

/** An EMF line as functions/lib/job-metric.ts writes it. */
const jobLine = (fields: Record<string, unknown> = {}, directive: Record<string, unknown> = {}) =>
  JSON.stringify({
    _aws: {
      Timestamp: T,
      CloudWatchMetrics: [
        {
          Namespace: 'mqops',
          Dimensions: [['Job'], ['Service']],
          Metrics: [
            { Name: 'JobFailed', Unit: 'Count' },
            { Name: 'Gaps', Unit: 'Count' },
          ],
          ...directive,
        },
      ],
    },
    Job: 'audit',
    Service: 'mqops',
    JobFailed: 1,
    Gaps: 3,
    ...fields,
  });

describe('Function: parseEmf', () => {
  it('publishes every metric of a directive once per dimension set, with the root values and the timestamp', () => {
    // act
    const metrics = parseEmf(jobLine());
    // assess
    expect(
      metrics.map((m) => [
        m.namespace,
        m.metricName,
        m.dimensions,
        m.datapoint.sum,
        m.datapoint.at,
        m.datapoint.unit,
      ]),
    ).toEqual([
      ['mqops', 'JobFailed', [{ Name: 'Job', Value: 'audit' }], 1, T, 'Count'],
      ['mqops', 'JobFailed', [{ Name: 'Service', Value: 'mqops' }], 1, T, 'Count'],
      ['mqops', 'Gaps', [{ Name: 'Job', Value: 'audit' }], 3, T, 'Count'],
      ['mqops', 'Gaps', [{ Name: 'Service', Value: 'mqops' }], 3, T, 'Count'],
    ]);
  });

  it('reads array values, several directives, dimensionless sets and high resolution', () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: T,
        CloudWatchMetrics: [
          { Namespace: 'a', Dimensions: [[]], Metrics: [{ Name: 'Latency', StorageResolution: 1 }] },
          { Namespace: 'b', Dimensions: [['Job', 'Service']], Metrics: [{ Name: 'Latency' }] },
        ],
      },
      Job: 'x',
      Service: 'y',
      Latency: [3, 1, 2],
    });
    const [first, second] = parseEmf(line);
    expect(first).toMatchObject({
      namespace: 'a',
      dimensions: [],
      datapoint: { sampleCount: 3, sum: 6, min: 1, max: 3 },
    });
    expect(first?.datapoint.highResolution).toBe(true);
    expect(second?.dimensions).toEqual([
      { Name: 'Job', Value: 'x' },
      { Name: 'Service', Value: 'y' },
    ]);
  });

  it('ignores lines that are not EMF or break the specification, without throwing', () => {
    const tooMany = Array.from({ length: EMF_LIMITS.metricsPerDirective + 1 }, (_, i) => ({ Name: `m${i}` }));
    const bad = [
      '',
      'START RequestId: 1 Version: $LATEST',
      '{"level":"INFO","message":"hello"}',
      '{not json',
      '[1,2]',
      JSON.stringify({ _aws: { CloudWatchMetrics: [] }, x: 1 }),
      jobLine({}, { Metrics: tooMany }),
      jobLine({ Job: 42 }),
      jobLine({ Job: undefined }),
      jobLine({}, { Namespace: '' }),
      jobLine({}, { Dimensions: [Array.from({ length: 31 }, (_, i) => `d${i}`)] }),
      jobLine({}, { Metrics: [{ Name: 'JobFailed', Unit: 'Parsecs' }] }),
      jobLine({}, { Metrics: [{ Name: 'JobFailed', StorageResolution: 5 }] }),
      JSON.stringify({ _aws: { Timestamp: 'now', CloudWatchMetrics: [] } }),
      JSON.stringify({ _aws: { Timestamp: T, CloudWatchMetrics: 'x' } }),
      JSON.stringify({ _aws: { Timestamp: T, CloudWatchMetrics: [null] } }),
      `{"_aws":${'['.repeat(5000)}`,
    ];
    for (const line of bad) expect(parseEmf(line), line.slice(0, 80)).toEqual([]);
  });

  it('skips only a metric whose value is missing or not numeric', () => {
    const metrics = parseEmf(jobLine({ JobFailed: 'one', Gaps: undefined }));
    expect(metrics).toEqual([]);
    const some = parseEmf(jobLine({ JobFailed: [1, 'x'] }));
    expect(some.map((m) => m.metricName)).toEqual(['Gaps', 'Gaps']);
  });
});

describe('Function: statisticOf', () => {
  it('computes the statistics over values, weighted values and statistic sets', () => {
    const sample = emptySample();
    addValue(sample, 4);
    addDatapoint(sample, datapointOf(T, [1, 10], { counts: [2, 1] }));
    expect(statisticOf(sample, 'SampleCount')).toBe(4);
    expect(statisticOf(sample, 'Sum')).toBe(16);
    expect(statisticOf(sample, 'Average')).toBe(4);
    expect(statisticOf(sample, 'Minimum')).toBe(1);
    expect(statisticOf(sample, 'Maximum')).toBe(10);
    expect(statisticOf(sample, 'p50')).toBe(1);
    expect(statisticOf(sample, 'p75')).toBe(4);
    expect(statisticOf(sample, 'p100')).toBe(10);
    addDatapoint(sample, { at: T, sampleCount: 2, sum: 6, min: 2, max: 4 });
    expect(statisticOf(sample, 'Sum')).toBe(22);
    expect(statisticOf(sample, 'p50')).toBeUndefined(); // no distribution for a statistic set
    expect(statisticOf(emptySample(), 'Sum')).toBeUndefined();
  });
});

describe('Function: evaluateMetricAlarm', () => {
  const MINUTE = 60_000;
  const base: AlarmEvaluationInput = {
    comparison: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'notBreaching',
    current: 'OK',
    statistic: 'Sum',
    periodSeconds: 60,
    nowMs: T + 30_000,
    periods: [{ at: T, value: 1, sampleCount: 1 }],
  };
  const periods = (...values: (number | undefined)[]) =>
    values.map((value, i) => ({ at: T + (i - values.length + 1) * MINUTE, value }));

  it("goes ALARM with CloudWatch's reason and reason data", () => {
    const decision = evaluateMetricAlarm(base);
    expect(decision?.state).toBe('ALARM');
    expect(decision?.reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (12/08/26 04:10:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
    expect(JSON.parse(decision?.reasonData ?? '{}')).toEqual({
      version: '1.0',
      queryDate: '2026-08-12T04:10:30.000+0000',
      startDate: '2026-08-12T04:10:00.000+0000',
      statistic: 'Sum',
      period: 60,
      recentDatapoints: [1],
      threshold: 1,
      evaluatedDatapoints: [{ timestamp: '2026-08-12T04:10:00.000+0000', sampleCount: 1, value: 1 }],
    });
  });

  it('goes OK when a datapoint does not breach, naming it', () => {
    const decision = evaluateMetricAlarm({ ...base, current: 'ALARM', periods: [{ at: T, value: 0 }] });
    expect(decision?.state).toBe('OK');
    expect(decision?.reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (12/08/26 04:10:00)] was not greater than or equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition).',
    );
  });

  it('applies each comparison operator', () => {
    const state = (comparison: string, value: number) =>
      evaluateMetricAlarm({ ...base, comparison, periods: [{ at: T, value }] })?.state;
    expect(state('GreaterThanThreshold', 1)).toBe('OK');
    expect(state('GreaterThanThreshold', 1.5)).toBe('ALARM');
    expect(state('LessThanThreshold', 0.5)).toBe('ALARM');
    expect(state('LessThanThreshold', 1)).toBe('OK');
    expect(state('LessThanOrEqualToThreshold', 1)).toBe('ALARM');
    expect(state('GreaterThanOrEqualToThreshold', 0.99)).toBe('OK');
    expect(state('LessThanLowerOrGreaterThanUpperThreshold', 5)).toBeUndefined();
  });

  it('needs DatapointsToAlarm breaching periods out of EvaluationPeriods', () => {
    const m2of3 = { ...base, evaluationPeriods: 3, datapointsToAlarm: 2 };
    expect(evaluateMetricAlarm({ ...m2of3, periods: periods(1, 0, 0) })?.state).toBe('OK');
    const alarm = evaluateMetricAlarm({ ...m2of3, periods: periods(2, 0, 3) });
    expect(alarm?.state).toBe('ALARM');
    expect(alarm?.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [3.0 (12/08/26 04:10:00), 2.0 (12/08/26 04:08:00)] were greater than or equal to the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
  });

  it('treats missing data as TreatMissingData says', () => {
    const none = periods(undefined);
    const decide = (
      treatMissingData: string | undefined,
      current: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' = 'ALARM',
    ) => evaluateMetricAlarm({ ...base, treatMissingData, current, periods: none });
    expect(decide('notBreaching')?.state).toBe('OK');
    expect(decide('notBreaching')?.reason).toBe(
      'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
    );
    expect(decide('breaching', 'OK')?.state).toBe('ALARM');
    expect(decide('breaching', 'OK')?.reason).toContain('treated as [Breaching]');
    expect(decide('ignore')).toBeUndefined();
    expect(decide('missing')?.state).toBe('INSUFFICIENT_DATA');
    expect(decide(undefined)?.reason).toBe('Insufficient Data: 1 datapoint was unknown.');
    // Some data: `missing` decides on the datapoints there are, `ignore` waits for enough of them.
    const m3of3 = { ...base, evaluationPeriods: 3, datapointsToAlarm: 3 };
    expect(
      evaluateMetricAlarm({
        ...m3of3,
        treatMissingData: 'missing',
        periods: periods(undefined, 5, undefined),
      })?.state,
    ).toBe('ALARM');
    expect(
      evaluateMetricAlarm({
        ...m3of3,
        treatMissingData: 'ignore',
        periods: periods(undefined, 5, undefined),
      }),
    ).toBeUndefined();
    expect(
      evaluateMetricAlarm({
        ...m3of3,
        treatMissingData: 'notBreaching',
        periods: periods(undefined, 5, undefined),
      })?.state,
    ).toBe('OK');
    expect(
      evaluateMetricAlarm({
        ...m3of3,
        treatMissingData: 'breaching',
        current: 'OK',
        periods: periods(undefined, 5, undefined),
      })?.state,
    ).toBe('ALARM');
  });
});
