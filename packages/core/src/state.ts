import type { Finding, TargetListing, TargetScope } from './audit';
import type { CasCell, Snapshot } from './cas';

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
  /**
   * The last invocations that notified, with the outcome they sent and the channels it reached, newest last (at most
   * 20): a retry of one of them with the same outcome does not notify those channels again, however many other
   * audits ran in between.
   */
  notified?: { invocation: string; status: string; channels: string[] }[];
}

/**
 * Where the audit state lives (S3 in AWS, a file for the CLI), as a compare-and-swap cell (cas.ts): overlapping
 * audits (two change-triggered ones, a schedule and a runbook) each read the state with its version and write only
 * over the version they read, so none loses what another wrote.
 */
export interface StateStore extends CasCell<AuditState, string> {
  /** The last saved state and its version (an S3 ETag, a file's hash), or undefined on the first run. */
  read(): Promise<Snapshot<AuditState, string> | undefined>;
  /**
   * Writes `state` if the saved one is still at version `expected` (undefined: only if none is saved).
   * @returns false when another audit saved first.
   */
  write(state: AuditState, expected: string | undefined): Promise<boolean>;
}

/** The audit state in memory, versioned like the real stores (tests and embedded runs). */
export class MemoryStateStore implements StateStore {
  private saved: Snapshot<AuditState, string> | undefined;
  private serial = 0;
  /** Successful writes. */
  writes = 0;

  constructor(initial?: AuditState) {
    if (initial) this.saved = { value: structuredClone(initial), version: String(++this.serial) };
  }

  /** The saved state (a copy), if any. */
  get state(): AuditState | undefined {
    return this.saved && structuredClone(this.saved.value);
  }

  async read(): Promise<Snapshot<AuditState, string> | undefined> {
    return this.saved && structuredClone(this.saved);
  }

  async write(state: AuditState, expected: string | undefined): Promise<boolean> {
    if (this.saved?.version !== expected) return false;
    this.saved = { value: structuredClone(state), version: String(++this.serial) };
    this.writes++;
    return true;
  }
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
  /** Open or suppressed before; resolved because the broker is gone (deleted) or the check no longer exists. */
  gone: (RememberedFinding & { reason: 'broker-gone' | 'check-retired' })[];
  /** Open or suppressed before; not evaluated this run, with why. Kept as they were. */
  notEvaluated: (RememberedFinding & { reason: string })[];
}

export interface DiffScope {
  /** ARNs of brokers audited in this run: only their findings can be fixed. */
  audited: ReadonlySet<string>;
  /**
   * Each target's listing in a fleet audit. A remembered broker in the account and region of a target that listed
   * is gone when the listing does not name it; one in the account and region of a target that could not list is
   * not evaluated. A remembered broker outside every target (another region or account than this run's) is left
   * as it was, unreported: this run did not look there.
   */
  listings?: readonly TargetListing[];
  /** Broker ids known to be deleted (a change event for a broker that no longer exists, or one gone mid-audit). */
  goneIds?: ReadonlySet<string>;
  /** Broker ids the run asked for or listed and could not audit, with why (reported as not evaluated). */
  unreached?: ReadonlyMap<string, string>;
  /**
   * The check ids this run evaluated, and every check id mqops has. A remembered finding of a check that is no
   * longer in the catalog is resolved (`check-retired`); one of a check this run did not include (the local demo
   * without real brokers leaves the data-plane checks out) is left as it was, unreported. Absent: every check ran.
   */
  checks?: { run: ReadonlySet<string>; catalog: ReadonlySet<string> };
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

/** Whether a broker ARN is in a target's account and region (an absent field matches any). */
function inScope(arn: string, scope: TargetScope | undefined): boolean {
  const [, , , region, accountId] = arn.split(':');
  return (!scope?.region || scope.region === region) && (!scope?.accountId || scope.accountId === accountId);
}

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
    if (scope.checks && !scope.checks.run.has(was.checkId)) {
      if (scope.checks.catalog.has(was.checkId)) keep(was);
      else diff.gone.push({ ...was, reason: 'check-retired' });
      continue;
    }
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
              : 'its check did not run',
        });
      }
      continue;
    }
    if (scope.goneIds?.has(id)) {
      diff.gone.push({ ...was, reason: 'broker-gone' });
      continue;
    }
    keep(was);
    const why = scope.unreached?.get(id);
    if (why !== undefined) {
      diff.notEvaluated.push({ ...was, reason: `broker not audited: ${why}` });
      continue;
    }
    // Every listing of the broker's account and region: one that failed leaves it not evaluated; one that names it
    // means it exists (left out by the request's filters); none naming it means deleted, when the listings are
    // known to be of its account (an account id, or the only listing of its region: the caller's own account).
    const listings = scope.listings ?? [];
    const matching = listings.filter((l) => inScope(was.brokerArn, l.scope));
    const failed = matching.find((l) => l.error !== undefined);
    if (failed) {
      diff.notEvaluated.push({ ...was, reason: `${failed.target} could not be listed: ${failed.error}` });
      continue;
    }
    const region = was.brokerArn.split(':')[3];
    const ofRegion = listings.filter((l) => !l.scope?.region || l.scope.region === region);
    const ownAccount =
      matching.some((l) => l.scope?.accountId) || (matching.length === 1 && ofRegion.length === 1);
    if (matching.length > 0 && ownAccount && !matching.some((l) => l.ids?.includes(id))) {
      delete open[was.fingerprint];
      delete suppressed[was.fingerprint];
      diff.gone.push({ ...was, reason: 'broker-gone' });
    }
  }
  return {
    diff,
    next: {
      version: 1,
      updatedAt: at,
      open,
      suppressed,
      pendingSince: before.pendingSince,
      ...(before.notified ? { notified: before.notified } : {}),
    },
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
