import { type AuditPolicy, DEFAULT_POLICY } from './check';
import { ConfigurationError } from './errors';
import { parseJsonText } from './json';
import * as v from './schema';
import { type Suppression, SuppressionSchema, suppressionSchema } from './suppressions';

/**
 * The mqops configuration file (`mqops.config.json`): policy overrides, suppressions, and what to audit (regions,
 * accounts). Every part is optional.
 *
 * @example
 * {
 *   "policy": { "requiredTags": ["env", "owner"], "maxCredentialAgeDays": 60 },
 *   "suppressions": [{ "check": "mq-public-access", "broker": "partner-*", "reason": "Partner access, OPS-42", "expires": "2027-01-31" }],
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
  /**
   * The sections that only some functions read, as written: `capacity` (rightsizing: lookback, headroom thresholds,
   * downtime and auto-apply rules), read by `capacityPolicyOf` (capacity/policy.ts), and `rotations` (secrets whose
   * rotation the deployed stack turns on), read by `rotationSchedulesOf` (rotation/enable.ts). A function never
   * fails on, or carries the code of, a section it does not use; `parseConfigFile` (config-file.ts) reads them all,
   * for the CLI and for `sst deploy`.
   */
  sections: { capacity?: unknown; rotations?: unknown };
}

const count = (min: number) => v.pipe(v.number(), v.safeInteger(), v.minValue(min));

const PolicySchema = v.partial(
  v.strictObject({
    productionTags: v.record(v.string(), v.array(v.string())),
    requiredTags: v.array(v.string()),
    maxCredentialAgeDays: count(1),
    maxAdminUsers: count(0),
    adminGroups: v.array(v.string()),
    rabbitAdmins: v.array(v.string()),
    pendingChangeMaxDays: count(1),
    endOfSupportWarningDays: count(0),
    queueBacklogMessages: count(1),
    resourceAlarmRatio: v.pipe(v.number(), v.gtValue(0), v.maxValue(1)),
  }),
);

/** The configuration's schema, its suppressions read with `suppression` (see `suppressionSchema`). */
const configSchema = (suppression: typeof SuppressionSchema) =>
  v.strictObject({
    policy: v.optional(PolicySchema),
    suppressions: v.optional(v.array(suppression)),
    regions: v.optional(
      v.union([
        v.literal('all'),
        v.pipe(
          v.array(v.pipe(v.string(), v.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'not a region name'))),
          v.minLength(1),
        ),
      ]),
    ),
    accounts: v.optional(
      v.array(
        v.strictObject({
          accountId: v.pipe(v.string(), v.regex(/^\d{12}$/, 'an account id has 12 digits')),
          roleArn: v.pipe(v.string(), v.regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'not a role ARN')),
          externalId: v.optional(v.string()),
        }),
      ),
    ),
    securityHub: v.optional(v.boolean()),
    alarmTopics: v.optional(
      v.array(
        v.pipe(v.string(), v.regex(/^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, 'not an SNS topic ARN')),
      ),
    ),
    rotations: v.optional(v.unknown()),
    capacity: v.optional(v.unknown()),
  });

const ConfigSchema = configSchema(SuppressionSchema);

/** How {@link parseConfig} reads. */
export interface ParseConfigOptions {
  /**
   * The check ids a suppression may name (`*` is always allowed); without, any id passes. `parseConfigFile` gives
   * every check's id (the CLI, `sst deploy`); a deployed function does not, so that it carries no check's code
   * for this: the configuration it reads was checked at deploy.
   */
  knownChecks?: readonly string[];
  /** The known id nearest to an unknown one, for the error (`did you mean …?`); see config-file.ts. */
  suggest?: (id: string) => string | undefined;
}

/**
 * Reads a configuration (the parsed JSON), all but the `capacity` and `rotations` sections (see
 * {@link MqopsConfig.sections}). Policy fields left out keep their defaults; lower-cases production tag keys and
 * values. A suppression must give a real expiry day and a reason that means something, and with
 * {@link ParseConfigOptions.knownChecks} a known check id; an expiry already past is no error (see
 * `suppressionWarnings`).
 * @throws ConfigurationError (an InvalidInputError) naming every field that is wrong.
 */
export function parseConfig(value: unknown, options: ParseConfigOptions = {}): MqopsConfig {
  const schema = options.knownChecks
    ? configSchema(suppressionSchema(options.knownChecks, options.suggest))
    : ConfigSchema;
  const parsed = v.safeParse(schema, value ?? {});
  if (!parsed.success)
    throw new ConfigurationError('invalid mqops configuration', v.issueLines(parsed.issues, '(config)'));
  const {
    policy = {},
    suppressions = [],
    regions,
    accounts = [],
    securityHub = false,
    alarmTopics = [],
    rotations,
    capacity,
  } = parsed.output;
  const productionTags = policy.productionTags
    ? Object.fromEntries(
        Object.entries(policy.productionTags).map(([k, values]) => [
          k.toLowerCase(),
          values.map((x) => x.toLowerCase()),
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
    sections: {
      ...(capacity !== undefined ? { capacity } : {}),
      ...(rotations !== undefined ? { rotations } : {}),
    },
  };
}

/** Reads a configuration from JSON text. @throws ConfigurationError for text that is not JSON or a bad config. */
export function parseConfigText(text: string, origin = 'configuration'): MqopsConfig {
  return parseConfig(parseJsonText(text, origin));
}
