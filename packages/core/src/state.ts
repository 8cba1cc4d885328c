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

/** A failing finding remembered while a suppression hid it: who said so, why and until when. */
export interface SuppressedFinding extends RememberedFinding {
  suppression: { reason: string; expires: string; source: 'tag' | 'config' };
}

/** What mqops keeps between runs (in AWS an S3 object, locally a file). */
export interface AuditState {
  version: 1;
  updatedAt: string;
  /** Open (failing, unsuppressed) findings by fingerprint. */
  open: Record<string, RememberedFinding>;
  /**
   * Failing findings an active suppression hides, by fingerprint. Remembered so that a suppression is never read
   * as a fix, and its expiry never as a new finding. Absent in states written before it existed.
   */
  suppressed?: Record<string, SuppressedFinding>;
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
  return { version: 1, updatedAt: now.toISOString(), open: {}, suppressed: {}, pendingSince: {} };
}

/**
 * Where a finding stands in its lifecycle, from one run to the next:
 * - `new`: failing, and neither open nor suppressed before;
 * - `open`: failing, and open before (still open);
 * - `suppressed`: failing, hidden by an active suppression (who, why, until when on the finding);
 * - `suppression-expired`: failing again after a suppression hid it (it expired, or was removed): never `new`;
 * - `fixed`: open or suppressed before, and its check was evaluated on the broker this run and passed;
 * - `not-evaluated`: open or suppressed before, but this run could not evaluate it (its check was UNKNOWN or not
 *   run, or the broker or its target could not be read): it stays remembered, never `fixed`;
 * - `gone`: the broker was deleted, so its findings are resolved (not `fixed`).
 */
export const LIFECYCLES = [
  'new',
  'open',
  'suppressed',
  'suppression-expired',
  'fixed',
  'not-evaluated',
  'gone',
] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];

/** What changed since the last run. Every failing finding is in exactly one of new, stillOpen, suppressed and suppressionExpired. */
export interface AuditDiff {
  /** Failing, unsuppressed, and neither open nor suppressed before. */
  new: Finding[];
  /** Failing, unsuppressed, and open before. */
  stillOpen: Finding[];
  /** Failing and hidden by an active suppression now. */
  suppressed: Finding[];
  /** Of `suppressed`, those that were not suppressed in the last run (open before, or new and suppressed at once). */
  newlySuppressed: Finding[];
  /** Failing, unsuppressed, and suppressed in the last run: the suppression expired or was removed. */
  suppressionExpired: Finding[];
  /** Open or suppressed before; evaluated on the broker this run and passed. */
  fixed: (RememberedFinding & { reason: 'passed' })[];
  /** Open or suppressed before; the broker is gone (deleted). */
  gone: (RememberedFinding & { reason: 'broker-gone' })[];
  /** Open or suppressed before; not evaluated this run, with why. Kept as they were. */
  notEvaluated: (RememberedFinding & { reason: string })[];
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
  /**
   * The run meant to cover every broker (a fleet audit), so a remembered broker it did not audit (its target could
   * not be listed, or it could not be described) is reported as not evaluated.
   */
  fleet?: boolean;
  /** Broker ids the run asked for and could not audit, with why (reported as not evaluated). */
  unreached?: ReadonlyMap<string, string>;
}

/** A diff in which nothing changed. */
export function emptyDiff(): AuditDiff {
  return {
    new: [],
    stillOpen: [],
    suppressed: [],
    newlySuppressed: [],
    suppressionExpired: [],
    fixed: [],
    gone: [],
    notEvaluated: [],
  };
}

/** The broker id at the end of a broker ARN (`arn:aws:mq:region:account:broker:NAME:ID`). */
const idOfArn = (arn: string) => arn.split(':').pop() ?? arn;

function remember(f: Finding, was: RememberedFinding | undefined, at: string): RememberedFinding {
  return {
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

/**
 * Compares this run's findings with the remembered state and tells each finding's lifecycle (see `Lifecycle`).
 * A finding is `fixed` only when its check ran on the broker and passed; anything not evaluated stays as it was.
 * Returns the diff and the state to save.
 */
export function diffFindings(
  previous: AuditState | undefined,
  results: readonly Finding[],
  scope: DiffScope,
  now: Date,
): { diff: AuditDiff; next: AuditState } {
  const before = previous ?? emptyState(now);
  const beforeSuppressed = before.suppressed ?? {};
  const at = now.toISOString();
  const open: Record<string, RememberedFinding> = {};
  const suppressed: Record<string, SuppressedFinding> = {};
  const diff = emptyDiff();
  const byFingerprint = new Map(results.map((r) => [r.fingerprint, r]));
  for (const f of results) {
    if (f.status !== 'FAIL') continue;
    const wasOpen = before.open[f.fingerprint];
    const wasSuppressed = beforeSuppressed[f.fingerprint];
    const was = wasOpen ?? wasSuppressed;
    if (f.suppressed) {
      diff.suppressed.push(f);
      if (!wasSuppressed) diff.newlySuppressed.push(f);
      suppressed[f.fingerprint] = { ...remember(f, was, at), suppression: f.suppressed };
    } else {
      if (wasOpen) diff.stillOpen.push(f);
      else if (wasSuppressed || f.suppressionExpired) diff.suppressionExpired.push(f);
      else diff.new.push(f);
      open[f.fingerprint] = remember(f, was, at);
    }
  }
  const keep = (was: RememberedFinding) => {
    if (was.fingerprint in beforeSuppressed)
      suppressed[was.fingerprint] = beforeSuppressed[was.fingerprint] as SuppressedFinding;
    else open[was.fingerprint] = was;
  };
  const remembered = [...Object.values(before.open), ...Object.values(beforeSuppressed)];
  for (const was of remembered) {
    if (open[was.fingerprint] || suppressed[was.fingerprint]) continue;
    const id = idOfArn(was.brokerArn);
    if (scope.audited.has(was.brokerArn)) {
      const result = byFingerprint.get(was.fingerprint);
      if (result?.status === 'PASS') diff.fixed.push({ ...was, reason: 'passed' });
      else {
        keep(was);
        diff.notEvaluated.push({
          ...was,
          reason:
            result?.status === 'UNKNOWN'
              ? `could not be checked: ${result.message}`
              : 'its check did not run on the broker this time',
        });
      }
    } else if (scope.goneIds?.has(id) || (scope.listedIds && !scope.listedIds.has(id))) {
      diff.gone.push({ ...was, reason: 'broker-gone' });
    } else {
      keep(was);
      const why = scope.unreached?.get(id);
      if (why !== undefined) diff.notEvaluated.push({ ...was, reason: `broker not audited: ${why}` });
      else if (scope.fleet)
        diff.notEvaluated.push({
          ...was,
          reason: 'broker not audited (its account or region could not be read)',
        });
    }
  }
  return {
    diff,
    next: { version: 1, updatedAt: at, open, suppressed, pendingSince: before.pendingSince },
  };
}

/** Each finding's lifecycle in this run's diff, by fingerprint (failing findings only). */
export function lifecycles(diff: AuditDiff): Map<string, Lifecycle> {
  const states = new Map<string, Lifecycle>();
  for (const f of diff.new) states.set(f.fingerprint, 'new');
  for (const f of diff.stillOpen) states.set(f.fingerprint, 'open');
  for (const f of diff.suppressed) states.set(f.fingerprint, 'suppressed');
  for (const f of diff.suppressionExpired) states.set(f.fingerprint, 'suppression-expired');
  return states;
}
