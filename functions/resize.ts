import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { parseCapacityEvent } from '@mqops/core/capacity/events';
import { type AdvanceResult, advancePlan, advancePlans, type PlanDeps } from '@mqops/core/capacity/plan';
import { tickOutcome } from '@mqops/core/tick-outcome';
import { emitMetrics } from './lib/job-metric';
import { countFailures, endJob, type JobSummary, jobSummary } from './lib/job-outcome';
import { createLogger } from './lib/logger';
import { refuseToDeadLetters } from './lib/refuse';
import { resizeRuntime } from './lib/resize-runtime';

const logger = createLogger('mqops-resize');

/** What a tick returns: its outcome, and each plan it moved (or could not). */
export interface ResizeResult extends JobSummary {
  plans: AdvanceResult[];
}

export interface ResizeOptions {
  now?: () => Date;
  /** Adapters (tests); default from the environment, once per container. */
  runtime?: () => PlanDeps;
}

/**
 * The resize tick (every 10 minutes): moves every planned resize one or more steps — it applies a plan only inside
 * the broker's maintenance window with none of its alarms in ALARM (and a single-instance broker only where policy
 * allows downtime), then reboots, waits for RUNNING across ticks, verifies with metrics and a real client
 * connection, and rolls back when that fails. Each step is claimed with a conditional write, so duplicate or
 * concurrent ticks apply once; nothing sleeps. Every tick writes its outcome as a metric (a plan that could not be
 * evaluated is a gap); a tick whose every plan failed throws JobFailedError after logging, so Lambda counts it.
 */
export function createResize(options: ResizeOptions = {}) {
  let runtime: PlanDeps | undefined;
  return async function resize(event: unknown): Promise<ResizeResult> {
    const request = parseCapacityEvent(event);
    runtime ??= (options.runtime ?? resizeRuntime)();
    const deps = { ...runtime, ...(options.now ? { now: options.now } : {}) };
    const results =
      request.trigger === 'manual' && request.brokers
        ? await Promise.all(request.brokers.map((id) => advancePlan(deps, id)))
        : await advancePlans(deps);
    for (const r of results) {
      const line = {
        broker: r.plan?.brokerName ?? r.brokerId,
        outcome: r.outcome,
        state: r.plan?.state,
        actions: r.actions.map((a) => a.kind),
        ...(r.plan?.waiting ? { waiting: r.plan.waiting } : {}),
        ...(r.error ? { error: r.error } : {}),
      };
      if (r.outcome === 'error') logger.warn('resize step failed', line);
      else logger.info('resize tick', line);
    }
    const outcome = tickOutcome(
      results.map((r) => ({
        brokerId: r.brokerId,
        ...(r.plan ? { brokerName: r.plan.brokerName, region: r.plan.region } : {}),
        ...(r.outcome === 'error' ? { error: r.error ?? 'failed' } : {}),
      })),
      'resize plan',
    );
    // ResizesRolledBack raises mqops' own alarm (infra/monitoring.ts). Counted from the actions this tick took.
    const finished = (state: string) =>
      results.filter((r) => r.actions.some((a) => a.kind === 'finish' && a.outcome === state)).length;
    emitMetrics('resize', {
      ResizesApplied: finished('done'),
      ResizesRolledBack: finished('rolled-back'),
      ResizesStarted: results.filter((r) => r.actions.some((a) => a.kind === 'update')).length,
    });
    return endJob('resize', outcome, { ...jobSummary(outcome), plans: results });
  };
}

export const handler = middy(createResize())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(countFailures('resize'))
  .use(refuseToDeadLetters('resize'));
