import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  type MetricAlarm,
  paginateDescribeAlarms,
} from '@aws-sdk/client-cloudwatch';
import { type Broker, errorText, MqopsError } from '@mqops/core';
import type { AlarmStates } from '@mqops/core/capacity/ports';

/**
 * The `Broker` dimension values of a broker's metrics: `<name>-1` / `<name>-2` for ActiveMQ (per instance; the name
 * alone too, for alarms written that way), the name for RabbitMQ.
 */
export function brokerDimensionValues(broker: Pick<Broker, 'name' | 'engine'>): string[] {
  return broker.engine === 'RABBITMQ' ? [broker.name] : [broker.name, `${broker.name}-1`, `${broker.name}-2`];
}

const NAMESPACE = 'AWS/AmazonMQ';

function watchesBroker(alarm: MetricAlarm, names: Set<string>): boolean {
  const dims = [
    ...(alarm.Namespace === NAMESPACE ? (alarm.Dimensions ?? []) : []),
    ...(alarm.Metrics ?? [])
      .filter((m) => m.MetricStat?.Metric?.Namespace === NAMESPACE)
      .flatMap((m) => m.MetricStat?.Metric?.Dimensions ?? []),
  ];
  return dims.some((d) => d.Name === 'Broker' && d.Value !== undefined && names.has(d.Value));
}

/**
 * The broker's alarms in ALARM: every alarm of the account in state ALARM (DescribeAlarms, StateValue ALARM) whose
 * metric — or a metric of its math — has the broker's `Broker` dimension. Alarms mqops did not create count too.
 * IAM: `cloudwatch:DescribeAlarms`.
 */
export class CloudWatchAlarmStates implements AlarmStates {
  private readonly client: CloudWatchClient;

  constructor(client: CloudWatchClient | CloudWatchClientConfig = {}) {
    this.client = client instanceof CloudWatchClient ? client : new CloudWatchClient(client);
  }

  async inAlarm(broker: Broker): Promise<string[]> {
    const names = new Set(brokerDimensionValues(broker));
    const out: string[] = [];
    try {
      for await (const page of paginateDescribeAlarms(
        { client: this.client },
        { StateValue: 'ALARM', AlarmTypes: ['MetricAlarm'] },
      )) {
        for (const alarm of page.MetricAlarms ?? [])
          if (alarm.AlarmName && watchesBroker(alarm, names)) out.push(alarm.AlarmName);
      }
    } catch (error) {
      throw new MqopsError(
        `CloudWatch DescribeAlarms for broker ${broker.name} failed: ${(error as { name?: string } | null)?.name ?? 'Error'}: ${errorText(error)}`,
        { cause: error },
      );
    }
    return out.sort();
  }
}
