import * as z from 'zod';
import { type CapacityPolicy, parseCapacityPolicy } from './capacity/policy';
import { type AuditPolicy, DEFAULT_POLICY } from './check';
import { InvalidInputError } from './errors';
import { type RotationSchedule, rotationScheduleSchema } from './rotation/enable';
import { type Suppression, SuppressionSchema } from './suppressions';

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

const PolicySchema = z
  .object({
    productionTags: z.record(z.string(), z.array(z.string())),
    requiredTags: z.array(z.string()),
    maxCredentialAgeDays: z.number().int().positive(),
    maxAdminUsers: z.number().int().nonnegative(),
    adminGroups: z.array(z.string()),
    rabbitAdmins: z.array(z.string()),
    pendingChangeMaxDays: z.number().int().positive(),
    endOfSupportWarningDays: z.number().int().nonnegative(),
    queueBacklogMessages: z.number().int().positive(),
    resourceAlarmRatio: z.number().gt(0).lte(1),
  })
  .partial()
  .strict();

const ConfigSchema = z
  .object({
    policy: PolicySchema.optional(),
    suppressions: z.array(SuppressionSchema).optional(),
    regions: z
      .union([
        z.literal('all'),
        z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'not a region name')).min(1),
      ])
      .optional(),
    accounts: z
      .array(
        z
          .object({
            accountId: z.string().regex(/^\d{12}$/, 'an account id has 12 digits'),
            roleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'not a role ARN'),
            externalId: z.string().optional(),
          })
          .strict(),
      )
      .optional(),
    securityHub: z.boolean().optional(),
    alarmTopics: z
      .array(z.string().regex(/^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, 'not an SNS topic ARN'))
      .optional(),
    rotations: z.array(rotationScheduleSchema).optional(),
    capacity: z.unknown().optional(),
  })
  .strict();

/**
 * Reads a configuration (the parsed JSON). Policy fields left out keep their defaults; lower-cases production tag
 * keys and values.
 * @throws InvalidInputError naming every field that is wrong.
 */
export function parseConfig(value: unknown): MqopsConfig {
  const parsed = ConfigSchema.safeParse(value ?? {});
  if (!parsed.success)
    throw new InvalidInputError(
      'invalid mqops configuration',
      parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`),
    );
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
