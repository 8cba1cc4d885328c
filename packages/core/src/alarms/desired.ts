/**
 * The CloudWatch alarms a broker should have: engine- and mode-specific, thresholds from the alarm policy after
 * the broker's override tags, cap-based thresholds from the instance type's documented caps.
 *
 * Naming: `mqops-<broker name>-<key>`, and `…-<key>-node<N>` for per-node RabbitMQ cluster alarms (nodes numbered by
 * sorted node name). Every alarm's description ends with a machine-readable marker line
 * (`mqops:managed v=1 broker=<id> broker-name=<name> key=<key> [node=<node>]`, see {@link formatAlarmMarker}): the
 * name prefix AND that marker (consistent with the name) are what the reconciler recognises as its own, read from
 * DescribeAlarms alone. Every alarm is also tagged on creation `mqops:managed` = `true`, `mqops:broker` = broker id,
 * `mqops:broker-name`, `mqops:alarm-key` (and `mqops:node`), for people and for the alert path (CloudWatch puts an
 * alarm's tags into its state-change events); alarms of mqops versions before the marker are recognised by those
 * tags (see packages/core/src/alarms/reconcile.ts).
 *
 * Metrics (namespace AWS/AmazonMQ): ActiveMQ dimension `Broker` = `<name>-1` (and `<name>-2` for the standby of an
 * active/standby pair: those alarms watch `MAX([m1, m2])`, i.e. whichever instance is active, so a failover keeps
 * them meaningful); RabbitMQ dimension `Broker` = `<name>`, and `Broker` + `Node` per node. For clusters the
 * broker-level CPU, memory and disk are sums over the nodes, so those three alarms are per node; connections,
 * channels, queues and messages are only published per broker.
 */
import { instanceCount, instanceLimits } from '../instance-types';
import type { Broker } from '../model';
import {
  ALARM_CATALOG,
  ALARM_KEYS,
  type AlarmKey,
  type AlarmPolicy,
  type AlarmSettings,
  brokerAlarmPolicy,
  DEFAULT_ALARM_POLICY,
  type OverrideIssue,
} from './policy';

export const AMAZON_MQ_NAMESPACE = 'AWS/AmazonMQ';

/** Every alarm mqops manages is named with this prefix. */
export const ALARM_NAME_PREFIX = 'mqops-';

/**
 * Tags on the alarms mqops manages, written when it creates them (and rewritten when its marker says they name
 * another broker, key or node); read by people and the alert path, and by the reconciler only for alarms without
 * the description marker.
 */
export const ALARM_TAGS = {
  /** `true`: mqops owns the alarm (how versions before the description marker recognised their alarms). */
  MANAGED: 'mqops:managed',
  /** The broker id. */
  BROKER: 'mqops:broker',
  /** The broker name (for people and reports: alarms outlive their broker until the next run). */
  BROKER_NAME: 'mqops:broker-name',
  /** The alarm key ({@link AlarmKey}). */
  KEY: 'mqops:alarm-key',
  /** The RabbitMQ node, for per-node alarms. */
  NODE: 'mqops:node',
} as const;

/** The first word of the marker line that ends the description of every alarm mqops manages. */
export const ALARM_MARKER = 'mqops:managed';
/** The marker's format version (`v=1`); a marker of another version is not recognised (its tags are read). */
export const ALARM_MARKER_VERSION = 1;
/** CloudWatch's limit on AlarmDescription. */
export const ALARM_DESCRIPTION_MAX = 1024;

/** What the marker line of an alarm's description says: whose alarm it is (what mqops also writes in its tags). */
export interface AlarmMarker {
  brokerId: string;
  brokerName: string;
  key: AlarmKey;
  /** The RabbitMQ node of a per-node alarm. */
  node?: string;
}

/** A marker value with whitespace, `%` and anything unusual percent-encoded (node names keep their `@`). */
const encodeValue = (value: string) => value.replace(/[^\w@.:+/-]/g, (c) => encodeURIComponent(c));

/**
 * The marker line, e.g. `mqops:managed v=1 broker=b-1234 broker-name=orders key=cpu`, or with
 * ` node=rabbit@ip-10-0-0-1.ec2.internal` for a per-node alarm.
 */
export function formatAlarmMarker(marker: AlarmMarker): string {
  return (
    `${ALARM_MARKER} v=${ALARM_MARKER_VERSION} broker=${encodeValue(marker.brokerId)} ` +
    `broker-name=${encodeValue(marker.brokerName)} key=${marker.key}` +
    (marker.node !== undefined ? ` node=${encodeValue(marker.node)}` : '')
  );
}

/** The longest marker line read (longer last lines are not markers). */
const MARKER_LINE_MAX = 700;
const MARKER_LINE = /* @__PURE__ */ new RegExp(
  `^${ALARM_MARKER} v=(\\d{1,3}) broker=(\\S{1,128}) broker-name=(\\S{1,160}) key=([a-z]{1,16})(?: node=(\\S{1,400}))?$`,
);
const KEYS: ReadonlySet<string> = /* @__PURE__ */ new Set(ALARM_KEYS);
const decodeValue = (value: string): string | undefined => {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
};

/**
 * The marker of an alarm mqops wrote, read from the last line of its description; undefined when there is none,
 * it does not parse, it is of another format version, or it does not match the alarm's name
 * (`mqops-<broker-name>-<key>`, `…-node<N>` exactly when it names a node): a copy of an mqops alarm under another
 * name, or a hand-made alarm, is not taken for one. Bounded: only a last line of at most 700 characters is parsed.
 */
export function parseAlarmMarker(alarm: { name: string; description: string }): AlarmMarker | undefined {
  const { description } = alarm;
  const line = description.slice(description.lastIndexOf('\n') + 1);
  if (line.length > MARKER_LINE_MAX || !line.startsWith(ALARM_MARKER)) return undefined;
  const match = MARKER_LINE.exec(line);
  if (!match || Number(match[1]) !== ALARM_MARKER_VERSION) return undefined;
  const brokerId = decodeValue(match[2] as string);
  const brokerName = decodeValue(match[3] as string);
  const key = match[4] as string;
  const node = match[5] === undefined ? undefined : decodeValue(match[5]);
  if (!brokerId || !brokerName || !KEYS.has(key) || node === '') return undefined;
  if (match[5] !== undefined && node === undefined) return undefined;
  const base = `${ALARM_NAME_PREFIX}${brokerName}-${key}`;
  const nameMatches =
    node === undefined
      ? alarm.name === base
      : alarm.name.startsWith(base) && /^-node\d{1,4}$/.test(alarm.name.slice(base.length));
  if (!nameMatches) return undefined;
  return { brokerId, brokerName, key: key as AlarmKey, ...(node !== undefined ? { node } : {}) };
}

/**
 * `text`, then the marker line, within CloudWatch's 1024 characters (the text is cut, never the marker).
 */
export function describedWithMarker(text: string, marker: AlarmMarker): string {
  const line = formatAlarmMarker(marker);
  const room = ALARM_DESCRIPTION_MAX - line.length - 1;
  const body = text.length <= room ? text : `${text.slice(0, Math.max(0, room - 1))}…`;
  return `${body}\n${line}`;
}

/** Broker states whose brokers get no alarms (their managed alarms are deleted). */
export const NO_ALARM_STATES: readonly string[] = ['DELETION_IN_PROGRESS', 'CREATION_FAILED'];

export const ComparisonOperator = {
  GTE: 'GreaterThanOrEqualToThreshold',
  GT: 'GreaterThanThreshold',
  LT: 'LessThanThreshold',
  LTE: 'LessThanOrEqualToThreshold',
} as const;
export type ComparisonOperator = (typeof ComparisonOperator)[keyof typeof ComparisonOperator];

export interface AlarmDimension {
  name: string;
  value: string;
}

export interface AlarmMetric {
  namespace: string;
  metricName: string;
  dimensions: AlarmDimension[];
}

/** The metric of a single-metric alarm. */
export interface SingleMetric extends AlarmMetric {
  /** Average, Maximum, Minimum, Sum, SampleCount (or pNN). */
  statistic: string;
  /** Seconds. */
  period: number;
}

/** One entry of a metric-math alarm: a metric (with stat and period) or an expression over the others. */
export interface MetricQuery {
  id: string;
  /** Exactly one entry returns data: the expression the alarm evaluates. */
  returnData: boolean;
  label?: string;
  expression?: string;
  metric?: AlarmMetric;
  stat?: string;
  period?: number;
}

/** An alarm's configuration, as mqops compares it: either `metric` or `metrics` (metric math). */
export interface AlarmSpec {
  name: string;
  description: string;
  metric?: SingleMetric;
  metrics?: MetricQuery[];
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: string;
  treatMissingData: string;
  alarmActions: string[];
  okActions: string[];
  tags: Record<string, string>;
}

/** An alarm a broker should have. */
export interface DesiredAlarm extends AlarmSpec {
  brokerId: string;
  brokerName: string;
  key: AlarmKey;
  /** The RabbitMQ node of a per-node alarm. */
  node?: string;
}

/**
 * An alarm as CloudWatch has it: its configuration from DescribeAlarms and, only when they were read
 * (ListTagsForResource: an alarm with the name prefix but without a valid marker), its tags.
 */
export interface ExistingAlarm extends Omit<AlarmSpec, 'tags'> {
  arn: string;
  /** False after DisableAlarmActions: mqops keeps an operator's mute when it updates the alarm. */
  actionsEnabled: boolean;
  /** Its tags, when read; undefined for an alarm whose marker says whose it is (its tags are not read). */
  tags?: Record<string, string>;
}

/** What to build a broker's alarms from. */
export interface DesiredOptions {
  /** Default {@link DEFAULT_ALARM_POLICY}. */
  policy?: AlarmPolicy;
  /** ARNs notified on ALARM (and on OK when the policy says so), e.g. the alert SNS topic. */
  alarmActions?: readonly string[];
  /** RabbitMQ node names (the CloudWatch `Node` dimension) of this broker; needed for per-node cluster alarms. */
  rabbitNodes?: readonly string[];
}

/** A broker's desired alarms, with what its tags did and anything worth telling. */
export interface BrokerDesiredAlarms {
  alarms: DesiredAlarm[];
  /** The instance type cap-based thresholds were derived from. */
  instanceType: string;
  /** Override tags that took effect. */
  applied: string[];
  /** Override tags that did not parse (ignored). */
  issues: OverrideIssue[];
  notes: string[];
}

/**
 * The instance type cap-based thresholds follow: the current one, except while a reboot is applying a pending type
 * (REBOOT_IN_PROGRESS with a pending type): the broker comes back on the new type, and the RebootBroker event that
 * triggers the reconciler arrives during the reboot. A pending type waiting for a reboot that has not started is
 * not used: the broker still runs, and is capped, on its current type.
 */
export function alarmInstanceType(broker: Broker): string {
  return broker.state === 'REBOOT_IN_PROGRESS' && broker.pending.instanceType
    ? broker.pending.instanceType
    : broker.instanceType;
}

/** What a key's builder returns. */
interface BuiltAlarm {
  source: Source;
  threshold: number;
  /** What is compared, e.g. "CPU (CpuUtilization, average)". */
  subject: string;
  /** The threshold as people read it, e.g. "1600 (80 % of the 2000 connections per protocol of mq.m5.large)". */
  thresholdText: string;
  node?: { name: string; index: number };
}

type Add = (key: AlarmKey, build: (settings: AlarmSettings) => BuiltAlarm) => void;

/** Statistic and comparison of each key (part of the design, not of the policy). */
const SHAPE: Record<AlarmKey, { statistic: string; comparison: ComparisonOperator }> = {
  cpu: { statistic: 'Average', comparison: 'GreaterThanOrEqualToThreshold' },
  heap: { statistic: 'Average', comparison: 'GreaterThanOrEqualToThreshold' },
  store: { statistic: 'Maximum', comparison: 'GreaterThanOrEqualToThreshold' },
  journal: { statistic: 'Maximum', comparison: 'GreaterThanOrEqualToThreshold' },
  connections: { statistic: 'Maximum', comparison: 'GreaterThanOrEqualToThreshold' },
  channels: { statistic: 'Maximum', comparison: 'GreaterThanOrEqualToThreshold' },
  queues: { statistic: 'Maximum', comparison: 'GreaterThanOrEqualToThreshold' },
  memory: { statistic: 'Maximum', comparison: 'GreaterThanOrEqualToThreshold' },
  disk: { statistic: 'Minimum', comparison: 'LessThanOrEqualToThreshold' },
  backlog: { statistic: 'Maximum', comparison: 'GreaterThanOrEqualToThreshold' },
  dlq: { statistic: 'Maximum', comparison: 'GreaterThanOrEqualToThreshold' },
  down: { statistic: 'SampleCount', comparison: 'LessThanThreshold' },
};

const COMPARISON_TEXT: Record<string, string> = {
  GreaterThanOrEqualToThreshold: '≥',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
};

const ACTIVEMQ_DLQ = 'ActiveMQ.DLQ';

/** Metric source: one metric, or metric math over several. */
type Source = Pick<AlarmSpec, 'metric' | 'metrics'>;

const dims = (pairs: Record<string, string>): AlarmDimension[] =>
  Object.entries(pairs).map(([name, value]) => ({ name, value }));

/**
 * The alarms a broker should have under the policy (after its override tags). Pure: node names come in through
 * `options.rabbitNodes`.
 *
 * @example
 * const { alarms, issues } = desiredAlarms(broker, { alarmActions: [topicArn], rabbitNodes });
 */
export function desiredAlarms(broker: Broker, options: DesiredOptions = {}): BrokerDesiredAlarms {
  const policy = brokerAlarmPolicy(options.policy ?? DEFAULT_ALARM_POLICY, broker.tags);
  const instanceType = alarmInstanceType(broker);
  const result: BrokerDesiredAlarms = {
    alarms: [],
    instanceType,
    applied: policy.applied,
    issues: policy.issues,
    notes: [],
  };
  if (!policy.enabled) {
    result.notes.push('all alarms turned off by the broker tag mqops:alarms');
    return result;
  }
  if (NO_ALARM_STATES.includes(broker.state)) {
    result.notes.push(`broker is ${broker.state}: it gets no alarms`);
    return result;
  }
  if (instanceType !== broker.instanceType)
    result.notes.push(
      `cap-based thresholds follow ${instanceType}, the type the running reboot applies (was ${broker.instanceType})`,
    );
  const alarmActions = [...(options.alarmActions ?? [])].sort();
  const okActions = policy.notifyOnOk ? alarmActions : [];
  const engineName = broker.engine === 'ACTIVEMQ' ? 'ActiveMQ' : 'RabbitMQ';

  const add: Add = (key, build) => {
    const settings = policy.alarms[key];
    if (!settings.enabled || !ALARM_CATALOG[key].engines.includes(broker.engine)) return;
    const built = build(settings);
    const { comparison } = SHAPE[key];
    const nodeSuffix = built.node ? `-node${built.node.index}` : '';
    const where = built.node ? ` node ${built.node.name} of` : '';
    const minutes = settings.period / 60;
    const marker: AlarmMarker = {
      brokerId: broker.id,
      brokerName: broker.name,
      key,
      ...(built.node ? { node: built.node.name } : {}),
    };
    result.alarms.push({
      name: `${ALARM_NAME_PREFIX}${broker.name}-${key}${nodeSuffix}`,
      description: describedWithMarker(
        `mqops: ${built.subject} of${where} ${engineName} broker ${broker.name} ${COMPARISON_TEXT[comparison]} ` +
          `${built.thresholdText}, in ${settings.datapointsToAlarm} of ${settings.evaluationPeriods} periods of ` +
          `${minutes} min. Defaults are mqops' own (AWS publishes no thresholds); override with the broker tag ` +
          `mqops:alarm:${key}:threshold. Managed by mqops: edits are reverted on its next run.`,
        marker,
      ),
      ...built.source,
      evaluationPeriods: settings.evaluationPeriods,
      datapointsToAlarm: settings.datapointsToAlarm,
      threshold: built.threshold,
      comparison,
      treatMissingData: settings.treatMissingData,
      alarmActions,
      okActions,
      tags: {
        [ALARM_TAGS.MANAGED]: 'true',
        [ALARM_TAGS.BROKER]: broker.id,
        [ALARM_TAGS.BROKER_NAME]: broker.name,
        [ALARM_TAGS.KEY]: key,
        ...(built.node ? { [ALARM_TAGS.NODE]: built.node.name } : {}),
      },
      brokerId: broker.id,
      brokerName: broker.name,
      key,
      ...(built.node ? { node: built.node.name } : {}),
    });
  };

  const creating = broker.state === 'CREATION_IN_PROGRESS';
  if (broker.engine === 'ACTIVEMQ') activeMqAlarms(broker, instanceType, creating, add, result.notes);
  else rabbitMqAlarms(broker, instanceType, creating, options.rabbitNodes ?? [], add, result.notes);
  return result;
}

/**
 * ActiveMQ metric source: `Broker` = `<name>-1`; for active/standby `MAX([m1, m2])` over both instances (or `SUM`
 * for the sample count of `down`), so the alarm follows whichever instance is active.
 */
function activeMqSource(
  broker: Broker,
  metricName: string,
  statistic: string,
  period: number,
  extra: Record<string, string> = {},
  combine: 'MAX' | 'SUM' = 'MAX',
): Source {
  const instances =
    broker.deploymentMode === 'ACTIVE_STANDBY_MULTI_AZ'
      ? [`${broker.name}-1`, `${broker.name}-2`]
      : [`${broker.name}-1`];
  const metricOf = (instance: string): AlarmMetric => ({
    namespace: AMAZON_MQ_NAMESPACE,
    metricName,
    dimensions: dims({ Broker: instance, ...extra }),
  });
  if (instances.length === 1) return { metric: { ...metricOf(instances[0] as string), statistic, period } };
  return {
    metrics: [
      ...instances.map((instance, i) => ({
        id: `m${i + 1}`,
        returnData: false,
        metric: metricOf(instance),
        stat: statistic,
        period,
      })),
      {
        id: 'e1',
        returnData: true,
        label: `${metricName} (${combine === 'MAX' ? 'active instance' : 'both instances'})`,
        expression: `${combine}([${instances.map((_, i) => `m${i + 1}`).join(', ')}])`,
      },
    ],
  };
}

const mqMetric = (metricName: string, dimensions: AlarmDimension[]): AlarmMetric => ({
  namespace: AMAZON_MQ_NAMESPACE,
  metricName,
  dimensions,
});

const singleMetric = (
  metricName: string,
  dimensions: AlarmDimension[],
  statistic: string,
  period: number,
): Source => ({ metric: { namespace: AMAZON_MQ_NAMESPACE, metricName, dimensions, statistic, period } });

/** `pct` % of `cap`, rounded down (a count threshold). */
const share = (cap: number, pct: number) => Math.floor((cap * pct) / 100);

function activeMqAlarms(
  broker: Broker,
  instanceType: string,
  creating: boolean,
  add: Add,
  notes: string[],
): void {
  const stat = (key: AlarmKey) => SHAPE[key].statistic;
  add('cpu', (s) => ({
    source: activeMqSource(broker, 'CpuUtilization', stat('cpu'), s.period),
    threshold: s.threshold,
    subject: 'CPU (CpuUtilization, average)',
    thresholdText: `${s.threshold} %`,
  }));
  add('heap', (s) => ({
    source: activeMqSource(broker, 'HeapUsage', stat('heap'), s.period),
    threshold: s.threshold,
    subject: 'JVM heap (HeapUsage, average)',
    thresholdText: `${s.threshold} %`,
  }));
  add('store', (s) => ({
    source: activeMqSource(broker, 'StorePercentUsage', stat('store'), s.period),
    threshold: s.threshold,
    subject: 'message store (StorePercentUsage, maximum; producers are blocked at 100 %)',
    thresholdText: `${s.threshold} %`,
  }));
  add('journal', (s) => ({
    source: activeMqSource(broker, 'JournalFilesForFullRecovery', stat('journal'), s.period),
    threshold: s.threshold,
    subject: 'journal files an unclean restart would replay (JournalFilesForFullRecovery, maximum)',
    thresholdText: `${s.threshold} files`,
  }));
  const limits = instanceLimits('ACTIVEMQ', instanceType);
  if (limits) {
    add('connections', (s) => ({
      source: activeMqSource(broker, 'CurrentConnectionsCount', stat('connections'), s.period),
      threshold: share(limits.connectionsPerProtocol, s.threshold),
      subject: 'connections (CurrentConnectionsCount, all protocols, maximum)',
      thresholdText:
        `${share(limits.connectionsPerProtocol, s.threshold)} (${s.threshold} % of the ` +
        `${limits.connectionsPerProtocol} connections per protocol of ${limits.instanceType})`,
    }));
  } else {
    notes.push(`no documented connection cap for ActiveMQ on ${instanceType}: no connections alarm`);
  }
  add('backlog', (s) => ({
    source: activeMqSource(broker, 'TotalMessageCount', stat('backlog'), s.period),
    threshold: s.threshold,
    subject: 'messages stored (TotalMessageCount, maximum)',
    thresholdText: `${s.threshold} messages`,
  }));
  add('dlq', (s) => ({
    source: activeMqSource(broker, 'QueueSize', stat('dlq'), s.period, { Queue: ACTIVEMQ_DLQ }),
    threshold: s.threshold,
    subject: `messages in the dead-letter queue ${ACTIVEMQ_DLQ} (QueueSize, maximum)`,
    thresholdText: `${s.threshold} messages`,
  }));
  if (creating) notes.push('broker is being created: the down alarm is added once it runs');
  else
    add('down', (s) => ({
      source: activeMqSource(broker, 'CpuUtilization', stat('down'), s.period, {}, 'SUM'),
      threshold: 1,
      subject: 'CpuUtilization datapoints (SampleCount; missing data counts as breaching)',
      thresholdText: '1: the broker stopped publishing metrics',
    }));
}

function rabbitMqAlarms(
  broker: Broker,
  instanceType: string,
  creating: boolean,
  rabbitNodes: readonly string[],
  add: Add,
  notes: string[],
): void {
  const stat = (key: AlarmKey) => SHAPE[key].statistic;
  const brokerDims = dims({ Broker: broker.name });
  const cluster = broker.deploymentMode === 'CLUSTER_MULTI_AZ';
  // Per node for clusters (broker-level CPU, memory and disk are sums there); broker-level for a single instance.
  const targets: { dimensions: AlarmDimension[]; node?: { name: string; index: number } }[] = cluster
    ? [...new Set(rabbitNodes)].sort().map((name, i) => ({
        dimensions: dims({ Broker: broker.name, Node: name }),
        node: { name, index: i + 1 },
      }))
    : [{ dimensions: brokerDims }];
  if (cluster && targets.length === 0)
    notes.push(
      'no cluster node publishes metrics yet: the per-node cpu, memory and disk alarms are added on a later run',
    );

  for (const target of targets) {
    const node = target.node ? { node: target.node } : {};
    add('cpu', (s) => ({
      source: singleMetric('SystemCpuUtilization', target.dimensions, stat('cpu'), s.period),
      threshold: s.threshold,
      subject: 'CPU (SystemCpuUtilization, average)',
      thresholdText: `${s.threshold} %`,
      ...node,
    }));
    add('memory', (s) => ({
      source: {
        metrics: [
          {
            id: 'used',
            returnData: false,
            metric: mqMetric('RabbitMQMemUsed', target.dimensions),
            stat: 'Maximum',
            period: s.period,
          },
          {
            id: 'limit',
            returnData: false,
            metric: mqMetric('RabbitMQMemLimit', target.dimensions),
            stat: 'Maximum',
            period: s.period,
          },
          {
            id: 'pct',
            returnData: true,
            label: 'memory used, % of the high watermark',
            expression: '100 * used / limit',
          },
        ],
      },
      threshold: s.threshold,
      subject: 'memory (100 × RabbitMQMemUsed / RabbitMQMemLimit; publishers are blocked at 100 %)',
      thresholdText: `${s.threshold} %`,
      ...node,
    }));
    add('disk', (s) => ({
      source: {
        metrics: [
          {
            id: 'free',
            returnData: false,
            metric: mqMetric('RabbitMQDiskFree', target.dimensions),
            stat: 'Minimum',
            period: s.period,
          },
          {
            id: 'limit',
            returnData: false,
            metric: mqMetric('RabbitMQDiskFreeLimit', target.dimensions),
            stat: 'Maximum',
            period: s.period,
          },
          { id: 'ratio', returnData: true, label: 'free disk ÷ free-disk limit', expression: 'free / limit' },
        ],
      },
      threshold: s.threshold,
      subject: 'free disk (RabbitMQDiskFree / RabbitMQDiskFreeLimit; publishers are blocked below 1)',
      thresholdText: `${s.threshold} × the limit`,
      ...node,
    }));
  }

  const limits = instanceLimits('RABBITMQ', instanceType);
  const nodes = instanceCount(broker.deploymentMode);
  const perBroker = (perNode: number) => perNode * nodes;
  const capText = (cap: number, what: string, perNode: boolean) =>
    perNode && nodes > 1
      ? `${perBroker(cap)} ${what} (${nodes} nodes × ${cap} of ${instanceType})`
      : `${cap} ${what} of ${instanceType}`;
  if (limits) {
    add('connections', (s) => ({
      source: singleMetric('ConnectionCount', brokerDims, stat('connections'), s.period),
      threshold: share(perBroker(limits.connectionsPerNode), s.threshold),
      subject: 'connections (ConnectionCount, maximum)',
      thresholdText: `${share(perBroker(limits.connectionsPerNode), s.threshold)} (${s.threshold} % of the ${capText(limits.connectionsPerNode, 'connections', true)})`,
    }));
    add('channels', (s) => ({
      source: singleMetric('ChannelCount', brokerDims, stat('channels'), s.period),
      threshold: share(perBroker(limits.channelsPerNode), s.threshold),
      subject: 'channels (ChannelCount, maximum)',
      thresholdText: `${share(perBroker(limits.channelsPerNode), s.threshold)} (${s.threshold} % of the ${capText(limits.channelsPerNode, 'channels', true)})`,
    }));
    const queues = limits.queues;
    if (queues !== undefined)
      add('queues', (s) => ({
        source: singleMetric('QueueCount', brokerDims, stat('queues'), s.period),
        threshold: share(queues, s.threshold),
        subject: 'queues (QueueCount, maximum)',
        thresholdText: `${share(queues, s.threshold)} (${s.threshold} % of the ${capText(queues, 'queues', false)})`,
      }));
    else notes.push(`no documented queue cap for RabbitMQ on ${instanceType}: no queues alarm`);
  } else {
    notes.push(
      `no documented caps for RabbitMQ on ${instanceType}: no connections, channels or queues alarm`,
    );
  }
  add('backlog', (s) => ({
    source: singleMetric('MessageReadyCount', brokerDims, stat('backlog'), s.period),
    threshold: s.threshold,
    subject: 'messages ready for delivery (MessageReadyCount, maximum)',
    thresholdText: `${s.threshold} messages`,
  }));
  if (creating) notes.push('broker is being created: the down alarm is added once it runs');
  else
    add('down', (s) => ({
      source: singleMetric('SystemCpuUtilization', brokerDims, stat('down'), s.period),
      threshold: 1,
      subject: 'SystemCpuUtilization datapoints (SampleCount; missing data counts as breaching)',
      thresholdText: '1: the broker stopped publishing metrics',
    }));
}
