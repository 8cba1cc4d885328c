import type { KnownBlock, SectionBlock } from '@slack/types';
import { escapeMrkdwn, type SlackBlockMessage } from '../report/slack';
import { clipText, SLACK_LIMITS } from '../report/slack-limits';
import { SNS_LIMITS, type SnsMessage } from '../report/sns';
import type { AlertBroker, WatchAlert } from './types';

/** The broker's page in the Amazon MQ console (China and GovCloud regions have their own console hosts). */
export function brokerConsoleUrl(broker: AlertBroker): string | undefined {
  const region = broker.region;
  if (!region) return undefined;
  const host = region.startsWith('cn-')
    ? `${region}.console.amazonaws.cn`
    : region.startsWith('us-gov-')
      ? `${region}.console.amazonaws-us-gov.com`
      : `${region}.console.aws.amazon.com`;
  return `https://${host}/amazon-mq/home?region=${region}#/brokers/details?id=${encodeURIComponent(broker.id)}`;
}

const ICON: Record<WatchAlert['kind'], string> = {
  critical: ':rotating_light:',
  'unplanned-reboot': ':warning:',
  'creation-failed': ':x:',
  disappeared: ':ghost:',
  recovered: ':white_check_mark:',
  deleted: ':wastebasket:',
};

const TITLE: Record<WatchAlert['kind'], string> = {
  critical: 'critical action required',
  'unplanned-reboot': 'unplanned reboot',
  'creation-failed': 'creation failed',
  disappeared: 'disappeared',
  recovered: 'recovered',
  deleted: 'deleted',
};

const ENGINE_NAME: Record<string, string> = { ACTIVEMQ: 'ActiveMQ', RABBITMQ: 'RabbitMQ' };

function engineLine(broker: AlertBroker): string {
  const parts = [
    broker.engine ? (ENGINE_NAME[broker.engine] ?? broker.engine) : undefined,
    broker.deploymentMode,
    broker.instanceType,
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'unknown';
}

/** The alert's title line: `<broker>: <what happened>`. */
export function alertTitle(alert: WatchAlert): string {
  const codes =
    alert.kind === 'critical' && alert.actions.length
      ? ` (${alert.actions.map((a) => a.code).join(', ')})`
      : '';
  return `${alert.broker.name}: ${TITLE[alert.kind]}${codes}`;
}

const section = (text: string): SectionBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: clipText(text, SLACK_LIMITS.sectionText) },
});

/**
 * One alert as a Slack Block Kit message: a header, the broker (name and id, engine, mode and instance type,
 * state change, region), what happened, each ActionsRequired code with its meaning and what to do, and a link
 * to the broker in the Amazon MQ console. Within Slack's limits (header 150, sections 3,000 characters).
 */
export function watchSlackMessage(alert: WatchAlert): SlackBlockMessage {
  const { broker } = alert;
  const title = alertTitle(alert);
  const change = alert.from ? `${alert.from} → ${alert.state}` : alert.state;
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: clipText(`${ICON[alert.kind]} ${title}`, SLACK_LIMITS.headerText),
        emoji: true,
      },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Broker*\n${escapeMrkdwn(broker.name)} (\`${escapeMrkdwn(broker.id)}\`)` },
        { type: 'mrkdwn', text: `*Engine*\n${escapeMrkdwn(engineLine(broker))}` },
        { type: 'mrkdwn', text: `*State*\n${escapeMrkdwn(change)}` },
        { type: 'mrkdwn', text: `*Region*\n${escapeMrkdwn(broker.region ?? 'unknown')}` },
      ],
    },
    section(escapeMrkdwn(alert.summary)),
  ];
  const room = SLACK_LIMITS.blocks - 8;
  for (const action of alert.actions.slice(0, room)) {
    const isNew = alert.newCodes?.includes(action.code) ? ' (new)' : '';
    blocks.push(
      section(
        `*${action.code}*${isNew}: ${escapeMrkdwn(action.meaning)}.\n` +
          `*What to do:* ${escapeMrkdwn(action.remedy)} <${action.docUrl}|Troubleshooting guide>`,
      ),
    );
  }
  if (alert.actions.length > room)
    blocks.push(
      section(`_…and ${alert.actions.length - room} more codes: see the SNS message or DescribeBroker._`),
    );
  if (alert.actions.length === 0 || alert.kind !== 'critical')
    blocks.push(section(`*What to do:* ${escapeMrkdwn(alert.remedy)}`));
  const url = brokerConsoleUrl(broker);
  if (url) blocks.push(section(`<${url}|Open ${escapeMrkdwn(broker.name)} in the Amazon MQ console>`));
  const window = alert.maintenanceWindow;
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text:
          `mqops broker watch · ${alert.severity} · seen ${alert.at}` +
          (window
            ? ` · maintenance window ${window.dayOfWeek} ${window.timeOfDay} ${window.timeZone ?? 'UTC'}`
            : ''),
      },
    ],
  });
  return { text: `${alert.severity}: ${title}`, blocks };
}

/** SNS message attributes of an alert, for subscription filter policies. */
export type SnsAttributes = Record<string, { DataType: 'String'; StringValue: string }>;

/**
 * One alert as an SNS message: a printable ASCII subject (≤ 100 characters), a JSON body with the whole alert and
 * the console link, and message attributes (`kind`, `event`, `severity`, `brokerId`, `brokerName`) for filter
 * policies.
 */
export function watchSnsMessage(alert: WatchAlert): SnsMessage & { attributes: SnsAttributes } {
  const subject = `mqops watch: ${alert.severity} ${alertTitle(alert)}`
    .replace(/[^\x20-\x7e]/g, '')
    .slice(0, SNS_LIMITS.subject);
  const url = brokerConsoleUrl(alert.broker);
  const message = JSON.stringify({
    source: 'mqops',
    kind: 'broker-state',
    alert: { ...alert, ...(url ? { consoleUrl: url } : {}) },
  });
  const attribute = (value: string) => ({ DataType: 'String' as const, StringValue: value || '-' });
  return {
    subject,
    message,
    attributes: {
      kind: attribute('broker-state'),
      event: attribute(alert.kind),
      severity: attribute(alert.severity),
      brokerId: attribute(alert.broker.id),
      brokerName: attribute(alert.broker.name),
    },
  };
}
