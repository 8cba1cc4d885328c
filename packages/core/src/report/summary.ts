import type { AuditReport, Finding } from '../audit';
import { failing } from '../audit';
import { SEVERITY_ORDER, type Severity } from '../check';
import { gapLines } from '../outcome';
import { type AuditDiff, type Lifecycle, lifecycles } from '../state';

/** Failing findings counted by severity, most severe first, zero counts left out. */
export function countBySeverity(findings: readonly Finding[]): [Severity, number][] {
  return SEVERITY_ORDER.map(
    (s) => [s, findings.filter((f) => f.severity === s).length] as [Severity, number],
  ).filter(([, n]) => n > 0);
}

/** One line: "3 findings (1 HIGH, 2 MEDIUM) on 2 of 5 brokers". */
export function headline(report: Pick<AuditReport, 'results' | 'brokersAudited' | 'outcome'>): string {
  const fails = failing(report);
  const brokers = new Set(fails.map((f) => f.broker.id)).size;
  const counts = countBySeverity(fails)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  if (fails.length === 0)
    return report.outcome.status === 'complete'
      ? `no findings on ${report.brokersAudited} brokers`
      : `no findings on the ${report.brokersAudited} brokers that could be audited (${report.outcome.status})`;
  return `${fails.length} finding${fails.length === 1 ? '' : 's'} (${counts}) on ${brokers} of ${report.brokersAudited} brokers`;
}

/** Failing findings grouped by broker name, in report order. */
export function groupByBroker(findings: readonly Finding[]): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) groups.set(f.broker.name, [...(groups.get(f.broker.name) ?? []), f]);
  return groups;
}

/** How a finding's lifecycle reads in every report format. */
export const LIFECYCLE_LABEL: Record<Lifecycle, string> = {
  new: 'new',
  open: 'still open',
  suppressed: 'suppressed',
  'suppression-expired': 'suppression expired',
  fixed: 'fixed (passes now)',
  'not-evaluated': 'not evaluated',
  gone: 'resolved (broker deleted or check retired)',
};

/** The label of a failing finding's lifecycle; `suppression removed` when it was suppressed and no suppression matches now. */
export function lifecycleLabel(f: Finding, lifecycle = f.lifecycle): string | undefined {
  if (lifecycle === 'suppression-expired' && !f.suppressionExpired) return 'suppression removed';
  return lifecycle ? LIFECYCLE_LABEL[lifecycle] : undefined;
}

/**
 * Reads each failing finding's lifecycle in a report: the one runAudit set on it, else the report's diff, else
 * what its suppression alone says.
 */
export function lifecycleReader(report: AuditReport): (f: Finding) => Lifecycle | undefined {
  const fromDiff = report.diff ? lifecycles(report.diff) : new Map<string, Lifecycle>();
  return (f) =>
    f.lifecycle ??
    fromDiff.get(f.fingerprint) ??
    (f.suppressed ? 'suppressed' : f.suppressionExpired ? 'suppression-expired' : undefined);
}

/** "Since the last run: 2 new, 1 fixed, 5 still open, 1 suppressed, 1 suppression expired, …" (zero counts of the rarer states left out). */
export function diffLine(diff: AuditDiff): string {
  const retired = diff.gone.filter((f) => f.reason === 'check-retired').length;
  const deleted = diff.gone.length - retired;
  const parts = [
    `${diff.new.length} new`,
    `${diff.fixed.length} fixed`,
    `${diff.stillOpen.length} still open`,
    ...(diff.newlySuppressed.length ? [`${diff.newlySuppressed.length} newly suppressed`] : []),
    ...(diff.suppressionExpired.length ? [`${diff.suppressionExpired.length} suppression expired`] : []),
    ...(diff.notEvaluated.length ? [`${diff.notEvaluated.length} not evaluated`] : []),
    ...(deleted ? [`${deleted} resolved (broker deleted)`] : []),
    ...(retired ? [`${retired} resolved (check retired)`] : []),
  ];
  return `Since the last run: ${parts.join(', ')}.`;
}

/**
 * The outcome in one sentence: "Audit complete: 8 brokers audited." / "Audit PARTIAL: 7 brokers audited; 9 not
 * covered (8 of them checks), listed under Not audited." / "Audit FAILED: 0 brokers audited; 1 not covered, …".
 */
export function outcomeSentence(report: Pick<AuditReport, 'outcome' | 'brokersAudited' | 'leftOut'>): string {
  const { status, gaps } = report.outcome;
  const left = report.leftOut
    ? ` (${report.leftOut.checks.length} checks left out: ${report.leftOut.reason})`
    : '';
  const checks = gaps.filter((g) => g.check).length;
  const head = `Audit ${status === 'complete' ? status : status.toUpperCase()}: ${report.brokersAudited} brokers audited${left}`;
  return status === 'complete'
    ? `${head}.`
    : `${head}; ${gaps.length} not covered${checks ? ` (${checks} of them checks)` : ''}, listed under Not audited.`;
}

/** What the audit did not cover, one line per target, broker or broker's checks with the reason. */
export function notAuditedLines(report: AuditReport, max?: number): string[] {
  return gapLines(report.outcome.gaps, max);
}

/** Why a remembered finding was resolved without being evaluated: `the broker was deleted` or `the check was retired`. */
export function goneWhy(f: { reason: 'broker-gone' | 'check-retired' }): string {
  return f.reason === 'check-retired' ? 'the check was retired from mqops' : 'the broker was deleted';
}
