import type { ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { AuditReport, Finding } from '../audit';
import { failing } from '../audit';
import { SEVERITY_ORDER } from '../check';
import { clipText, SLACK_LIMITS } from './slack-limits';
import { goneWhy, groupByBroker, headline, notAuditedLines } from './summary';

export { SLACK_LIMITS, SLACK_RATE } from './slack-limits';

const ICON: Record<string, string> = {
  CRITICAL: ':rotating_light:',
  HIGH: ':red_circle:',
  MEDIUM: ':large_orange_circle:',
  LOW: ':large_yellow_circle:',
  INFO: ':information_source:',
};

/**
 * A Slack message: the notification text and the Block Kit blocks. `B` is the blocks' type: `KnownBlock` (from
 * `@slack/types`) for a builder that is typed, plain records for one that is not yet.
 */
export interface SlackMessage<B = Record<string, unknown>> {
  text: string;
  blocks: B[];
}

/** A Slack message whose blocks are typed with `@slack/types`. */
export type SlackBlockMessage = SlackMessage<KnownBlock>;

/** Room kept in a section for the "…and N more" line. */
const MORE_LINE = 60;

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function findingLine(f: Finding): string {
  const expired = f.lifecycle === 'suppression-expired' || (!f.lifecycle && f.suppressionExpired);
  const state = expired ? ` _(suppression ${f.suppressionExpired ? 'expired' : 'removed'})_` : '';
  return `${ICON[f.severity] ?? ''} *${f.severity}* \`${f.checkId}\`${state} ${escapeMrkdwn(f.message)}`;
}

/** Room for each closing context block's text. */
const CONTEXT_TEXT = 300;

const mrkdwnSection = (text: string): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

/**
 * Builds blocks under a shared budget of blocks and of text in all (Slack refuses a message whose blocks hold too
 * much text: `msg_blocks_too_long`); what does not fit is counted, never dropped silently.
 */
class Blocks {
  readonly blocks: KnownBlock[] = [];
  hidden = 0;
  /** Characters of text left for the blocks still to come. */
  private text: number;
  constructor(
    private readonly budget: number,
    textBudget: number,
  ) {
    this.text = textBudget;
  }

  get room(): number {
    return this.budget - this.blocks.length;
  }

  add(block: KnownBlock, length = 0): boolean {
    if (this.room <= 0 || length > this.text) return false;
    this.blocks.push(block);
    this.text -= length;
    return true;
  }

  /** One section of lines under a bold title, cut to Slack's section size and the text left (the rest counted). */
  section(title: string, lines: string[]): void {
    const kept: string[] = [];
    const max = Math.min(SLACK_LIMITS.sectionText, this.text) - MORE_LINE;
    let length = title.length;
    for (const line of lines) {
      if (length + line.length + 1 > max) break;
      kept.push(line);
      length += line.length + 1;
    }
    const cut = lines.length - kept.length;
    if (cut > 0) kept.push(`_…and ${cut} more_`);
    const text = [title, ...kept].join('\n');
    // A section with its title alone says nothing: its lines are counted instead.
    const said = lines.length === 0 || kept.length > (cut > 0 ? 1 : 0);
    if (said && this.add(mrkdwnSection(text), text.length)) this.hidden += cut;
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
 * broker. Within Slack's limits ({@link SLACK_LIMITS}: 50 blocks, 3,000 characters a section, ~11,000 in all): what
 * does not fit is counted.
 */
export function slackMessage(report: AuditReport): SlackBlockMessage {
  const fails = failing(report);
  const diff = report.diff;
  const status = report.outcome.status;
  const prefix = status === 'complete' ? 'mqops audit' : `mqops audit ${status.toUpperCase()}`;
  const title = diff
    ? `${prefix}: ${diff.new.length} new, ${diff.fixed.length} fixed, ${diff.stillOpen.length} still open`
    : `${prefix}: ${headline(report)}`;
  // Two context blocks close the message: the count of what was left out, and the run's facts.
  const into = new Blocks(SLACK_LIMITS.blocks - 2, SLACK_LIMITS.totalBlocksText - 2 * CONTEXT_TEXT);
  const header: HeaderBlock = {
    type: 'header',
    text: { type: 'plain_text', text: clipText(title, SLACK_LIMITS.headerText) },
  };
  into.add(header, header.text.text.length);
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
        const heading = `*${title} (${list.length})*`;
        into.add(mrkdwnSection(heading), heading.length);
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
      const heading = `*Still open (${diff.stillOpen.length})*`;
      into.add(mrkdwnSection(heading), heading.length);
      brokerSections(into, diff.stillOpen);
    }
  }
  const blocks = into.blocks;
  const context = (text: string): ContextBlock => ({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: clipText(text, CONTEXT_TEXT) }],
  });
  if (into.hidden > 0)
    blocks.push(context(`…and ${into.hidden} more findings: run \`mqops audit\` for all.`));
  const suppressed = report.results.filter((f) => f.suppressed).length;
  blocks.push(
    context(
      `${status} · trigger: ${report.trigger} · ${report.brokersAudited} brokers · ${suppressed} suppressed · finished ${report.finishedAt}`,
    ),
  );
  return { text: clipText(title, SLACK_LIMITS.messageText), blocks };
}
