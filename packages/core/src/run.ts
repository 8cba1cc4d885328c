import { type AuditDeps, type AuditReport, type AuditRequest, auditFleet, failing } from './audit';
import { CHECKS } from './checks';
import { DeliveryError } from './errors';
import { hasPendingChanges } from './model';
import type { Notifier } from './ports';
import { type AuditState, diffFindings, lifecycles, type StateStore } from './state';
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
 * one fires again), works out what is new and fixed, notifies, then saves the state.
 *
 * @throws BrokerNotFoundError when a broker asked for by id does not exist (nothing is sent or saved).
 * @throws DeliveryError when a channel could not be sent to (the others are still tried; the state is saved).
 */
export async function runAudit(deps: RunDeps, request: AuditRequest): Promise<AuditReport> {
  const now = deps.now ?? (() => new Date());
  const previous = await deps.store?.load();
  const pendingSince = new Map(
    Object.entries(previous?.pendingSince ?? {}).map(([arn, at]) => [arn, new Date(at)]),
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

  let saved: (() => Promise<void>) | undefined;
  let nextState: AuditState | undefined;
  if (deps.store) {
    const { diff, next } = diffFindings(
      previous,
      report.results,
      {
        audited: new Set(report.brokers.map((b) => b.arn)),
        ...(report.listings?.length ? { listings: report.listings } : {}),
        ...(report.goneIds ? { goneIds: new Set(report.goneIds) } : {}),
        unreached: new Map(
          report.errors.flatMap((e) => (e.brokerId ? [[e.brokerId, e.message] as const] : [])),
        ),
        checks: {
          run: new Set((deps.checks ?? CHECKS).map((c) => c.id)),
          catalog: new Set(CHECKS.map((c) => c.id)),
        },
      },
      at,
    );
    const states = lifecycles(diff);
    for (const finding of report.results) {
      const state = states.get(finding.fingerprint);
      if (state) finding.lifecycle = state;
    }
    // Pending changes: remember when they were first seen; forget brokers whose changes got applied.
    for (const broker of report.brokers) {
      if (hasPendingChanges(broker)) next.pendingSince[broker.arn] ??= at.toISOString();
      else delete next.pendingSince[broker.arn];
    }
    report.diff = diff;
    const store = deps.store;
    saved = () => store.save(next);
    nextState = next;
  }

  // Channels an earlier attempt of this same invocation already sent this same outcome to (a retry of a failed
  // run). A retry that ends otherwise (it reached what the first attempt could not) is news, and is sent.
  const sentBefore = deps.invocation
    ? previous?.notified?.find((n) => n.invocation === deps.invocation && n.status === report.outcome.status)
    : undefined;
  const earlier = new Set(sentBefore?.channels ?? []);
  const problems: string[] = [];
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
        problems.push(`${notifier.channel}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  if (nextState && deps.invocation) {
    const others = (nextState.notified ?? []).filter(
      (n) => n.invocation !== deps.invocation || n.status !== report.outcome.status,
    );
    const sent = {
      invocation: deps.invocation,
      status: report.outcome.status,
      channels: [...earlier, ...report.notified],
    };
    nextState.notified = [...others, sent].slice(-20);
  }
  await saved?.();
  if (problems.length > 0)
    throw new DeliveryError(problems.join('; '), `sent to [${report.notified.join(', ')}] only`);
  return report;
}
