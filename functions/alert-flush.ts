import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type AlertRuntime, alertRuntime } from './lib/alert-runtime';
import { createLogger } from './lib/logger';

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
  };
  logger.info('alert flush finished', { ...result, sentIds: r.sent.map((n) => n.id) });
  return result;
}

/** A handler with an injectable clock (tests and benchmarks drive time). */
export function makeAlertFlushHandler(options: { now?: () => Date; env?: NodeJS.ProcessEnv } = {}) {
  const now = options.now ?? (() => new Date());
  const runtime = () =>
    alertRuntime(options.env ?? process.env, (message, extra) => logger.warn(message, { ...extra }));
  return middy((_event: unknown, context: Context) => {
    const remaining = context?.getRemainingTimeInMillis?.() ?? 900_000;
    const stopAt = Date.now() + Math.max(0, remaining - SAFETY_MS);
    return flushAlerts(runtime, now, () => Date.now() < stopAt);
  }).use(injectLambdaContext(logger, { resetKeys: true }));
}

export const handler = makeAlertFlushHandler();
