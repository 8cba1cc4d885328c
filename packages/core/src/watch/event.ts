import { z } from 'zod';
import { InvalidInputError } from '../errors';

/** An EventBridge scheduled event (what an `sst.aws.Cron` delivers). */
const ScheduledEvent = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  id: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  account: z.string(),
  region: z.string().min(1),
  resources: z.array(z.string()),
  detail: z.record(z.string(), z.unknown()),
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
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(event)'}: ${i.message}`),
    );
  return { id: parsed.data.id, time: parsed.data.time, region: parsed.data.region };
}
