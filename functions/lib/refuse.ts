import type { MiddlewareObj } from '@middy/core';
import { DeadLetterQueue } from '@mqops/aws/dead-letters';
import { ConfigurationError, InvalidInputError } from '@mqops/core/errors';
import { emitMetrics } from './job-metric';

/** The dead-letter queue's URL (the stack sets it on every function that has one). */
export const DEAD_LETTER_QUEUE_ENV = 'MQOPS_DEAD_LETTER_QUEUE_URL';

/** The longest reason a refusal response and its dead letter carry. */
const MAX_REASON = 300;

let cached: { url: string; queue: DeadLetterQueue } | undefined;

/** The queue named by the environment, one client per cold start; undefined when the function has none. */
function deadLettersFromEnv(env: NodeJS.ProcessEnv = process.env): DeadLetterQueue | undefined {
  const url = env[DEAD_LETTER_QUEUE_ENV];
  if (!url) return undefined;
  if (cached?.url !== url) cached = { url, queue: new DeadLetterQueue(url) };
  return cached.queue;
}

/** What an invocation that refused its event returns (Lambda sees success, so it does not retry). */
export interface Refusal {
  rejected: true;
  reason: string;
}

/**
 * A middy middleware for functions invoked asynchronously (EventBridge, SNS, schedules): an event refused as
 * InvalidInputError is a deterministic rejection (every retry would be refused the same way), so instead of failing the
 * invocation (which Lambda retries twice, then dead-letters without a reason) it sends the event once to the stack's
 * dead-letter queue with its reason (`ErrorCode`, `ErrorMessage`, `Job`, `RequestID` attributes), counts it
 * (`Rejected`, job-metric.ts) and returns {@link Refusal}. The queue's alarm then tells a person. Without a queue (a
 * synchronous invoke, a test) the error goes on to the caller, and countFailures counts it. Any other error is left
 * alone; a dead letter that cannot be sent fails the invocation (Lambda's own retries and dead-lettering take over).
 */
export function refuseToDeadLetters(
  job: string,
  queue: () => DeadLetterQueue | undefined = deadLettersFromEnv,
): MiddlewareObj {
  return {
    onError: async (request) => {
      // A broken configuration is a failed job (every event fails alike until it is mended), not a refused event.
      if (!(request.error instanceof InvalidInputError) || request.error instanceof ConfigurationError)
        return undefined;
      const deadLetters = queue();
      if (!deadLetters) return undefined;
      const message = request.error.message;
      const reason = message.length <= MAX_REASON ? message : `${message.slice(0, MAX_REASON - 1)}…`;
      const requestId = (request.context as { awsRequestId?: string } | undefined)?.awsRequestId;
      await deadLetters.send({ job, event: request.event, reason, ...(requestId ? { requestId } : {}) });
      emitMetrics(job, { Rejected: 1 });
      const refusal: Refusal = { rejected: true, reason };
      return refusal;
    },
  };
}
