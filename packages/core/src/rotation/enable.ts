import type { MqopsConfig } from '../config';
import { InvalidInputError } from '../errors';
import * as v from '../schema';
import {
  parseRotationSecret,
  type RotationEngine,
  type RotationSecret,
  type RotationStrategy,
} from './secret';

/**
 * Turning rotation on for an existing broker user: the secret's name and JSON, and the schedule, checked before any
 * call. Used by `mqops rotation enable` and by `infra/` (the `rotations` of mqops.config.json).
 */

/** The rotation function may read and change only secrets whose name starts with this (its IAM policy says so). */
export const ROTATED_SECRET_PREFIX = 'mqops/';

/** Secrets Manager's rotation rules: a number of days, or a `rate()` / `cron()` expression, and a window. */
export interface RotationRules {
  AutomaticallyAfterDays?: number;
  ScheduleExpression?: string;
  /** How long the rotation window stays open (`3h`); Secrets Manager's default is the whole day / schedule gap. */
  Duration?: string;
}

/** The secret name mqops proposes for a user: `mqops/<broker name>/<user>`. */
export function rotatedSecretName(brokerName: string, username: string): string {
  // Secrets Manager names allow A-Z a-z 0-9 /_+=.@- only; user names may hold more (`app~ro`): those become `_`.
  const safe = (part: string) => part.replace(/[^A-Za-z0-9_+=.@-]/g, '_');
  const name = `${ROTATED_SECRET_PREFIX}${safe(brokerName)}/${safe(username)}`;
  // `svc-orders` would end like an ARN suffix (see checkRotatedSecretName): `svc-orders-user` does not.
  return /-[A-Za-z0-9]{6}$/.test(name) ? `${name}-user` : name;
}

/**
 * Checks a secret name the rotation function can handle. @throws InvalidInputError naming the problem.
 */
export function checkRotatedSecretName(name: string): string {
  if (!name.startsWith(ROTATED_SECRET_PREFIX))
    throw new InvalidInputError(
      `secret name ${name} must start with ${ROTATED_SECRET_PREFIX}: the rotation function may touch no other secret`,
    );
  if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name))
    throw new InvalidInputError(
      `secret name ${name} has characters Secrets Manager refuses (allowed: A-Z a-z 0-9 /_+=.@-)`,
    );
  // A name ending in a hyphen and six characters is read as a partial ARN by Secrets Manager: avoid it.
  if (/-[A-Za-z0-9]{6}$/.test(name))
    throw new InvalidInputError(
      `secret name ${name} ends in a hyphen and six characters, which Secrets Manager confuses with an ARN suffix`,
    );
  return name;
}

const DAYS = /^(\d{1,4})\s*d?(?:ays?)?$/i;
const RATE = /^rate\((\d{1,4}) (hours?|days?)\)$/;
const CRON = /^cron\((\S+ ){5}\S+\)$/;
const DURATION = /^(\d{1,2})h$/;

/**
 * Reads a schedule: `30` / `30d` (every 30 days), `rate(12 hours)`, `rate(10 days)` or `cron(0 4 ? * SUN *)`
 * (Secrets Manager's six-field cron, UTC). Secrets Manager's limits apply: at least every 4 hours, at most every
 * 1000 days; the window (`3h`) is 1 to 24 hours and must fit in the schedule.
 * @throws InvalidInputError with the accepted forms.
 */
export function parseRotationSchedule(schedule: string | number, duration?: string): RotationRules {
  const text = String(schedule).trim();
  const bad = (why: string) =>
    new InvalidInputError(
      `rotation schedule ${JSON.stringify(text)}: ${why} (use 30, 30d, rate(12 hours), rate(10 days) or cron(0 4 ? * SUN *))`,
    );
  let rules: RotationRules;
  const days = DAYS.exec(text);
  const rate = RATE.exec(text);
  if (days) {
    const n = Number(days[1]);
    if (n < 1 || n > 1000) throw bad('days must be 1 to 1000');
    rules = { AutomaticallyAfterDays: n };
  } else if (rate) {
    const n = Number(rate[1]);
    const hours = rate[2]?.startsWith('hour') ? n : n * 24;
    if (n < 1 || hours < 4 || hours > 24_000)
      throw bad('Secrets Manager rotates at most every 4 hours and at least every 1000 days');
    rules = { ScheduleExpression: text };
  } else if (CRON.test(text)) {
    rules = { ScheduleExpression: text };
  } else throw bad('not a schedule');
  if (duration !== undefined) {
    const d = DURATION.exec(duration.trim());
    const hours = Number(d?.[1]);
    if (!d || hours < 1 || hours > 24) throw bad(`window ${duration} must be 1h to 24h`);
    if (rate?.[2]?.startsWith('hour') && hours > Number(rate[1]))
      throw bad(`window ${duration} is longer than the time between rotations`);
    rules.Duration = `${hours}h`;
  }
  return rules;
}

/** What a person gives to turn rotation on for one user. */
export interface RotationSecretDraft {
  engine: RotationEngine;
  brokerId: string;
  username: string;
  /** The user's password today (read from standard input, never from a flag). */
  password: string;
  strategy?: RotationStrategy;
  masterarn?: string;
  vhost?: string;
  applyNow?: 'reboot';
  host?: string;
  endpoints?: string[];
}

/** The rotated secret's JSON for a draft, checked as the rotation function will read it. @throws InvalidInputError */
export function rotationSecretValue(draft: RotationSecretDraft): { secret: RotationSecret; text: string } {
  const given = Object.fromEntries(Object.entries(draft).filter(([, v]) => v !== undefined));
  const value = { strategy: 'single-user', ...given };
  const text = JSON.stringify(value);
  return { secret: parseRotationSecret(text, `the secret for user ${draft.username}`), text };
}

/** One entry of mqops.config.json `rotations`: rotation turned on by the deployed stack. */
export const rotationScheduleSchema = v.pipe(
  v.strictObject({
    /** Name of an existing secret (`mqops/…`), made with `mqops rotation enable --no-schedule` or by hand. */
    secret: v.pipe(v.string(), v.minLength(1)),
    /** As {@link parseRotationSchedule}; default 30 days. */
    schedule: v.optional(v.union([v.string(), v.number()]), 30),
    /** Rotation window, e.g. `4h`. */
    window: v.optional(v.string()),
  }),
  // Also when another field is wrong (an unknown key): each check runs when its own fields have the right types.
  v.rawCheck(({ dataset, addIssue }) => {
    const entry = dataset.value as { secret?: unknown; schedule?: unknown; window?: unknown };
    const { secret, schedule = 30, window } = entry;
    const checks: (() => unknown)[] = [];
    if (typeof secret === 'string' && secret) checks.push(() => checkRotatedSecretName(secret));
    if (
      (typeof schedule === 'string' || typeof schedule === 'number') &&
      (window === undefined || typeof window === 'string')
    )
      checks.push(() => parseRotationSchedule(schedule, window));
    for (const check of checks) {
      try {
        check();
      } catch (error) {
        addIssue({ message: (error as Error).message });
      }
    }
  }),
);
export type RotationSchedule = v.InferOutput<typeof rotationScheduleSchema>;

const RotationsSection = v.object({ rotations: v.optional(v.array(rotationScheduleSchema), []) });

/**
 * The rotations a configuration turns on (its `rotations` section; none without one), each with its schedule.
 * @throws InvalidInputError "invalid mqops configuration" naming each wrong entry as `rotations.<n>`.
 */
export function rotationSchedulesOf(config: Pick<MqopsConfig, 'sections'>): RotationSchedule[] {
  const parsed = v.safeParse(RotationsSection, { rotations: config.sections.rotations });
  if (!parsed.success)
    throw new InvalidInputError('invalid mqops configuration', v.issueLines(parsed.issues, 'rotations'));
  return parsed.output.rotations;
}
