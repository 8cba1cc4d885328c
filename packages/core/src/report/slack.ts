import type { AuditReport, Finding } from '../audit';
import { failing } from '../audit';
import { SEVERITY_ORDER } from '../check';
import { groupByBroker, headline } from './summary';

/** Slack's Block Kit limits that a message must stay within. */
export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150 } as const;

const ICON: Record<string, string> = {
  CRITICAL: ':rotating_light:',
  HIGH: ':red_circle:',
  MEDIUM: ':large_orange_circle:',
  LOW: ':large_yellow_circle:',
  INFO: ':information_source:',
};

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function findingLine(f: Finding): string {
  return `${ICON[f.severity] ?? ''} *${f.severity}* \`${f.checkId}\` ${escapeMrkdwn(f.message)}`;
}

/**
 * The audit as one Slack Block Kit message: a header, then one section per broker listing its findings, most
 * severe first; never more than Slack's 50 blocks or 3,000 characters a section (what does not fit is counted in a
 * last line).
 */
export function slackMessage(report: AuditReport): SlackMessage {
  const fails = failing(report);
  const title = `mqops audit: ${headline(report)}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(title, SLACK_LIMITS.headerText) } },
  ];
  const groups = [...groupByBroker(fails).entries()].sort(
    ([, a], [, b]) => SEVERITY_ORDER.indexOf(a[0]!.severity) - SEVERITY_ORDER.indexOf(b[0]!.severity),
  );
  let shown = 0;
  // Two blocks stay free: a divider-free "and N more" context and the footer.
  const room = SLACK_LIMITS.blocks - blocks.length - 2;
  for (const [broker, findings] of groups.slice(0, room)) {
    const head = `*${escapeMrkdwn(broker)}* (${findings[0]!.broker.engine}, ${findings[0]!.broker.region})`;
    const lines: string[] = [];
    let length = head.length;
    for (const f of findings) {
      const line = findingLine(f);
      if (length + line.length + 1 > SLACK_LIMITS.sectionText - 40) break;
      lines.push(line);
      length += line.length + 1;
    }
    const hidden = findings.length - lines.length;
    if (hidden > 0) lines.push(`_…and ${hidden} more for this broker_`);
    shown += lines.length - (hidden > 0 ? 1 : 0);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: [head, ...lines].join('\n') } });
  }
  if (shown < fails.length) {
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `…and ${fails.length - shown} more findings: run \`mqops audit\` for all.` },
      ],
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `trigger: ${report.trigger} · finished ${report.finishedAt}` }],
  });
  return { text: title, blocks };
}
