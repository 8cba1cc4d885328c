/**
 * What mqops' functions accept at their edge, before anything reads an event: AWS's own limits where AWS has them
 * (each constant names its source), mqops' bounds for the rest, a cheap walk that refuses an event too large or too
 * deep before any schema runs ({@link assertWithinLimits}), and the bounded refusal every parse throws
 * ({@link refusal}): an {@link InvalidInputError} of at most {@link MAX_MESSAGE_CHARS} characters that never repeats
 * a long value ({@link clip}). A refused event is refused before any AWS call, any write and any log line that could
 * echo it.
 *
 * Plain constants rather than one object: a bundle keeps only those its code reads (the Audit function is close to
 * its size budget). The alarm events of the Alerts function have CloudWatch's limits (`ALERT_INPUT_LIMITS`, alerts/events.ts);
 * the rotation events use {@link MAX_SECRET_ID_LENGTH} and {@link clip} (rotation/admit.ts re-exports them).
 */
import { InvalidInputError } from './errors';
import * as v from './schema';

// ---- AWS's limits -----------------------------------------------------------------------------------------------

/**
 * An Amazon MQ broker id: `b-` and a UUID, 38 characters (`b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9`; Amazon MQ API
 * reference, Broker `brokerId`).
 */
export const MQ_BROKER_ID_CHARS = 38;
/** An Amazon MQ broker name: 1–50 letters, digits, `-` and `_` (Amazon MQ API reference, CreateBroker `brokerName`). */
export const MQ_BROKER_NAME_CHARS = 50;
/** An Amazon MQ user name: 2–100 characters (Amazon MQ API reference, CreateUser `username`). */
export const MQ_USER_NAME_CHARS = 100;
/** An EventBridge event: at most 256 KB (EventBridge PutEvents: the size of an entry). */
export const EVENTBRIDGE_EVENT_BYTES = 262_144;
/** A CloudTrail event name (the API action): at most 128 characters (CloudTrail LookupAttribute `AttributeValue`). */
export const CLOUDTRAIL_EVENT_NAME_CHARS = 128;
/** An AWS account id: 12 digits. */
export const ACCOUNT_ID_DIGITS = 12;
/** A region code (`ap-southeast-4`, `us-gov-west-1`): at most 25 characters. */
export const REGION_CHARS = 25;
/** An ARN: at most 2,048 characters (IAM: the longest resource ARN a policy names). */
export const ARN_CHARS = 2048;
/** A Secrets Manager SecretId, a name or an ARN: at most 2,048 characters (Secrets Manager DescribeSecret). */
export const MAX_SECRET_ID_LENGTH = 2048;
/** An S3 object key: at most 1,024 bytes of UTF-8 (Amazon S3 user guide, naming objects). */
export const S3_KEY_BYTES = 1024;
/** A tag key: at most 128 characters (tagging AWS resources). */
export const TAG_KEY_CHARS = 128;
/** A tag value: at most 256 characters (tagging AWS resources). */
export const TAG_VALUE_CHARS = 256;
/** An Amazon MQ broker id: `b-` and at most 36 letters, digits and `-` (a UUID): {@link MQ_BROKER_ID_CHARS}. */
export const BROKER_ID = /^b-[A-Za-z0-9-]{1,36}$/;
/**
 * A broker as a person or an event names it: an id (`b-…`) or a name, 1–{@link MQ_BROKER_NAME_CHARS} letters,
 * digits, `-` and `_` (also the shape of an Amazon MQ configuration id, `c-…`).
 */
export const BROKER_REF = /^[A-Za-z0-9_-]{1,50}$/;
/** An EC2 security group id: `sg-` and 8 or 17 hexadecimal digits. */
export const SECURITY_GROUP_ID = /^sg-[0-9a-f]{1,17}$/;

// ---- mqops' bounds ----------------------------------------------------------------------------------------------

/** Any event or invoke, in characters of its JSON: EventBridge's 256 KB ({@link EVENTBRIDGE_EVENT_BYTES}). */
export const MAX_EVENT_CHARS = 262_144;
/** A runbook request (a person's manual invoke), in characters of its JSON: 16 KiB. */
export const MAX_REQUEST_CHARS = 16_384;
/** Any string of a runbook request or payload. */
export const MAX_REQUEST_STRING = 2048;
/** Nesting of objects and arrays (a CloudTrail event nests about 6 deep). */
export const MAX_DEPTH = 32;
/** Brokers one invoke names (an audit or a capacity run of a list of brokers). */
export const MAX_BROKERS = 200;
/** ARNs in an EventBridge event's `resources` (a scheduled event names its rule). */
export const MAX_RESOURCES = 20;
/** Any other string of an event: ids, times, error codes. */
export const MAX_SHORT = 256;
/** The longest refusal message. */
export const MAX_MESSAGE_CHARS = 300;
/** What a refusal repeats of a value before cutting it (see {@link clip}). */
export const CLIP_CHARS = 64;
/** The longest issue line of a refusal. */
const ISSUE_CHARS = 120;

/** A broker id or name ({@link BROKER_REF}). */
export const brokerRefSchema = () =>
  v.pipe(v.string(), v.maxLength(MQ_BROKER_NAME_CHARS), v.regex(BROKER_REF, 'not a broker id or name'));

/**
 * A value for an error or a log line: at most `max` characters of it, then `…(N chars)` (a refused value may be a
 * megabyte long).
 */
export function clip(value: string, max = CLIP_CHARS): string {
  return value.length <= max ? value : `${value.slice(0, max)}…(${value.length} chars)`;
}

/** A run of more than {@link CLIP_CHARS} characters without a space or a separator: a value, or a key. */
const LONG_RUN = /[^\s.,:;…()]{65,}/g;

/** `text` with every long run cut by {@link clip}, then cut at `max` characters. */
function cut(text: string, max: number): string {
  const short = text.replace(LONG_RUN, (run) => clip(run));
  return short.length > max ? `${short.slice(0, max - 1)}…` : short;
}

/**
 * An InvalidInputError of at most {@link MAX_MESSAGE_CHARS} characters that repeats no run of more than
 * {@link CLIP_CHARS} characters of anything it received: `head` (cut at 240 characters), then as many of `issues` as
 * fit, each cut at 120, then `…and N more`. Every parse at the edge throws it.
 */
export function refusal(head: string, issues: readonly string[] = []): InvalidInputError {
  const top = cut(head, 240);
  const kept: string[] = [];
  // Room left for the issues, keeping 20 characters for `; …and N more`.
  let room = MAX_MESSAGE_CHARS - top.length - 20;
  for (const issue of issues) {
    const line = cut(issue, ISSUE_CHARS);
    room -= line.length + 2;
    if (room < 0) {
      kept.push(`…and ${issues.length - kept.length} more`);
      break;
    }
    kept.push(line);
  }
  return new InvalidInputError(top, kept);
}

/**
 * Refuses a value whose JSON would be longer than `chars` characters, that nests deeper than {@link MAX_DEPTH}, or
 * that holds a string (a value or a key) longer than `longest`, before any schema reads it: one walk that stops as
 * soon as a bound is passed, so a 1 MB string or a million-element array costs no more than the bound. (Positional
 * parameters, and one function for events and requests alike: the Audit bundle is near its size budget.)
 * @param what the refusal's head, e.g. `not a valid event`
 * @param chars default {@link MAX_EVENT_CHARS}, EventBridge's limit on an event
 * @param longest default `chars`
 * @throws InvalidInputError naming the bound, never the value.
 */
export function assertWithinLimits(
  value: unknown,
  what = 'not a valid event',
  chars: number = MAX_EVENT_CHARS,
  longest: number = chars,
): void {
  let size = 0;
  let problem: string | undefined;
  const walk = (node: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) problem = `nested deeper than ${MAX_DEPTH} levels`;
    else if (typeof node !== 'object' || node === null) {
      const text = String(node);
      size += text.length + 3;
      if (typeof node === 'string' && text.length > longest)
        problem = `a string of ${text.length} characters (at most ${longest})`;
    } else if (Array.isArray(node))
      for (let i = 0; i < node.length && !problem && size <= chars; i++) walk(node[i], depth + 1);
    else
      for (const key in node) {
        if (problem || size > chars) return;
        walk(key, depth);
        walk((node as Record<string, unknown>)[key], depth + 1);
      }
  };
  walk(value, 0);
  if (!problem && size > chars) problem = `larger than ${chars} characters of JSON`;
  if (problem) throw refusal(what, [`(event): ${problem}`]);
}
