import type { AuditReport, Finding } from '../audit';
import { failing } from '../audit';
import { diffLine, goneWhy, headline, lifecycleReader, notAuditedLines, outcomeSentence } from './summary';

/** Pads or cuts `text` to `width` columns. */
function cell(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** The one-character mark of a failing finding's lifecycle in the table's first column. */
const MARK: Partial<Record<NonNullable<Finding['lifecycle']>, string>> = {
  new: '+',
  'suppression-expired': '!',
};

/** Options of {@link renderTable}. */
export interface TableOptions {
  /** The terminal's width in columns; the finding column takes what the others leave. Default 160. */
  width?: number;
  /** Never cut a cell: broker names, check ids and findings in full (lines may wrap). */
  wide?: boolean;
}

/**
 * Column widths that fit `width`: the broker and check columns as wide as their longest value (so names and ids
 * stay readable), shrunk only when the finding column would drop under 20 characters, the broker first.
 */
function columnWidths(fails: readonly Finding[], width: number) {
  const longest = (values: string[], header: string) =>
    Math.max(header.length, ...values.map((v) => v.length));
  const severity = 8;
  let broker = Math.min(
    32,
    longest(
      fails.map((f) => f.broker.name),
      'BROKER',
    ),
  );
  let check = Math.min(
    44,
    longest(
      fails.map((f) => f.checkId),
      'CHECK',
    ),
  );
  // mark(1) + 4 gaps of 2 between five columns.
  const fixed = () => 1 + severity + broker + check + 8;
  const minMessage = 20;
  while (width - fixed() < minMessage && broker > 16) broker--;
  while (width - fixed() < minMessage && check > 24) check--;
  return { severity, broker, check, message: Math.max(minMessage, width - fixed()) };
}

/**
 * The audit as a plain-text table for a terminal, width-aware: first what the run could not cover (so a partial
 * audit never reads as a clean one), then severity, broker, check and the finding, most severe first, each line
 * marked in its first column (`+` new, `!` failing again after its suppression expired or was removed), then what
 * got fixed, was resolved or could not be evaluated since the last run, and a summary with the outcome.
 */
export function renderTable(report: AuditReport, options: TableOptions = {}): string {
  const fails = failing(report);
  const lifecycle = lifecycleReader(report);
  const lines: string[] = [];
  const gaps = notAuditedLines(report);
  if (gaps.length > 0) {
    lines.push(`NOT AUDITED (${report.outcome.status}): nothing below passed on these`);
    for (const gap of gaps) lines.push(`  ${gap}`);
    lines.push('');
  }
  if (fails.length > 0) {
    const wide = options.wide === true;
    const w = wide
      ? columnWidths(fails, Number.POSITIVE_INFINITY)
      : columnWidths(fails, options.width ?? 160);
    const col = (text: string, width: number) => (wide ? text.padEnd(width) : cell(text, width));
    lines.push(
      [' ', col('SEVERITY', w.severity), col('BROKER', w.broker), col('CHECK', w.check), 'FINDING'].join(
        '  ',
      ),
    );
    for (const f of fails) {
      const state = lifecycle(f);
      const mark = (state && MARK[state]) ?? ' ';
      lines.push(
        [
          mark,
          col(f.severity, w.severity),
          col(f.broker.name, w.broker),
          col(f.checkId, w.check),
          wide ? f.message : cell(f.message, w.message).trimEnd(),
        ].join('  '),
      );
    }
    const marks = [
      ...(fails.some((f) => lifecycle(f) === 'new') ? ['+ new since the last run'] : []),
      ...(fails.some((f) => lifecycle(f) === 'suppression-expired')
        ? ['! failing again: its suppression expired or was removed']
        : []),
    ];
    if (marks.length) lines.push(`(${marks.join('; ')})`);
    lines.push('');
  }
  const diff = report.diff;
  for (const f of diff?.fixed ?? []) lines.push(`fixed: ${f.checkId} on ${f.brokerName} (passes now)`);
  for (const f of diff?.gone ?? []) lines.push(`resolved: ${f.checkId} on ${f.brokerName} (${goneWhy(f)})`);
  for (const f of diff?.newlySuppressed ?? [])
    lines.push(
      `suppressed: ${f.checkId} on ${f.broker.name} until ${f.suppressed?.expires} (${f.suppressed?.reason}); still failing`,
    );
  for (const f of diff?.notEvaluated ?? [])
    lines.push(`not evaluated: ${f.checkId} on ${f.brokerName} (${f.reason}); kept as it was`);
  const passed = report.results.filter((r) => r.status === 'PASS').length;
  const suppressed = report.results.filter((r) => r.status === 'FAIL' && r.suppressed).length;
  const extra = [`${passed} checks passed`, ...(suppressed ? [`${suppressed} suppressed`] : [])];
  if (lines.length > 0 && lines.at(-1) !== '') lines.push('');
  if (diff) lines.push(diffLine(diff));
  lines.push(`${headline(report)}; ${extra.join(', ')}.`);
  lines.push(outcomeSentence(report));
  return lines.join('\n');
}
