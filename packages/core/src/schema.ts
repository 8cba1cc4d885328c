/**
 * The schema library every validator of `@mqops/core` is built with: valibot, whose every schema and check is its
 * own function, so a Lambda bundle carries only the ones it uses (about 11 KB for the audit's event and
 * configuration schemas, where zod/mini was 35 KB). Import it as `import * as v from '../schema'` and turn a
 * failed parse into messages with {@link issueLines}.
 *
 * One difference from valibot itself: `object`, `strictObject`, `looseObject` and `record` here refuse an array
 * (valibot takes `[]` for an object with no keys, so `[]` would pass as an empty manual event or an empty policy).
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

/** The schema, except that an array fails it as a value of the wrong type. */
function refuseArrays<S>(schema: S): S {
  const inner = schema as unknown as RunnableSchema;
  const run = inner['~run'];
  const wrapped: RunnableSchema = {
    ...inner,
    '~run'(dataset, config) {
      if (!Array.isArray(dataset.value)) return run.call(this, dataset, config);
      const issue = {
        kind: 'schema',
        type: this.type,
        input: dataset.value,
        expected: this.expects,
        received: 'Array',
        message: `Invalid type: Expected ${this.expects} but received Array`,
        lang: config.lang,
        abortEarly: config.abortEarly,
        abortPipeEarly: config.abortPipeEarly,
      } as BaseIssue<unknown>;
      return { value: dataset.value, typed: false, issues: [issue] };
    },
  };
  return wrapped as unknown as S;
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

/**
 * valibot's message, said plainly for a missing and an unknown key, and never with a received string: valibot's own
 * messages end "…but received <the value>", and the value may be a password (a rotation secret's JSON).
 */
function message(issue: BaseIssue<unknown>): string {
  const objectKey =
    issue.type === 'strict_object' || issue.type === 'object' || issue.type === 'loose_object';
  if (objectKey && issue.path?.length && issue.input === undefined && issue.expected !== 'never')
    return 'required';
  if (issue.type === 'strict_object' && issue.expected === 'never') return 'unknown field';
  const standard =
    issue.message.startsWith('Invalid ') && issue.message.endsWith(`eceived ${issue.received}`);
  if (standard && typeof issue.input === 'string' && issue.received === `"${issue.input}"`)
    return `${issue.message.slice(0, -issue.received.length)}a string`;
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
