import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { parseScheduledEvent } from '@mqops/core/events';
import type { Context } from 'aws-lambda';
import { type AlertRuntime, alertRuntime } from './lib/alert-runtime';
import { emitMetrics } from './lib/job-metric';
import { createLogger } from './lib/logger';
import { refuseToDeadLetters } from './lib/refuse';

const logger = createLogger('mqops-alert-flush');

/** Time kept back from the Lambda timeout to finish the deliveries under way and return. */
const SAFETY_MS = 30_000;

export interface AlertFlushResult {
  groups: number;
  sent: number;
  failed: number;
  abandoned: number;
  busy: number;
  /** Groups left for the next run (the time budget ran out). */
  deferred: number;
  /** Notifications held back by inhibition or silences (each hold counted once, when it starts). */
  suppressed: number;
}

/**
 * The scheduled flusher (every minute): sends first notifications after group_wait, changes after group_interval,
 * repeats, resolved notifications, and retries failed deliveries. Stops claiming new groups when the invocation's
 * time runs low; what is left goes in the next run.
 */
export async function flushAlerts(
  runtime: () => AlertRuntime,
  now: () => Date,
  shouldContinue: () => boolean,
): Promise<AlertFlushResult> {
  const r = await runtime().engine.flush(now(), { shouldContinue });
  for (const f of r.failed) logger.warn('alert notification not delivered (retried next run)', { ...f });
  for (const a of r.abandoned) logger.error('alert notification given up after too many attempts', { ...a });
  const result: AlertFlushResult = {
    groups: r.groups,
    sent: r.sent.length,
    failed: r.failed.length,
    abandoned: r.abandoned.length,
    busy: r.busy,
    deferred: r.deferred,
    suppressed: r.suppressed,
  };
  logger.info('alert flush finished', { ...result, sentIds: r.sent.map((n) => n.id) });
  // AlertsAbandoned raises mqops' own alarm (infra/monitoring.ts): an alert nobody heard.
  emitMetrics('alert-flush', {
    AlertsDelivered: result.sent,
    AlertsFailed: result.failed,
    AlertsAbandoned: result.abandoned,
    AlertsSuppressed: result.suppressed,
  });
  return result;
}

/**
 * A handler with an injectable clock (tests and benchmarks drive time). It takes an EventBridge scheduled event or a
 * manual `{}`; anything else is refused (InvalidInputError, limits.ts) before the runtime is built.
 */
export function makeAlertFlushHandler(options: { now?: () => Date; env?: NodeJS.ProcessEnv } = {}) {
  const now = options.now ?? (() => new Date());
  const runtime = () =>
    alertRuntime(options.env ?? process.env, (message, extra) => logger.warn(message, { ...extra }));
  return middy((event: unknown, context: Context) => {
    parseScheduledEvent(event);
    const remaining = context?.getRemainingTimeInMillis?.() ?? 900_000;
    const stopAt = Date.now() + Math.max(0, remaining - SAFETY_MS);
    return flushAlerts(runtime, now, () => Date.now() < stopAt);
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(refuseToDeadLetters('alert-flush'));
}

export const handler = makeAlertFlushHandler();
