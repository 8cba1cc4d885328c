import { ScheduledEventSchema } from '../events';
import { assertWithinLimits, refusal } from '../limits';
import * as v from '../schema';

/**
 * An EventBridge scheduled event (what an `sst.aws.Cron` delivers), stricter where the watcher uses the fields: a
 * non-empty id and region, and an ISO 8601 time.
 */
const ScheduledEvent = v.object({
  ...ScheduledEventSchema.entries,
  id: v.pipe(v.string(), v.minLength(1)),
  time: v.timestamp(),
  region: v.pipe(v.string(), v.minLength(1)),
});

/** A scheduled poll: which rule fired, and when. */
export interface WatchRequest {
  id: string;
  time: string;
  region: string;
}

/**
 * Reads what the watcher was invoked with: only an EventBridge scheduled event starts a poll.
 * @throws InvalidInputError for anything else, over the edge's limits first (limits.ts: at most 300 characters,
 * repeating no long value; nothing is called).
 */
export function parseWatchEvent(event: unknown): WatchRequest {
  assertWithinLimits(event);
  const parsed = v.safeParse(ScheduledEvent, event);
  if (!parsed.success)
    throw refusal('expected an EventBridge scheduled event', v.issueLines(parsed.issues, '(event)'));
  return { id: parsed.output.id, time: parsed.output.time, region: parsed.output.region };
}
