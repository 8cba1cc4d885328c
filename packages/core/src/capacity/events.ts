import { InvalidInputError } from '../errors';
import { ScheduledEventSchema } from '../events';
import * as z from '../zod';

/** What a capacity function was asked to do. */
export type CapacityRequest =
  | { trigger: 'schedule'; time: string }
  /** A manual invoke (`aws lambda invoke`, the console): only these brokers (ids or names), or all. */
  | { trigger: 'manual'; brokers?: string[] };

const Scheduled = z.extend(ScheduledEventSchema, { time: z.iso.datetime({ offset: true }) });
const Manual = z.strictObject({
  brokers: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
});

/**
 * Reads a capacity function's event: an EventBridge scheduled event, or a manual `{}` / `{"brokers": ["b-…"]}`.
 * @throws InvalidInputError naming what is wrong (nothing is called).
 */
export function parseCapacityEvent(event: unknown): CapacityRequest {
  const scheduled = Scheduled.safeParse(event);
  if (scheduled.success) return { trigger: 'schedule', time: scheduled.data.time };
  const manual = Manual.safeParse(event);
  if (manual.success)
    return { trigger: 'manual', ...(manual.data.brokers ? { brokers: manual.data.brokers } : {}) };
  // Report against the shape the event was meant to have: a scheduled event's gaps, or the manual payload's.
  const meant =
    (event as { source?: unknown } | null)?.source === 'aws.events' ? scheduled.error : manual.error;
  throw new InvalidInputError(
    'expected an EventBridge scheduled event or a manual {"brokers": ["b-…"]}',
    z.issueLines(meant, '(event)'),
  );
}
