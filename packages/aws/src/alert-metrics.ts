import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { AlertMetric } from '@mqops/core/alerts/events';

/** GetMetricData takes up to 500 queries per call. */
const MAX_QUERIES = 500;

/** One metric to read, under a caller's id. */
export interface MetricRequest {
  id: string;
  metric: AlertMetric;
}

/**
 * Recent values of alarm metrics, for the sparklines of alert messages: one GetMetricData call (per 500 metrics and
 * region) for a whole notification. IAM: `cloudwatch:GetMetricData`.
 */
export class CloudWatchMetricHistory {
  private readonly clients = new Map<string, CloudWatchClient>();

  /**
   * @param client a client, a client configuration, or a factory by region (alarms of several regions).
   */
  constructor(
    private readonly client:
      | CloudWatchClient
      | CloudWatchClientConfig
      | ((region: string) => CloudWatchClient) = {},
  ) {}

  private clientFor(region: string): CloudWatchClient {
    if (this.client instanceof CloudWatchClient) return this.client;
    if (typeof this.client === 'function') return this.client(region);
    let client = this.clients.get(region);
    if (!client) {
      client = new CloudWatchClient({ ...this.client, region });
      this.clients.set(region, client);
    }
    return client;
  }

  /**
   * Values of each metric over the `minutes` before `end`, oldest first (one point per period: the metric's own
   * period, at least 60 s, widened so at most 60 points come back).
   * @returns values by request id (an id with no data is absent).
   */
  async recent(
    region: string,
    requests: readonly MetricRequest[],
    end: Date,
    minutes = 60,
  ): Promise<Record<string, number[]>> {
    const out: Record<string, number[]> = {};
    const client = this.clientFor(region);
    for (let start = 0; start < requests.length; start += MAX_QUERIES) {
      const batch = requests.slice(start, start + MAX_QUERIES);
      const queries: MetricDataQuery[] = batch.map((r, i) => {
        // The metric's own period (at least a minute), widened to keep ≤ 60 points: a sparkline needs no more.
        const period = Math.max(60, r.metric.period ?? 60, Math.ceil(minutes / 60) * 60);
        return {
          Id: `m${start + i}`,
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: r.metric.namespace,
              MetricName: r.metric.name,
              Dimensions: Object.entries(r.metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
            },
            Period: period,
            Stat: r.metric.stat ?? 'Average',
          },
        };
      });
      let token: string | undefined;
      do {
        const page = await client.send(
          new GetMetricDataCommand({
            StartTime: new Date(end.getTime() - minutes * 60_000),
            EndTime: end,
            ScanBy: 'TimestampAscending',
            MetricDataQueries: queries,
            NextToken: token,
          }),
        );
        for (const result of page.MetricDataResults ?? []) {
          const index = Number(result.Id?.slice(1));
          const request = requests[index];
          if (!request || !result.Values?.length) continue;
          const points = (result.Timestamps ?? []).map((t, k) => ({ t: t.getTime(), v: result.Values?.[k] }));
          const values = points
            .sort((a, b) => a.t - b.t)
            .map((p) => p.v)
            .filter((v): v is number => typeof v === 'number');
          out[request.id] = [...(out[request.id] ?? []), ...values];
        }
        token = page.NextToken;
      } while (token);
    }
    return out;
  }
}
