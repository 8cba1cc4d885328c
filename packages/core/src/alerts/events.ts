/**
 * CloudWatch alarm state changes, read into one {@link Alert} model from the three ways they arrive:
 *
 * - EventBridge: source `aws.cloudwatch`, detail-type "CloudWatch Alarm State Change" (the default: every alarm in the
 *   account and region, at-least-once).
 * - SNS alarm actions: the Lambda event's `Records[].Sns.Message` is CloudWatch's JSON notification (`AlarmName`,
 *   `NewStateValue`, `Trigger`, …), for users who already route alarms through a topic.
 * - An EventBridge alarm event delivered through an SNS topic (the `Message` is the event's JSON).
 *
 * Everything is validated with valibot; anything malformed is an {@link InvalidInputError} naming what is wrong, so the
 * caller sends nothing and writes nothing. Every string and list an event carries is bounded
 * ({@link ALERT_INPUT_LIMITS}: CloudWatch's own limits where it has them), and so is the event as a whole, before it
 * is read; a state time ahead of the reader's clock by more than {@link MAX_CLOCK_SKEW_MS} is refused too. Alarms that
 * are not about Amazon MQ are read, but {@link isAmazonMqAlarm} tells them apart: the engine ignores them.
 */
import { assertWithinLimits, MAX_DEPTH, refusal } from '../limits';
import * as v from '../schema';

/** CloudWatch alarm states. */
export const AlarmState = { OK: 'OK', ALARM: 'ALARM', INSUFFICIENT_DATA: 'INSUFFICIENT_DATA' } as const;
export type AlarmState = (typeof AlarmState)[keyof typeof AlarmState];

/** How urgent an alert is: decides colour and routing. */
export const AlertSeverity = { CRITICAL: 'CRITICAL', WARNING: 'WARNING', INFO: 'INFO' } as const;
export type AlertSeverity = (typeof AlertSeverity)[keyof typeof AlertSeverity];

/** Alert severities from the most to the least urgent. */
export const ALERT_SEVERITY_ORDER: readonly AlertSeverity[] = ['CRITICAL', 'WARNING', 'INFO'];

/** Alarm tag that sets an alert's severity (`CRITICAL`, `WARNING`, `INFO`; any case). */
export const SEVERITY_TAG = 'mqops:severity';
/**
 * Tags the alarm reconciler (packages/core/src/alarms/desired.ts) puts on the alarms it manages, read when
 * CloudWatch propagates them: `mqops:broker` = broker id, `mqops:broker-name`, `mqops:alarm-key`, `mqops:node`.
 */
export const BROKER_TAG = 'mqops:broker';
export const BROKER_NAME_TAG = 'mqops:broker-name';
export const ALARM_KEY_TAG = 'mqops:alarm-key';
export const NODE_TAG = 'mqops:node';
/** Alarm tag `mqops:role` = `broker-down` marks an alarm that means "the broker is down" (an inhibition source). */
export const ROLE_TAG = 'mqops:role';
/** Name prefix of the alarms mqops manages: `mqops-<broker>-<key>` (`…-<key>-node<N>` per RabbitMQ node). */
export const MANAGED_ALARM_PREFIX = 'mqops-';
/**
 * Name prefix of mqops' own alarms, the ones that watch mqops itself (infra/monitoring.ts: `mqops.self.<stage>.<key>`,
 * e.g. its dead-letter queue, a failed audit, an abandoned alert). Outside `mqops-` on purpose: the alarm reconciler
 * never sees them. They reach the MQ channel like broker alarms (the Alerts rule and isAmazonMqAlarm let them in).
 */
export const SELF_ALARM_PREFIX = 'mqops.self.';
/** The broker label of mqops' own alerts: they group together, apart from every broker. */
export const SELF_ALERT_BROKER = 'mqops (self)';

/** The namespace of Amazon MQ metrics. */
export const MQ_NAMESPACE = 'AWS/AmazonMQ';

/** Why {@link isAmazonMqAlarm} turns an alarm away: said in logs and in the engine's `ignored` outcome. */
export const NOT_AMAZON_MQ_ALARM = 'not an Amazon MQ alarm';

/**
 * How far ahead of the reader's clock an alarm's state time may be: 5 minutes, as AWS itself allows between a
 * request's signature time and its own clock (SigV4). CloudWatch stamps a state change with its clock and Lambda's
 * clock is NTP-synchronised, so a real event is at most seconds ahead; one further ahead is forged (or from a broken
 * emitter) and is refused, because the engine orders an alarm's events by state time: a state time in 2099 would
 * make every later real change of the alarm look stale.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The most an alarm event may carry, so a hostile or broken sender cannot make the notifier read, store or echo
 * unbounded input. CloudWatch's own limits where it has them (PutMetricAlarm, TagResource, SetAlarmState), SNS's and
 * EventBridge's message size for the whole; anything over is refused with an {@link InvalidInputError}.
 */
export const ALERT_INPUT_LIMITS = {
  /** The Lambda event as a whole, in characters of its JSON: the 256 KiB an EventBridge event or an SNS message may
   * hold, plus room for the SNS envelope around it. */
  eventChars: 320 * 1024,
  /** An SNS message body (SNS's default maximum message size, 256 KiB). */
  snsMessageChars: 256 * 1024,
  /** Nesting of objects and arrays (a CloudWatch alarm event nests 8 deep). */
  depth: MAX_DEPTH,
  /** SNS records in one Lambda event (Lambda delivers one). */
  records: 10,
  /** ARNs in an EventBridge event's `resources` (an alarm event names one). */
  resources: 10,
  alarmName: 255,
  /** An alarm ARN: `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name ≤ 255>`. */
  arn: 512,
  /** AlarmDescription. */
  description: 1024,
  /** StateReason. */
  reason: 1023,
  /** StateReasonData (JSON). */
  reasonData: 4000,
  /** A composite alarm's rule. */
  alarmRule: 10_240,
  /** Tags on one alarm, and a tag's key and value. */
  tags: 50,
  tagKey: 128,
  tagValue: 256,
  /** Metric data queries of one alarm (PutMetricAlarm takes at most 20). */
  metrics: 20,
  /** Dimensions of one metric, and a dimension's name and value. */
  dimensions: 30,
  dimensionName: 255,
  dimensionValue: 1024,
  /** A namespace, a metric name, a query id. */
  name: 255,
  expression: 2048,
  label: 1024,
  /** Any other string: ids, account, region, times, statistics, operators. */
  short: 256,
  /** Issues named in a refusal, and characters of each. */
  issues: 10,
  issueChars: 200,
} as const;

/** A metric an alarm watches. */
export interface AlertMetric {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  /** CloudWatch statistic as the API spells it (`Average`, `Maximum`, `p99`…). */
  stat?: string;
  /** Seconds. */
  period?: number;
}

/** One alarm state change, whichever way it arrived. */
export interface Alert {
  alarmName: string;
  alarmArn: string;
  accountId: string;
  /** Region code (`eu-west-1`); the human name from SNS notifications is mapped back. */
  region: string;
  state: AlarmState;
  previousState?: AlarmState;
  reason: string;
  /** When the alarm changed state (ISO 8601, UTC, milliseconds): with the alarm, the deduplication key. */
  timestamp: string;
  description?: string;
  /** The metric the alarm watches; for metric math, the first metric with a `Broker` dimension (else the first). */
  metric?: AlertMetric;
  /** Every metric of a metric-math alarm (empty for a single-metric alarm). */
  mathMetrics?: AlertMetric[];
  /** The metric-math expression the alarm compares, if any. */
  expression?: string;
  /** What the alarm shows for its value: the expression's label, or the metric name. */
  label?: string;
  threshold?: number;
  comparison?: string;
  /** The latest datapoints CloudWatch evaluated (from `reasonData`), oldest first. */
  recentDatapoints?: number[];
  /** The Amazon MQ broker's name (from the `mqops:broker-name` tag, or the `Broker` dimension). */
  broker?: string;
  /** The broker's id, when the alarm's tags carry it (`mqops:broker`). */
  brokerId?: string;
  /** Engine, when the metric tells (ActiveMQ `<name>-1`/`-2` dimensions and metric names, RabbitMQ `Node`…). */
  engine?: 'ACTIVEMQ' | 'RABBITMQ';
  /** ActiveMQ instance: 1 (active) or 2 (standby of an active/standby pair). */
  brokerInstance?: number;
  /** RabbitMQ node (`rabbit@ip-…`), for per-node alarms of a cluster. */
  node?: string;
  /** Queue or topic, for per-destination alarms. */
  destination?: string;
  severity: AlertSeverity;
  /** For alarms mqops manages: the key (`mqops:alarm-key` tag, or `mqops-<broker>-<key>[-node<N>]`), e.g. `heap`, `down`. */
  key?: string;
  /** Alarm tags, when CloudWatch propagates them (EventBridge `alarmTags`, SNS `AlarmTags`). */
  tags: Record<string, string>;
  source: 'eventbridge' | 'sns';
  /** EventBridge event id or SNS message id. */
  eventId?: string;
}

/** Region names as CloudWatch writes them in SNS notifications, to region codes. */
const REGION_CODES: Record<string, string> = {
  'US East (N. Virginia)': 'us-east-1',
  'US East (Ohio)': 'us-east-2',
  'US West (N. California)': 'us-west-1',
  'US West (Oregon)': 'us-west-2',
  'Africa (Cape Town)': 'af-south-1',
  'Asia Pacific (Hong Kong)': 'ap-east-1',
  'Asia Pacific (Hyderabad)': 'ap-south-2',
  'Asia Pacific (Jakarta)': 'ap-southeast-3',
  'Asia Pacific (Melbourne)': 'ap-southeast-4',
  'Asia Pacific (Mumbai)': 'ap-south-1',
  'Asia Pacific (Osaka)': 'ap-northeast-3',
  'Asia Pacific (Seoul)': 'ap-northeast-2',
  'Asia Pacific (Singapore)': 'ap-southeast-1',
  'Asia Pacific (Sydney)': 'ap-southeast-2',
  'Asia Pacific (Tokyo)': 'ap-northeast-1',
  'Canada (Central)': 'ca-central-1',
  'Canada West (Calgary)': 'ca-west-1',
  'EU (Frankfurt)': 'eu-central-1',
  'EU (Ireland)': 'eu-west-1',
  'EU (London)': 'eu-west-2',
  'EU (Milan)': 'eu-south-1',
  'EU (Paris)': 'eu-west-3',
  'EU (Spain)': 'eu-south-2',
  'EU (Stockholm)': 'eu-north-1',
  'EU (Zurich)': 'eu-central-2',
  'Europe (Frankfurt)': 'eu-central-1',
  'Europe (Ireland)': 'eu-west-1',
  'Europe (London)': 'eu-west-2',
  'Europe (Milan)': 'eu-south-1',
  'Europe (Paris)': 'eu-west-3',
  'Europe (Spain)': 'eu-south-2',
  'Europe (Stockholm)': 'eu-north-1',
  'Europe (Zurich)': 'eu-central-2',
  'Israel (Tel Aviv)': 'il-central-1',
  'Middle East (Bahrain)': 'me-south-1',
  'Middle East (UAE)': 'me-central-1',
  'South America (Sao Paulo)': 'sa-east-1',
  'South America (São Paulo)': 'sa-east-1',
  'AWS GovCloud (US-East)': 'us-gov-east-1',
  'AWS GovCloud (US-West)': 'us-gov-west-1',
  'China (Beijing)': 'cn-north-1',
  'China (Ningxia)': 'cn-northwest-1',
};

const REGION_CODE = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * ActiveMQ metrics (dimension `Broker` = `<name>-1`, or `-2` for the standby). Used to tell the engine, and so
 * whether a `-1`/`-2` suffix belongs to the broker's name.
 */
const ACTIVEMQ_METRICS = new Set([
  'CpuUtilization',
  'HeapUsage',
  'StorePercentUsage',
  'TempPercentUsage',
  'JobSchedulerStorePercentUsage',
  'CurrentConnectionsCount',
  'EstablishedConnectionsCount',
  'InactiveDurableTopicSubscribersCount',
  'AmqpMaximumConnections',
  'MqttMaximumConnections',
  'OpenwireMaximumConnections',
  'StompMaximumConnections',
  'WsMaximumConnections',
  'TotalConsumerCount',
  'TotalProducerCount',
  'TotalMessageCount',
  'TotalEnqueueCount',
  'TotalDequeueCount',
  'JournalFilesForFastRecovery',
  'JournalFilesForFullRecovery',
  'BurstBalance',
  'CpuCreditBalance',
  'NetworkIn',
  'NetworkOut',
  'QueueSize',
  'EnqueueCount',
  'DequeueCount',
  'DispatchCount',
  'ExpiredCount',
  'InFlightCount',
  'ReceiveCount',
  'EnqueueTime',
  'MemoryUsage',
  'ProducerCount',
  'OpenTransactionCount',
]);

/** RabbitMQ metrics (dimension `Broker` = the name; per node also `Node`; per queue `VirtualHost` + `Queue`). */
const RABBITMQ_METRICS = new Set([
  'SystemCpuUtilization',
  'RabbitMQMemUsed',
  'RabbitMQMemLimit',
  'RabbitMQDiskFree',
  'RabbitMQDiskFreeLimit',
  'RabbitMQFdUsed',
  'ConnectionCount',
  'ChannelCount',
  'QueueCount',
  'ExchangeCount',
  'MessageCount',
  'MessageReadyCount',
  'MessageUnacknowledgedCount',
  'PublishRate',
  'ConfirmRate',
  'AckRate',
]);

/**
 * Severity by metric when the alarm says nothing: what blocks producers or loses messages is CRITICAL (store full,
 * RabbitMQ memory and disk alarms), the rest WARNING. mqops's defaults, not AWS guidance.
 */
export const DEFAULT_METRIC_SEVERITY: Readonly<Record<string, AlertSeverity>> = {
  StorePercentUsage: 'CRITICAL',
  RabbitMQMemUsed: 'CRITICAL',
  RabbitMQDiskFree: 'CRITICAL',
  HeapUsage: 'WARNING',
  TempPercentUsage: 'WARNING',
  JobSchedulerStorePercentUsage: 'WARNING',
  CpuUtilization: 'WARNING',
  SystemCpuUtilization: 'WARNING',
  CurrentConnectionsCount: 'WARNING',
  ConnectionCount: 'WARNING',
  ChannelCount: 'WARNING',
  RabbitMQFdUsed: 'WARNING',
  QueueSize: 'WARNING',
  MessageCount: 'WARNING',
  MessageReadyCount: 'WARNING',
  MessageUnacknowledgedCount: 'WARNING',
  JournalFilesForFullRecovery: 'WARNING',
  JournalFilesForFastRecovery: 'WARNING',
  BurstBalance: 'WARNING',
  CpuCreditBalance: 'WARNING',
};

/**
 * Severity by the key of an mqops-managed alarm (the reconciler's keys, see packages/core/src/alarms/policy.ts):
 * what stops the broker or blocks producers is CRITICAL, the rest WARNING.
 */
const KEY_SEVERITY: Readonly<Record<string, AlertSeverity>> = {
  down: 'CRITICAL',
  'broker-down': 'CRITICAL',
  store: 'CRITICAL',
  disk: 'CRITICAL',
  memory: 'CRITICAL',
  cpu: 'WARNING',
  heap: 'WARNING',
  journal: 'WARNING',
  connections: 'WARNING',
  channels: 'WARNING',
  queues: 'WARNING',
  backlog: 'WARNING',
  dlq: 'WARNING',
};

// ---------------------------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------------------------

const L = ALERT_INPUT_LIMITS;

/** A string of at most `max` characters. */
const text = (max: number) => v.pipe(v.string(), v.maxLength(max));
/** A non-empty string of at most `max` characters. */
const name = (max: number, empty?: string) => v.pipe(v.string(), v.minLength(1, empty), v.maxLength(max));

/** CloudWatch's timestamps: `2019-10-02T17:04:40.989+0000`, or plain ISO 8601. */
const Timestamp = v.pipe(
  v.string(),
  v.regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/,
    'not a timestamp (expected 2019-10-02T17:04:40.989+0000)',
  ),
);

const StateValue = v.picklist(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

const EbState = v.object({
  value: StateValue,
  reason: v.optional(text(L.reason), ''),
  reasonData: v.optional(text(L.reasonData)),
  timestamp: Timestamp,
});

const Dimensions = v.pipe(
  v.record(name(L.dimensionName), text(L.dimensionValue)),
  v.maxEntries(L.dimensions, `more than ${L.dimensions} dimensions`),
);

const EbMetricStat = v.object({
  metric: v.object({
    namespace: name(L.name),
    name: name(L.name),
    dimensions: v.optional(Dimensions, {}),
  }),
  period: v.optional(v.number()),
  stat: v.optional(text(L.short)),
});

const EbMetric = v.object({
  id: text(L.name),
  metricStat: v.optional(EbMetricStat),
  expression: v.optional(text(L.expression)),
  label: v.optional(text(L.label)),
  returnData: v.optional(v.boolean()),
});

const TagKey = name(L.tagKey);
const TagValue = text(L.tagValue);

/** Tags as CloudWatch propagates them: an object; a `[{Key, Value}]` list is read too. */
const Tags = v.pipe(
  v.union([
    v.pipe(v.record(TagKey, TagValue), v.maxEntries(L.tags, `more than ${L.tags} tags`)),
    v.pipe(
      v.array(
        v.union([
          v.pipe(
            v.object({ Key: TagKey, Value: TagValue }),
            v.transform((t) => [t.Key, t.Value] as const),
          ),
          v.pipe(
            v.object({ key: TagKey, value: TagValue }),
            v.transform((t) => [t.key, t.value] as const),
          ),
        ]),
      ),
      v.maxLength(L.tags, `more than ${L.tags} tags`),
    ),
  ]),
  v.transform((t): Record<string, string> => (Array.isArray(t) ? Object.fromEntries(t) : t)),
);

const Arn = v.pipe(v.string(), v.startsWith('arn:', 'not an ARN'), v.maxLength(L.arn));

const EventBridgeAlarmEvent = v.object({
  id: name(L.short),
  'detail-type': v.literal('CloudWatch Alarm State Change'),
  source: v.literal('aws.cloudwatch'),
  account: name(L.short),
  time: text(L.short),
  region: v.pipe(v.string(), v.maxLength(L.short), v.regex(REGION_CODE, 'not a region code')),
  resources: v.pipe(
    v.array(Arn),
    v.minLength(1, 'names no alarm ARN'),
    v.maxLength(L.resources, `names more than ${L.resources} ARNs`),
  ),
  detail: v.object({
    alarmName: name(L.alarmName, 'empty alarm name'),
    state: EbState,
    previousState: v.optional(v.partial(EbState, ['timestamp'])),
    configuration: v.optional(
      v.object({
        description: v.nullish(text(L.description)),
        metrics: v.optional(
          v.pipe(v.array(EbMetric), v.maxLength(L.metrics, `more than ${L.metrics} metrics`)),
          [],
        ),
        alarmRule: v.optional(text(L.alarmRule)),
      }),
    ),
    alarmTags: v.optional(Tags),
  }),
});

/**
 * A dimension in an SNS alarm notification: `{name, value}` as CloudWatch writes them for a metric's `Trigger`;
 * `{Name, Value}` (the API's spelling) is accepted too, as some emitters write it inside `Trigger.Metrics`.
 */
const SnsDimension = v.pipe(
  v.union([
    v.object({ name: name(L.dimensionName), value: text(L.dimensionValue) }),
    v.object({ Name: name(L.dimensionName), Value: text(L.dimensionValue) }),
  ]),
  v.transform((d) => ('name' in d ? d : { name: d.Name, value: d.Value })),
);

const SnsDimensions = v.pipe(
  v.array(SnsDimension),
  v.maxLength(L.dimensions, `more than ${L.dimensions} dimensions`),
);

const SnsMetric = v.object({
  Id: text(L.name),
  Expression: v.optional(text(L.expression)),
  Label: v.optional(text(L.label)),
  ReturnData: v.optional(v.boolean()),
  MetricStat: v.optional(
    v.object({
      Metric: v.object({
        Namespace: name(L.name),
        MetricName: name(L.name),
        Dimensions: v.optional(SnsDimensions, []),
      }),
      Period: v.optional(v.number()),
      Stat: v.optional(text(L.short)),
    }),
  ),
});

const SnsAlarmMessage = v.object({
  AlarmName: name(L.alarmName, 'empty alarm name'),
  AlarmDescription: v.nullish(text(L.description)),
  AWSAccountId: name(L.short),
  NewStateValue: StateValue,
  NewStateReason: v.optional(text(L.reason), ''),
  StateChangeTime: Timestamp,
  Region: v.optional(text(L.short), ''),
  AlarmArn: Arn,
  OldStateValue: v.optional(StateValue),
  Trigger: v.nullish(
    v.object({
      MetricName: v.nullish(text(L.name)),
      Namespace: v.nullish(text(L.name)),
      Statistic: v.nullish(text(L.short)),
      ExtendedStatistic: v.nullish(text(L.short)),
      Dimensions: v.nullish(SnsDimensions),
      Period: v.nullish(v.number()),
      Threshold: v.nullish(v.number()),
      ComparisonOperator: v.nullish(text(L.short)),
      Metrics: v.nullish(
        v.pipe(v.array(SnsMetric), v.maxLength(L.metrics, `more than ${L.metrics} metrics`)),
      ),
    }),
  ),
  AlarmTags: v.nullish(Tags),
});

const SnsLambdaEvent = v.object({
  Records: v.pipe(
    v.array(
      v.object({
        EventSource: v.literal('aws:sns'),
        Sns: v.object({
          Message: v.pipe(
            v.string(),
            v.maxLength(L.snsMessageChars, `longer than SNS's ${L.snsMessageChars / 1024} KiB`),
          ),
          MessageId: v.optional(text(L.short)),
          TopicArn: v.optional(text(L.arn)),
        }),
      }),
    ),
    v.minLength(1, 'no records'),
    v.maxLength(L.records, `more than ${L.records} records`),
  ),
});

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/** `text` itself when short, else its first `keep` characters and how long it was: never echoes a long value. */
function cut(text: string, max = 64, keep = 64): string {
  return text.length <= max ? text : `${text.slice(0, keep)}…(${text.length} chars)`;
}

/** At most {@link ALERT_INPUT_LIMITS}`.issues` lines of at most `.issueChars` characters: a refusal stays small. */
function bounded(lines: string[]): string[] {
  const kept = lines.slice(0, L.issues).map((line) => cut(line, L.issueChars, L.issueChars - 24));
  return lines.length > L.issues ? [...kept, `…and ${lines.length - L.issues} more`] : kept;
}

/** The parse's problems as bounded lines; a key in a path (a tag key, a dimension name) is cut too. */
function issues(list: v.Issues, prefix = ''): string[] {
  const short = list.map((issue) => ({
    ...issue,
    path: issue.path?.map((item) => (typeof item.key === 'string' ? { ...item, key: cut(item.key) } : item)),
  })) as unknown as v.Issues;
  return bounded(v.issueLines(short, '(event)', prefix));
}

/** `2019-10-02T17:04:40.989+0000` → `2019-10-02T17:04:40.989Z`. */
export function normaliseTimestamp(value: string): string {
  const iso = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw refusal('invalid alarm event', [`unreadable timestamp ${cut(value)}`]);
  return new Date(ms).toISOString();
}

/** Region code of an alarm: the ARN's when it holds one, else the SNS human name mapped back, else as given. */
function regionOf(arn: string, given: string): string {
  const fromArn = arn.split(':')[3] ?? '';
  if (REGION_CODE.test(fromArn)) return fromArn;
  if (REGION_CODE.test(given)) return given;
  return REGION_CODES[given] ?? given;
}

/** `recentDatapoints` of a state's `reasonData`, if it holds numbers. */
function recentDatapoints(reasonData: string | undefined): number[] | undefined {
  if (!reasonData) return undefined;
  try {
    const data = JSON.parse(reasonData) as { recentDatapoints?: unknown };
    const points = Array.isArray(data.recentDatapoints)
      ? data.recentDatapoints.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
      : [];
    return points.length ? points : undefined;
  } catch {
    // reasonData is informational: an unreadable one costs the sparkline hint, not the alert.
    return undefined;
  }
}

/** Threshold from a reason's text ("…the threshold (80.0)…"), when the event does not carry it. */
function thresholdFromReason(reason: string): number | undefined {
  const match = /threshold \(([-\d.eE+]+)\)/.exec(reason);
  const value = match ? Number(match[1]) : Number.NaN;
  return Number.isFinite(value) ? value : undefined;
}

function parseSeverity(value: string | undefined): AlertSeverity | undefined {
  const upper = value?.trim().toUpperCase();
  if (upper === 'CRITICAL' || upper === 'WARNING' || upper === 'INFO') return upper;
  if (upper === 'HIGH' || upper === 'PAGE') return 'CRITICAL';
  if (upper === 'MEDIUM' || upper === 'LOW' || upper === 'WARN') return 'WARNING';
  return undefined;
}

/** What the broker-related parts of a metric say. */
interface BrokerHint {
  broker?: string;
  engine?: 'ACTIVEMQ' | 'RABBITMQ';
  brokerInstance?: number;
  node?: string;
  destination?: string;
}

/**
 * Reads the broker from an Amazon MQ metric. ActiveMQ publishes `Broker = <name>-1` (`-2` for the standby); RabbitMQ
 * the name itself. A name may itself end in `-1`, so the suffix is stripped only when the metric is an ActiveMQ one;
 * an mqops-managed alarm name (`mqops-<broker>-<key>`) settles the remaining doubt.
 */
function brokerHint(metric: AlertMetric | undefined, alarmName: string): BrokerHint {
  if (!metric || metric.namespace !== MQ_NAMESPACE) return {};
  const raw = metric.dimensions.Broker;
  if (!raw) return {};
  const dims = metric.dimensions;
  const destination = dims.Queue ?? dims.Topic;
  const rabbit =
    dims.Node !== undefined || dims.VirtualHost !== undefined || RABBITMQ_METRICS.has(metric.name);
  const suffix = /^(.+)-([12])$/.exec(raw);
  if (rabbit) {
    return {
      broker: raw,
      engine: 'RABBITMQ',
      ...(dims.Node ? { node: dims.Node } : {}),
      ...(destination ? { destination } : {}),
    };
  }
  const managed = (name: string) => alarmName.startsWith(`${MANAGED_ALARM_PREFIX}${name}-`);
  if (suffix?.[1] && (ACTIVEMQ_METRICS.has(metric.name) || managed(suffix[1])) && !managed(raw)) {
    return {
      broker: suffix[1],
      engine: 'ACTIVEMQ',
      brokerInstance: Number(suffix[2]),
      ...(destination ? { destination } : {}),
    };
  }
  return { broker: raw, ...(destination ? { destination } : {}) };
}

/** The key of an mqops-managed alarm (`mqops-orders-heap` → `heap`; `mqops-billing-memory-node2` → `memory`). */
function managedKey(alarmName: string, broker: string | undefined): string | undefined {
  if (!broker) return undefined;
  const prefix = `${MANAGED_ALARM_PREFIX}${broker}-`;
  return alarmName.startsWith(prefix) && alarmName.length > prefix.length
    ? alarmName.slice(prefix.length).replace(/-node\d+$/, '')
    : undefined;
}

/**
 * An alert's severity, first match wins: the `mqops:severity` alarm tag (or a `severity` tag), `severity=<level>`
 * in the alarm description, the key of an mqops-managed alarm, the metric ({@link DEFAULT_METRIC_SEVERITY}), else
 * WARNING.
 */
export function alertSeverity(input: {
  tags: Record<string, string>;
  description?: string;
  key?: string;
  metricName?: string;
}): AlertSeverity {
  const tagged = parseSeverity(input.tags[SEVERITY_TAG]) ?? parseSeverity(input.tags.severity);
  if (tagged) return tagged;
  const described = /\bseverity\s*[=:]\s*(critical|warning|info)\b/i.exec(input.description ?? '');
  if (described?.[1]) return described[1].toUpperCase() as AlertSeverity;
  if (input.key && KEY_SEVERITY[input.key]) return KEY_SEVERITY[input.key] as AlertSeverity;
  return (input.metricName && DEFAULT_METRIC_SEVERITY[input.metricName]) || 'WARNING';
}

/** Picks the metric a (math) alarm is about: the first with a `Broker` dimension, else the first. */
function primaryMetric(metrics: AlertMetric[]): AlertMetric | undefined {
  return metrics.find((m) => m.dimensions.Broker !== undefined) ?? metrics[0];
}

interface AlertParts {
  alarmName: string;
  alarmArn: string;
  accountId: string;
  region: string;
  state: AlarmState;
  previousState?: AlarmState;
  reason: string;
  timestamp: string;
  description?: string;
  metrics: AlertMetric[];
  expression?: string;
  label?: string;
  threshold?: number;
  comparison?: string;
  recentDatapoints?: number[];
  tags: Record<string, string>;
  source: Alert['source'];
  eventId?: string;
}

function toAlert(parts: AlertParts): Alert {
  const metric = primaryMetric(parts.metrics);
  const hint = brokerHint(metric, parts.alarmName);
  // The reconciler tags `mqops:broker` with the id; a hand-made alarm may carry the name there.
  const taggedBroker = parts.tags[BROKER_TAG]?.trim();
  const brokerId = taggedBroker && /^b-[0-9a-f-]+$/i.test(taggedBroker) ? taggedBroker : undefined;
  const broker = parts.alarmName.startsWith(SELF_ALARM_PREFIX)
    ? SELF_ALERT_BROKER
    : parts.tags[BROKER_NAME_TAG]?.trim() ||
      (taggedBroker && !brokerId ? taggedBroker : undefined) ||
      hint.broker;
  const key = parts.tags[ALARM_KEY_TAG]?.trim() || managedKey(parts.alarmName, broker);
  // An active/standby alarm over both instances (MAX of -1 and -2) is about the broker, not one instance.
  const instances = new Set(
    parts.metrics.map((m) => /-([12])$/.exec(m.dimensions.Broker ?? '')?.[1]).filter((i) => i !== undefined),
  );
  const node = parts.tags[NODE_TAG]?.trim() || hint.node;
  const threshold = parts.threshold ?? thresholdFromReason(parts.reason);
  return {
    alarmName: parts.alarmName,
    alarmArn: parts.alarmArn,
    accountId: parts.accountId,
    region: parts.region,
    state: parts.state,
    ...(parts.previousState ? { previousState: parts.previousState } : {}),
    reason: parts.reason,
    timestamp: normaliseTimestamp(parts.timestamp),
    ...(parts.description ? { description: parts.description } : {}),
    ...(metric ? { metric } : {}),
    ...(parts.metrics.length > 1 ? { mathMetrics: parts.metrics } : {}),
    ...(parts.expression ? { expression: parts.expression } : {}),
    ...(parts.label || metric ? { label: parts.label ?? metric?.name } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    ...(parts.comparison ? { comparison: parts.comparison } : {}),
    ...(parts.recentDatapoints ? { recentDatapoints: parts.recentDatapoints } : {}),
    ...(broker ? { broker } : {}),
    ...(brokerId ? { brokerId } : {}),
    ...(hint.engine ? { engine: hint.engine } : {}),
    ...(hint.brokerInstance && instances.size <= 1 ? { brokerInstance: hint.brokerInstance } : {}),
    ...(node ? { node } : {}),
    ...(hint.destination ? { destination: hint.destination } : {}),
    severity: alertSeverity({
      tags: parts.tags,
      description: parts.description,
      key,
      metricName: metric?.name,
    }),
    ...(key ? { key } : {}),
    tags: parts.tags,
    source: parts.source,
    ...(parts.eventId ? { eventId: parts.eventId } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Parsers
// ---------------------------------------------------------------------------------------------------------------

function fromEventBridge(event: v.InferOutput<typeof EventBridgeAlarmEvent>, source: Alert['source']): Alert {
  const d = event.detail;
  const metrics: AlertMetric[] = [];
  let expression: string | undefined;
  let label: string | undefined;
  for (const m of d.configuration?.metrics ?? []) {
    if (m.metricStat) {
      metrics.push({
        namespace: m.metricStat.metric.namespace,
        name: m.metricStat.metric.name,
        dimensions: m.metricStat.metric.dimensions,
        ...(m.metricStat.stat ? { stat: m.metricStat.stat } : {}),
        ...(m.metricStat.period !== undefined ? { period: m.metricStat.period } : {}),
      });
    } else if (m.expression && (m.returnData ?? true) && !expression) {
      expression = m.expression;
      label = m.label;
    }
  }
  const alarmArn = event.resources[0] as string;
  return toAlert({
    alarmName: d.alarmName,
    alarmArn,
    accountId: event.account,
    region: regionOf(alarmArn, event.region),
    state: d.state.value,
    ...(d.previousState ? { previousState: d.previousState.value } : {}),
    reason: d.state.reason,
    timestamp: d.state.timestamp,
    ...(d.configuration?.description ? { description: d.configuration.description } : {}),
    metrics,
    ...(expression ? { expression } : {}),
    ...(label ? { label } : {}),
    ...(recentDatapoints(d.state.reasonData)
      ? { recentDatapoints: recentDatapoints(d.state.reasonData) }
      : {}),
    tags: d.alarmTags ?? {},
    source,
    eventId: event.id,
  });
}

function fromSnsMessage(message: v.InferOutput<typeof SnsAlarmMessage>, eventId: string | undefined): Alert {
  const t = message.Trigger;
  const metrics: AlertMetric[] = [];
  let expression: string | undefined;
  let label: string | undefined;
  if (t?.MetricName && t.Namespace) {
    metrics.push({
      namespace: t.Namespace,
      name: t.MetricName,
      dimensions: Object.fromEntries((t.Dimensions ?? []).map((d) => [d.name, d.value])),
      // SNS upper-cases the statistic (AVERAGE); the API spells it Average.
      ...(t.Statistic ? { stat: t.Statistic.charAt(0) + t.Statistic.slice(1).toLowerCase() } : {}),
      ...(t.ExtendedStatistic ? { stat: t.ExtendedStatistic } : {}),
      ...(t.Period ? { period: t.Period } : {}),
    });
  }
  for (const m of t?.Metrics ?? []) {
    if (m.MetricStat) {
      metrics.push({
        namespace: m.MetricStat.Metric.Namespace,
        name: m.MetricStat.Metric.MetricName,
        dimensions: Object.fromEntries(m.MetricStat.Metric.Dimensions.map((d) => [d.name, d.value])),
        ...(m.MetricStat.Stat ? { stat: m.MetricStat.Stat } : {}),
        ...(m.MetricStat.Period !== undefined ? { period: m.MetricStat.Period } : {}),
      });
    } else if (m.Expression && (m.ReturnData ?? true) && !expression) {
      expression = m.Expression;
      label = m.Label;
    }
  }
  return toAlert({
    alarmName: message.AlarmName,
    alarmArn: message.AlarmArn,
    accountId: message.AWSAccountId,
    region: regionOf(message.AlarmArn, message.Region),
    state: message.NewStateValue,
    ...(message.OldStateValue ? { previousState: message.OldStateValue } : {}),
    reason: message.NewStateReason,
    timestamp: message.StateChangeTime,
    ...(message.AlarmDescription ? { description: message.AlarmDescription } : {}),
    metrics,
    ...(expression ? { expression } : {}),
    ...(label ? { label } : {}),
    ...(t?.Threshold !== undefined && t?.Threshold !== null ? { threshold: t.Threshold } : {}),
    ...(t?.ComparisonOperator ? { comparison: t.ComparisonOperator } : {}),
    tags: message.AlarmTags ?? {},
    source: 'sns',
    ...(eventId ? { eventId } : {}),
  });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads one SNS message body: CloudWatch's alarm notification, or an EventBridge alarm event. */
function parseSnsBody(body: string, where: string, eventId: string | undefined): Alert | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw refusal('invalid alarm notification', [
      `${where}.Sns.Message: not JSON (${cut((error as Error).message, 120, 100)})`,
    ]);
  }
  assertWithinLimits(value, 'invalid alarm notification', L.snsMessageChars);
  if (isObject(value) && 'detail-type' in value)
    return parseEventBridge(value, 'sns', `${where}.Sns.Message.`);
  const parsed = v.safeParse(SnsAlarmMessage, value);
  if (!parsed.success)
    throw refusal(
      'invalid alarm notification (not a CloudWatch alarm message)',
      issues(parsed.issues, `${where}.Sns.Message.`),
    );
  return fromSnsMessage(parsed.output, eventId);
}

/** Detail types from `aws.cloudwatch` that are not state changes: nothing to alert on. */
const IGNORED_DETAIL_TYPES = new Set([
  'CloudWatch Alarm Configuration Change',
  'CloudWatch Alarm Contributor State Change',
]);

function parseEventBridge(
  value: Record<string, unknown>,
  source: Alert['source'],
  prefix = '',
): Alert | undefined {
  if (value.source === 'aws.cloudwatch' && IGNORED_DETAIL_TYPES.has(String(value['detail-type'])))
    return undefined;
  const parsed = v.safeParse(EventBridgeAlarmEvent, value);
  if (!parsed.success) throw refusal('invalid CloudWatch alarm event', issues(parsed.issues, prefix));
  return fromEventBridge(parsed.output, source);
}

/** Options of {@link parseAlarmEvent}. */
export interface ParseAlarmEventOptions {
  /**
   * The reader's clock: a state time later than `now` + {@link MAX_CLOCK_SKEW_MS} is refused. Without it, state
   * times are not checked against a clock (the engine still checks them).
   */
  now?: Date;
}

/**
 * Refuses an alert whose state time is later than `now` + {@link MAX_CLOCK_SKEW_MS}.
 * @throws InvalidInputError naming the alarm (cut) and how far ahead its state time is.
 */
export function assertNotFuture(alert: Pick<Alert, 'alarmName' | 'timestamp'>, now: Date): void {
  const ahead = Date.parse(alert.timestamp) - now.getTime();
  if (ahead <= MAX_CLOCK_SKEW_MS) return;
  throw refusal('alarm state time in the future', [
    `${cut(alert.alarmName)}: state time ${alert.timestamp} is ${Math.round(ahead / 60_000)} min ahead of ` +
      `the clock (at most ${MAX_CLOCK_SKEW_MS / 60_000} min of skew is allowed)`,
  ]);
}

/**
 * Whether an alarm is about Amazon MQ, so the notifier's: one of its metrics (any metric of a metric-math alarm) is
 * in the `AWS/AmazonMQ` namespace, or it carries the `mqops:broker` tag (composite alarms, application alarms). The
 * same test as the Alerts rule's EventBridge pattern (infra/notify.ts), for events that arrive another way (an SNS
 * topic of `alarmTopics`, a widened rule). mqops' own alarms ({@link SELF_ALARM_PREFIX}) count too: they go to the
 * same channels.
 */
export function isAmazonMqAlarm(
  alert: Pick<Alert, 'metric' | 'mathMetrics' | 'tags'> & { alarmName?: string },
): boolean {
  if (Object.hasOwn(alert.tags, BROKER_TAG)) return true;
  if (alert.alarmName?.startsWith(SELF_ALARM_PREFIX)) return true;
  const metrics = alert.mathMetrics ?? (alert.metric ? [alert.metric] : []);
  return metrics.some((m) => m.namespace === MQ_NAMESPACE);
}

/**
 * Reads a Lambda event carrying CloudWatch alarm state changes: an EventBridge "CloudWatch Alarm State Change" event,
 * or an SNS event whose messages are alarm notifications (or EventBridge alarm events). Alarm configuration-change
 * events are not state changes: they give no alert. Alarms of other services are read too: tell them apart with
 * {@link isAmazonMqAlarm}.
 *
 * @returns the alerts, in the order of the records.
 * @throws InvalidInputError naming (at most 10) problems, for anything else or anything malformed, over
 * {@link ALERT_INPUT_LIMITS}, or (given `now`) with a state time in the future: then nothing is alerted.
 *
 * @example
 * const [alert] = parseAlarmEvent(event, { now: new Date() });
 * alert.broker; // 'orders' (from Broker = orders-1)
 */
export function parseAlarmEvent(event: unknown, options: ParseAlarmEventOptions = {}): Alert[] {
  const alerts = readAlarmEvent(event);
  const { now } = options;
  if (now) for (const alert of alerts) assertNotFuture(alert, now);
  return alerts;
}

function readAlarmEvent(event: unknown): Alert[] {
  if (isObject(event) && 'Records' in event) {
    assertWithinLimits(event, 'invalid SNS event', L.eventChars);
    const parsed = v.safeParse(SnsLambdaEvent, event);
    if (!parsed.success) throw refusal('invalid SNS event', issues(parsed.issues));
    // Read every record before returning, so a bad record rejects the whole event (nothing half-recorded).
    return parsed.output.Records.flatMap((record, i) => {
      const alert = parseSnsBody(record.Sns.Message, `Records.${i}`, record.Sns.MessageId);
      return alert ? [alert] : [];
    });
  }
  if (isObject(event) && 'detail-type' in event) {
    assertWithinLimits(event, 'invalid CloudWatch alarm event', L.eventChars);
    const alert = parseEventBridge(event, 'eventbridge');
    return alert ? [alert] : [];
  }
  throw refusal('not a CloudWatch alarm event', [
    'expected an EventBridge "CloudWatch Alarm State Change" event or an SNS event with alarm notifications',
  ]);
}

/** FNV-1a, 64 bits, as 16 hex digits: stable ids for alerts and groups (not for security). */
export function stableHash(text: string): string {
  let hash = 0xcbf29ce484222325n;
  const bytes = new TextEncoder().encode(text);
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/** An alert's stable identity: its alarm (by ARN), whichever way its events arrive. */
export function alertFingerprint(alert: Pick<Alert, 'alarmArn'>): string {
  return stableHash(alert.alarmArn);
}
