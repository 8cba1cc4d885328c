import type { Finding } from './audit';
import { CHECKS } from './checks';
import { InvalidInputError } from './errors';
import type { Broker } from './model';
import * as v from './schema';

/** Why a failing finding is not reported, until when, and where that was said. */
export interface Suppression {
  /** A check id, or `*` for every check. */
  check: string;
  /** A broker id, name or ARN, or a glob over the name (`analytics-*`), or `*`. */
  broker: string;
  reason: string;
  /** The last day (UTC, inclusive) the suppression holds. */
  expires: string;
  /** `tag` (from the broker's tags) or `config` (from the config file). */
  source: 'tag' | 'config';
}

/** The prefix of suppression tags: `mqops:suppress:<check-id>` = `<YYYY-MM-DD> <reason>`. */
export const SUPPRESS_TAG_PREFIX = 'mqops:suppress:';

/** The shortest reason a suppression may give: who decided and why (`Partner access, OPS-42`), not `tbd`. */
export const MIN_REASON = { characters: 10, words: 2 } as const;

const REASON_RULE = `a suppression needs a reason of at least ${MIN_REASON.characters} characters and ${MIN_REASON.words} words (why, and who or which ticket)`;

/** True for a reason that can mean something: {@link MIN_REASON}, counted with every run of spaces as one. */
export function isMeaningfulReason(reason: string): boolean {
  const words = reason.trim().split(/\s+/);
  return words.join(' ').length >= MIN_REASON.characters && words.length >= MIN_REASON.words;
}

/**
 * The ids of every check mqops runs. A function, not a constant: a module that imports this one for its schema
 * (config.ts, in every deployed function) must not carry the code of every check.
 */
const catalogIds = (): string[] => CHECKS.map((c) => c.id);

/**
 * Why `id` names no check, e.g. `unknown check id "mq-publc-access" (did you mean mq-public-access?)` when
 * `suggest` (config-file.ts `nearestCheckId`, for the CLI and `sst deploy`) knows a near id. The id is repeated only
 * when it looks like one (lower-case words and hyphens): a pasted token or password never is.
 */
function unknownCheckText(id: string, suggest?: (id: string) => string | undefined): string {
  const shown = /^[a-z0-9]+(?:-[a-z0-9]+)*$/i.test(id) && id.length <= 64 ? ` "${id}"` : '';
  const near = shown ? suggest?.(id) : undefined;
  return `unknown check id${shown} (${near ? `did you mean ${near}?` : '`mqops checks` lists them'})`;
}

/**
 * One suppression of the config file. With `knownChecks`, a `check` that is not one of them (nor `*`) is refused;
 * without, any non-empty id passes (what a deployed function reads was checked at deploy by `parseConfigFile`).
 */
export function suppressionSchema(
  knownChecks?: readonly string[],
  suggest?: (id: string) => string | undefined,
) {
  const check = v.pipe(v.string(), v.minLength(1));
  return v.strictObject({
    check: knownChecks
      ? v.pipe(
          check,
          v.check(
            (id: string) => id === '*' || knownChecks.includes(id),
            (issue) => unknownCheckText(String(issue.input), suggest),
          ),
        )
      : check,
    broker: v.pipe(v.string(), v.minLength(1)),
    reason: v.pipe(v.string(), v.check(isMeaningfulReason, REASON_RULE)),
    expires: v.calendarDate('expires must be a date YYYY-MM-DD'),
  });
}

/** One suppression of the config file, its check id not checked against the catalog (see {@link suppressionSchema}). */
export const SuppressionSchema = suppressionSchema();

/**
 * Reads the `suppressions` list of a config file: every check id must be known (`*` stands for all), every expiry a
 * real day, every reason {@link MIN_REASON meaningful}. An expiry in the past is no error (see
 * {@link suppressionWarnings}).
 * @param knownChecks the ids a suppression may name; default every check of the catalog
 * @throws InvalidInputError naming the entry that is wrong, e.g. `suppressions.0.check: unknown check id …`.
 */
export function parseSuppressions(
  value: unknown,
  knownChecks: readonly string[] = catalogIds(),
  suggest?: (id: string) => string | undefined,
): Suppression[] {
  const parsed = v.safeParse(v.array(suppressionSchema(knownChecks, suggest)), value ?? []);
  if (!parsed.success)
    throw new InvalidInputError('invalid suppressions', v.issueLines(parsed.issues, '', 'suppressions.'));
  return parsed.output.map((s) => ({ ...s, source: 'config' as const }));
}

/**
 * What to tell about suppressions that load fine but no longer hold: one line per suppression expired before `now`
 * (its finding fires again), e.g. `suppressions.2: expired on 2025-01-31 (the finding fires again); remove it or
 * extend it`. Config suppressions are named by their place in the list, tag ones by broker and tag.
 */
export function suppressionWarnings(suppressions: readonly Suppression[], now: Date): string[] {
  const lines: string[] = [];
  suppressions.forEach((s, i) => {
    if (isActive(s, now)) return;
    const where =
      s.source === 'tag' ? `broker ${s.broker}: tag ${SUPPRESS_TAG_PREFIX}${s.check}` : `suppressions.${i}`;
    lines.push(`${where}: expired on ${s.expires} (the finding fires again); remove it or extend it`);
  });
  return lines;
}

/**
 * Suppressions a broker declares in its tags. A tag that does not parse (no date, a day that does not exist, a
 * reason too short to mean anything, an unknown check id) is returned as a problem instead, so it is reported rather
 * than silently ignored. A problem never repeats the tag's value.
 * @param knownChecks the ids a tag may name; default every check of the catalog
 */
export function tagSuppressions(
  broker: Broker,
  knownChecks: readonly string[] = catalogIds(),
): { suppressions: Suppression[]; problems: string[] } {
  const suppressions: Suppression[] = [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(broker.tags)) {
    if (!key.startsWith(SUPPRESS_TAG_PREFIX)) continue;
    const check = key.slice(SUPPRESS_TAG_PREFIX.length);
    const problem = (text: string) => problems.push(`broker ${broker.name}: tag ${key}: ${text}`);
    const match = /^(\d{4}-\d{2}-\d{2})\s+(.+)$/.exec(value.trim());
    if (!check || !match?.[1] || !match[2]) {
      problem('must be "<YYYY-MM-DD> <reason>"');
      continue;
    }
    const [, expires, reason] = match;
    if (check !== '*' && !knownChecks.includes(check)) problem(unknownCheckText(check));
    else if (!v.isCalendarDate(expires)) problem(`${expires} is not a day of the calendar`);
    else if (!isMeaningfulReason(reason)) problem(REASON_RULE);
    else suppressions.push({ check, broker: broker.arn, reason, expires, source: 'tag' });
  }
  return { suppressions, problems };
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
}

function matchesBroker(pattern: string, broker: Finding['broker']): boolean {
  if (pattern === '*' || pattern === broker.id || pattern === broker.arn || pattern === broker.name)
    return true;
  return pattern.includes('*') || pattern.includes('?') ? globToRegExp(pattern).test(broker.name) : false;
}

/** True while the suppression holds on `now` (its expiry day included). */
export function isActive(suppression: Suppression, now: Date): boolean {
  return now.getTime() < Date.parse(`${suppression.expires}T00:00:00Z`) + 86_400_000;
}

/** The suppression (active or expired) that matches a finding, the active one first. */
export function matchSuppression(
  finding: Finding,
  suppressions: readonly Suppression[],
  now: Date,
): { suppression: Suppression; active: boolean } | undefined {
  const matching = suppressions.filter(
    (s) => (s.check === '*' || s.check === finding.checkId) && matchesBroker(s.broker, finding.broker),
  );
  const active = matching.find((s) => isActive(s, now));
  if (active) return { suppression: active, active: true };
  const expired = matching[0];
  return expired ? { suppression: expired, active: false } : undefined;
}
