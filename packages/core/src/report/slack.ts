import type { AuditReport, Finding } from '../audit';
import { failing } from '../audit';
import { SEVERITY_ORDER } from '../check';
import { goneWhy, groupByBroker, headline, notAuditedLines } from './summary';

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
  const expired = f.lifecycle === 'suppression-expired' || (!f.lifecycle && f.suppressionExpired);
  const state = expired ? ` _(suppression ${f.suppressionExpired ? 'expired' : 'removed'})_` : '';
  return `${ICON[f.severity] ?? ''} *${f.severity}* \`${f.checkId}\`${state} ${escapeMrkdwn(f.message)}`;
}

/** Builds blocks under a shared budget; what does not fit is counted, never dropped silently. */
class Blocks {
  readonly blocks: Record<string, unknown>[] = [];
  hidden = 0;
  constructor(private readonly budget: number) {}

  get room(): number {
    return this.budget - this.blocks.length;
  }

  add(block: Record<string, unknown>): boolean {
    if (this.room <= 0) return false;
    this.blocks.push(block);
    return true;
  }

  /** One section of lines under a bold title, cut to Slack's section size (the rest counted). */
  section(title: string, lines: string[]): void {
    const kept: string[] = [];
    let length = title.length;
    for (const line of lines) {
      if (length + line.length + 1 > SLACK_LIMITS.sectionText - 60) break;
      kept.push(line);
      length += line.length + 1;
    }
    const cut = lines.length - kept.length;
    if (cut > 0) kept.push(`_…and ${cut} more_`);
    if (this.add({ type: 'section', text: { type: 'mrkdwn', text: [title, ...kept].join('\n') } }))
      this.hidden += cut;
    else this.hidden += lines.length;
  }
}

function brokerSections(into: Blocks, findings: readonly Finding[]): void {
  const groups = [...groupByBroker(findings).entries()].sort(
    ([, a], [, b]) => SEVERITY_ORDER.indexOf(a[0]!.severity) - SEVERITY_ORDER.indexOf(b[0]!.severity),
  );
  for (const [broker, list] of groups) {
    const head = `*${escapeMrkdwn(broker)}* (${list[0]!.broker.engine}, ${list[0]!.broker.region})`;
    into.section(head, list.map(findingLine));
  }
}

/**
 * The audit as one Slack Block Kit message. With a diff (a state store is configured): what is new, what got fixed,
 * then what is still open; a change-triggered audit shows only new and fixed. Without: every failing finding by
 * broker. Never more than Slack's 50 blocks or 3,000 characters a section: what does not fit is counted.
 */
export function slackMessage(report: AuditReport): SlackMessage {
  const fails = failing(report);
  const diff = report.diff;
  const status = report.outcome.status;
  const prefix = status === 'complete' ? 'mqops audit' : `mqops audit ${status.toUpperCase()}`;
  const title = diff
    ? `${prefix}: ${diff.new.length} new, ${diff.fixed.length} fixed, ${diff.stillOpen.length} still open`
    : `${prefix}: ${headline(report)}`;
  const into = new Blocks(SLACK_LIMITS.blocks - 2);
  into.add({ type: 'header', text: { type: 'plain_text', text: clip(title, SLACK_LIMITS.headerText) } });
  if (status !== 'complete')
    into.section(
      `:warning: *Audit ${status.toUpperCase()}: ${report.brokersAudited} brokers audited, ${report.outcome.gaps.length} not covered.* Not audited (nothing here passed):`,
      notAuditedLines(report).map((l) => `• ${escapeMrkdwn(l)}`),
    );
  if (!diff) brokerSections(into, fails);
  else {
    // Failing findings by broker, under a heading per lifecycle (still open only in a digest, not on a change).
    const failingLists: [string, Finding[]][] = [
      ['New findings', diff.new],
      ['Failing again, suppression expired', diff.suppressionExpired],
    ];
    // Remembered and suppressed findings, a line each: what changed about them and why.
    const suppressed = diff.newlySuppressed.map((f) => ({
      checkId: f.checkId,
      brokerName: f.broker.name,
      reason: `until ${f.suppressed?.expires} by ${f.suppressed?.source}: ${f.suppressed?.reason}; still failing`,
    }));
    const lineLists: [string, string, { checkId: string; brokerName: string }[], (f: never) => string][] = [
      ['Fixed since the last run', ':white_check_mark:', diff.fixed, () => 'passes now'],
      ['Resolved without a check', ':wastebasket:', diff.gone, goneWhy],
      ['Newly suppressed', ':zipper_mouth_face:', suppressed, (f: { reason: string }) => f.reason],
      [
        'Not evaluated this run, kept as they were',
        ':grey_question:',
        diff.notEvaluated,
        (f: { reason: string }) => f.reason,
      ],
    ];
    for (const [title, list] of failingLists)
      if (list.length) {
        into.add({ type: 'section', text: { type: 'mrkdwn', text: `*${title} (${list.length})*` } });
        brokerSections(into, list);
      }
    for (const [title, icon, list, why] of lineLists)
      if (list.length)
        into.section(
          `*${title} (${list.length})*`,
          list.map(
            (f) =>
              `${icon} \`${f.checkId}\` on *${escapeMrkdwn(f.brokerName)}* (${escapeMrkdwn(why(f as never))})`,
          ),
        );
    if (diff.stillOpen.length && report.trigger !== 'change') {
      into.add({
        type: 'section',
        text: { type: 'mrkdwn', text: `*Still open (${diff.stillOpen.length})*` },
      });
      brokerSections(into, diff.stillOpen);
    }
  }
  const blocks = into.blocks;
  if (into.hidden > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${into.hidden} more findings: run \`mqops audit\` for all.` }],
    });
  }
  const suppressed = report.results.filter((f) => f.suppressed).length;
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `${status} · trigger: ${report.trigger} · ${report.brokersAudited} brokers · ${suppressed} suppressed · finished ${report.finishedAt}`,
      },
    ],
  });
  return { text: title, blocks };
}
