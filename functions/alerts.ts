import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { InvalidInputError } from '@mqops/core';
import { isAmazonMqAlarm, NOT_AMAZON_MQ_ALARM, parseAlarmEvent } from '@mqops/core/alerts/events';
import { type AlertRuntime, alertRuntime } from './lib/alert-runtime';
import { emitMetrics } from './lib/job-metric';
import { createLogger } from './lib/logger';
import { refuseToDeadLetters } from './lib/refuse';

const logger = createLogger('mqops-alerts');

/** What the function returns. */
export interface AlertsResult {
  received: number;
  recorded: number;
  duplicates: number;
  /**
   * OK transitions of alarms that were not firing, stale (out-of-order, or older than the dedup horizon) events, and
   * alarms that are not about Amazon MQ.
   */
  ignored: number;
  /** Of `ignored`: alarms that are not about Amazon MQ (not ours: nothing read, written or sent for them). */
  notAmazonMq: number;
  /** Notifications that were due at once and went out. */
  sent: number;
  /** Notifications that failed (the flusher retries them). */
  failed: number;
  /** Notifications that were due at once and held back by inhibition or silences. */
  suppressed: number;
}

/**
 * Records CloudWatch alarm state changes (EventBridge "CloudWatch Alarm State Change", or SNS alarm notifications)
 * into alert groups, and sends what is due at once; the scheduled flusher (alert-flush.ts) sends the rest. A
 * malformed or oversized event, or one whose state time is ahead of the clock by more than MAX_CLOCK_SKEW_MS, is
 * rejected (InvalidInputError) before anything is written or sent; an alarm that is not about Amazon MQ is ignored.
 */
export async function receiveAlarmEvent(
  event: unknown,
  runtime: () => AlertRuntime,
  now: () => Date,
): Promise<AlertsResult> {
  let alerts: ReturnType<typeof parseAlarmEvent>;
  try {
    alerts = parseAlarmEvent(event, { now: now() });
  } catch (error) {
    // The issues are bounded (a few lines of at most 200 characters) and never repeat a received value at length.
    // Its message is bounded (limits.ts `refusal`: at most 300 characters, no long value repeated).
    if (error instanceof InvalidInputError)
      logger.error('rejected a malformed alarm event', { error: error.message });
    throw error;
  }
  const result: AlertsResult = {
    received: alerts.length,
    recorded: 0,
    duplicates: 0,
    ignored: 0,
    notAmazonMq: 0,
    sent: 0,
    failed: 0,
    suppressed: 0,
  };
  if (alerts.length === 0) {
    logger.info('event carries no alarm state change');
    return result;
  }
  // Not ours (an alarm topic or a widened rule brought it): counted and logged, nothing built, read or written.
  const ours = alerts.filter((alert) => {
    if (isAmazonMqAlarm(alert)) return true;
    result.ignored++;
    result.notAmazonMq++;
    logger.info('alarm state change ignored', {
      alarm: alert.alarmName,
      state: alert.state,
      namespace: alert.metric?.namespace,
      outcome: 'ignored',
      reason: NOT_AMAZON_MQ_ALARM,
    });
    return false;
  });
  if (ours.length === 0) return result;
  const { engine } = runtime();
  for (const alert of ours) {
    const r = await engine.receive(alert, now());
    if (r.outcome === 'recorded') result.recorded++;
    else if (r.outcome === 'duplicate') result.duplicates++;
    else result.ignored++;
    if (r.reason === NOT_AMAZON_MQ_ALARM) result.notAmazonMq++;
    result.sent += r.sent.length;
    result.failed += r.failed.length;
    result.suppressed += r.suppressed;
    for (const f of r.failed)
      logger.warn('alert notification not delivered yet (the flusher retries)', { ...f });
    logger.info('alarm state change', {
      alarm: alert.alarmName,
      state: alert.state,
      broker: alert.broker,
      severity: alert.severity,
      group: r.groupKey,
      outcome: r.outcome,
      ...(r.reason ? { reason: r.reason } : {}),
      sent: r.sent.map((n) => n.id),
    });
  }
  // The received and ignored counts are in the result and the log (Lambda's Invocations count the events).
  emitMetrics('alerts', {
    AlertsDelivered: result.sent,
    AlertsFailed: result.failed,
    AlertsSuppressed: result.suppressed,
  });
  return result;
}

/** A handler with an injectable clock (tests and benchmarks drive time). */
export function makeAlertsHandler(options: { now?: () => Date; env?: NodeJS.ProcessEnv } = {}) {
  const now = options.now ?? (() => new Date());
  const runtime = () =>
    alertRuntime(options.env ?? process.env, (message, extra) => logger.warn(message, { ...extra }));
  return middy((event: unknown) => receiveAlarmEvent(event, runtime, now))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(refuseToDeadLetters('alerts'));
}

export const handler = makeAlertsHandler();
