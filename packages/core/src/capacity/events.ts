import { InvalidInputError } from '../errors';
import { ScheduledEventSchema } from '../events';
import * as v from '../schema';

/** What a capacity function was asked to do. */
export type CapacityRequest =
  | { trigger: 'schedule'; time: string }
  /** A manual invoke (`aws lambda invoke`, the console): only these brokers (ids or names), or all. */
  | { trigger: 'manual'; brokers?: string[] };

const Scheduled = v.object({ ...ScheduledEventSchema.entries, time: v.timestamp() });
const Manual = v.strictObject({
  brokers: v.optional(v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1))),
});

/**
 * Reads a capacity function's event: an EventBridge scheduled event, or a manual `{}` / `{"brokers": ["b-…"]}`.
 * @throws InvalidInputError naming what is wrong (nothing is called).
 */
export function parseCapacityEvent(event: unknown): CapacityRequest {
  const scheduled = v.safeParse(Scheduled, event);
  if (scheduled.success) return { trigger: 'schedule', time: scheduled.output.time };
  const manual = v.safeParse(Manual, event);
  if (manual.success)
    return { trigger: 'manual', ...(manual.output.brokers ? { brokers: manual.output.brokers } : {}) };
  // Report against the shape the event was meant to have: a scheduled event's gaps, or the manual payload's.
  const meant =
    (event as { source?: unknown } | null)?.source === 'aws.events' ? scheduled.issues : manual.issues;
  throw new InvalidInputError(
    'expected an EventBridge scheduled event or a manual {"brokers": ["b-…"]}',
    v.issueLines(meant, '(event)'),
  );
}
