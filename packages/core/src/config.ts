import { type CapacityPolicy, parseCapacityPolicy } from './capacity/policy';
import { type AuditPolicy, DEFAULT_POLICY } from './check';
import { InvalidInputError } from './errors';
import { type RotationSchedule, rotationScheduleSchema } from './rotation/enable';
import { type Suppression, SuppressionSchema } from './suppressions';
import * as z from './zod';

/**
 * The mqops configuration file (`mqops.config.json`): policy overrides, suppressions, and what to audit (regions,
 * accounts). Every part is optional.
 *
 * @example
 * {
 *   "policy": { "requiredTags": ["env", "owner"], "maxCredentialAgeDays": 60 },
 *   "suppressions": [{ "check": "mq-public-access", "broker": "partner-*", "reason": "OPS-42", "expires": "2027-01-31" }],
 *   "regions": ["eu-west-1", "us-east-1"],
 *   "accounts": [{ "accountId": "210987654321", "roleArn": "arn:aws:iam::210987654321:role/mqops-audit" }]
 * }
 */
export interface MqopsConfig {
  policy: AuditPolicy;
  suppressions: Suppression[];
  /** Regions to audit; `all` means every region enabled in the account; absent means the SDK's region. */
  regions?: string[] | 'all';
  /** Other accounts, reached by assuming a role; the caller's own account is always audited. */
  accounts: { accountId: string; roleArn: string; externalId?: string }[];
  /** Also send every result to AWS Security Hub (ASFF; fixed findings are archived as PASSED). */
  securityHub: boolean;
  /** SNS topics your CloudWatch alarms already notify: the alert notifier subscribes to them too. */
  alarmTopics: string[];
  /** Secrets (`mqops/…`) whose rotation the deployed stack turns on, each with its schedule. */
  rotations: RotationSchedule[];
  /** Rightsizing: lookback, headroom thresholds, downtime and auto-apply rules (see capacity/policy.ts). */
  capacity: CapacityPolicy;
}

const PolicySchema = z.partial(
  z.strictObject({
    productionTags: z.record(z.string(), z.array(z.string())),
    requiredTags: z.array(z.string()),
    maxCredentialAgeDays: z.number().check(z.int(), z.positive()),
    maxAdminUsers: z.number().check(z.int(), z.nonnegative()),
    adminGroups: z.array(z.string()),
    rabbitAdmins: z.array(z.string()),
    pendingChangeMaxDays: z.number().check(z.int(), z.positive()),
    endOfSupportWarningDays: z.number().check(z.int(), z.nonnegative()),
    queueBacklogMessages: z.number().check(z.int(), z.positive()),
    resourceAlarmRatio: z.number().check(z.gt(0), z.lte(1)),
  }),
);

const ConfigSchema = z.strictObject({
  policy: z.optional(PolicySchema),
  suppressions: z.optional(z.array(SuppressionSchema)),
  regions: z.optional(
    z.union([
      z.literal('all'),
      z
        .array(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'not a region name')))
        .check(z.minLength(1)),
    ]),
  ),
  accounts: z.optional(
    z.array(
      z.strictObject({
        accountId: z.string().check(z.regex(/^\d{12}$/, 'an account id has 12 digits')),
        roleArn: z.string().check(z.regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'not a role ARN')),
        externalId: z.optional(z.string()),
      }),
    ),
  ),
  securityHub: z.optional(z.boolean()),
  alarmTopics: z.optional(
    z.array(
      z.string().check(z.regex(/^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, 'not an SNS topic ARN')),
    ),
  ),
  rotations: z.optional(z.array(rotationScheduleSchema)),
  capacity: z.optional(z.unknown()),
});

/**
 * Reads a configuration (the parsed JSON). Policy fields left out keep their defaults; lower-cases production tag
 * keys and values.
 * @throws InvalidInputError naming every field that is wrong.
 */
export function parseConfig(value: unknown): MqopsConfig {
  const parsed = ConfigSchema.safeParse(value ?? {});
  if (!parsed.success)
    throw new InvalidInputError('invalid mqops configuration', z.issueLines(parsed.error, '(config)'));
  const {
    policy = {},
    suppressions = [],
    regions,
    accounts = [],
    securityHub = false,
    alarmTopics = [],
    rotations = [],
    capacity: capacityInput,
  } = parsed.data;
  let capacity: CapacityPolicy;
  try {
    capacity = parseCapacityPolicy(capacityInput);
  } catch (error) {
    const issues = error instanceof InvalidInputError ? error.issues : [(error as Error).message];
    throw new InvalidInputError(
      'invalid mqops configuration',
      issues.map((i) => `capacity.${i}`),
    );
  }
  const productionTags = policy.productionTags
    ? Object.fromEntries(
        Object.entries(policy.productionTags).map(([k, v]) => [
          k.toLowerCase(),
          v.map((x) => x.toLowerCase()),
        ]),
      )
    : DEFAULT_POLICY.productionTags;
  return {
    policy: { ...DEFAULT_POLICY, ...policy, productionTags },
    suppressions: suppressions.map((s) => ({ ...s, source: 'config' as const })),
    ...(regions ? { regions } : {}),
    accounts,
    securityHub,
    alarmTopics,
    rotations,
    capacity,
  };
}

/** Reads a configuration from JSON text. @throws InvalidInputError for text that is not JSON or a bad config. */
export function parseConfigText(text: string, origin = 'configuration'): MqopsConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${origin} is not valid JSON`, [(error as Error).message]);
  }
  return parseConfig(value);
}
