/**
 * The schema library every validator of `@mqops/core` is built with: valibot, whose every schema and check is its
 * own function, so a Lambda bundle carries only the ones it uses (about 11 KB for the audit's event and
 * configuration schemas, where zod/mini was 35 KB). Import it as `import * as v from '../schema'` and turn a
 * failed parse into messages with {@link issueLines}.
 *
 * Where it differs from valibot itself:
 * - `object`, `strictObject`, `looseObject` and `record` refuse an array (valibot takes `[]` for an object with no
 *   keys, so `[]` would pass as an empty manual event or an empty policy);
 * - `number` refuses Infinity (JSON's `1e999`), as zod did; whole numbers are `safeInteger`;
 * - `timestamp` is an ISO 8601 date-time with seconds and a `Z` or `±hh:mm` offset, on a real calendar day (valibot's
 *   `isoTimestamp` takes `2024-02-30` and a space for the `T`); `calendarDate` is a `YYYY-MM-DD` day that exists
 *   (valibot's `isoDate` takes `2027-02-30`);
 * - {@link issueLines} never repeats a received value (see `message`).
 */
import type {
  BaseIssue,
  BaseSchema,
  Config,
  ErrorMessage,
  ObjectEntries,
  ObjectIssue,
  RecordIssue,
} from 'valibot';
import * as valibot from 'valibot';

export * from 'valibot';

/** What a failed parse reports: valibot's issues. */
export type Issues = readonly BaseIssue<unknown>[];

interface RunnableSchema {
  type: string;
  expects: string;
  '~run': (dataset: Dataset, config: Config<BaseIssue<unknown>>) => Dataset;
}
interface Dataset {
  value: unknown;
  typed?: boolean;
  issues?: BaseIssue<unknown>[];
}

/**
 * The schema, except that a value `refused` names fails it as a value of the wrong type (received: what `refused`
 * returns). Its Standard Schema `validate` goes through the same check.
 */
function refusing<S>(schema: S, refused: (value: unknown) => string | undefined): S {
  const inner = schema as unknown as RunnableSchema;
  const run = inner['~run'];
  const wrapped: RunnableSchema & { '~standard': unknown } = {
    ...inner,
    '~run'(dataset, config) {
      const received = refused(dataset.value);
      if (received === undefined) return run.call(this, dataset, config);
      const issue = {
        kind: 'schema',
        type: this.type,
        input: dataset.value,
        expected: this.expects,
        received,
        message: `Invalid type: Expected ${this.expects} but received ${received}`,
        lang: config.lang,
        abortEarly: config.abortEarly,
        abortPipeEarly: config.abortPipeEarly,
      } as BaseIssue<unknown>;
      return { value: dataset.value, typed: false, issues: [issue] };
    },
    '~standard': {
      version: 1,
      vendor: 'valibot',
      validate: (value: unknown) => wrapped['~run']({ value }, valibot.getGlobalConfig()),
    },
  };
  return wrapped as unknown as S;
}

const refuseArrays = <S>(schema: S): S =>
  refusing(schema, (value) => (Array.isArray(value) ? 'Array' : undefined));

/** valibot's `number`, refusing Infinity and -Infinity too (valibot refuses only NaN). */
export function number(message?: ErrorMessage<valibot.NumberIssue>) {
  return refusing(valibot.number(message), (value) =>
    value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY ? String(value) : undefined,
  );
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** True for a calendar day that exists (not 2024-02-30). */
function realDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** True for `YYYY-MM-DD` on a day of the calendar: not `2030-13-45`, not `2027-02-30`. */
export function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return m !== null && realDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/**
 * A day as `YYYY-MM-DD` that exists. The message of a string of that shape on no real day names it (a date is no
 * secret): `2027-02-30 is not a day of the calendar`; any other string gets `format`, without the value.
 */
export function calendarDate(format = 'not a date YYYY-MM-DD') {
  return valibot.pipe(
    valibot.string(),
    valibot.check(isCalendarDate, (issue) =>
      typeof issue.input === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(issue.input)
        ? `${issue.input} is not a day of the calendar`
        : format,
    ),
  );
}

/** An ISO 8601 date-time as EventBridge writes it: `2026-11-26T05:00:00Z`, `…+01:00`, `….123Z`. */
export function timestamp(message = 'not an ISO 8601 date-time (e.g. 2026-11-26T05:00:00Z)') {
  return valibot.pipe(
    valibot.string(),
    valibot.check((text: string) => {
      const m = ISO_DATE_TIME.exec(text);
      return m !== null && realDay(Number(m[1]), Number(m[2]), Number(m[3]));
    }, message),
  );
}

/** valibot's `object` (unknown keys dropped), refusing arrays. */
export function object<const E extends ObjectEntries>(entries: E, message?: ErrorMessage<ObjectIssue>) {
  return refuseArrays(valibot.object(entries, message));
}

/** valibot's `strictObject` (unknown keys refused), refusing arrays. */
export function strictObject<const E extends ObjectEntries>(
  entries: E,
  message?: ErrorMessage<valibot.StrictObjectIssue>,
) {
  return refuseArrays(valibot.strictObject(entries, message));
}

/** valibot's `looseObject` (unknown keys kept), refusing arrays. */
export function looseObject<const E extends ObjectEntries>(
  entries: E,
  message?: ErrorMessage<valibot.LooseObjectIssue>,
) {
  return refuseArrays(valibot.looseObject(entries, message));
}

/** valibot's `record`, refusing arrays. */
export function record<
  const K extends BaseSchema<string, string | number | symbol, BaseIssue<unknown>>,
  const V extends BaseSchema<unknown, unknown, BaseIssue<unknown>>,
>(key: K, value: V, message?: ErrorMessage<RecordIssue>) {
  return refuseArrays(valibot.record(key, value, message));
}

/** An issue's path as `a.b.0.c`, or `undefined` for one about the whole value. */
function dotPath(issue: BaseIssue<unknown>): string | undefined {
  const keys = issue.path?.map((item) => item.key);
  return keys?.length && keys.every((k) => typeof k === 'string' || typeof k === 'number')
    ? keys.join('.')
    : undefined;
}

/** What a value is, without the value: `a string`, `a number`, `Array`, `null` (and `NaN`, `Infinity` as such). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return 'Array';
  const type = typeof value;
  if (type === 'object') return 'Object';
  return type === 'undefined' ? 'undefined' : `a ${type}`;
}

/**
 * valibot's message, said plainly for a missing and an unknown key, and never with the received value: valibot's
 * own messages end "…but received <the value>", and the value may be a password (a rotation secret's JSON), a
 * token or any other secret. A wrong type says what was received (`a number`); a failed check on a string says
 * `a string`; a failed check on a number keeps the number (a range is easier to fix knowing it, and a value that
 * passed a type check for a number is no password).
 */
function message(issue: BaseIssue<unknown>): string {
  const objectKey =
    issue.type === 'strict_object' || issue.type === 'object' || issue.type === 'loose_object';
  if (objectKey && issue.path?.length && issue.input === undefined && issue.expected !== 'never')
    return 'required';
  if (issue.type === 'strict_object' && issue.expected === 'never') return 'unknown field';
  const standard =
    issue.message.startsWith('Invalid ') && issue.message.endsWith(`eceived ${issue.received}`);
  if (!standard) return issue.message;
  const head = issue.message.slice(0, -issue.received.length);
  if (issue.kind === 'schema') return `${head}${kindOf(issue.input)}`;
  if (typeof issue.input === 'string' && issue.received === `"${issue.input}"`) return `${head}a string`;
  return issue.message;
}

/**
 * One `path: message` line per issue of a failed parse, e.g. `detail.alarmName: empty alarm name`.
 * @param root what an issue about the whole value is reported against, e.g. `(event)`
 * @param prefix put before every line, e.g. `suppressions.`
 * @example
 * const parsed = v.safeParse(Schema, event);
 * if (!parsed.success) throw new InvalidInputError('not a valid event', issueLines(parsed.issues, '(event)'));
 */
export function issueLines(issues: Issues, root: string, prefix = ''): string[] {
  return issues.map((i) => `${prefix}${dotPath(i) ?? root}: ${message(i)}`);
}
