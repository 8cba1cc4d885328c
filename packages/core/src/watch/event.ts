import { InvalidInputError } from '../errors';
import { ScheduledEventSchema } from '../events';
import * as z from '../zod';

/**
 * An EventBridge scheduled event (what an `sst.aws.Cron` delivers), stricter where the watcher uses the fields: a
 * non-empty id and region, and an ISO 8601 time.
 */
const ScheduledEvent = z.extend(ScheduledEventSchema, {
  id: z.string().check(z.minLength(1)),
  time: z.iso.datetime({ offset: true }),
  region: z.string().check(z.minLength(1)),
});

/** A scheduled poll: which rule fired, and when. */
export interface WatchRequest {
  id: string;
  time: string;
  region: string;
}

/**
 * Reads what the watcher was invoked with: only an EventBridge scheduled event starts a poll.
 * @throws InvalidInputError for anything else (nothing is called).
 */
export function parseWatchEvent(event: unknown): WatchRequest {
  const parsed = ScheduledEvent.safeParse(event);
  if (!parsed.success)
    throw new InvalidInputError(
      'expected an EventBridge scheduled event',
      z.issueLines(parsed.error, '(event)'),
    );
  return { id: parsed.data.id, time: parsed.data.time, region: parsed.data.region };
}
