import type { AuditReport, Finding } from '../audit';
import { failing } from '../audit';
import { SEVERITY_ORDER, type Severity } from '../check';

/** Failing findings counted by severity, most severe first, zero counts left out. */
export function countBySeverity(findings: readonly Finding[]): [Severity, number][] {
  return SEVERITY_ORDER.map(
    (s) => [s, findings.filter((f) => f.severity === s).length] as [Severity, number],
  ).filter(([, n]) => n > 0);
}

/** One line: "3 findings (1 HIGH, 2 MEDIUM) on 2 of 5 brokers". */
export function headline(report: AuditReport): string {
  const fails = failing(report);
  const brokers = new Set(fails.map((f) => f.broker.id)).size;
  const counts = countBySeverity(fails)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  if (fails.length === 0) return `no findings on ${report.brokersAudited} brokers`;
  return `${fails.length} finding${fails.length === 1 ? '' : 's'} (${counts}) on ${brokers} of ${report.brokersAudited} brokers`;
}

/** Failing findings grouped by broker name, in report order. */
export function groupByBroker(findings: readonly Finding[]): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) groups.set(f.broker.name, [...(groups.get(f.broker.name) ?? []), f]);
  return groups;
}
