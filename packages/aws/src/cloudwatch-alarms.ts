import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  DeleteAlarmsCommand,
  ListTagsForResourceCommand,
  type MetricAlarm,
  type MetricDataQuery,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  paginateDescribeAlarms,
  paginateListMetrics,
  ResourceNotFoundException,
  TagResourceCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  type AlarmSpec,
  AMAZON_MQ_NAMESPACE,
  type ExistingAlarm,
  type MetricQuery,
} from '@mqops/core/alarms/desired';
import type { AlarmStore, RabbitNodeDirectory } from '@mqops/core/alarms/reconcile';

/** DeleteAlarms takes at most 100 names per call. */
export const DELETE_BATCH = 100;

const toDimensions = (dims: readonly { name: string; value: string }[]) =>
  dims.map((d) => ({ Name: d.name, Value: d.value }));
const fromDimensions = (dims: readonly { Name?: string; Value?: string }[] | undefined) =>
  (dims ?? []).map((d) => ({ name: d.Name ?? '', value: d.Value ?? '' }));

function toQuery(q: MetricQuery): MetricDataQuery {
  return {
    Id: q.id,
    ReturnData: q.returnData,
    ...(q.label !== undefined ? { Label: q.label } : {}),
    ...(q.expression !== undefined ? { Expression: q.expression } : {}),
    ...(q.metric
      ? {
          MetricStat: {
            Metric: {
              Namespace: q.metric.namespace,
              MetricName: q.metric.metricName,
              Dimensions: toDimensions(q.metric.dimensions),
            },
            Period: q.period,
            Stat: q.stat,
          },
        }
      : {}),
  };
}

function fromQuery(q: MetricDataQuery): MetricQuery {
  const stat = q.MetricStat;
  return {
    id: q.Id ?? '',
    // Omitted ReturnData means true, as in PutMetricAlarm.
    returnData: q.ReturnData ?? true,
    ...(q.Label !== undefined ? { label: q.Label } : {}),
    ...(q.Expression !== undefined ? { expression: q.Expression } : {}),
    ...(stat?.Metric
      ? {
          metric: {
            namespace: stat.Metric.Namespace ?? '',
            metricName: stat.Metric.MetricName ?? '',
            dimensions: fromDimensions(stat.Metric.Dimensions),
          },
          stat: stat.Stat,
          period: stat.Period,
        }
      : {}),
  };
}

/** The PutMetricAlarm input for an alarm spec. */
export function toPutMetricAlarmInput(
  alarm: AlarmSpec,
  options: { actionsEnabled?: boolean; withTags: boolean },
): PutMetricAlarmCommandInput {
  return {
    AlarmName: alarm.name,
    AlarmDescription: alarm.description,
    ActionsEnabled: options.actionsEnabled ?? true,
    AlarmActions: alarm.alarmActions,
    OKActions: alarm.okActions,
    ...(alarm.metric
      ? {
          Namespace: alarm.metric.namespace,
          MetricName: alarm.metric.metricName,
          Dimensions: toDimensions(alarm.metric.dimensions),
          Statistic: alarm.metric.statistic as PutMetricAlarmCommandInput['Statistic'],
          Period: alarm.metric.period,
        }
      : {}),
    ...(alarm.metrics ? { Metrics: alarm.metrics.map(toQuery) } : {}),
    EvaluationPeriods: alarm.evaluationPeriods,
    DatapointsToAlarm: alarm.datapointsToAlarm,
    Threshold: alarm.threshold,
    ComparisonOperator: alarm.comparison as PutMetricAlarmCommandInput['ComparisonOperator'],
    TreatMissingData: alarm.treatMissingData,
    ...(options.withTags ? { Tags: toTags(alarm.tags) } : {}),
  };
}

const toTags = (tags: Record<string, string>) =>
  Object.entries(tags)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([Key, Value]) => ({ Key, Value }));

/** A DescribeAlarms metric alarm (and its tags, when they were read) in the shape the reconciler compares. */
export function toExistingAlarm(alarm: MetricAlarm, tags?: Record<string, string>): ExistingAlarm {
  const evaluationPeriods = alarm.EvaluationPeriods ?? 1;
  return {
    name: alarm.AlarmName ?? '',
    arn: alarm.AlarmArn ?? '',
    description: alarm.AlarmDescription ?? '',
    actionsEnabled: alarm.ActionsEnabled ?? true,
    ...(alarm.MetricName
      ? {
          metric: {
            namespace: alarm.Namespace ?? '',
            metricName: alarm.MetricName,
            dimensions: fromDimensions(alarm.Dimensions),
            statistic: alarm.Statistic ?? alarm.ExtendedStatistic ?? '',
            period: alarm.Period ?? 0,
          },
        }
      : {}),
    ...(alarm.Metrics?.length ? { metrics: alarm.Metrics.map(fromQuery) } : {}),
    evaluationPeriods,
    // Omitted DatapointsToAlarm means all evaluated periods (N of N).
    datapointsToAlarm: alarm.DatapointsToAlarm ?? evaluationPeriods,
    // An anomaly-detection alarm has no threshold: NaN never equals a desired one.
    threshold: alarm.Threshold ?? Number.NaN,
    comparison: alarm.ComparisonOperator ?? '',
    treatMissingData: alarm.TreatMissingData ?? 'missing',
    alarmActions: alarm.AlarmActions ?? [],
    okActions: alarm.OKActions ?? [],
    ...(tags ? { tags } : {}),
  };
}

/**
 * mqops' alarms in Amazon CloudWatch (the {@link AlarmStore} port), and the RabbitMQ node names CloudWatch knows
 * (the {@link RabbitNodeDirectory} port).
 *
 * Calls: DescribeAlarms with AlarmNamePrefix (paged, 100 per page) to list; ListTagsForResource only when the
 * reconciler asks for one alarm's tags (alarms without mqops' marker); PutMetricAlarm (with Tags on create;
 * TagResource when an existing alarm's tags must change, since PutMetricAlarm ignores tags on update); DeleteAlarms
 * in batches of 100; ListMetrics for node names.
 */
export class CloudWatchAlarmStore implements AlarmStore, RabbitNodeDirectory {
  private readonly client: CloudWatchClient;

  constructor(client: CloudWatchClient | CloudWatchClientConfig = {}) {
    this.client = client instanceof CloudWatchClient ? client : new CloudWatchClient(client);
  }

  async list(prefix: string): Promise<ExistingAlarm[]> {
    const alarms: ExistingAlarm[] = [];
    const pages = paginateDescribeAlarms(
      { client: this.client, pageSize: 100 },
      { AlarmNamePrefix: prefix, AlarmTypes: ['MetricAlarm'] },
    );
    for await (const page of pages) {
      for (const alarm of page.MetricAlarms ?? []) {
        // The prefix is also enforced here: only alarms with it are ever read further.
        if (alarm.AlarmName?.startsWith(prefix) && alarm.AlarmArn) alarms.push(toExistingAlarm(alarm));
      }
    }
    return alarms;
  }

  async tags(arn: string): Promise<Record<string, string> | undefined> {
    try {
      const out = await this.client.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
      return Object.fromEntries((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    } catch (error) {
      // Deleted between DescribeAlarms and now: it is not there any more.
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  async create(alarm: AlarmSpec): Promise<void> {
    await this.client.send(new PutMetricAlarmCommand(toPutMetricAlarmInput(alarm, { withTags: true })));
  }

  async update(
    alarm: AlarmSpec,
    options: { arn: string; actionsEnabled: boolean; configuration: boolean; tags: boolean },
  ): Promise<void> {
    if (options.configuration) {
      await this.client.send(
        new PutMetricAlarmCommand(
          toPutMetricAlarmInput(alarm, { actionsEnabled: options.actionsEnabled, withTags: false }),
        ),
      );
    }
    if (options.tags) {
      await this.client.send(new TagResourceCommand({ ResourceARN: options.arn, Tags: toTags(alarm.tags) }));
    }
  }

  async delete(names: readonly string[]): Promise<void> {
    for (let i = 0; i < names.length; i += DELETE_BATCH) {
      await this.client.send(new DeleteAlarmsCommand({ AlarmNames: names.slice(i, i + DELETE_BATCH) }));
    }
  }

  /**
   * RabbitMQ node names by broker name, from the per-node SystemCpuUtilization series (dimensions Broker + Node)
   * that published in the last 3 hours (so replaced nodes drop out).
   */
  async rabbitNodes(): Promise<Map<string, string[]>> {
    const nodes = new Map<string, Set<string>>();
    const pages = paginateListMetrics(
      { client: this.client },
      {
        Namespace: AMAZON_MQ_NAMESPACE,
        MetricName: 'SystemCpuUtilization',
        Dimensions: [{ Name: 'Node' }],
        RecentlyActive: 'PT3H',
      },
    );
    for await (const page of pages) {
      for (const metric of page.Metrics ?? []) {
        const broker = metric.Dimensions?.find((d) => d.Name === 'Broker')?.Value;
        const node = metric.Dimensions?.find((d) => d.Name === 'Node')?.Value;
        if (!broker || !node) continue;
        const set = nodes.get(broker) ?? new Set<string>();
        set.add(node);
        nodes.set(broker, set);
      }
    }
    return new Map([...nodes].map(([broker, set]) => [broker, [...set].sort()]));
  }
}
