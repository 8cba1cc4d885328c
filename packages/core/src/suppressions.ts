import type { Finding } from './audit';
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

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const SuppressionSchema = v.strictObject({
  check: v.pipe(v.string(), v.minLength(1)),
  broker: v.pipe(v.string(), v.minLength(1)),
  reason: v.pipe(v.string(), v.minLength(3, 'a suppression needs a reason')),
  expires: v.pipe(v.string(), v.regex(DATE, 'expires must be a date YYYY-MM-DD')),
});

/** Reads the `suppressions` list of a config file. @throws InvalidInputError naming the entry that is wrong. */
export function parseSuppressions(value: unknown): Suppression[] {
  const parsed = v.safeParse(v.array(SuppressionSchema), value ?? []);
  if (!parsed.success)
    throw new InvalidInputError('invalid suppressions', v.issueLines(parsed.issues, '', 'suppressions.'));
  return parsed.output.map((s) => ({ ...s, source: 'config' as const }));
}

/**
 * Suppressions a broker declares in its tags. A tag that does not parse (no date, no reason) is returned as a
 * problem instead, so it is reported rather than silently ignored.
 */
export function tagSuppressions(broker: Broker): { suppressions: Suppression[]; problems: string[] } {
  const suppressions: Suppression[] = [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(broker.tags)) {
    if (!key.startsWith(SUPPRESS_TAG_PREFIX)) continue;
    const check = key.slice(SUPPRESS_TAG_PREFIX.length);
    const match = /^(\d{4}-\d{2}-\d{2})\s+(.{3,})$/.exec(value.trim());
    if (!check || !match?.[1] || !match[2]) {
      problems.push(`broker ${broker.name}: tag ${key} must be "<YYYY-MM-DD> <reason>" (got "${value}")`);
      continue;
    }
    suppressions.push({ check, broker: broker.arn, reason: match[2], expires: match[1], source: 'tag' });
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
