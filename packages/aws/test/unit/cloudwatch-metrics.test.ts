import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { MetricQuery, MetricRange } from '@mqops/core/capacity/ports';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CloudWatchMetricReader,
  MAX_DATAPOINTS_PER_CALL,
  MetricReadError,
} from '../../src/cloudwatch-metrics';

const cw = mockClient(CloudWatchClient);
const T0 = Date.parse('2026-03-02T00:00:00Z');
const RANGE: MetricRange = { start: new Date(T0), end: new Date(T0 + 3_600_000), periodSeconds: 300 };
const reader = (options?: ConstructorParameters<typeof CloudWatchMetricReader>[1]) =>
  new CloudWatchMetricReader(new CloudWatchClient({ region: 'eu-west-1' }), options);

const metric = (key: string, broker = key): MetricQuery => ({
  key,
  metricName: 'CpuUtilization',
  dimensions: { Broker: broker },
  stat: 'Maximum',
});
const manyMetrics = (n: number) => Array.from({ length: n }, (_, i) => metric(`q${i}`, `b-${i}`));

/** The input of every GetMetricData call made. */
const sentInputs = () => cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);

/** Answers every returned query with two points: (T0, index of the id) and (T0 + 5 min, index + 0.5). */
function echo(input: GetMetricDataCommandInput): GetMetricDataCommandOutput {
  const results: MetricDataResult[] = (input.MetricDataQueries ?? [])
    .filter((q) => q.ReturnData !== false)
    .map((q) => {
      const n = Number(q.Id?.slice(1));
      return {
        Id: q.Id,
        StatusCode: 'Complete',
        Timestamps: [new Date(T0), new Date(T0 + 300_000)],
        Values: [n, n + 0.5],
      };
    });
  return { MetricDataResults: results, $metadata: {} };
}

describe('Class: CloudWatchMetricReader', () => {
  beforeEach(() => {
    cw.reset();
    cw.on(GetMetricDataCommand).callsFake(echo);
  });

  it.each([
    [1, [1]],
    [500, [500]],
    [501, [500, 1]],
    [1000, [500, 500]],
    [1001, [500, 500, 1]],
  ])('sends %i queries in calls of %j', async (count, sizes) => {
    // Prepare
    const r = reader();

    // Act
    const out = await r.read(manyMetrics(count), RANGE);

    // Assess
    expect(sentInputs().map((i) => i.MetricDataQueries?.length)).toEqual(sizes);
    expect(r.calls).toBe(sizes.length);
    expect(out.size).toBe(count);
  });

  it('reads 1,000 brokers × 8 metrics in 16 calls', async () => {
    // Prepare
    const queries = Array.from({ length: 1000 }, (_, b) =>
      ['CpuUtilization', 'HeapUsage', 'StorePercentUsage', 'TotalConnectionsCount', 'a', 'b', 'c', 'd'].map(
        (name): MetricQuery => ({
          key: `b${b}.${name}`,
          metricName: name,
          dimensions: { Broker: `broker-${b}-1` },
          stat: 'Average',
        }),
      ),
    ).flat();
    const r = reader();

    // Act
    const out = await r.read(queries, RANGE);

    // Assess
    expect(r.calls).toBe(16);
    expect(out.size).toBe(8000);
    expect(sentInputs().every((i) => (i.MetricDataQueries?.length ?? 0) <= 500)).toBe(true);
  });

  it('reads 1,000 brokers × 8 queries in 16 calls when one of the 8 is an expression over two others', async () => {
    // Prepare
    const queries = Array.from({ length: 1000 }, (_, b): MetricQuery[] => [
      ...[
        'RabbitMQMemUsed',
        'RabbitMQMemLimit',
        'SystemCpuUtilization',
        'ConnectionCount',
        'a',
        'b',
        'c',
      ].map(
        (name): MetricQuery => ({
          key: `b${b}/${name}`,
          metricName: name,
          dimensions: { Broker: `b${b}` },
          stat: 'Maximum',
        }),
      ),
      {
        key: `b${b}/mem`,
        metricName: 'MemoryPercent',
        dimensions: {},
        stat: 'Maximum',
        expression: `100 * b${b}/RabbitMQMemUsed / b${b}/RabbitMQMemLimit`,
      },
    ]).flat();
    const r = reader();

    // Act
    await r.read(queries, RANGE);

    // Assess
    expect(r.calls).toBe(16);
    for (const input of sentInputs()) {
      const ids = new Set(input.MetricDataQueries?.map((q) => q.Id));
      for (const q of input.MetricDataQueries ?? []) {
        for (const ref of q.Expression?.match(/m\d+/g) ?? []) expect(ids.has(ref)).toBe(true);
      }
    }
  });

  it('writes each query as CloudWatch wants it', async () => {
    // Act
    await reader().read([metric('orders cpu', 'orders-1')], RANGE);

    // Assess
    expect(sentInputs()[0]).toEqual({
      StartTime: RANGE.start,
      EndTime: RANGE.end,
      ScanBy: 'TimestampAscending',
      MaxDatapoints: MAX_DATAPOINTS_PER_CALL,
      MetricDataQueries: [
        {
          Id: 'm0',
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/AmazonMQ',
              MetricName: 'CpuUtilization',
              Dimensions: [{ Name: 'Broker', Value: 'orders-1' }],
            },
            Period: 300,
            Stat: 'Maximum',
          },
        },
      ],
      NextToken: undefined,
    });
  });

  it('maps keys that are not valid CloudWatch ids to wire ids and back', async () => {
    // Prepare
    const keys = ['Orders-1/CPU', 'events:rabbit@ip-10-0-0-1', '0day', 'm1'];

    // Act
    const out = await reader().read(
      keys.map((k) => metric(k)),
      RANGE,
    );

    // Assess
    const ids = sentInputs()[0]?.MetricDataQueries?.map((q) => q.Id);
    expect(ids).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(ids?.every((id) => /^[a-z][a-zA-Z0-9_]*$/.test(id ?? ''))).toBe(true);
    expect([...out.keys()]).toEqual(keys);
    // The key 'm1' is the 4th query: its values come from wire id m3, not from the 2nd query's m1.
    expect(out.get('m1')?.values).toEqual([3, 3.5]);
    expect(out.get('events:rabbit@ip-10-0-0-1')).toEqual({
      key: 'events:rabbit@ip-10-0-0-1',
      timestamps: [new Date(T0), new Date(T0 + 300_000)],
      values: [1, 1.5],
    });
  });

  it('follows NextToken and merges the pages of each series', async () => {
    // Prepare
    cw.on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'm0', StatusCode: 'PartialData', Timestamps: [new Date(T0)], Values: [1] },
          { Id: 'm1', StatusCode: 'PartialData', Timestamps: [new Date(T0)], Values: [10] },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [
          {
            Id: 'm0',
            StatusCode: 'Complete',
            Timestamps: [new Date(T0 + 300_000), new Date(T0 + 600_000)],
            Values: [2, 3],
          },
          { Id: 'm1', StatusCode: 'Complete', Timestamps: [], Values: [] },
        ],
      });
    const r = reader();

    // Act
    const out = await r.read([metric('a'), metric('b')], RANGE);

    // Assess
    expect(r.calls).toBe(2);
    expect(sentInputs().map((i) => i.NextToken)).toEqual([undefined, 'page-2']);
    expect(out.get('a')?.values).toEqual([1, 2, 3]);
    expect(out.get('a')?.timestamps.map((t) => t.getTime())).toEqual([T0, T0 + 300_000, T0 + 600_000]);
    expect(out.get('b')?.values).toEqual([10]);
  });

  it('returns points oldest first even when an answer is out of order', async () => {
    // Prepare
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'm0',
          StatusCode: 'Complete',
          Timestamps: [new Date(T0 + 600_000), new Date(T0), new Date(T0 + 300_000)],
          Values: [3, 1, 2],
        },
      ],
    });

    // Act
    const out = await reader().read([metric('a')], RANGE);

    // Assess
    expect(out.get('a')?.values).toEqual([1, 2, 3]);
  });

  it('gives a query without data an empty series', async () => {
    // Prepare
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act
    const out = await reader().read([metric('idle')], RANGE);

    // Assess
    expect(out.get('idle')).toEqual({ key: 'idle', timestamps: [], values: [] });
  });

  it('keeps an expression in the same call as its inputs, inputs not returned', async () => {
    // Prepare: 499 plain queries, then an expression over two inputs that would straddle the 500 boundary.
    const queries: MetricQuery[] = [
      ...manyMetrics(499),
      {
        key: 'events/mem-used',
        metricName: 'RabbitMQMemUsed',
        dimensions: { Broker: 'events' },
        stat: 'Maximum',
      },
      {
        key: 'events/mem-limit',
        metricName: 'RabbitMQMemLimit',
        dimensions: { Broker: 'events' },
        stat: 'Maximum',
      },
      {
        key: 'events/mem',
        metricName: 'MemoryPercent',
        dimensions: {},
        stat: 'Maximum',
        expression: '100 * events/mem-used / events/mem-limit',
      },
    ];
    const r = reader();

    // Act
    const out = await r.read(queries, RANGE);

    // Assess: 2 calls (502 queries), the expression's call holds both its inputs.
    const sent = sentInputs().map((i) => i.MetricDataQueries ?? []);
    expect(sent.map((q) => q.length)).toEqual([500, 2]);
    const withExpression = sent.find((q) => q.some((x) => x.Expression !== undefined)) ?? [];
    expect(withExpression.filter((x) => ['m499', 'm500', 'm501'].includes(x.Id ?? ''))).toEqual([
      expect.objectContaining({ Id: 'm499', ReturnData: false }),
      expect.objectContaining({ Id: 'm500', ReturnData: false }),
      { Id: 'm501', ReturnData: true, Expression: '100 * m499 / m500' },
    ]);
    expect(r.calls).toBe(2);
    expect(out.has('events/mem')).toBe(true);
    expect(out.has('events/mem-used')).toBe(false);
    expect(out.size).toBe(500);
  });

  it('returns the inputs of an expression too when asked', async () => {
    // Prepare
    const queries: MetricQuery[] = [
      metric('used'),
      metric('limit'),
      { key: 'pct', metricName: 'p', dimensions: {}, stat: 'Maximum', expression: 'used/limit' },
    ];

    // Act
    const out = await reader({ returnInputs: true }).read(queries, RANGE);

    // Assess
    expect(sentInputs()[0]?.MetricDataQueries?.every((q) => q.ReturnData === true)).toBe(true);
    expect([...out.keys()].sort()).toEqual(['limit', 'pct', 'used']);
  });

  it.each([
    ['cpu + cpu_max', 'm0 + m1'],
    ['MAX([cpu, cpu_max])', 'MAX([m0, m1])'],
    ['FILL(cpu_max, 0) - cpu', 'FILL(m1, 0) - m0'],
    ['RATE(cpu)*60', 'RATE(m0)*60'],
  ])('rewrites %s as %s (whole keys only, longest first)', async (expression, wire) => {
    // Act
    await reader().read(
      [
        metric('cpu'),
        metric('cpu_max'),
        { key: 'x', metricName: 'x', dimensions: {}, stat: 'Sum', expression },
      ],
      RANGE,
    );

    // Assess
    const sent = sentInputs()[0]?.MetricDataQueries?.find((q) => q.Id === 'm2');
    expect(sent).toEqual({ Id: 'm2', ReturnData: true, Expression: wire });
  });

  it('keeps chains of expressions together and packs whole groups, largest first', async () => {
    // Prepare: batches of 4; groups of 3 (two inputs + expression) and a chain of 4.
    const group = (p: string): MetricQuery[] => [
      metric(`${p}a`),
      metric(`${p}b`),
      { key: `${p}sum`, metricName: 's', dimensions: {}, stat: 'Sum', expression: `${p}a + ${p}b` },
    ];
    const queries = [
      ...group('x'),
      ...group('y'),
      { key: 'ypct', metricName: 'p', dimensions: {}, stat: 'Sum', expression: 'ysum / 2' },
      metric('lone'),
    ];
    const r = reader({ batchSize: 4 });

    // Act
    const out = await r.read(queries, RANGE);

    // Assess
    expect(sentInputs().map((i) => i.MetricDataQueries?.map((q) => q.Id))).toEqual([
      ['m3', 'm4', 'm5', 'm6'],
      ['m0', 'm1', 'm2', 'm7'],
    ]);
    expect(r.calls).toBe(2);
    // ysum is an intermediate step (read by ypct): not returned.
    expect([...out.keys()].sort()).toEqual(['lone', 'xsum', 'ypct']);
  });

  it('refuses an expression group larger than one call', async () => {
    // Prepare
    const inputs = manyMetrics(4);
    const sum: MetricQuery = {
      key: 'sum',
      metricName: 's',
      dimensions: {},
      stat: 'Sum',
      expression: 'SUM([q0, q1, q2, q3])',
    };

    // Act
    const read = reader({ batchSize: 4 }).read([...inputs, sum], RANGE);

    // Assess
    await expect(read).rejects.toBeInstanceOf(MetricReadError);
    await expect(read).rejects.toThrow(/5 queries are tied together/);
    expect(sentInputs()).toHaveLength(0);
  });

  it('refuses duplicate keys', async () => {
    await expect(reader().read([metric('a'), metric('a')], RANGE)).rejects.toThrow(/duplicate query key a/);
  });

  it.each(['InternalError', 'Forbidden'] as const)(
    'raises a MetricReadError for a %s result',
    async (status) => {
      // Prepare
      cw.on(GetMetricDataCommand).resolves({
        MetricDataResults: [{ Id: 'm0', StatusCode: status, Messages: [{ Code: 'X', Value: 'boom' }] }],
      });

      // Act
      const read = reader().read([metric('a')], RANGE);

      // Assess
      await expect(read).rejects.toThrow(new RegExp(`${status} for a \\(X: boom\\)`));
    },
  );

  it('surfaces an API error as the SDK raised it', async () => {
    // Prepare
    cw.on(GetMetricDataCommand).rejects(new Error('AccessDenied'));

    // Act + Assess
    await expect(reader().read([metric('a')], RANGE)).rejects.toThrow('AccessDenied');
  });

  it('makes no call for no queries', async () => {
    // Prepare
    const r = reader();

    // Act
    const out = await r.read([], RANGE);

    // Assess
    expect(out.size).toBe(0);
    expect(r.calls).toBe(0);
  });

  it.each([0, 501, 1.5])('refuses batchSize %s', (batchSize) => {
    expect(() => reader({ batchSize })).toThrow(RangeError);
  });

  it('builds its own client from a configuration', () => {
    expect(() => new CloudWatchMetricReader({ region: 'eu-west-1', maxAttempts: 5 })).not.toThrow();
  });
});
