import type { AuditReport } from '../audit';
import { failing } from '../audit';
import { headline } from './summary';

/** Pads or cuts `text` to `width` columns. */
function cell(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/**
 * The audit as a plain-text table for a terminal: severity, broker, check and the finding, most severe first,
 * then the inventory errors and a summary line.
 */
export function renderTable(report: AuditReport, options: { width?: number } = {}): string {
  const fails = failing(report);
  const lines: string[] = [];
  const widths = { severity: 8, broker: 22, check: 30 };
  const messageWidth = Math.max(
    30,
    (options.width ?? 140) - widths.severity - widths.broker - widths.check - 6,
  );
  if (fails.length > 0) {
    lines.push(
      [
        cell('SEVERITY', widths.severity),
        cell('BROKER', widths.broker),
        cell('CHECK', widths.check),
        'FINDING',
      ].join('  '),
    );
    for (const f of fails) {
      lines.push(
        [
          cell(f.severity, widths.severity),
          cell(f.broker.name, widths.broker),
          cell(f.checkId, widths.check),
          cell(f.message, messageWidth).trimEnd(),
        ].join('  '),
      );
    }
    lines.push('');
  }
  for (const e of report.errors) lines.push(`could not audit ${e.brokerId}: ${e.message}`);
  const passed = report.results.length - fails.length;
  lines.push(`${headline(report)}; ${passed} checks passed.`);
  return lines.join('\n');
}
