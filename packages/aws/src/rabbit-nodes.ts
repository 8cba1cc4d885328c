import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  paginateListMetrics,
} from '@aws-sdk/client-cloudwatch';
import { errorText, MqopsError } from '@mqops/core';
import type { RabbitNodeSource } from '@mqops/core/capacity/ports';

/**
 * RabbitMQ node names from CloudWatch: ListMetrics of `SystemCpuUtilization` in AWS/AmazonMQ with a `Node`
 * dimension (every node of every broker that published in the last two weeks), paged, grouped by broker — a
 * couple of calls for a whole fleet. IAM: `cloudwatch:ListMetrics`.
 */
export class CloudWatchRabbitNodes implements RabbitNodeSource {
  private readonly client: CloudWatchClient;
  /** ListMetrics requests made (for benchmarks). */
  calls = 0;

  constructor(client: CloudWatchClient | CloudWatchClientConfig = {}) {
    this.client = client instanceof CloudWatchClient ? client : new CloudWatchClient(client);
  }

  async nodes(brokerNames: readonly string[]): Promise<Map<string, string[]>> {
    const wanted = new Set(brokerNames);
    const found = new Map<string, Set<string>>();
    try {
      for await (const page of paginateListMetrics(
        { client: this.client },
        { Namespace: 'AWS/AmazonMQ', MetricName: 'SystemCpuUtilization', Dimensions: [{ Name: 'Node' }] },
      )) {
        this.calls++;
        for (const metric of page.Metrics ?? []) {
          const broker = metric.Dimensions?.find((d) => d.Name === 'Broker')?.Value;
          const node = metric.Dimensions?.find((d) => d.Name === 'Node')?.Value;
          if (!broker || !node || !wanted.has(broker)) continue;
          if (!found.has(broker)) found.set(broker, new Set());
          found.get(broker)?.add(node);
        }
      }
    } catch (error) {
      throw new MqopsError(
        `CloudWatch ListMetrics (RabbitMQ nodes) failed: ${(error as Error).name}: ${errorText(error)}`,
        {
          cause: error,
        },
      );
    }
    return new Map([...found].map(([broker, nodes]) => [broker, [...nodes].sort()]));
  }
}
