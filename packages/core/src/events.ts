import type { AuditRequest } from './audit';
import { InvalidInputError } from './errors';
import {
  ACCOUNT_ID_DIGITS,
  ARN_CHARS,
  assertWithinLimits,
  BROKER_REF,
  brokerRefSchema,
  CLOUDTRAIL_EVENT_NAME_CHARS,
  clip,
  MAX_BROKERS,
  MAX_RESOURCES,
  MAX_SHORT,
  REGION_CHARS,
  refusal,
  SECURITY_GROUP_ID,
} from './limits';
import * as v from './schema';

/** A string of at most `max` characters. */
const text = (max: number) => v.pipe(v.string(), v.maxLength(max));

/**
 * The fields every EventBridge event carries, within AWS's limits (limits.ts: an account id is 12 digits, a region
 * code at most 25 characters). Lengths only: no function acts on them, and the Audit bundle is near its budget.
 */
const Envelope = {
  id: text(MAX_SHORT),
  account: text(ACCOUNT_ID_DIGITS),
  region: text(REGION_CHARS),
};

/**
 * An EventBridge scheduled event (what an `sst.aws.Cron` delivers). The one schema of it: the audit and the alarm
 * reconciler take it as is, the watcher tightens a few fields (packages/core/src/watch/event.ts). Every string and
 * list is bounded (limits.ts); the parses that read it refuse an event over 256 KB or 32 levels deep first.
 */
export const ScheduledEventSchema = v.object({
  source: v.literal('aws.events'),
  'detail-type': v.literal('Scheduled Event'),
  ...Envelope,
  time: text(MAX_SHORT),
  resources: v.pipe(v.array(text(ARN_CHARS)), v.maxLength(MAX_RESOURCES)),
  detail: v.record(v.string(), v.unknown()),
});

/** A run someone asked for by hand, or a schedule's. */
export type ScheduledRequest = { trigger: 'schedule'; time: string } | { trigger: 'manual' };

/**
 * Reads the event of a function that only runs on a schedule (the alert flusher): an EventBridge scheduled event, or
 * `{}` from a manual invoke.
 * @throws InvalidInputError (bounded, limits.ts) for anything else; nothing has been called.
 */
export function parseScheduledEvent(event: unknown): ScheduledRequest {
  assertWithinLimits(event, 'expected an EventBridge scheduled event or {}');
  const scheduled = v.safeParse(v.object({ ...ScheduledEventSchema.entries, time: v.timestamp() }), event);
  if (scheduled.success) return { trigger: 'schedule', time: scheduled.output.time };
  if (v.is(v.strictObject({}), event)) return { trigger: 'manual' };
  throw refusal('expected an EventBridge scheduled event or {}', issues(scheduled.issues));
}

/** Amazon MQ API calls that change what the audit sees. */
export const MQ_CHANGE_EVENTS = [
  'CreateBroker',
  'UpdateBroker',
  'DeleteBroker',
  'RebootBroker',
  'Promote',
  'CreateUser',
  'UpdateUser',
  'DeleteUser',
  'CreateConfiguration',
  'UpdateConfiguration',
  'CreateTags',
  'DeleteTags',
] as const;

/** EC2 API calls that change a security group's rules. */
export const SECURITY_GROUP_CHANGE_EVENTS = [
  'AuthorizeSecurityGroupIngress',
  'RevokeSecurityGroupIngress',
  'ModifySecurityGroupRules',
  'UpdateSecurityGroupRuleDescriptionsIngress',
] as const;

/** An AWS API call delivered by EventBridge from CloudTrail. */
const CloudTrailEvent = v.object({
  source: v.picklist(['aws.amazonmq', 'aws.ec2']),
  'detail-type': v.literal('AWS API Call via CloudTrail'),
  ...Envelope,
  detail: v.object({
    eventSource: v.picklist(['amazonmq.amazonaws.com', 'ec2.amazonaws.com']),
    eventName: text(CLOUDTRAIL_EVENT_NAME_CHARS),
    errorCode: v.optional(text(MAX_SHORT)),
    requestParameters: v.nullish(v.record(v.string(), v.unknown())),
    responseElements: v.nullish(v.record(v.string(), v.unknown())),
  }),
});

/** A manual invoke: `{}` audits everything, `{ "brokerIds": [...] }` only those brokers (ids or names). */
const ManualEvent = v.strictObject({
  brokerIds: v.optional(v.pipe(v.array(brokerRefSchema()), v.minLength(1), v.maxLength(MAX_BROKERS))),
});

/** Issue lines: {@link refusal} cuts each (a long unknown key) and keeps the message within 300 characters. */
const issues = (list: v.Issues) => v.issueLines(list, '(event)');

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * The id a change event names at `where`, when it is one (a broker or configuration id: {@link BROKER_REF}; a
 * security group: `sg-…`); undefined when absent.
 * @throws InvalidInputError (bounded) for an id that is not one: it would reach an AWS call otherwise.
 */
function idAt(eventName: string, where: string, value: unknown, pattern = BROKER_REF): string | undefined {
  const id = str(value);
  if (id === undefined || pattern.test(id)) return id;
  throw refusal(`${eventName} event with a malformed ${where}: ${clip(id)}`);
}

/**
 * What to audit for a CloudTrail event, or `null` when it needs no audit (a failed call, an event name mqops does
 * not react to).
 * @throws InvalidInputError when a relevant event lacks the id it should carry.
 */
function changeRequest(event: v.InferOutput<typeof CloudTrailEvent>): AuditRequest | null {
  const { eventName, errorCode } = event.detail;
  if (errorCode) return null; // The call failed: nothing changed.
  const params = event.detail.requestParameters ?? {};
  const response = event.detail.responseElements ?? {};
  if (event.source === 'aws.ec2') {
    if (!(SECURITY_GROUP_CHANGE_EVENTS as readonly string[]).includes(eventName)) return null;
    const id = idAt(eventName, 'groupId', params.groupId, SECURITY_GROUP_ID);
    if (!id) throw new InvalidInputError(`${eventName} event without requestParameters.groupId`);
    return { trigger: 'change', securityGroupIds: [id] };
  }
  if (!(MQ_CHANGE_EVENTS as readonly string[]).includes(eventName)) return null;
  if (eventName === 'CreateConfiguration') return null; // Nothing uses a new configuration yet.
  if (eventName === 'UpdateConfiguration') {
    const id = idAt(eventName, 'configurationId', params.configurationId);
    if (!id)
      throw new InvalidInputError('UpdateConfiguration event without requestParameters.configurationId');
    return { trigger: 'change', configurationIds: [id] };
  }
  if (eventName === 'CreateTags' || eventName === 'DeleteTags') {
    const arn = str(params.resourceArn);
    const id = arn?.includes(':broker:') ? arn.split(':').pop() : undefined;
    const broker = idAt(eventName, 'broker ARN', id);
    return broker ? { trigger: 'change', brokerIds: [broker] } : null;
  }
  const id = idAt(eventName, 'brokerId', params.brokerId) ?? idAt(eventName, 'brokerId', response.brokerId);
  if (!id)
    throw new InvalidInputError(
      `${eventName} event without a brokerId in requestParameters or responseElements`,
    );
  return { trigger: 'change', brokerIds: [id] };
}

/**
 * Turns what the audit function was invoked with into an audit request: a scheduled event (the whole fleet), a
 * CloudTrail change event (the brokers it touched), or a manual invoke. `null` means the event needs no audit.
 * @throws InvalidInputError for anything else, in at most 300 characters (limits.ts): an event over 256 KB or 32
 * levels deep is refused before it is read, a broker id or name over Amazon MQ's limits before it reaches a call.
 */
export function parseAuditEvent(event: unknown): AuditRequest | null {
  assertWithinLimits(event);
  if (event !== null && typeof event === 'object' && 'source' in event) {
    if ((event as { 'detail-type'?: unknown })['detail-type'] === 'AWS API Call via CloudTrail') {
      const change = v.safeParse(CloudTrailEvent, event);
      if (!change.success) throw refusal('not a valid CloudTrail change event', issues(change.issues));
      return changeRequest(change.output);
    }
    const scheduled = v.safeParse(ScheduledEventSchema, event);
    if (!scheduled.success) throw refusal('not a valid scheduled event', issues(scheduled.issues));
    return { trigger: 'schedule' };
  }
  const manual = v.safeParse(ManualEvent, event);
  if (!manual.success)
    throw refusal(
      'expected an EventBridge scheduled event, a CloudTrail change event or { "brokerIds": [...] }',
      issues(manual.issues),
    );
  return manual.output.brokerIds
    ? { trigger: 'manual', brokerIds: manual.output.brokerIds }
    : { trigger: 'manual' };
}
