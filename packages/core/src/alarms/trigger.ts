/**
 * What the alarm reconciler function is invoked with: an EventBridge schedule, a CloudTrail "AWS API Call via
 * CloudTrail" event from Amazon MQ, or a manual invoke. Every trigger reconciles the whole fleet: one run costs a
 * few list calls, the MQ change events are rare, and a full run also repairs whatever else drifted (Cloud
 * Custodian's "one policy, many triggers" with the simplest correct resource scope).
 */
import { InvalidInputError } from '../errors';
import { ScheduledEventSchema } from '../events';
import * as z from '../zod';

/** Amazon MQ API calls after which the alarms may have to change. */
export const ALARM_CHANGE_EVENTS = [
  'CreateBroker',
  'DeleteBroker',
  'UpdateBroker',
  'RebootBroker',
  // Tags carry the per-broker overrides (`mqops:alarm:*`).
  'CreateTags',
  'DeleteTags',
] as const;

/** A reconcile request. */
export interface AlarmsRequest {
  trigger: 'schedule' | 'change' | 'manual';
  /** Plan only (manual invokes). */
  dryRun: boolean;
  /** The CloudTrail event name of a change trigger. */
  eventName?: string;
}

const CloudTrailEvent = z.object({
  source: z.literal('aws.amazonmq'),
  'detail-type': z.literal('AWS API Call via CloudTrail'),
  id: z.string(),
  account: z.string(),
  region: z.string(),
  detail: z.object({
    eventSource: z.literal('amazonmq.amazonaws.com'),
    eventName: z.string().check(z.minLength(1)),
    errorCode: z.optional(z.string()),
    requestParameters: z.nullish(z.record(z.string(), z.unknown())),
  }),
});

/** A manual invoke: `{}`, or `{ "dryRun": true }` to see the plan without writing. */
const ManualEvent = z.strictObject({ dryRun: z.optional(z.boolean()) });

const issues = (error: z.core.$ZodError) => z.issueLines(error, '(event)');

/**
 * Turns the invocation event into a reconcile request; `null` when the event needs no run (a failed API call, an
 * MQ call that changes nothing alarms depend on, tags on something other than a broker).
 * @throws InvalidInputError for anything else, naming what is wrong; nothing has been called yet.
 */
export function parseAlarmsEvent(event: unknown): AlarmsRequest | null {
  if (event !== null && typeof event === 'object' && !Array.isArray(event) && 'source' in event) {
    if ((event as { 'detail-type'?: unknown })['detail-type'] === 'AWS API Call via CloudTrail') {
      const parsed = CloudTrailEvent.safeParse(event);
      if (!parsed.success)
        throw new InvalidInputError('not a valid Amazon MQ CloudTrail event', issues(parsed.error));
      const { eventName, errorCode, requestParameters } = parsed.data.detail;
      if (errorCode) return null; // the call failed: nothing changed
      if (!(ALARM_CHANGE_EVENTS as readonly string[]).includes(eventName)) return null;
      if (eventName === 'CreateTags' || eventName === 'DeleteTags') {
        const arn = requestParameters?.resourceArn;
        if (typeof arn !== 'string' || !arn.includes(':broker:')) return null;
      }
      return { trigger: 'change', dryRun: false, eventName };
    }
    const scheduled = ScheduledEventSchema.safeParse(event);
    if (!scheduled.success)
      throw new InvalidInputError('not a valid EventBridge scheduled event', issues(scheduled.error));
    return { trigger: 'schedule', dryRun: false };
  }
  const manual = ManualEvent.safeParse(event);
  if (!manual.success)
    throw new InvalidInputError(
      'expected an EventBridge scheduled event, an Amazon MQ CloudTrail event, {} or { "dryRun": true }',
      issues(manual.error),
    );
  return { trigger: 'manual', dryRun: manual.data.dryRun ?? false };
}
