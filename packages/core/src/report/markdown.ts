import type { AuditReport, Finding } from '../audit';
import { failing } from '../audit';
import { type Check, SEVERITY_ORDER, type Severity } from '../check';
import { checkById } from '../checks';
import type { Lifecycle } from '../state';
import {
  diffLine,
  goneWhy,
  headline,
  lifecycleLabel,
  lifecycleReader,
  notAuditedLines,
  outcomeSentence,
} from './summary';

/** Options of {@link renderMarkdown}. */
export interface MarkdownOptions {
  /** The first heading; default "mqops audit report". */
  title?: string;
  /** Looks up a check's metadata for the remediation section; default the built-in catalog (`checkById`). */
  lookup?: (checkId: string) => Check | undefined;
}

/**
 * Escapes text for a GitHub-flavoured Markdown table cell: what {@link escapeInline} escapes, pipes too, and line
 * breaks become `<br>` (a raw newline would end the row).
 */
export function escapeCell(text: string): string {
  return escapeInline(text)
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, '<br>');
}

/** Escapes text for running Markdown: backslashes, HTML characters, emphasis, links, code spans and headings. */
export function escapeInline(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([`*_[\]#])/g, '\\$1');
}

/** A code span (for check ids): backticks and line breaks dropped, pipes escaped (GFM tables split on them). */
const code = (text: string) => `\`${text.replace(/[`\r\n]/g, '').replace(/\|/g, '\\|')}\``;

/**
 * The check catalog's own text (rationale, remediation) is Markdown as written, with code spans for CLI flags,
 * properties and XML: kept, on one line, with `<` and `>` outside code spans made entities (no raw HTML).
 */
const catalogText = (text: string) =>
  text
    .replace(/\s*(\r\n|\r|\n)\s*/g, ' ')
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('');

/** Upper-cases the first letter (the headline starts lower-case for use mid-sentence). */
const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Escaped text on one line, for list items. */
const oneLine = (text: string) => escapeInline(text).replace(/\s*(\r\n|\r|\n)\s*/g, ' ');

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const byBrokerThenCheck = (a: Finding, b: Finding) =>
  a.broker.name.localeCompare(b.broker.name) || a.checkId.localeCompare(b.checkId);

/** The results of a report by what they mean to a reader. */
function partition(report: AuditReport) {
  return {
    fails: failing(report),
    suppressed: report.results.filter((f) => f.status === 'FAIL' && f.suppressed),
    unknown: report.results.filter((f) => f.status === 'UNKNOWN'),
    passed: report.results.filter((f) => f.status === 'PASS'),
  };
}

function summaryTable(parts: ReturnType<typeof partition>): string[] {
  const columns = [parts.fails, parts.suppressed, parts.unknown, parts.passed];
  const lines = [
    '| Severity | Failing | Suppressed | Unknown | Passed |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  const bySeverity = (list: readonly Finding[], s: Severity) => list.filter((f) => f.severity === s).length;
  for (const severity of SEVERITY_ORDER) {
    const counts = columns.map((list) => bySeverity(list, severity));
    if (counts.some((n) => n > 0)) lines.push(`| ${severity} | ${counts.join(' | ')} |`);
  }
  lines.push(`| **Total** | ${columns.map((list) => `**${list.length}**`).join(' | ')} |`);
  return lines;
}

function failingSection(
  fails: readonly Finding[],
  lifecycle: (f: Finding) => Lifecycle | undefined,
  complete: boolean,
): string[] {
  const lines = ['## Failing findings', ''];
  if (fails.length === 0)
    return [
      ...lines,
      complete ? 'No check failed.' : 'No check failed on what could be audited (see Not audited).',
      '',
    ];
  for (const severity of SEVERITY_ORDER) {
    const group = fails.filter((f) => f.severity === severity).sort(byBrokerThenCheck);
    if (group.length === 0) continue;
    lines.push(`### ${severity} (${group.length})`, '');
    lines.push('| Broker | Engine | Region | Check | Finding |', '| --- | --- | --- | --- | --- |');
    for (const f of group) {
      const current = lifecycle(f);
      const state = current === 'open' ? undefined : lifecycleLabel(f, current);
      const finding = `${state ? `**${sentence(state)}:** ` : ''}${escapeCell(f.message)}`;
      lines.push(
        `| ${escapeCell(f.broker.name)} | ${f.broker.engine} | ${escapeCell(f.broker.region)} | ` +
          `${code(f.checkId)} | ${finding} |`,
      );
    }
    lines.push('');
  }
  return lines;
}

function fixedSection(report: AuditReport): string[] {
  const diff = report.diff;
  if (!diff) return [];
  const line = (
    f: { brokerName: string; checkId: string; severity: string; firstSeen: string },
    why: string,
  ) =>
    `**${oneLine(f.brokerName)}** · ${code(f.checkId)} (${oneLine(f.severity)}): ${why}; failing since ${oneLine(f.firstSeen)}.`;
  return [
    ...listSection(
      'Fixed since the last run',
      'Evaluated this run and passed:',
      diff.fixed.map((f) => line(f, 'passes now')),
    ),
    ...listSection(
      'Resolved without a check',
      'Their broker was deleted, or their check retired from mqops:',
      diff.gone.map((f) => line(f, goneWhy(f))),
    ),
    ...listSection(
      'Not evaluated this run',
      'Open or suppressed before, and not evaluated now: they stay as they were (not fixed).',
      diff.notEvaluated.map((f) => line(f, oneLine(f.reason))),
    ),
  ];
}

function suppressedSection(suppressed: readonly Finding[]): string[] {
  if (suppressed.length === 0) return [];
  const lines = ['## Suppressed', '', 'Failing, but accepted until the date shown:', ''];
  for (const f of [...suppressed].sort(byBrokerThenCheck)) {
    const s = f.suppressed!;
    lines.push(
      `- **${oneLine(f.broker.name)}** · ${code(f.checkId)} (${f.severity}): ${oneLine(f.message)} ` +
        `Suppressed until ${oneLine(s.expires)} (${s.source}): ${oneLine(s.reason)}`,
    );
  }
  if (suppressed.length > 0) lines.push('', 'A suppressed finding still fails: it is hidden, not fixed.');
  return [...lines, ''];
}

function unknownSection(unknown: readonly Finding[]): string[] {
  if (unknown.length === 0) return [];
  const lines = [
    '## Not checked (UNKNOWN)',
    '',
    'These checks could not run because data they need could not be collected; fix the cause (usually a ' +
      'missing IAM permission) and audit again.',
    '',
  ];
  for (const f of [...unknown].sort(byBrokerThenCheck))
    lines.push(`- **${oneLine(f.broker.name)}** · ${code(f.checkId)} (${f.severity}): ${oneLine(f.message)}`);
  return [...lines, ''];
}

function listSection(title: string, intro: string, items: readonly string[]): string[] {
  if (items.length === 0) return [];
  return [`## ${title}`, '', intro, '', ...items.map((i) => `- ${i}`), ''];
}

function controlsOf(check: Check | undefined): string | undefined {
  const parts = [
    check?.controls?.securityHub && `Security Hub ${oneLine(check.controls.securityHub)}`,
    check?.controls?.awsConfig && `AWS Config ${code(check.controls.awsConfig)}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

function remediationSection(fails: readonly Finding[], lookup: MarkdownOptions['lookup']): string[] {
  if (fails.length === 0) return [];
  const lines = ['## Remediation', ''];
  // Each failing check once, most severe first.
  const rank = (f: Finding) => SEVERITY_ORDER.indexOf(f.severity);
  const ordered = [...fails].sort((a, b) => rank(a) - rank(b) || a.checkId.localeCompare(b.checkId));
  for (const id of new Set(ordered.map((f) => f.checkId))) {
    const affected = fails.filter((f) => f.checkId === id);
    const first = affected[0]!;
    const check = lookup?.(id);
    const controls = controlsOf(check);
    const brokers = [...new Set(affected.map((f) => f.broker.name))].sort();
    lines.push(`### ${oneLine(check?.title ?? first.title)}`, '');
    lines.push(
      `Check ${code(id)} · ${check?.severity ?? first.severity}${controls ? ` · ${controls}` : ''}`,
      '',
    );
    lines.push(`**Failing on ${plural(brokers.length, 'broker')}:** ${brokers.map(oneLine).join(', ')}`, '');
    if (check?.rationale) lines.push(`**Why it matters:** ${catalogText(check.rationale)}`, '');
    lines.push(`**How to fix:** ${catalogText(check?.remediation ?? first.remediation)}`, '');
  }
  return lines;
}

/**
 * The audit as a Markdown document (for a pull request comment, a wiki page or a ticket): a summary of counts by
 * severity and status, the failing findings grouped by severity then broker (new ones marked when the report
 * carries a diff), what was fixed since the last run, suppressed findings with their reason and expiry, the
 * checks that could not run (UNKNOWN) with their reason, inventory errors and configuration warnings, then one
 * remediation section per failing check with its rationale and fix. Report data is escaped; the check catalog's
 * rationale and remediation are Markdown as written.
 *
 * @example
 * await writeFile('audit.md', renderMarkdown(report));
 */
export function renderMarkdown(report: AuditReport, options: MarkdownOptions = {}): string {
  const lookup = options.lookup ?? checkById;
  const parts = partition(report);
  const diff = report.diff ? [diffLine(report.diff), ''] : [];
  const lines = [
    `# ${oneLine(options.title ?? 'mqops audit report')}`,
    '',
    `${sentence(headline(report))}.`,
    '',
    `**${oneLine(outcomeSentence(report))}**`,
    '',
    ...diff,
    `Trigger: ${report.trigger} · started ${report.startedAt} · finished ${report.finishedAt} · ` +
      `${plural(report.brokersAudited, 'broker')} audited` +
      (report.errors.length > 0
        ? ` · ${plural(report.errors.length, 'broker or target')} could not be audited`
        : ''),
    '',
    '## Summary',
    '',
    ...summaryTable(parts),
    '',
    ...listSection(
      'Not audited',
      'What this run could not cover, and why (fix the cause and audit again; nothing here passed):',
      notAuditedLines(report).map(oneLine),
    ),
    ...failingSection(parts.fails, lifecycleReader(report), report.outcome.status === 'complete'),
    ...fixedSection(report),
    ...suppressedSection(parts.suppressed),
    ...unknownSection(parts.unknown),
    ...listSection(
      'Warnings',
      'Configuration problems found during the audit:',
      (report.warnings ?? []).map(oneLine),
    ),
    ...remediationSection(parts.fails, lookup),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
