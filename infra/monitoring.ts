import { alertFlushFunction, alertsFunction } from './notify';
import { rotateFunction } from './rotation';
import { deadLetters } from './storage';
import type { FunctionSpec, SelfAlarmSpec } from './types';

/**
 * mqops watched like any service: alarms on what tells that it is not doing its job, each named
 * `mqops.self.<stage>.<key>` (SELF_ALARM_PREFIX), so its state changes take the Alerts rule to Slack and SNS like a
 * broker's alerts, grouped apart as `mqops (self)`. Metrics come from the functions' Embedded Metric Format lines
 * (functions/lib/job-metric.ts: namespace `mqops`), Lambda's own `Errors`, and the dead-letter queue's depth.
 * `mqops doctor` reads their states for a deployed stage.
 */

/** A function's `Errors` (Lambda's metric): any error in 5 minutes. */
function functionErrors(fn: FunctionSpec, direct = false): SelfAlarmSpec {
  return {
    key: `errors-${fn.name.replace(/[A-Z]/g, (c, i: number) => (i ? '-' : '') + c.toLowerCase())}`,
    description:
      `mqops' ${fn.name} function failed (an error, a timeout or a failed job): read its log group ` +
      `/aws/lambda/<${fn.name} function>; a failed job also writes mqops JobFailed with its Job.`,
    namespace: 'AWS/Lambda',
    metric: 'Errors',
    dimensions: { FunctionName: { functionName: fn.name } },
    statistic: 'Sum',
    period: 300,
    threshold: 1,
    ...(direct ? { direct } : {}),
  };
}

/** Functions whose errors get an alarm of their own (every function of the stack, passed in by infra/index.ts). */
export function selfAlarms(functions: readonly FunctionSpec[]): SelfAlarmSpec[] {
  // The alert path itself: its alarms also publish straight to the topic, in case it is what is broken.
  const alertPath = new Set([alertsFunction.name, alertFlushFunction.name]);
  return [
    {
      key: 'dead-letters',
      description:
        'An event reached the mqops dead-letter queue: a function refused it (ErrorMessage attribute says why) or ' +
        'failed on it after its retries. Read the messages (mqops doctor, or the SQS console), mend, then purge.',
      namespace: 'AWS/SQS',
      metric: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: { queueName: deadLetters.name } },
      statistic: 'Maximum',
      period: 60,
      threshold: 1,
      direct: true,
    },
    {
      key: 'audit-failed',
      description:
        'An mqops audit covered nothing it was asked (JobFailed, Job=audit): no broker was audited. Its digest and ' +
        'log say why (credentials, throttling, an unreachable region).',
      namespace: 'mqops',
      metric: 'JobFailed',
      dimensions: { Job: { literal: 'audit' } },
      statistic: 'Sum',
      period: 60,
      threshold: 1,
    },
    {
      key: 'alerts-abandoned',
      description:
        'mqops gave up delivering an alert notification after its retries (AlertsAbandoned): a broker alert was not ' +
        'heard in Slack or SNS. Check the Slack webhook and the topic, then the AlertFlush log.',
      namespace: 'mqops',
      metric: 'AlertsAbandoned',
      dimensions: { Service: { literal: 'mqops' } },
      statistic: 'Sum',
      period: 60,
      threshold: 1,
      direct: true,
    },
    {
      key: 'resize-rolled-back',
      description:
        'An mqops resize was rolled back (ResizesRolledBack): the broker is on its old instance type again. The ' +
        'plan (mqops rightsize) says why.',
      namespace: 'mqops',
      metric: 'ResizesRolledBack',
      dimensions: { Service: { literal: 'mqops' } },
      statistic: 'Sum',
      period: 60,
      threshold: 1,
    },
    {
      key: 'rotation-failed',
      description:
        'An mqops credential rotation step failed (RotationsFailed; a rotation waiting for its broker is not counted). ' +
        'The secret keeps its current password; its rotation notice and the Rotate log say why.',
      namespace: 'mqops',
      metric: 'RotationsFailed',
      dimensions: { Service: { literal: 'mqops' } },
      statistic: 'Sum',
      period: 60,
      threshold: 1,
    },
    // The Rotate function fails a step on purpose while it waits for its broker (Secrets Manager retries it), for as
    // long as days: its errors are no alarm; rotation-failed counts the real failures.
    ...functions
      .filter((fn) => fn.name !== rotateFunction.name)
      .map((fn) => functionErrors(fn, alertPath.has(fn.name))),
  ];
}
