import { type AuditDeps, type AuditReport, type AuditRequest, auditFleet, failing } from './audit';
import { compareAndSwap } from './cas';
import { CHECKS } from './checks';
import { DeliveryError } from './errors';
import { hasPendingChanges } from './model';
import type { Notifier } from './ports';
import { type AuditState, type DiffScope, diffFindings, lifecycles, type StateStore } from './state';
import { matchSuppression, type Suppression, suppressionWarnings, tagSuppressions } from './suppressions';

export interface RunDeps extends AuditDeps {
  notifiers?: readonly Notifier[];
  /** Where the last run's findings are kept, so reports can say new / still open / fixed. */
  store?: StateStore;
  /** Suppressions from the config file (tag suppressions are read from each broker). */
  suppressions?: readonly Suppression[];
  /**
   * An id that stays the same when the same invocation is retried (Lambda's `awsRequestId` across the retries of
   * an asynchronous invoke). With a state store, a retry sends nothing to a channel that already has this
   * invocation's report: a failed audit fails its invocation, and its retries must not repeat the digest.
   */
  invocation?: string;
}

/**
 * Whether a report is worth sending: an audit that did not cover all it was asked (partial or failed) always
 * speaks, naming what it missed; otherwise a change-triggered audit speaks only when something is new, fires again
 * after its suppression, got fixed, went away or got suppressed, and any other audit sends its digest while
 * something fails or one of those happened.
 */
export function shouldNotify(report: AuditReport): boolean {
  if (report.outcome.status !== 'complete') return true;
  const diff = report.diff;
  // Resolved, or newly hidden by a suppression (someone muted a failing finding: who, why and until when is news).
  const resolved = diff ? diff.fixed.length + diff.gone.length + diff.newlySuppressed.length : 0;
  if (report.trigger === 'change')
    return (diff ? diff.new.length + diff.suppressionExpired.length : failing(report).length) + resolved > 0;
  return failing(report).length + resolved > 0;
}

/**
 * The audit use case: loads the last state, audits, applies suppressions (config file and broker tags; an expired
 * one fires again), works out what is new and fixed and saves it (conditionally: an overlapping audit's save is
 * read and built on, never overwritten), then notifies and records which channels it reached.
 *
 * @throws BrokerNotFoundError when a broker asked for by id does not exist (nothing is sent or saved).
 * @throws DeliveryError when a channel could not be sent to (the others are still tried; the state is saved).
 * @throws ConcurrentWriteError when other audits kept saving first (nothing was sent).
 */
export async function runAudit(deps: RunDeps, request: AuditRequest): Promise<AuditReport> {
  const now = deps.now ?? (() => new Date());
  const previous = await deps.store?.read();
  const pendingSince = new Map(
    Object.entries(previous?.value.pendingSince ?? {}).map(([arn, at]) => [arn, new Date(at)]),
  );
  const report = await auditFleet({ ...deps, pendingSince }, request);
  const at = now();

  // A suppression already expired (config file or broker tag): said, so it is removed or extended (it loads fine).
  const warnings: string[] = suppressionWarnings(deps.suppressions ?? [], at);
  const fromTags = new Map<string, Suppression[]>();
  for (const broker of report.brokers) {
    const { suppressions, problems } = tagSuppressions(broker);
    fromTags.set(broker.arn, suppressions);
    warnings.push(...problems, ...suppressionWarnings(suppressions, at));
  }
  for (const finding of report.results) {
    if (finding.status !== 'FAIL') continue;
    const all = [...(fromTags.get(finding.broker.arn) ?? []), ...(deps.suppressions ?? [])];
    const match = matchSuppression(finding, all, at);
    if (!match) continue;
    const { reason, expires, source } = match.suppression;
    if (match.active) {
      finding.suppressed = { reason, expires, source };
      finding.lifecycle = 'suppressed';
    } else {
      finding.suppressionExpired = { reason, expires, source };
      finding.lifecycle = 'suppression-expired';
    }
  }
  report.warnings.push(...warnings);

  // The state is written before anything is sent, conditionally (compareAndSwap): an audit that overlaps another
  // (two change-triggered ones, a schedule and a runbook) works its diff out again from what the other saved, so
  // neither loses the other's findings or pending changes, and a finding the other already reported is not new.
  const store = deps.store;
  let saved: AuditState | undefined;
  if (store) {
    const base = new Map(report.results.map((f) => [f.fingerprint, f.lifecycle]));
    const written = await compareAndSwap(
      store,
      (current) => {
        const { diff, next } = diffFindings(current?.value, report.results, scopeOf(report, deps), at);
        next.pendingSince = { ...next.pendingSince };
        // Pending changes: remember when they were first seen; forget brokers whose changes got applied.
        for (const broker of report.brokers) {
          if (hasPendingChanges(broker)) next.pendingSince[broker.arn] ??= at.toISOString();
          else delete next.pendingSince[broker.arn];
        }
        return { write: next, result: { diff, next } };
      },
      { what: 'the audit state', initial: previous },
    );
    const states = lifecycles(written.diff);
    for (const finding of report.results) {
      const state = states.get(finding.fingerprint) ?? base.get(finding.fingerprint);
      if (state) finding.lifecycle = state;
      else delete finding.lifecycle;
    }
    report.diff = written.diff;
    saved = written.next;
  }

  // Channels an earlier attempt of this same invocation already sent this same outcome to (a retry of a failed
  // run). A retry that ends otherwise (it reached what the first attempt could not) is news, and is sent.
  const sentBefore = deps.invocation
    ? previous?.value.notified?.find(
        (n) => n.invocation === deps.invocation && n.status === report.outcome.status,
      )
    : undefined;
  const earlier = new Set(sentBefore?.channels ?? []);
  const problems: string[] = [];
  const failed: string[] = [];
  if (shouldNotify(report)) {
    for (const notifier of deps.notifiers ?? []) {
      if (earlier.has(notifier.channel)) {
        report.warnings.push(`${notifier.channel}: already sent by an earlier attempt of this invocation`);
        continue;
      }
      try {
        await notifier.send(report);
        report.notified.push(notifier.channel);
      } catch (error) {
        failed.push(notifier.channel);
        problems.push(`${notifier.channel}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  // Which channels this invocation reached, for its retries: a second conditional write that changes nothing else.
  if (store && saved && deps.invocation) {
    const sent = {
      invocation: deps.invocation,
      status: report.outcome.status,
      channels: [...earlier, ...report.notified],
    };
    await compareAndSwap(
      store,
      (current) => {
        const base = current?.value ?? saved;
        const others = (base.notified ?? []).filter(
          (n) => n.invocation !== sent.invocation || n.status !== sent.status,
        );
        return { write: { ...base, notified: [...others, sent].slice(-20) }, result: undefined };
      },
      { what: 'the audit state' },
    );
  }
  if (problems.length > 0)
    throw new DeliveryError(
      failed.join(', '),
      `${problems.join('; ')}: sent to [${report.notified.join(', ')}] only`,
      {
        prefix: false,
      },
    );
  return report;
}

/** What this run's diff covers: the brokers audited, the listings, the brokers gone or unreached, the checks run. */
function scopeOf(report: AuditReport, deps: RunDeps): DiffScope {
  return {
    audited: new Set(report.brokers.map((b) => b.arn)),
    ...(report.listings?.length ? { listings: report.listings } : {}),
    ...(report.goneIds ? { goneIds: new Set(report.goneIds) } : {}),
    unreached: new Map(report.errors.flatMap((e) => (e.brokerId ? [[e.brokerId, e.message] as const] : []))),
    checks: {
      run: new Set((deps.checks ?? CHECKS).map((c) => c.id)),
      catalog: new Set(CHECKS.map((c) => c.id)),
    },
  };
}
