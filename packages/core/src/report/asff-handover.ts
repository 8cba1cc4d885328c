import { assertWithinLimits, clip, MAX_SHORT, refusal } from '../limits';

/**
 * Where the Audit function leaves a report for the SecurityHub function, in the state bucket: one object per audit
 * invocation, `mqops/securityhub/<invocation id>.json` (packages/aws/src/securityhub-handover.ts).
 */
export const SECURITY_HUB_EXPORT_PREFIX = 'mqops/securityhub/';

/** A hand-over key: the prefix, 1–128 letters, digits, `-` and `_` (a Lambda request id), `.json`. */
const EXPORT_KEY = /^mqops\/securityhub\/[A-Za-z0-9_-]{1,128}\.json$/;

/** The key of the report an audit invocation hands over: its id with anything but letters, digits, `-`, `_` as `-`. */
export function securityHubExportKey(id: string): string {
  return `${SECURITY_HUB_EXPORT_PREFIX}${id.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128) || '-'}.json`;
}

/** What the SecurityHub function is invoked with: the stored report to import. */
export interface SecurityHubExportEvent {
  bucket: string;
  key: string;
}

/** The largest export event, in characters of its JSON (a bucket name and a key). */
const EVENT_CHARS = 1024;

/**
 * Reads the SecurityHub function's event: `{ bucket, key }`, the bucket the function's own state bucket and the key a
 * hand-over key under {@link SECURITY_HUB_EXPORT_PREFIX}. Anything else is refused before any call, so the function
 * reads (and deletes) no object it was not meant to.
 *
 * @param stateBucket the function's state bucket (MQOPS_STATE_BUCKET)
 * @throws InvalidInputError (bounded, no long value repeated) for any other event.
 */
export function parseSecurityHubExportEvent(event: unknown, stateBucket: string): SecurityHubExportEvent {
  const head = 'not a Security Hub export event';
  assertWithinLimits(event, head, EVENT_CHARS, MAX_SHORT);
  const { bucket, key } = (event ?? {}) as Partial<Record<string, unknown>>;
  const issues: string[] = [];
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    issues.push('(event): not an object');
  else {
    if (bucket !== stateBucket)
      issues.push(
        `bucket: ${typeof bucket === 'string' ? clip(bucket) : typeof bucket} is not the state bucket`,
      );
    if (typeof key !== 'string' || !EXPORT_KEY.test(key))
      issues.push(
        `key: ${typeof key === 'string' ? clip(key) : typeof key} is not ${SECURITY_HUB_EXPORT_PREFIX}<id>.json`,
      );
  }
  if (issues.length > 0) throw refusal(head, issues);
  return { bucket: bucket as string, key: key as string };
}
