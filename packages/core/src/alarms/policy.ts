/**
 * The alarm policy: which CloudWatch alarms mqops keeps on every broker and with which thresholds, plus per-broker
 * overrides by tag.
 *
 * AWS publishes no recommended alarm thresholds for Amazon MQ. Every default below is mqops' own, chosen to page
 * before the broker hurts clients (flow control, a memory or disk alarm, refused connections), not when it already
 * does. Tune them with the policy (`parseAlarmPolicy`) or per broker with tags.
 *
 * ## Tag overrides (on the broker)
 * | tag | value | effect |
 * |---|---|---|
 * | `mqops:alarms` | `off` / `on` | no mqops alarms for this broker (its managed alarms are deleted) / default |
 * | `mqops:alarm:<key>` | `off` / `on` | drop / keep that alarm |
 * | `mqops:alarm:<key>:threshold` | number | threshold, in the unit of that key (see {@link ALARM_CATALOG}) |
 * | `mqops:alarm:<key>:period` | seconds | 60 or a multiple of 60 (Amazon MQ metrics are 1-minute) |
 * | `mqops:alarm:<key>:evaluation-periods` | integer ≥ 1 | periods evaluated |
 * | `mqops:alarm:<key>:datapoints` | integer 1…evaluation periods | breaching periods that trigger the alarm |
 * | `mqops:alarm:<key>:missing-data` | `missing` `notBreaching` `breaching` `ignore` | TreatMissingData |
 *
 * Keys and values are read case-insensitively (`OFF`, `Threshold`). A tag that does not parse is reported and
 * ignored (that setting keeps the policy's value); it never stops the reconciler.
 *
 * @example
 * // Broker tags: page on the backlog only above 5,000 messages, and no CPU alarm.
 * { "mqops:alarm:backlog:threshold": "5000", "mqops:alarm:cpu": "off" }
 */
import { ConfigurationError } from '../errors';
import type { Engine } from '../model';
import * as v from '../schema';

/** The alarms mqops knows, as constants with a derived union. */
export const AlarmKey = {
  /** CPU of the broker (ActiveMQ) or of each node (RabbitMQ). */
  CPU: 'cpu',
  /** ActiveMQ JVM heap usage. */
  HEAP: 'heap',
  /** ActiveMQ message store usage (at 100 % producers are blocked). */
  STORE: 'store',
  /** ActiveMQ journal files an unclean shutdown would replay (recovery time). */
  JOURNAL: 'journal',
  /** Connections against the instance type's cap. */
  CONNECTIONS: 'connections',
  /** RabbitMQ channels against the instance type's cap. */
  CHANNELS: 'channels',
  /** RabbitMQ queues against the instance type's cap. */
  QUEUES: 'queues',
  /** RabbitMQ memory used against the memory high watermark, per node. */
  MEMORY: 'memory',
  /** RabbitMQ free disk against the free-disk limit, per node. */
  DISK: 'disk',
  /** Messages waiting (ActiveMQ TotalMessageCount, RabbitMQ MessageReadyCount). */
  BACKLOG: 'backlog',
  /** Messages in the ActiveMQ dead-letter queue (ActiveMQ.DLQ). */
  DLQ: 'dlq',
  /** The broker stopped publishing metrics (down, or unreachable for CloudWatch). */
  DOWN: 'down',
} as const;
export type AlarmKey = (typeof AlarmKey)[keyof typeof AlarmKey];

export const ALARM_KEYS: readonly AlarmKey[] = Object.values(AlarmKey);

/** CloudWatch's TreatMissingData values. */
export const TREAT_MISSING_DATA = ['missing', 'notBreaching', 'breaching', 'ignore'] as const;
export type TreatMissingData = (typeof TREAT_MISSING_DATA)[number];

/** The settings of one alarm. */
export interface AlarmSettings {
  /** False: the alarm is not kept (an existing managed one is deleted). */
  enabled: boolean;
  /** In the unit of the key ({@link ALARM_CATALOG}); ignored for `down`. */
  threshold: number;
  /** Seconds per evaluated period: 60 or a multiple of 60. */
  period: number;
  evaluationPeriods: number;
  /** Breaching periods among the evaluated ones that trigger the alarm (M of N). */
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
}

/** The one alarm policy. */
export interface AlarmPolicy {
  alarms: Record<AlarmKey, AlarmSettings>;
  /** Also send the alert topic a notification when an alarm returns to OK (resolved messages through SNS). */
  notifyOnOk: boolean;
}

/** What a key measures, for documentation, validation and descriptions. */
export interface AlarmKeyInfo {
  title: string;
  /** The threshold's unit, as people read it. */
  unit: string;
  engines: readonly Engine[];
  /** Valid thresholds (inclusive); undefined when the threshold is fixed (`down`). */
  thresholdRange?: readonly [number, number];
  /** Whole numbers only. */
  integer?: boolean;
}

export const ALARM_CATALOG: Readonly<Record<AlarmKey, AlarmKeyInfo>> = {
  cpu: { title: 'CPU', unit: '% CPU', engines: ['ACTIVEMQ', 'RABBITMQ'], thresholdRange: [1, 100] },
  heap: { title: 'JVM heap', unit: '% of the heap', engines: ['ACTIVEMQ'], thresholdRange: [1, 100] },
  store: { title: 'message store', unit: '% of the store', engines: ['ACTIVEMQ'], thresholdRange: [1, 100] },
  journal: {
    title: 'journal files to replay',
    unit: 'journal files',
    engines: ['ACTIVEMQ'],
    thresholdRange: [1, 1_000_000],
    integer: true,
  },
  connections: {
    title: 'connections',
    unit: '% of the instance type’s connection cap',
    engines: ['ACTIVEMQ', 'RABBITMQ'],
    thresholdRange: [1, 100],
  },
  channels: {
    title: 'channels',
    unit: '% of the instance type’s channel cap',
    engines: ['RABBITMQ'],
    thresholdRange: [1, 100],
  },
  queues: {
    title: 'queues',
    unit: '% of the instance type’s queue cap',
    engines: ['RABBITMQ'],
    thresholdRange: [1, 100],
  },
  memory: {
    title: 'memory',
    unit: '% of the memory high watermark',
    engines: ['RABBITMQ'],
    thresholdRange: [1, 100],
  },
  disk: {
    title: 'free disk',
    unit: '× the free-disk limit (alarm at or below)',
    engines: ['RABBITMQ'],
    thresholdRange: [1, 1_000],
  },
  backlog: {
    title: 'message backlog',
    unit: 'messages',
    engines: ['ACTIVEMQ', 'RABBITMQ'],
    thresholdRange: [1, 1e12],
    integer: true,
  },
  dlq: {
    title: 'dead-letter queue',
    unit: 'messages',
    engines: ['ACTIVEMQ'],
    thresholdRange: [1, 1e12],
    integer: true,
  },
  down: { title: 'metrics stopped (broker down)', unit: '', engines: ['ACTIVEMQ', 'RABBITMQ'] },
};

const settings = (
  threshold: number,
  period: number,
  evaluationPeriods: number,
  datapointsToAlarm = evaluationPeriods,
  treatMissingData: TreatMissingData = 'missing',
): AlarmSettings => ({
  enabled: true,
  threshold,
  period,
  evaluationPeriods,
  datapointsToAlarm,
  treatMissingData,
});

/**
 * mqops' defaults (not AWS recommendations: AWS publishes none):
 * - cpu ≥ 85 % (average) for 15 minutes — sustained saturation, not a spike;
 * - heap ≥ 80 % for 15 minutes — ActiveMQ slows (GC, flow control) well before 100 %;
 * - store ≥ 80 % in one 5-minute period — at 100 % producers are blocked, so act early;
 * - journal ≥ 200 files for 15 minutes — an unclean restart would replay that many journal files (slow failover);
 * - connections / channels / queues ≥ 80 % of the instance type's cap for 10 minutes (queues: 5) — new clients
 *   are refused at the cap;
 * - memory ≥ 80 % of the high watermark for 10 minutes — at 100 % RabbitMQ blocks publishers;
 * - disk: free space ≤ 3 × the free-disk limit — below the limit RabbitMQ blocks publishers;
 * - backlog ≥ 100,000 messages for 15 minutes (the audit's `queueBacklogMessages`);
 * - dlq ≥ 1 message — any dead letter deserves a look; no data (no DLQ yet) is fine;
 * - down: no CPU datapoint for 5 minutes, missing data breaching — the broker stopped reporting.
 */
export const DEFAULT_ALARM_POLICY: AlarmPolicy = {
  alarms: {
    cpu: settings(85, 300, 3),
    heap: settings(80, 300, 3),
    store: settings(80, 300, 1),
    journal: settings(200, 300, 3),
    connections: settings(80, 300, 2),
    channels: settings(80, 300, 2),
    queues: settings(80, 300, 1),
    memory: settings(80, 300, 2),
    disk: settings(3, 300, 1),
    backlog: settings(100_000, 300, 3),
    dlq: settings(1, 300, 1, 1, 'notBreaching'),
    down: settings(1, 60, 5, 5, 'breaching'),
  },
  notifyOnOk: true,
};

/** The broker tag that turns all mqops alarms off (`off`) for a broker. */
export const ALARMS_TAG = 'mqops:alarms';
/** The prefix of per-alarm override tags: `mqops:alarm:<key>[:<setting>]`. */
export const ALARM_TAG_PREFIX = 'mqops:alarm:';

/** Settings a tag can override, by the name used in the tag key. */
const TAG_SETTINGS = {
  threshold: 'threshold',
  period: 'period',
  'evaluation-periods': 'evaluationPeriods',
  datapoints: 'datapointsToAlarm',
  'missing-data': 'treatMissingData',
} as const satisfies Record<string, keyof AlarmSettings>;
type TagSetting = keyof typeof TAG_SETTINGS;

/** A broker tag that could not be applied: reported, never fatal. */
export interface OverrideIssue {
  tag: string;
  value: string;
  problem: string;
}

/** The settings in effect for one broker after its tags. */
export interface BrokerAlarmPolicy {
  /** False when `mqops:alarms` = `off`. */
  enabled: boolean;
  alarms: Record<AlarmKey, AlarmSettings>;
  notifyOnOk: boolean;
  /** Tags that changed a setting (`key=value`). */
  applied: string[];
  issues: OverrideIssue[];
}

/** Why a period/evaluation combination is not accepted, or undefined when it is. */
export function timingProblem(s: Pick<AlarmSettings, 'period' | 'evaluationPeriods' | 'datapointsToAlarm'>) {
  if (!Number.isInteger(s.period) || s.period < 60 || s.period % 60 !== 0)
    return 'period must be 60 seconds or a multiple of 60';
  if (!Number.isInteger(s.evaluationPeriods) || s.evaluationPeriods < 1)
    return 'evaluation periods must be a whole number ≥ 1';
  if (!Number.isInteger(s.datapointsToAlarm) || s.datapointsToAlarm < 1)
    return 'datapoints must be a whole number ≥ 1';
  if (s.datapointsToAlarm > s.evaluationPeriods) return 'datapoints cannot exceed the evaluation periods';
  const total = s.period * s.evaluationPeriods;
  if (s.period < 3600 && total > 86_400)
    return 'period × evaluation periods cannot exceed one day (CloudWatch limit for periods under an hour)';
  if (total > 7 * 86_400) return 'period × evaluation periods cannot exceed 7 days';
  return undefined;
}

/** Why a threshold is not accepted for a key, or undefined when it is. */
export function thresholdProblem(key: AlarmKey, value: number): string | undefined {
  const info = ALARM_CATALOG[key];
  if (!info.thresholdRange) return `${key} has no adjustable threshold`;
  const [min, max] = info.thresholdRange;
  if (!Number.isFinite(value) || value < min || value > max)
    return `threshold must be between ${min} and ${max} (${info.unit})`;
  if (info.integer && !Number.isInteger(value)) return 'threshold must be a whole number';
  return undefined;
}

const isAlarmKey = (value: string): value is AlarmKey => (ALARM_KEYS as readonly string[]).includes(value);

/** A number as people write it in a tag: `5000`, `5_000`, `5,000`, `0.5`. */
function readNumber(value: string): number | undefined {
  const text = value.trim().replace(/[_,]/g, '');
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
}

function readSwitch(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (['off', 'false', 'disabled', 'no'].includes(v)) return false;
  if (['on', 'true', 'enabled', 'yes'].includes(v)) return true;
  return undefined;
}

/**
 * Applies a broker's `mqops:alarms` and `mqops:alarm:*` tags to the policy. Bad tags are returned as issues and
 * leave the setting they aimed at unchanged; tags of other tools are ignored.
 */
export function brokerAlarmPolicy(policy: AlarmPolicy, tags: Record<string, string>): BrokerAlarmPolicy {
  const alarms = Object.fromEntries(ALARM_KEYS.map((k) => [k, { ...policy.alarms[k] }])) as Record<
    AlarmKey,
    AlarmSettings
  >;
  const issues: OverrideIssue[] = [];
  const applied: string[] = [];
  let enabled = true;
  const timingTags = new Map<AlarmKey, { tag: string; value: string; setting: TagSetting }[]>();

  for (const [tag, value] of Object.entries(tags).sort(([a], [b]) => a.localeCompare(b))) {
    const lower = tag.toLowerCase();
    const issue = (problem: string) => issues.push({ tag, value, problem });
    if (lower === ALARMS_TAG) {
      const on = readSwitch(value);
      if (on === undefined) issue('expected "off" or "on"');
      else {
        enabled = on;
        applied.push(`${tag}=${value}`);
      }
      continue;
    }
    if (!lower.startsWith(ALARM_TAG_PREFIX)) continue;
    const [keyPart = '', settingPart, ...rest] = lower.slice(ALARM_TAG_PREFIX.length).split(':');
    if (!isAlarmKey(keyPart)) {
      issue(`unknown alarm key "${keyPart}" (known: ${ALARM_KEYS.join(', ')})`);
      continue;
    }
    const key = keyPart;
    if (rest.length > 0) {
      issue(`expected ${ALARM_TAG_PREFIX}<key> or ${ALARM_TAG_PREFIX}<key>:<setting>`);
      continue;
    }
    if (settingPart === undefined) {
      const on = readSwitch(value);
      if (on === undefined) issue('expected "off" or "on"');
      else {
        alarms[key].enabled = on;
        applied.push(`${tag}=${value}`);
      }
      continue;
    }
    if (!(settingPart in TAG_SETTINGS)) {
      issue(`unknown setting "${settingPart}" (known: ${Object.keys(TAG_SETTINGS).join(', ')})`);
      continue;
    }
    const setting = settingPart as TagSetting;
    if (setting === 'missing-data') {
      const match = TREAT_MISSING_DATA.find((m) => m.toLowerCase() === value.trim().toLowerCase());
      if (!match) issue(`expected one of ${TREAT_MISSING_DATA.join(', ')}`);
      else {
        alarms[key].treatMissingData = match;
        applied.push(`${tag}=${value}`);
      }
      continue;
    }
    const number = readNumber(value);
    if (number === undefined) {
      issue('expected a number');
      continue;
    }
    if (setting === 'threshold') {
      const problem = thresholdProblem(key, number);
      if (problem) issue(problem);
      else {
        alarms[key].threshold = number;
        applied.push(`${tag}=${value}`);
      }
      continue;
    }
    const list = timingTags.get(key) ?? [];
    list.push({ tag, value, setting });
    timingTags.set(key, list);
  }

  // Period, evaluation periods and datapoints are checked together: one bad combination reverts that key's timing
  // tags, as a whole, to the policy's values.
  for (const [key, list] of timingTags) {
    const base = alarms[key];
    const next = { ...base };
    let datapointsTagged = false;
    for (const { setting, value } of list) {
      const field = TAG_SETTINGS[setting] as 'period' | 'evaluationPeriods' | 'datapointsToAlarm';
      next[field] = readNumber(value) as number;
      if (field === 'datapointsToAlarm') datapointsTagged = true;
    }
    // Fewer evaluation periods than the policy's datapoints, without a datapoints tag: M of N becomes N of N.
    if (!datapointsTagged) next.datapointsToAlarm = Math.min(next.datapointsToAlarm, next.evaluationPeriods);
    const problem = timingProblem(next);
    if (problem) {
      for (const { tag, value } of list) issues.push({ tag, value, problem });
      continue;
    }
    alarms[key] = next;
    for (const { tag, value } of list) applied.push(`${tag}=${value}`);
  }

  return { enabled, alarms, notifyOnOk: policy.notifyOnOk, applied: applied.sort(), issues };
}

const SettingsSchema = v.partial(
  v.strictObject({
    enabled: v.boolean(),
    threshold: v.number(),
    period: v.pipe(v.number(), v.safeInteger()),
    evaluationPeriods: v.pipe(v.number(), v.safeInteger()),
    datapointsToAlarm: v.pipe(v.number(), v.safeInteger()),
    treatMissingData: v.picklist(TREAT_MISSING_DATA),
  }),
);

/** Settings for any of the alarm keys; another key is an unknown field. */
const AlarmsSchema = v.strictObject(
  Object.fromEntries(ALARM_KEYS.map((key) => [key, v.exactOptional(SettingsSchema)])) as Record<
    AlarmKey,
    v.ExactOptionalSchema<typeof SettingsSchema, undefined>
  >,
);

const PolicySchema = v.strictObject({
  alarms: v.optional(AlarmsSchema),
  notifyOnOk: v.optional(v.boolean()),
});

/**
 * Reads an alarm policy (e.g. the `MQOPS_ALARM_POLICY` JSON, or a config file section): every field is optional and
 * falls back to {@link DEFAULT_ALARM_POLICY}.
 * @throws ConfigurationError (an InvalidInputError) naming every field that is wrong.
 * @example
 * parseAlarmPolicy({ alarms: { cpu: { threshold: 90 }, journal: { enabled: false } } });
 */
export function parseAlarmPolicy(value: unknown): AlarmPolicy {
  const parsed = v.safeParse(PolicySchema, value ?? {});
  if (!parsed.success)
    throw new ConfigurationError('invalid alarm policy', v.issueLines(parsed.issues, '(policy)'));
  const problems: string[] = [];
  const alarms = Object.fromEntries(
    ALARM_KEYS.map((key) => {
      const given = parsed.output.alarms?.[key] ?? {};
      const merged: AlarmSettings = { ...DEFAULT_ALARM_POLICY.alarms[key], ...given };
      if (given.evaluationPeriods !== undefined && given.datapointsToAlarm === undefined)
        merged.datapointsToAlarm = Math.min(merged.datapointsToAlarm, merged.evaluationPeriods);
      const timing = timingProblem(merged);
      if (timing) problems.push(`alarms.${key}: ${timing}`);
      if (given.threshold !== undefined) {
        const threshold = thresholdProblem(key, given.threshold);
        if (threshold) problems.push(`alarms.${key}.threshold: ${threshold}`);
      }
      return [key, merged];
    }),
  ) as Record<AlarmKey, AlarmSettings>;
  if (problems.length) throw new ConfigurationError('invalid alarm policy', problems);
  return { alarms, notifyOnOk: parsed.output.notifyOnOk ?? DEFAULT_ALARM_POLICY.notifyOnOk };
}
