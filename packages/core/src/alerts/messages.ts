/**
 * Messages people can act on, one per alert group notification:
 *
 * - Slack Block Kit, inside one attachment so the severity shows as the colour bar: the broker (name, engine,
 *   deployment mode, instance type, region, maintenance window), every firing alert with its metric's recent values
 *   as a sparkline, the alarm's reason, a link to the alarm, and a runbook hint; what resolved; what is muted and why;
 *   links to the Amazon MQ console. Always within Slack's limits (50 blocks, 3,000 characters a section, ~12k in
 *   all): what does not fit is counted, never silently dropped.
 * - SNS: a plain-text form (e-mail, SMS-free subscribers) and a JSON form (SQS, Lambda, HTTP/S) in one publish
 *   (`MessageStructure: json`), with message attributes (kind, severity, broker, state, region) for subscription
 *   filter policies.
 * - Routing: severity, tags (alarm or broker) and broker name → Slack channel / SNS topic.
 */
import type { ContextBlock, KnownBlock, SectionBlock } from '@slack/types';
import { inMaintenanceWindow } from '../maintenance-window';
import type { Broker } from '../model';
import { escapeMrkdwn } from '../report/slack';
import { clipText, SLACK_LIMITS } from '../report/slack-limits';
import type { AlertConfig } from './config';
import { globMatch } from './config';
import type { AlertNotification, NotifiedAlert, StoredAlert } from './engine';
import type { AlertSeverity } from './events';

/** SNS limits: subject ≤ 100 ASCII characters, message ≤ 256 KiB, ≤ 10 message attributes. */
export const SNS_ALERT_LIMITS = { subject: 100, messageBytes: 262_144, attributes: 10 } as const;

/** Attachment colour per severity, and for resolved groups. */
export const ALERT_COLOURS: Readonly<Record<AlertSeverity | 'RESOLVED', string>> = {
  CRITICAL: '#d0021b',
  WARNING: '#f5a623',
  INFO: '#4a90e2',
  RESOLVED: '#2eb67d',
};

const EMOJI: Readonly<Record<AlertSeverity | 'RESOLVED', string>> = {
  CRITICAL: ':red_circle:',
  WARNING: ':large_orange_circle:',
  INFO: ':large_blue_circle:',
  RESOLVED: ':white_check_mark:',
};

/**
 * What to do, by metric: mqops's own advice (AWS publishes no runbook for these). `{broker}` is replaced by the
 * broker's name. Overridable per metric with the `runbookHints` setting.
 */
export const DEFAULT_RUNBOOK_HINTS: Readonly<Record<string, string>> = {
  HeapUsage:
    'JVM heap high: look for slow or stuck consumers and destinations with large backlogs; enable producer flow control (per-destination memoryLimit in the broker configuration) so producers slow down instead of the heap filling; if it stays high, resize: `mqops runbook resize {broker}`.',
  StorePercentUsage:
    'Message store filling up: at 100% the broker refuses persistent messages. Drain or purge stale and dead-letter queues, check that consumers keep up, set message expiry on what can expire; for growth, resize or move to a larger instance.',
  TempPercentUsage:
    'Temp store filling: non-persistent messages are spooling to disk because consumers are slow; find the slow consumers or lower the producers’ rate.',
  JobSchedulerStorePercentUsage:
    'Scheduler store filling: too many scheduled/delayed messages; check what schedules them and clean up old jobs.',
  CpuUtilization:
    'CPU high: check connection churn (clients reconnecting in a loop), message rates and selectors; if it is steady load, resize: `mqops runbook resize {broker}`.',
  SystemCpuUtilization:
    'CPU high: check connection and channel churn, queue count and message rates; classic mirrored queues cost CPU; if it is steady load, resize: `mqops runbook resize {broker}`.',
  CurrentConnectionsCount:
    'Connections near the instance type’s cap: look for connection leaks (clients not closing, no pooling); the cap rises with a larger instance type.',
  ConnectionCount:
    'Connections near the instance type’s cap: look for connection leaks and reconnect loops; use one long-lived connection per process; the cap rises with a larger instance type.',
  ChannelCount:
    'Channels near the cap: a client opens channels without closing them (a channel per message is a leak); fix the client.',
  RabbitMQMemUsed:
    'RabbitMQ memory alarm: above the limit every publisher is blocked. Find queues with many ready messages, make sure consumers run, prefer quorum or lazy-style queues for backlogs; resize if the working set does not fit.',
  RabbitMQDiskFree:
    'Disk free below the limit: publishers are blocked. Drain large queues and remove unused ones; resize for more storage.',
  RabbitMQFdUsed:
    'File descriptors running out: every connection and queue uses some; look for connection leaks and many idle queues.',
  QueueSize:
    'Queue backlog growing: consumers are down, too slow or stuck on a poison message; check consumer count and the dead-letter queue.',
  MessageCount:
    'Messages piling up: consumers are down or slower than producers; check consumer counts and unacknowledged messages.',
  MessageReadyCount:
    'Ready messages piling up: no consumer is taking them; check consumers and their prefetch.',
  MessageUnacknowledgedCount:
    'Unacknowledged messages piling up: consumers take messages but do not ack them (stuck handlers, missing acks).',
  JournalFilesForFullRecovery:
    'Many journal files: a restart will take long to recover; check for old unconsumed messages holding journal files.',
  JournalFilesForFastRecovery:
    'Many journal files: a restart will take long to recover; check for old unconsumed messages holding journal files.',
  BurstBalance:
    'EBS burst balance low: the broker will be throttled on disk I/O; move to a larger instance or EFS storage.',
  CpuCreditBalance:
    'CPU credits running out (t3 instance): the broker will be throttled; move to an m5/m7g instance for production load.',
};

const DLQ_HINT =
  'Messages are being dead-lettered: inspect the dead-letter queue for the failing message type, fix the consumer, then replay or purge.';
const DEFAULT_HINT =
  'Check the metric in CloudWatch and the broker’s console; `mqops audit --broker {broker}` shows configuration risks.';

/** The runbook hint for an alert (per metric; a dead-letter destination has its own). */
export function runbookHint(alert: StoredAlert, overrides: Record<string, string> = {}): string {
  const hints = { ...DEFAULT_RUNBOOK_HINTS, ...overrides };
  const metric = alert.metric?.name ?? '';
  const dlq = /dlq|dead/i.test(alert.destination ?? '') || alert.key === 'dlq';
  const hint = (dlq && !overrides[metric] ? DLQ_HINT : undefined) ?? hints[metric] ?? DEFAULT_HINT;
  return hint.replaceAll('{broker}', alert.broker ?? '<broker>');
}

const SPARK = '▁▂▃▄▅▆▇█';

/**
 * A compact unicode sparkline (▁▂▃▄▅▆▇█) of `values`, scaled from their minimum to their maximum; gaps (null) are
 * spaces. Longer series are averaged down to `width` points.
 */
export function sparkline(values: readonly (number | null | undefined)[], width = 24): string {
  if (values.length === 0) return '';
  const buckets: (number | undefined)[] = [];
  const step = Math.max(1, values.length / width);
  for (let start = 0; start < values.length; start += step) {
    const slice = values
      .slice(Math.floor(start), Math.floor(start + step))
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    buckets.push(slice.length ? slice.reduce((a, b) => a + b, 0) / slice.length : undefined);
  }
  const known = buckets.filter((v): v is number => v !== undefined);
  if (known.length === 0) return ' '.repeat(buckets.length);
  const min = Math.min(...known);
  const max = Math.max(...known);
  return buckets
    .map((v) => {
      if (v === undefined) return ' ';
      if (max === min) return SPARK[3];
      return SPARK[Math.min(SPARK.length - 1, Math.floor(((v - min) / (max - min)) * SPARK.length))];
    })
    .join('');
}

/** Formats a metric value compactly: 93.1, 1.2k, 3.4M. */
export function formatValue(value: number): string {
  const abs = Math.abs(value);
  const trim = (n: number, digits: number) => String(Number(n.toFixed(digits)));
  if (abs >= 1e9) return `${trim(value / 1e9, 1)}G`;
  if (abs >= 1e6) return `${trim(value / 1e6, 1)}M`;
  if (abs >= 1e4) return `${trim(value / 1e3, 1)}k`;
  return trim(value, abs < 10 ? 2 : 1);
}

const COMPARISON: Record<string, string> = {
  GreaterThanOrEqualToThreshold: '≥',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside band',
  LessThanLowerThreshold: '< lower band',
  GreaterThanUpperThreshold: '> upper band',
};

/** The console host of an ARN's partition. */
function consoleBase(region: string, partitionHint = ''): string {
  if (partitionHint === 'aws-cn' || region.startsWith('cn-')) return `https://${region}.console.amazonaws.cn`;
  if (partitionHint === 'aws-us-gov' || region.startsWith('us-gov-'))
    return 'https://console.amazonaws-us-gov.com';
  return `https://${region}.console.aws.amazon.com`;
}

const partitionOf = (arn: string) => arn.split(':')[1] ?? 'aws';

/** The Amazon MQ console page of a broker. */
export function mqConsoleUrl(region: string, brokerId: string, arn = ''): string {
  return `${consoleBase(region, partitionOf(arn))}/amazon-mq/home?region=${region}#/brokers/details?id=${encodeURIComponent(brokerId)}`;
}

/** The CloudWatch console page of an alarm. */
export function alarmConsoleUrl(alert: Pick<StoredAlert, 'region' | 'alarmName' | 'alarmArn'>): string {
  return `${consoleBase(alert.region, partitionOf(alert.alarmArn))}/cloudwatch/home?region=${alert.region}#alarmsV2:alarm/${encodeURIComponent(alert.alarmName)}`;
}

/** The CloudWatch alarms list filtered by a search text (e.g. the broker's name). */
export function alarmsSearchUrl(region: string, search: string): string {
  return `${consoleBase(region)}/cloudwatch/home?region=${region}#alarmsV2:?~(search~'${encodeURIComponent(search)})`;
}

/** What a message shows beyond the notification: the broker, metric series, the time. */
export interface AlertMessageContext {
  /** The broker (from the inventory), when it could be read. */
  broker?: Broker;
  /** Recent values of each alert's metric (by fingerprint), oldest first, from GetMetricData. */
  series?: Record<string, number[]>;
  /** Minutes the series covers (for the legend); default 60. */
  seriesMinutes?: number;
  now: Date;
  runbookHints?: Record<string, string>;
}

const ENGINE_NAMES: Record<string, string> = { ACTIVEMQ: 'ActiveMQ', RABBITMQ: 'RabbitMQ' };
const MODE_NAMES: Record<string, string> = {
  SINGLE_INSTANCE: 'single instance',
  ACTIVE_STANDBY_MULTI_AZ: 'active/standby',
  CLUSTER_MULTI_AZ: 'cluster',
};

const hhmm = (iso: string) => `${iso.slice(11, 16)} UTC`;

function duration(fromIso: string | undefined, to: Date): string {
  if (!fromIso) return '';
  const minutes = Math.max(0, Math.round((to.getTime() - Date.parse(fromIso)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** The one broker a notification is about (its group's `broker` label, or the broker all its alerts share). */
export function notificationBroker(n: AlertNotification): string | undefined {
  if (n.labels.broker) return n.labels.broker;
  const names = new Set([...n.firing, ...n.resolved].map((a) => a.alert.broker ?? ''));
  const [only] = names;
  return names.size === 1 && only ? only : undefined;
}

/** What the message calls the group: the broker, or how many brokers (groups not made by broker). */
function brokerName(n: AlertNotification, ctx: AlertMessageContext): string {
  const one = ctx.broker?.name ?? notificationBroker(n);
  if (one) return one;
  const brokers = new Set([...n.firing, ...n.resolved].map((a) => a.alert.broker).filter(Boolean));
  return brokers.size > 1 ? `${brokers.size} brokers` : n.groupKey;
}

/** `HeapUsage ≥ 80` / `Memory used (% of limit) ≥ 85` / the alarm name. */
function condition(alert: StoredAlert): string {
  const what = alert.label ?? alert.metric?.name ?? alert.alarmName;
  const op = alert.comparison
    ? COMPARISON[alert.comparison]
    : alert.threshold !== undefined
      ? '≥'
      : undefined;
  return op && alert.threshold !== undefined ? `${what} ${op} ${formatValue(alert.threshold)}` : what;
}

/** Where on the broker: instance, node, destination. */
function where(alert: StoredAlert): string {
  const parts: string[] = [];
  if (alert.brokerInstance) parts.push(alert.brokerInstance === 2 ? 'standby instance' : 'instance 1');
  if (alert.node) parts.push(`node ${alert.node}`);
  if (alert.destination) parts.push(`destination ${alert.destination}`);
  return parts.join(' · ');
}

function values(a: NotifiedAlert, ctx: AlertMessageContext): number[] {
  const series = ctx.series?.[a.fingerprint];
  return series?.length ? series : (a.alert.recentDatapoints ?? []);
}

function trendText(a: NotifiedAlert, ctx: AlertMessageContext): string | undefined {
  const v = values(a, ctx);
  if (v.length === 0) return undefined;
  const first = v[0] as number;
  const last = v[v.length - 1] as number;
  const span = ctx.series?.[a.fingerprint]?.length
    ? `last ${ctx.seriesMinutes ?? 60} min`
    : 'evaluated datapoints';
  return `\`${sparkline(v)}\` ${formatValue(first)} → ${formatValue(last)} (max ${formatValue(Math.max(...v))}, ${span})`;
}

function maintenanceText(broker: Broker | undefined, now: Date): string | undefined {
  const w = broker?.maintenanceWindow;
  if (!w) return undefined;
  const zone = w.timeZone || 'UTC';
  const inside = inMaintenanceWindow({ ...w, timeZone: zone }, now) ? ', in progress now' : '';
  return `${w.dayOfWeek} ${w.timeOfDay} ${zone} (2 h${inside})`;
}

/** A Slack message: fallback text plus one coloured attachment holding the blocks. */
export interface SlackAlertMessage {
  text: string;
  attachments: [{ color: string; fallback: string; blocks: KnownBlock[] }];
}

function headline(n: AlertNotification, ctx: AlertMessageContext): string {
  const name = brokerName(n, ctx);
  if (n.status === 'resolved')
    return `RESOLVED · ${name} · ${n.resolved.length} alert${n.resolved.length === 1 ? '' : 's'} resolved`;
  const extra = n.resolved.length ? `, ${n.resolved.length} resolved` : '';
  return `${n.repeat ? 'STILL FIRING' : 'FIRING'} · ${name} · ${n.firing.length} ${n.severity}${extra}`;
}

/**
 * The notification as a Slack message (Block Kit in a coloured attachment).
 *
 * @example
 * await slackChannel.send(slackAlertMessage(notification, { broker, series, now }));
 */
export function slackAlertMessage(n: AlertNotification, ctx: AlertMessageContext): SlackAlertMessage {
  const colourKey = n.status === 'resolved' ? 'RESOLVED' : n.severity;
  const title = headline(n, ctx);
  const blocks: KnownBlock[] = [];
  let total = 0;
  const room = () => SLACK_LIMITS.blocks - 3 - blocks.length;
  const add = (block: KnownBlock, size: number): boolean => {
    if (room() <= 0 || total + size > SLACK_LIMITS.totalBlocksText) return false;
    blocks.push(block);
    total += size;
    return true;
  };

  const header = clipText(`${EMOJI[colourKey]} ${title}`, SLACK_LIMITS.headerText);
  add({ type: 'header', text: { type: 'plain_text', text: header, emoji: true } }, header.length);

  const b = ctx.broker;
  const region = b?.region ?? (n.firing[0] ?? n.resolved[0])?.alert.region ?? '';
  const name = brokerName(n, ctx);
  const fields: string[] = [];
  fields.push(
    `*Broker*\n${b ? `<${mqConsoleUrl(b.region, b.id, b.arn)}|${escapeMrkdwn(b.name)}>` : escapeMrkdwn(name)}`,
  );
  if (b)
    fields.push(
      `*Engine*\n${ENGINE_NAMES[b.engine] ?? b.engine} ${escapeMrkdwn(b.engineVersion)} · ${MODE_NAMES[b.deploymentMode] ?? b.deploymentMode}`,
    );
  if (b?.instanceType) fields.push(`*Instance type*\n${escapeMrkdwn(b.instanceType)}`);
  fields.push(`*Region*\n${escapeMrkdwn(region)}${b ? ` · ${b.accountId}` : ''}`);
  const window = maintenanceText(b, ctx.now);
  if (window) fields.push(`*Maintenance window*\n${window}`);
  fields.push(`*Severity*\n${n.status === 'resolved' ? 'resolved' : n.severity}`);
  const fieldBlock: SectionBlock = {
    type: 'section',
    fields: fields
      .slice(0, SLACK_LIMITS.fields)
      .map((text) => ({ type: 'mrkdwn', text: clipText(text, SLACK_LIMITS.fieldText) })),
  };
  add(
    fieldBlock,
    fields.reduce((s, f) => s + f.length, 0),
  );

  let hidden = 0;
  const alertSection = (a: NotifiedAlert): string => {
    const alert = a.alert;
    const lines: string[] = [];
    const badge = a.isNew ? (a.status === 'firing' ? ' :new:' : '') : '';
    const icon = a.status === 'resolved' ? EMOJI.RESOLVED : EMOJI[alert.severity];
    lines.push(`${icon} *${escapeMrkdwn(condition(alert))}* · \`${escapeMrkdwn(alert.alarmName)}\`${badge}`);
    const at = where(alert);
    if (a.status === 'firing') {
      const trend = trendText(a, ctx);
      if (trend) lines.push(trend);
      const since = a.startsAt ? `since ${hhmm(a.startsAt)} (${duration(a.startsAt, ctx.now)})` : '';
      const noData = alert.state === 'INSUFFICIENT_DATA' ? ' · :warning: no data now' : '';
      if (since || at || noData) lines.push([since, escapeMrkdwn(at)].filter(Boolean).join(' · ') + noData);
      if (alert.reason) lines.push(`> ${escapeMrkdwn(clipText(alert.reason, 300))}`);
      lines.push(`:bulb: ${escapeMrkdwn(runbookHint(alert, ctx.runbookHints))}`);
    } else {
      const lasted = a.startsAt && a.endsAt ? ` after ${duration(a.startsAt, new Date(a.endsAt))}` : '';
      lines.push(
        `resolved at ${a.endsAt ? hhmm(a.endsAt) : '?'}${lasted}${at ? ` · ${escapeMrkdwn(at)}` : ''}`,
      );
    }
    lines.push(`<${alarmConsoleUrl(alert)}|Open the alarm>`);
    return clipText(lines.join('\n'), SLACK_LIMITS.sectionText);
  };
  const list = [...n.firing, ...n.resolved];
  if (n.firing.length && n.resolved.length) {
    // Keep room for the resolved ones: they are what changed.
    list.sort((x, y) => Number(y.isNew) - Number(x.isNew));
  }
  for (const a of list) {
    const text = alertSection(a);
    if (!add({ type: 'section', text: { type: 'mrkdwn', text } }, text.length)) hidden++;
  }

  const context: string[] = [];
  if (hidden > 0)
    context.push(`…and ${hidden} more alert${hidden === 1 ? '' : 's'}: see the alarms list below.`);
  if (n.muted.length) {
    const muted = n.muted
      .slice(0, 5)
      .map((m) => `\`${escapeMrkdwn(m.alarmName)}\` (${escapeMrkdwn(m.reason)})`)
      .join(', ');
    const more = n.muted.length > 5 ? ` and ${n.muted.length - 5} more` : '';
    context.push(`:zzz: ${n.muted.length} muted: ${muted}${more}`);
  }
  const links = [
    b ? `<${mqConsoleUrl(b.region, b.id, b.arn)}|Amazon MQ console>` : undefined,
    b?.instances[0]?.consoleUrl ? `<${b.instances[0].consoleUrl}|broker web console>` : undefined,
    region ? `<${alarmsSearchUrl(region, name)}|all alarms of ${escapeMrkdwn(name)}>` : undefined,
  ].filter(Boolean);
  context.push(
    `mqops · group \`${escapeMrkdwn(n.groupKey)}\` · notification ${n.sequence}${n.repeat ? ' (repeat)' : ''}${links.length ? ` · ${links.join(' · ')}` : ''}`,
  );
  // The context goes last whatever happened above (room was kept for it).
  const closing: ContextBlock = {
    type: 'context',
    elements: context.map((text) => ({ type: 'mrkdwn', text: clipText(text, SLACK_LIMITS.sectionText) })),
  };
  blocks.push(closing);

  return {
    text: title,
    attachments: [{ color: ALERT_COLOURS[colourKey], fallback: title, blocks }],
  };
}

/** An SNS publish: ASCII subject, the structured message (default/email text, JSON for machines), attributes. */
export interface SnsAlertMessage {
  subject: string;
  /** JSON object of per-protocol messages, for `MessageStructure: 'json'`. */
  message: string;
  messageStructure: 'json';
  attributes: Record<string, { DataType: 'String'; StringValue: string }>;
}

/** The notification as JSON (what SQS, Lambda and HTTP/S subscribers get). */
export function alertJson(
  n: AlertNotification,
  ctx: AlertMessageContext,
  limit = Number.POSITIVE_INFINITY,
): Record<string, unknown> {
  const b = ctx.broker;
  const item = (a: NotifiedAlert) => ({
    status: a.status,
    new: a.isNew,
    severity: a.alert.severity,
    alarmName: a.alert.alarmName,
    alarmArn: a.alert.alarmArn,
    alarmUrl: alarmConsoleUrl(a.alert),
    state: a.alert.state,
    previousState: a.alert.previousState ?? null,
    reason: a.alert.reason,
    startsAt: a.startsAt ?? null,
    endsAt: a.endsAt ?? null,
    metric: a.alert.metric ?? null,
    threshold: a.alert.threshold ?? null,
    comparison: a.alert.comparison ?? null,
    recentValues: values(a, ctx),
    node: a.alert.node ?? null,
    destination: a.alert.destination ?? null,
    runbook: runbookHint(a.alert, ctx.runbookHints),
  });
  const firing = n.firing.slice(0, limit);
  const resolved = n.resolved.slice(0, Math.max(0, limit - firing.length));
  return {
    source: 'mqops',
    kind: 'alert',
    version: 1,
    id: n.id,
    status: n.status,
    repeat: n.repeat,
    severity: n.severity,
    groupKey: n.groupKey,
    labels: n.labels,
    createdAt: n.createdAt,
    broker: b
      ? {
          id: b.id,
          name: b.name,
          arn: b.arn,
          engine: b.engine,
          engineVersion: b.engineVersion,
          deploymentMode: b.deploymentMode,
          instanceType: b.instanceType,
          region: b.region,
          accountId: b.accountId,
          maintenanceWindow: b.maintenanceWindow ?? null,
          consoleUrl: mqConsoleUrl(b.region, b.id, b.arn),
        }
      : { name: brokerName(n, ctx) },
    firing: firing.map(item),
    resolved: resolved.map(item),
    muted: n.muted,
    truncated: n.firing.length + n.resolved.length - firing.length - resolved.length,
  };
}

/** The notification as plain text (e-mail and other human subscribers). */
export function alertText(
  n: AlertNotification,
  ctx: AlertMessageContext,
  limit = Number.POSITIVE_INFINITY,
): string {
  const b = ctx.broker;
  const lines: string[] = [];
  lines.push(
    `[${n.status === 'resolved' ? 'RESOLVED' : n.repeat ? 'STILL FIRING' : 'FIRING'}] ${headline(n, ctx)}`,
  );
  if (b) {
    lines.push(
      `Broker ${b.name} (${b.id}): ${ENGINE_NAMES[b.engine] ?? b.engine} ${b.engineVersion}, ${MODE_NAMES[b.deploymentMode] ?? b.deploymentMode}, ${b.instanceType}, ${b.region}, account ${b.accountId}`,
    );
    const window = maintenanceText(b, ctx.now);
    if (window) lines.push(`Maintenance window: ${window}`);
    lines.push(`Amazon MQ console: ${mqConsoleUrl(b.region, b.id, b.arn)}`);
  }
  const block = (a: NotifiedAlert) => {
    const out = [
      `- [${a.status === 'resolved' ? 'RESOLVED' : a.alert.severity}] ${condition(a.alert)} (${a.alert.alarmName})${a.isNew && a.status === 'firing' ? ' NEW' : ''}`,
    ];
    const v = values(a, ctx);
    if (a.status === 'firing') {
      if (v.length) out.push(`  values: ${sparkline(v)} ${v.map(formatValue).slice(-8).join(', ')}`);
      if (a.startsAt)
        out.push(
          `  since ${hhmm(a.startsAt)} (${duration(a.startsAt, ctx.now)})${where(a.alert) ? `, ${where(a.alert)}` : ''}`,
        );
      if (a.alert.reason) out.push(`  ${clipText(a.alert.reason, 400)}`);
      out.push(`  What to do: ${runbookHint(a.alert, ctx.runbookHints)}`);
    } else if (a.endsAt)
      out.push(
        `  resolved at ${hhmm(a.endsAt)}${a.startsAt ? ` after ${duration(a.startsAt, new Date(a.endsAt))}` : ''}`,
      );
    out.push(`  Alarm: ${alarmConsoleUrl(a.alert)}`);
    return out.join('\n');
  };
  const firing = n.firing.slice(0, limit);
  const resolved = n.resolved.slice(0, Math.max(0, limit - firing.length));
  if (firing.length) lines.push('', `FIRING (${n.firing.length}):`, ...firing.map(block));
  if (resolved.length) lines.push('', `RESOLVED (${n.resolved.length}):`, ...resolved.map(block));
  const cut = n.firing.length + n.resolved.length - firing.length - resolved.length;
  if (cut > 0) lines.push(`...and ${cut} more alerts (see the JSON form or the console).`);
  if (n.muted.length)
    lines.push(
      '',
      `Muted (${n.muted.length}): ${n.muted.map((m) => `${m.alarmName} (${m.reason})`).join(', ')}`,
    );
  lines.push('', `-- mqops alert group ${n.groupKey}, notification ${n.sequence}`);
  return lines.join('\n');
}

/**
 * The notification as one SNS publish: `default` and `email` get the plain text, `sqs`, `lambda`, `http`, `https`
 * and `firehose` the JSON; attributes `kind`, `severity`, `broker`, `state`, `region`, `group` for filter policies.
 * Cut to fit 256 KiB (alerts left out are counted in `truncated`).
 */
export function snsAlertMessage(n: AlertNotification, ctx: AlertMessageContext): SnsAlertMessage {
  const name = brokerName(n, ctx);
  const state = n.status === 'resolved' ? 'RESOLVED' : n.repeat ? 'STILL FIRING' : 'FIRING';
  const count = n.status === 'resolved' ? n.resolved.length : n.firing.length;
  // SNS wants printable ASCII: cut without an ellipsis character.
  const subject = `[${state}:${count}] ${name} ${n.status === 'resolved' ? '' : n.severity} - mqops`
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '')
    .slice(0, SNS_ALERT_LIMITS.subject);
  let limit = n.firing.length + n.resolved.length;
  let message = '';
  for (;;) {
    const text = alertText(n, ctx, limit);
    const json = JSON.stringify(alertJson(n, ctx, limit));
    message = JSON.stringify({
      default: text,
      email: text,
      sqs: json,
      lambda: json,
      http: json,
      https: json,
      firehose: json,
    });
    if (Buffer.byteLength(message) <= SNS_ALERT_LIMITS.messageBytes || limit === 0) break;
    limit = Math.floor(limit * 0.7);
  }
  const first = n.firing[0] ?? n.resolved[0];
  const attribute = (value: string) => ({
    DataType: 'String' as const,
    StringValue: clipText(value || '-', 256),
  });
  return {
    subject,
    message,
    messageStructure: 'json',
    attributes: {
      kind: attribute('alert'),
      severity: attribute(n.severity),
      broker: attribute(name),
      state: attribute(n.status),
      region: attribute(ctx.broker?.region ?? first?.alert.region ?? ''),
      group: attribute(n.groupKey),
    },
  };
}

/** A delivery target: `slack:<channel>` or `sns:<topic ARN or default>`. */
export type AlertTarget = `slack:${string}` | `sns:${string}`;

/**
 * Where a notification goes: every route whose `match` holds (the group's highest severity; tags of its alarms, or
 * of the broker; the broker's name), first match only unless the route says `continue`; else the default route.
 */
export function routeNotification(
  n: AlertNotification,
  config: Pick<AlertConfig, 'routes' | 'defaultRoute'>,
  brokerTags: Record<string, string> = {},
): AlertTarget[] {
  const tags: Record<string, string> = { ...brokerTags };
  for (const a of [...n.firing, ...n.resolved]) Object.assign(tags, a.alert.tags);
  const broker = notificationBroker(n) ?? '';
  const targets = new Set<AlertTarget>();
  let matched = false;
  for (const route of config.routes) {
    const m = route.match ?? {};
    const ok =
      (!m.severity || m.severity.includes(n.severity)) &&
      (!m.tags || Object.entries(m.tags).every(([k, v]) => globMatch(v, tags[k] ?? ''))) &&
      (!m.brokers || m.brokers.some((p) => globMatch(p, broker)));
    if (!ok) continue;
    matched = true;
    if (route.slack) targets.add(`slack:${route.slack}`);
    if (route.sns) targets.add(`sns:${route.sns}`);
    if (!route.continue) break;
  }
  if (!matched) {
    if (config.defaultRoute.slack) targets.add(`slack:${config.defaultRoute.slack}`);
    if (config.defaultRoute.sns) targets.add(`sns:${config.defaultRoute.sns}`);
  }
  return [...targets];
}
