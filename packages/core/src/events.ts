import { z } from 'zod';
import type { AuditRequest } from './audit';
import { InvalidInputError } from './errors';

/** An EventBridge scheduled event (what an `sst.aws.Cron` delivers). */
const ScheduledEvent = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  id: z.string(),
  time: z.string(),
  account: z.string(),
  region: z.string(),
  resources: z.array(z.string()),
  detail: z.record(z.string(), z.unknown()),
});

/** A manual invoke: `{}` audits everything, `{ "brokerIds": [...] }` only those brokers. */
const ManualEvent = z
  .object({
    brokerIds: z.array(z.string().min(1).max(150)).min(1).max(200).optional(),
  })
  .strict();

function issues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(event)'}: ${i.message}`);
}

/**
 * Turns what the audit function was invoked with into an audit request.
 * @throws InvalidInputError for anything that is neither a scheduled event nor a manual invoke.
 */
export function parseAuditEvent(event: unknown): AuditRequest {
  if (event !== null && typeof event === 'object' && 'source' in event) {
    const scheduled = ScheduledEvent.safeParse(event);
    if (!scheduled.success)
      throw new InvalidInputError('not a valid scheduled event', issues(scheduled.error));
    return { trigger: 'schedule' };
  }
  const manual = ManualEvent.safeParse(event);
  if (!manual.success)
    throw new InvalidInputError(
      'expected an EventBridge scheduled event or { "brokerIds": [...] }',
      issues(manual.error),
    );
  return manual.data.brokerIds
    ? { trigger: 'manual', brokerIds: manual.data.brokerIds }
    : { trigger: 'manual' };
}
