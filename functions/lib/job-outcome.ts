import type { MiddlewareObj } from '@middy/core';
import { ConfigurationError, InvalidInputError, MqopsError } from '@mqops/core/errors';
import { errorText } from '@mqops/core/notices';
import {
  type CoverageGap,
  gapLines,
  type JobOutcome,
  type JobStatus,
  outcomeOf,
  outcomeSummary,
} from '@mqops/core/outcome';
import { emitJobOutcome, emitMetrics } from './job-metric';

/**
 * The function's own account and region as the outcome's gaps name it: `self/eu-west-1` (Lambda sets AWS_REGION;
 * its SDK clients call that region).
 */
export function selfTarget(env: NodeJS.ProcessEnv = process.env): string {
  return `self/${env.AWS_REGION || env.AWS_DEFAULT_REGION || 'default'}`;
}

/** A job that covered nothing it was asked (or failed as a whole): the invocation fails, with what it returned. */
export class JobFailedError<T = unknown> extends MqopsError {
  constructor(
    readonly job: string,
    readonly outcome: JobOutcome,
    readonly result: T,
  ) {
    const first = gapLines(outcome.gaps, 1)[0];
    super(`${job} ${outcomeSummary(outcome)}${first ? `: ${first}` : ''}`);
    this.name = 'JobFailedError';
  }
}

/**
 * How every job's Lambda ends, after it has done (and notified) what it could: writes the job's outcome as a metric
 * (job-metric.ts), then returns `result` when the job is complete or partial, and throws JobFailedError when it
 * failed, so Lambda retries it, counts it in its Errors metric and, after the retries, sends the event to the
 * dead-letter queue.
 *
 * @throws JobFailedError when `outcome.status` is `failed`.
 */
export function endJob<T>(job: string, outcome: JobOutcome, result: T): T {
  emitJobOutcome(job, outcome);
  if (outcome.status === 'failed') throw new JobFailedError(job, outcome, result);
  return result;
}

/** What every job's result says of its outcome, first: its status and what it did not cover. */
export interface JobSummary {
  /** complete or partial (a failed job fails the invocation instead of returning). */
  status: JobStatus;
  /** How many things were not covered. */
  gaps: number;
  /** What was not covered and why (the first 100 of `gaps`). */
  notCovered: CoverageGap[];
}

/** The {@link JobSummary} of an outcome. */
export function jobSummary(outcome: JobOutcome): JobSummary {
  return { status: outcome.status, gaps: outcome.gaps.length, notCovered: outcome.gaps.slice(0, 100) };
}

/**
 * A middy middleware that counts a job stopped by an error before it had an outcome (a bad configuration, no
 * credentials, a state store or a channel that refused, a plan store that could not be listed) as failed: its metric,
 * with the error as the gap, as Lambda's own Errors metric counts the invocation. A job that ended through
 * {@link endJob} wrote its metric already. A refused event (InvalidInputError) is no failed job: it counts as
 * `Rejected` (a function with a dead-letter queue sends it there first: refuse.ts). The error is left to fail the
 * invocation.
 */
export function countFailures(job: string): MiddlewareObj {
  return {
    onError: async (request) => {
      if (request.error instanceof JobFailedError) return;
      if (request.error instanceof InvalidInputError && !(request.error instanceof ConfigurationError)) {
        emitMetrics(job, { Rejected: 1 });
        return;
      }
      emitJobOutcome(job, outcomeOf(0, [{ target: selfTarget(), reason: errorText(request.error) }], true));
    },
  };
}
