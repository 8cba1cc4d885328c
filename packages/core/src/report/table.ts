import type { AuditReport } from '../audit';
import { failing } from '../audit';
import { headline } from './summary';

/** Pads or cuts `text` to `width` columns. */
function cell(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** Why checks could not run, with how many results each reason hid (most first). */
function unknownReasons(report: AuditReport): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of report.results) {
    if (r.status !== 'UNKNOWN') continue;
    // "Broker X could not be checked: rabbit unavailable (why)." → "rabbit unavailable (why)"
    const reason = r.message.replace(/^Broker \S+ could not be checked: /, '').replace(/\.$/, '');
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

/**
 * The audit as a plain-text table for a terminal: severity, broker, check and the finding, most severe first
 * (new ones marked `+` when the run has a diff), then what got fixed, what could not be checked and why, inventory
 * errors, and a summary line.
 */
export function renderTable(report: AuditReport, options: { width?: number } = {}): string {
  const fails = failing(report);
  const fresh = new Set(report.diff?.new.map((f) => f.fingerprint));
  const lines: string[] = [];
  const widths = { severity: 8, broker: 20, check: 38 };
  const messageWidth = Math.max(
    40,
    (options.width ?? 160) - widths.severity - widths.broker - widths.check - 8,
  );
  if (fails.length > 0) {
    lines.push(
      [
        '  ',
        cell('SEVERITY', widths.severity),
        cell('BROKER', widths.broker),
        cell('CHECK', widths.check),
        'FINDING',
      ]
        .join('  ')
        .trimStart(),
    );
    for (const f of fails) {
      lines.push(
        [
          fresh.has(f.fingerprint) ? '+ ' : '  ',
          cell(f.severity, widths.severity),
          cell(f.broker.name, widths.broker),
          cell(f.checkId, widths.check),
          cell(f.message, messageWidth).trimEnd(),
        ]
          .join('  ')
          .replace(/^ {2} {2}/, ''),
      );
    }
    lines.push('');
  }
  for (const f of report.diff?.fixed ?? [])
    lines.push(
      `fixed: ${f.checkId} on ${f.brokerName}${f.reason === 'broker-gone' ? ' (broker deleted)' : ''}`,
    );
  for (const [reason, n] of unknownReasons(report)) lines.push(`not checked (${n}): ${reason}`);
  for (const e of report.errors) lines.push(`could not audit ${e.brokerId}: ${e.message}`);
  const passed = report.results.filter((r) => r.status === 'PASS').length;
  const suppressed = report.results.filter((r) => r.suppressed).length;
  const extra = [
    `${passed} checks passed`,
    ...(suppressed ? [`${suppressed} suppressed`] : []),
    ...(report.diff
      ? [`${report.diff.new.length} new, ${report.diff.fixed.length} fixed since the last run`]
      : []),
  ];
  lines.push(`${headline(report)}; ${extra.join(', ')}.`);
  return lines.join('\n');
}
