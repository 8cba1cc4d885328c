import type { Finding } from './audit';

/** A failing finding as remembered between runs. */
export interface RememberedFinding {
  fingerprint: string;
  checkId: string;
  severity: string;
  brokerArn: string;
  brokerName: string;
  message: string;
  /** ISO time it was first seen failing. */
  firstSeen: string;
  lastSeen: string;
}

/** What mqops keeps between runs (in AWS an S3 object, locally a file). */
export interface AuditState {
  version: 1;
  updatedAt: string;
  /** Open (failing, unsuppressed) findings by fingerprint. */
  open: Record<string, RememberedFinding>;
  /** When each broker's current pending changes were first seen (ISO), by broker ARN. */
  pendingSince: Record<string, string>;
}

/** Where the state lives. */
export interface StateStore {
  /** The last saved state, or undefined on the first run. */
  load(): Promise<AuditState | undefined>;
  save(state: AuditState): Promise<void>;
}

export function emptyState(now: Date): AuditState {
  return { version: 1, updatedAt: now.toISOString(), open: {}, pendingSince: {} };
}

/** What changed since the last run. */
export interface AuditDiff {
  /** Failing now, not open before. */
  new: Finding[];
  /** Failing now and before. */
  stillOpen: Finding[];
  /** Open before; passing now, or the broker is gone. */
  fixed: (RememberedFinding & { reason: 'passed' | 'broker-gone' })[];
}

export interface DiffScope {
  /** ARNs of brokers audited in this run: only their findings can change. */
  audited: ReadonlySet<string>;
  /**
   * For a full fleet audit whose every listing succeeded: the broker ids that exist. A remembered broker whose id
   * is not among them is gone. Absent otherwise (then brokers not audited keep their state).
   */
  listedIds?: ReadonlySet<string>;
  /** Broker ids known to be deleted (a change event for a broker that no longer exists). */
  goneIds?: ReadonlySet<string>;
}

/** The broker id at the end of a broker ARN (`arn:aws:mq:region:account:broker:NAME:ID`). */
const idOfArn = (arn: string) => arn.split(':').pop() ?? arn;

/**
 * Compares this run's findings with the remembered state. Unknown results change nothing (a finding stays open
 * while its check cannot run). Returns the diff and the state to save.
 */
export function diffFindings(
  previous: AuditState | undefined,
  results: readonly Finding[],
  scope: DiffScope,
  now: Date,
): { diff: AuditDiff; next: AuditState } {
  const before = previous ?? emptyState(now);
  const at = now.toISOString();
  const open: Record<string, RememberedFinding> = {};
  const diff: AuditDiff = { new: [], stillOpen: [], fixed: [] };
  const unknown = new Set(results.filter((r) => r.status === 'UNKNOWN').map((r) => r.fingerprint));
  const failingNow = results.filter((r) => r.status === 'FAIL' && !r.suppressed);
  for (const f of failingNow) {
    const was = before.open[f.fingerprint];
    if (was) diff.stillOpen.push(f);
    else diff.new.push(f);
    open[f.fingerprint] = {
      fingerprint: f.fingerprint,
      checkId: f.checkId,
      severity: f.severity,
      brokerArn: f.broker.arn,
      brokerName: f.broker.name,
      message: f.message,
      firstSeen: was?.firstSeen ?? at,
      lastSeen: at,
    };
  }
  for (const [fingerprint, was] of Object.entries(before.open)) {
    if (open[fingerprint]) continue;
    if (scope.audited.has(was.brokerArn)) {
      if (unknown.has(fingerprint)) open[fingerprint] = was;
      else diff.fixed.push({ ...was, reason: 'passed' });
    } else if (
      scope.goneIds?.has(idOfArn(was.brokerArn)) ||
      (scope.listedIds && !scope.listedIds.has(idOfArn(was.brokerArn)))
    ) {
      diff.fixed.push({ ...was, reason: 'broker-gone' });
    } else {
      open[fingerprint] = was;
    }
  }
  return { diff, next: { version: 1, updatedAt: at, open, pendingSince: before.pendingSince } };
}
