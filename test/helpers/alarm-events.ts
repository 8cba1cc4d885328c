import type { AlarmTransition, MetricAlarmRecord } from '@mqops/local/services/cloudwatch';

/**
 * The EventBridge "CloudWatch Alarm State Change" event CloudWatch sends for one transition of a metric alarm (the
 * local cloud has no EventBridge: tests feed these to the Alerts handler, as the rule would), with the alarm's single
 * metric as `configuration.metrics[0]` and timestamps in CloudWatch's `+0000` form.
 */
export function alarmStateChangeEvent(
  t: AlarmTransition,
  alarm: MetricAlarmRecord,
  where: { account: string; region: string },
): Record<string, unknown> {
  const state = (value: string, reason: string) => ({
    value,
    reason,
    timestamp: t.at.toISOString().replace('Z', '+0000'),
  });
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: where.account,
    time: t.at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [t.alarmArn],
    detail: {
      alarmName: t.alarmName,
      state: state(t.newState, t.reason),
      previousState: state(t.oldState, ''),
      configuration: {
        ...(alarm.AlarmDescription ? { description: alarm.AlarmDescription } : {}),
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: {
                namespace: alarm.Namespace,
                name: alarm.MetricName,
                dimensions: Object.fromEntries(alarm.Dimensions.map((d) => [d.Name, d.Value])),
              },
              period: alarm.Period,
              stat: alarm.Statistic,
            },
            returnData: true,
          },
        ],
      },
    },
  };
}
