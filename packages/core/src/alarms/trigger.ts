/**
 * What the alarm reconciler function is invoked with: an EventBridge schedule, a CloudTrail "AWS API Call via
 * CloudTrail" event from Amazon MQ, or a manual invoke. Every trigger reconciles the whole fleet: one run costs a
 * few list calls, the MQ change events are rare, and a full run also repairs whatever else drifted (Cloud
 * Custodian's "one policy, many triggers" with the simplest correct resource scope).
 */
import { ScheduledEventSchema } from '../events';
import { assertWithinLimits, CLOUDTRAIL_EVENT_NAME_CHARS, MAX_SHORT, refusal } from '../limits';
import * as v from '../schema';

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

const { id, account, region } = ScheduledEventSchema.entries;

/** An Amazon MQ API call delivered by EventBridge from CloudTrail; every string bounded (limits.ts). */
const CloudTrailEvent = v.object({
  source: v.literal('aws.amazonmq'),
  'detail-type': v.literal('AWS API Call via CloudTrail'),
  id,
  account,
  region,
  detail: v.object({
    eventSource: v.literal('amazonmq.amazonaws.com'),
    eventName: v.pipe(v.string(), v.minLength(1), v.maxLength(CLOUDTRAIL_EVENT_NAME_CHARS)),
    errorCode: v.optional(v.pipe(v.string(), v.maxLength(MAX_SHORT))),
    requestParameters: v.nullish(v.record(v.string(), v.unknown())),
  }),
});

/** A manual invoke: `{}`, or `{ "dryRun": true }` to see the plan without writing. */
const ManualEvent = v.strictObject({ dryRun: v.optional(v.boolean()) });

const issues = (list: v.Issues) => v.issueLines(list, '(event)');

/**
 * Turns the invocation event into a reconcile request; `null` when the event needs no run (a failed API call, an
 * MQ call that changes nothing alarms depend on, tags on something other than a broker).
 * @throws InvalidInputError for anything else, naming what is wrong in at most 300 characters (limits.ts): an event
 * over 256 KB or 32 levels deep is refused before it is read; nothing has been called yet.
 */
export function parseAlarmsEvent(event: unknown): AlarmsRequest | null {
  assertWithinLimits(event);
  if (event !== null && typeof event === 'object' && !Array.isArray(event) && 'source' in event) {
    if ((event as { 'detail-type'?: unknown })['detail-type'] === 'AWS API Call via CloudTrail') {
      const parsed = v.safeParse(CloudTrailEvent, event);
      if (!parsed.success) throw refusal('not a valid Amazon MQ CloudTrail event', issues(parsed.issues));
      const { eventName, errorCode, requestParameters } = parsed.output.detail;
      if (errorCode) return null; // the call failed: nothing changed
      if (!(ALARM_CHANGE_EVENTS as readonly string[]).includes(eventName)) return null;
      if (eventName === 'CreateTags' || eventName === 'DeleteTags') {
        const arn = requestParameters?.resourceArn;
        if (typeof arn !== 'string' || !arn.includes(':broker:')) return null;
      }
      return { trigger: 'change', dryRun: false, eventName };
    }
    const scheduled = v.safeParse(ScheduledEventSchema, event);
    if (!scheduled.success)
      throw refusal('not a valid EventBridge scheduled event', issues(scheduled.issues));
    return { trigger: 'schedule', dryRun: false };
  }
  const manual = v.safeParse(ManualEvent, event);
  if (!manual.success)
    throw refusal(
      'expected an EventBridge scheduled event, an Amazon MQ CloudTrail event, {} or { "dryRun": true }',
      issues(manual.issues),
    );
  return { trigger: 'manual', dryRun: manual.output.dryRun ?? false };
}
