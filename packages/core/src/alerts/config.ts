/**
 * The notifier's configuration: Alertmanager's timing (group_by, group_wait, group_interval, repeat_interval),
 * inhibition rules and routing (severity or tag → Slack channel / SNS topic). Every field has a default; the
 * functions read overrides from `MQOPS_ALERTS_CONFIG` (JSON).
 *
 * @example
 * {
 *   "groupBy": ["broker"],
 *   "groupWaitSeconds": 30,
 *   "routes": [
 *     { "match": { "severity": ["CRITICAL"] }, "slack": "oncall", "sns": "default" },
 *     { "match": { "tags": { "team": "payments" } }, "slack": "payments" }
 *   ]
 * }
 */
import { ConfigurationError } from '../errors';
import { parseJsonText } from '../json';
import * as v from '../schema';
import type { AlertSeverity } from './events';

/** Labels an alert carries, usable in `groupBy`, inhibition `equal` and silence matchers. */
export const ALERT_LABELS = [
  'broker',
  'alarm',
  'severity',
  'metric',
  'namespace',
  'region',
  'account',
  'engine',
  'node',
  'destination',
] as const;

/** Where a notification goes: a Slack channel name and/or an SNS topic (`default` = the function's topic). */
export interface AlertTargets {
  /** Slack channel name: `default` is `MQOPS_SLACK_WEBHOOK_URL`, others come from `MQOPS_SLACK_WEBHOOKS`. */
  slack?: string;
  /** SNS topic: `default` is `MQOPS_ALERT_TOPIC_ARN`, or a topic ARN. */
  sns?: string;
}

/** One routing rule: when every condition in `match` holds, the notification goes to its targets. */
export interface AlertRoute extends AlertTargets {
  match?: {
    /** The group's highest severity is one of these. */
    severity?: AlertSeverity[];
    /** Alarm tags (or, failing those, the broker's tags) have these values. */
    tags?: Record<string, string>;
    /** Broker name patterns (`*` wildcard). */
    brokers?: string[];
  };
  /** Keep looking at later routes after this one matched (default false: first match wins). */
  continue?: boolean;
}

export interface AlertInhibitConfig {
  /** No notifications for a broker inside its maintenance window (default true). */
  maintenanceWindow: boolean;
  /** No notifications for a broker while an mqops runbook (reboot, resize…) runs for it (default true). */
  runbook: boolean;
  /**
   * A firing "broker down" alarm mutes the other alarms that share the `equal` labels (never itself). Sources are
   * the reconciler's `down` alarms (key `down`: `mqops-<broker>-down`), alarms whose name matches one of `alarms`
   * (`*` wildcard, case-insensitive), and alarms tagged `mqops:role = broker-down`.
   */
  brokerDown: { alarms: string[]; equal: string[] };
}

export interface AlertConfig {
  /** Labels whose values make a group (default `["broker"]`: one message per broker). */
  groupBy: string[];
  /** Wait before the first notification of a new group, to batch what fires together (default 30). */
  groupWaitSeconds: number;
  /** Wait after a notification before telling about changes in the group (default 300). */
  groupIntervalSeconds: number;
  /** Re-send a group that still fires after this long (default 14,400 = 4 h; 0 = never). */
  repeatIntervalSeconds: number;
  /** Tell when alerts that were notified resolve (default true). */
  sendResolved: boolean;
  /** INSUFFICIENT_DATA: `keep` the alert's status (a firing alert keeps firing), or treat it as `firing`. */
  insufficientData: 'keep' | 'firing';
  inhibit: AlertInhibitConfig;
  /** Routing rules, in order; when none matches, `defaultRoute`. */
  routes: AlertRoute[];
  defaultRoute: AlertTargets;
  /** Runbook hints by metric name, replacing or adding to the built-in ones. */
  runbookHints: Record<string, string>;
  /** How long a claimed notification is someone's to deliver before another flusher may retry it (default 300). */
  leaseSeconds: number;
  /** Delivery attempts of one notification before it is given up (loudly) so the group can move on (default 30). */
  maxDeliveryAttempts: number;
  /** How long duplicate deliveries of an event are recognised (default 48 h; EventBridge retries for 24 h). */
  dedupRetentionHours: number;
}

export const DEFAULT_ALERT_CONFIG: AlertConfig = {
  groupBy: ['broker'],
  groupWaitSeconds: 30,
  groupIntervalSeconds: 300,
  repeatIntervalSeconds: 4 * 3600,
  sendResolved: true,
  insufficientData: 'keep',
  inhibit: {
    maintenanceWindow: true,
    runbook: true,
    brokerDown: { alarms: ['mqops-*-down', '*broker-down*', '*brokerdown*'], equal: ['broker'] },
  },
  routes: [],
  defaultRoute: { slack: 'default', sns: 'default' },
  runbookHints: {},
  leaseSeconds: 300,
  maxDeliveryAttempts: 30,
  dedupRetentionHours: 48,
};

const Severity = v.picklist(['CRITICAL', 'WARNING', 'INFO']);
const Label = v.union([
  v.picklist(ALERT_LABELS),
  v.pipe(v.string(), v.regex(/^tag:.+$/, 'a label or tag:<key>')),
]);
const Targets = {
  slack: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[\w.-]{1,64}$/, 'a channel name (letters, digits, . _ -), not a webhook URL'),
    ),
  ),
  sns: v.optional(
    v.union([
      v.literal('default'),
      v.pipe(v.string(), v.regex(/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+$/, 'not a topic ARN')),
    ]),
  ),
};

/** An integer from `min` to `max`. */
const integer = (min: number, max: number) =>
  v.pipe(v.number(), v.safeInteger(), v.minValue(min), v.maxValue(max));

const ConfigSchema = v.partial(
  v.strictObject({
    groupBy: v.pipe(v.array(Label), v.maxLength(8)),
    groupWaitSeconds: integer(0, 3600),
    groupIntervalSeconds: integer(0, 86_400),
    repeatIntervalSeconds: integer(0, 7 * 86_400),
    sendResolved: v.boolean(),
    insufficientData: v.picklist(['keep', 'firing']),
    inhibit: v.partial(
      v.strictObject({
        maintenanceWindow: v.boolean(),
        runbook: v.boolean(),
        brokerDown: v.partial(
          v.strictObject({ alarms: v.array(v.pipe(v.string(), v.minLength(1))), equal: v.array(Label) }),
        ),
      }),
    ),
    routes: v.array(
      v.strictObject({
        match: v.optional(
          v.partial(
            v.strictObject({
              severity: v.pipe(v.array(Severity), v.minLength(1)),
              tags: v.record(v.string(), v.string()),
              brokers: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1)),
            }),
          ),
        ),
        continue: v.optional(v.boolean()),
        ...Targets,
      }),
    ),
    defaultRoute: v.strictObject(Targets),
    runbookHints: v.record(v.string(), v.pipe(v.string(), v.minLength(1), v.maxLength(500))),
    leaseSeconds: integer(30, 3600),
    maxDeliveryAttempts: integer(1, 10_000),
    dedupRetentionHours: integer(1, 24 * 30),
  }),
);

/**
 * Reads the notifier's configuration; what is left out keeps its default.
 * @throws ConfigurationError (an InvalidInputError) naming every field that is wrong (a webhook URL where a channel name belongs, too).
 */
export function parseAlertConfig(value: unknown): AlertConfig {
  const parsed = v.safeParse(ConfigSchema, value ?? {});
  if (!parsed.success)
    throw new ConfigurationError('invalid alerts configuration', v.issueLines(parsed.issues, '(config)'));
  const c = parsed.output;
  const d = DEFAULT_ALERT_CONFIG;
  return {
    ...d,
    ...c,
    inhibit: {
      maintenanceWindow: c.inhibit?.maintenanceWindow ?? d.inhibit.maintenanceWindow,
      runbook: c.inhibit?.runbook ?? d.inhibit.runbook,
      brokerDown: {
        alarms: c.inhibit?.brokerDown?.alarms ?? d.inhibit.brokerDown.alarms,
        equal: c.inhibit?.brokerDown?.equal ?? d.inhibit.brokerDown.equal,
      },
    },
    routes: (c.routes ?? []).map((r) => ({ ...r, ...(r.match ? { match: { ...r.match } } : {}) })),
    defaultRoute: c.defaultRoute ?? d.defaultRoute,
    runbookHints: { ...d.runbookHints, ...c.runbookHints },
  };
}

/** Reads the configuration from JSON text (an environment variable). */
export function parseAlertConfigText(text: string | undefined, origin = 'alerts configuration'): AlertConfig {
  if (!text?.trim()) return parseAlertConfig({});
  return parseAlertConfig(parseJsonText(text, origin));
}

/** `*`-wildcard match, case-insensitive. */
export function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return re.test(value);
}
