import type { AuditRequest } from './audit';
import { InvalidInputError } from './errors';
import * as v from './schema';

/**
 * An EventBridge scheduled event (what an `sst.aws.Cron` delivers). The one schema of it: the audit and the alarm
 * reconciler take it as is, the watcher tightens a few fields (packages/core/src/watch/event.ts).
 */
export const ScheduledEventSchema = v.object({
  source: v.literal('aws.events'),
  'detail-type': v.literal('Scheduled Event'),
  id: v.string(),
  time: v.string(),
  account: v.string(),
  region: v.string(),
  resources: v.array(v.string()),
  detail: v.record(v.string(), v.unknown()),
});

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
  id: v.string(),
  region: v.string(),
  account: v.string(),
  detail: v.object({
    eventSource: v.picklist(['amazonmq.amazonaws.com', 'ec2.amazonaws.com']),
    eventName: v.string(),
    errorCode: v.optional(v.string()),
    requestParameters: v.nullish(v.record(v.string(), v.unknown())),
    responseElements: v.nullish(v.record(v.string(), v.unknown())),
  }),
});

/** A manual invoke: `{}` audits everything, `{ "brokerIds": [...] }` only those brokers. */
const ManualEvent = v.strictObject({
  brokerIds: v.optional(
    v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(150))), v.minLength(1), v.maxLength(200)),
  ),
});

function issues(list: v.Issues): string[] {
  return v.issueLines(list, '(event)');
}

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Security group ids named in an EC2 call's request parameters (`groupId`, or rules' `groupId`). */
function groupIds(params: Record<string, unknown>): string[] {
  const direct = str(params.groupId);
  return direct ? [direct] : [];
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
    const ids = groupIds(params);
    if (ids.length === 0) throw new InvalidInputError(`${eventName} event without requestParameters.groupId`);
    return { trigger: 'change', securityGroupIds: ids };
  }
  if (!(MQ_CHANGE_EVENTS as readonly string[]).includes(eventName)) return null;
  if (eventName === 'CreateConfiguration') return null; // Nothing uses a new configuration yet.
  if (eventName === 'UpdateConfiguration') {
    const id = str(params.configurationId);
    if (!id)
      throw new InvalidInputError('UpdateConfiguration event without requestParameters.configurationId');
    return { trigger: 'change', configurationIds: [id] };
  }
  if (eventName === 'CreateTags' || eventName === 'DeleteTags') {
    const arn = str(params.resourceArn);
    const id = arn?.includes(':broker:') ? arn.split(':').pop() : undefined;
    return id ? { trigger: 'change', brokerIds: [id] } : null;
  }
  const id = str(params.brokerId) ?? str(response.brokerId);
  if (!id)
    throw new InvalidInputError(
      `${eventName} event without a brokerId in requestParameters or responseElements`,
    );
  return { trigger: 'change', brokerIds: [id] };
}

/**
 * Turns what the audit function was invoked with into an audit request: a scheduled event (the whole fleet), a
 * CloudTrail change event (the brokers it touched), or a manual invoke. `null` means the event needs no audit.
 * @throws InvalidInputError for anything else.
 */
export function parseAuditEvent(event: unknown): AuditRequest | null {
  if (event !== null && typeof event === 'object' && 'source' in event) {
    if ((event as { 'detail-type'?: unknown })['detail-type'] === 'AWS API Call via CloudTrail') {
      const change = v.safeParse(CloudTrailEvent, event);
      if (!change.success)
        throw new InvalidInputError('not a valid CloudTrail change event', issues(change.issues));
      return changeRequest(change.output);
    }
    const scheduled = v.safeParse(ScheduledEventSchema, event);
    if (!scheduled.success)
      throw new InvalidInputError('not a valid scheduled event', issues(scheduled.issues));
    return { trigger: 'schedule' };
  }
  const manual = v.safeParse(ManualEvent, event);
  if (!manual.success)
    throw new InvalidInputError(
      'expected an EventBridge scheduled event, a CloudTrail change event or { "brokerIds": [...] }',
      issues(manual.issues),
    );
  return manual.output.brokerIds
    ? { trigger: 'manual', brokerIds: manual.output.brokerIds }
    : { trigger: 'manual' };
}
