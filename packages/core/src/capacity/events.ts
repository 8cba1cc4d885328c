import { ScheduledEventSchema } from '../events';
import { assertWithinLimits, brokerRefSchema, MAX_BROKERS, refusal } from '../limits';
import * as v from '../schema';

/** What a capacity function was asked to do. */
export type CapacityRequest =
  | { trigger: 'schedule'; time: string }
  /** A manual invoke (`aws lambda invoke`, the console): only these brokers (ids or names), or all. */
  | { trigger: 'manual'; brokers?: string[] };

const Scheduled = v.object({ ...ScheduledEventSchema.entries, time: v.timestamp() });
/** At most {@link MAX_BROKERS} brokers, each an id (`b-…`) or a name (1–50 letters, digits, - and _). */
const Manual = v.strictObject({
  brokers: v.optional(v.pipe(v.array(brokerRefSchema()), v.minLength(1), v.maxLength(MAX_BROKERS))),
});

/**
 * Reads a capacity function's event: an EventBridge scheduled event, or a manual `{}` / `{"brokers": ["b-…"]}`.
 * @throws InvalidInputError naming what is wrong in at most 300 characters (limits.ts): an event over 256 KB or 32
 * levels deep is refused before it is read; nothing is called.
 */
export function parseCapacityEvent(event: unknown): CapacityRequest {
  assertWithinLimits(event, 'expected an EventBridge scheduled event or a manual {"brokers": ["b-…"]}');
  const scheduled = v.safeParse(Scheduled, event);
  if (scheduled.success) return { trigger: 'schedule', time: scheduled.output.time };
  const manual = v.safeParse(Manual, event);
  if (manual.success)
    return { trigger: 'manual', ...(manual.output.brokers ? { brokers: manual.output.brokers } : {}) };
  // Report against the shape the event was meant to have: a scheduled event's gaps, or the manual payload's.
  const meant =
    (event as { source?: unknown } | null)?.source === 'aws.events' ? scheduled.issues : manual.issues;
  throw refusal(
    'expected an EventBridge scheduled event or a manual {"brokers": ["b-…"]}',
    v.issueLines(meant, '(event)'),
  );
}
