import {
  type AuditPolicy,
  applies,
  type Check,
  type CheckStatus,
  DEFAULT_POLICY,
  SEVERITY_ORDER,
  type Severity,
} from './check';
import { CHECKS } from './checks';
import { mapBounded } from './concurrency';
import { BrokerNotFoundError } from './errors';
import type { BrokerFacts, FactKind } from './facts';
import type { Broker, Engine } from './model';
import { type CoverageGap, type JobOutcome, outcomeOf } from './outcome';
import type { BrokerInventory } from './ports';
import { collectFacts, type FactSources } from './sources';
import type { AuditDiff, Lifecycle } from './state';

/** What started an audit. */
export type AuditTrigger = 'schedule' | 'change' | 'manual' | 'cli';

export interface AuditRequest {
  trigger: AuditTrigger;
  /** Audit only these brokers (ids or names); all brokers when absent. */
  brokerIds?: string[];
  /** Audit only brokers using one of these security groups (current or pending). */
  securityGroupIds?: string[];
  /** Audit only brokers running (or about to run) one of these configurations. */
  configurationIds?: string[];
}

/** True when the broker is in the request's filters (no filter: every broker). */
function selected(request: AuditRequest, broker: Broker): boolean {
  const groups = request.securityGroupIds;
  if (
    groups &&
    !groups.some((g) => broker.securityGroups.includes(g) || broker.pending.securityGroups?.includes(g))
  )
    return false;
  const configs = request.configurationIds;
  if (
    configs &&
    !configs.some((c) => broker.configuration?.id === c || broker.pending.configuration?.id === c)
  )
    return false;
  return true;
}

/** One check's result for one broker. */
export interface Finding {
  /** Stable identity across runs: `checkId/brokerArn`. */
  fingerprint: string;
  checkId: string;
  title: string;
  severity: Severity;
  status: CheckStatus;
  message: string;
  remediation: string;
  broker: { id: string; name: string; arn: string; region: string; accountId: string; engine: Engine };
  /** A failing finding that an active suppression hides from notifications and exit codes. */
  suppressed?: { reason: string; expires: string; source: 'tag' | 'config' };
  /** A suppression that matched but has expired: the finding fires again. */
  suppressionExpired?: { reason: string; expires: string; source: 'tag' | 'config' };
  /**
   * Where a failing finding stands since the last run (new, open, suppressed, suppression-expired), when runAudit
   * knows: set from the state store's diff, or from its suppression alone when there is no store.
   */
  lifecycle?: Lifecycle;
}

/** A target that could not be listed, or a broker that could not be audited, and why (never fatal for a fleet audit). */
export interface InventoryError {
  /** `account/region` of the target. */
  target: string;
  /** The broker that could not be described; absent when the whole target could not be listed. */
  brokerId?: string;
  message: string;
}

export interface AuditReport {
  trigger: AuditTrigger;
  startedAt: string;
  finishedAt: string;
  brokersAudited: number;
  /**
   * Complete, partial or failed, with every target, broker and check not covered and why (a target not listed, a
   * broker not described, a check whose data could not be read). Drives exit codes, reports and notifications.
   */
  outcome: JobOutcome;
  /** Every in-scope (check, broker) result, PASS, FAIL and UNKNOWN, most severe first. */
  results: Finding[];
  errors: InventoryError[];
  /** The brokers audited (for suppressions by tag and for state). */
  brokers: Broker[];
  /** Each target's listing, in a fleet audit (none when brokers were asked for by id). */
  listings?: TargetListing[];
  /** Brokers asked for by a change event that no longer exist (deleted): their findings are resolved. */
  goneIds?: string[];
  /** What changed since the last run (set by runAudit when a state store is configured). */
  diff?: AuditDiff;
  /** Channels that were sent the report. */
  notified: string[];
  /** Configuration problems found on the way (e.g. a suppression tag that does not parse). */
  warnings: string[];
  /** Checks this run left out on purpose, and why (never counted as passed). */
  leftOut?: { checks: string[]; reason: string };
}

/** An account and region; an absent field stands for any. */
export interface TargetScope {
  accountId?: string;
  region?: string;
}

/** A target's listing in a fleet audit: the broker ids it listed, or why it could not list them. */
export interface TargetListing {
  target: string;
  scope?: TargetScope;
  /** The broker ids listed; absent when the listing failed. */
  ids?: string[];
  /** Why the listing failed. */
  error?: string;
}

/** One account and region to audit: its broker list and the sources of further facts. */
export interface AuditTarget {
  /** `account/region`, for reports. */
  name: string;
  /**
   * The account and region this target covers, when known (a missing field covers every value): a remembered
   * broker is judged gone only by a listing of its own account and region.
   */
  scope?: TargetScope;
  inventory: BrokerInventory;
  sources?: FactSources;
}

export interface AuditDeps {
  /** One target, or use `targets` for several accounts and regions. */
  inventory?: BrokerInventory;
  sources?: FactSources;
  targets?: readonly AuditTarget[];
  checks?: readonly Check[];
  policy?: AuditPolicy;
  now?: () => Date;
  /** How many brokers are described and collected at once, per target. */
  concurrency?: number;
  /** When mqops first saw each broker's pending changes (by broker ARN), from earlier runs. */
  pendingSince?: ReadonlyMap<string, Date>;
  /** Called after each broker is audited (for progress bars). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Checks of the catalog this run leaves out on purpose, and why (the local demo without real brokers has no
   * RabbitMQ data plane): reported with the outcome, so they are never taken for passed.
   */
  leftOut?: { checks: string[]; reason: string };
}

/** The failing results of a report that no active suppression hides. */
export function failing(report: Pick<AuditReport, 'results'>): Finding[] {
  return report.results.filter((f) => f.status === 'FAIL' && !f.suppressed);
}

/** The fact kinds a set of checks needs. */
export function neededFacts(checks: readonly Check[]): Set<FactKind> {
  return new Set(checks.flatMap((c) => c.needs ?? []));
}

/** Runs every applicable check on one broker's facts: exactly one result per in-scope check. */
export function evaluateBroker(
  facts: BrokerFacts,
  checks: readonly Check[],
  policy: AuditPolicy,
  now: Date,
  pendingSince?: Date,
): Finding[] {
  const { broker } = facts;
  return checks
    .filter((check) => applies(check, broker))
    .map((check) => {
      const gap = (check.needs ?? []).find((kind) => facts.gaps[kind] !== undefined);
      const outcome = gap
        ? {
            status: 'UNKNOWN' as const,
            message: `Broker ${broker.name} could not be checked: ${gap} unavailable (${facts.gaps[gap]}).`,
          }
        : check.evaluate(facts, { policy, now, ...(pendingSince ? { pendingSince } : {}) });
      return {
        fingerprint: `${check.id}/${broker.arn}`,
        checkId: check.id,
        title: check.title,
        severity: check.severity,
        status: outcome.status,
        message: outcome.message,
        remediation: check.remediation,
        broker: {
          id: broker.id,
          name: broker.name,
          arn: broker.arn,
          region: broker.region,
          accountId: broker.accountId,
          engine: broker.engine,
        },
      };
    });
}

/** The reason in an UNKNOWN result's message: "Broker X could not be checked: rabbit unavailable (why)." → the rest. */
export function uncheckedReason(message: string): string {
  return message.replace(/^Broker \S+ could not be checked: /, '').replace(/\.$/, '');
}

const bySeverity = (a: Finding, b: Finding) =>
  SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
  a.broker.name.localeCompare(b.broker.name) ||
  a.checkId.localeCompare(b.checkId);

function targetsOf(deps: AuditDeps): readonly AuditTarget[] {
  if (deps.targets?.length) return deps.targets;
  if (!deps.inventory) throw new Error('auditFleet needs an inventory or targets');
  return [{ name: 'default', inventory: deps.inventory, ...(deps.sources ? { sources: deps.sources } : {}) }];
}

/** One broker audited: the broker and its checks' results. */
interface AuditedBroker {
  target: string;
  broker: Broker;
  results: Finding[];
}

/**
 * Audits brokers: lists them (or takes the ids asked for), describes each and collects the facts the checks need,
 * with bounded concurrency per target, then evaluates every check. Sends nothing and stores nothing: see runAudit.
 *
 * @throws BrokerNotFoundError when a broker asked for by id does not exist.
 */
export async function auditFleet(deps: AuditDeps, request: AuditRequest): Promise<AuditReport> {
  const now = deps.now ?? (() => new Date());
  const checks = deps.checks ?? CHECKS;
  const policy = deps.policy ?? DEFAULT_POLICY;
  const kinds = neededFacts(checks);
  const startedAt = now().toISOString();
  const errors: InventoryError[] = [];
  const explicit = request.brokerIds !== undefined;
  const targets = targetsOf(deps);

  // Lists first (a target that fails to list is reported), so progress knows the total.
  const listings: TargetListing[] = [];
  const listed = await Promise.all(
    targets.map(async (target) => {
      if (request.brokerIds) return { target, ids: request.brokerIds };
      const listing: TargetListing = {
        target: target.name,
        ...(target.scope ? { scope: target.scope } : {}),
      };
      listings.push(listing);
      try {
        listing.ids = (await target.inventory.list()).map((b) => b.id);
        return { target, ids: listing.ids };
      } catch (error) {
        listing.error = error instanceof Error ? error.message : String(error);
        errors.push({ target: target.name, message: listing.error });
        return { target, ids: [] as string[] };
      }
    }),
  );
  const total = listed.reduce((n, l) => n + l.ids.length, 0);
  const gone: string[] = [];
  const notFound = new Map<string, number>();
  let done = 0;
  // One instant for every broker's checks; each broker is evaluated as soon as its facts are in, so the checks'
  // CPU time overlaps the (throttled) API calls of the brokers still being collected.
  const evaluatedAt = now();
  const perTarget = await Promise.all(
    listed.map(({ target, ids }) =>
      mapBounded(ids, deps.concurrency ?? 16, async (id): Promise<AuditedBroker | undefined> => {
        let broker: Broker;
        try {
          broker = await target.inventory.describe(id);
        } catch (error) {
          // A broker that vanished between the listing and its description in a fleet audit was deleted. One asked
          // for by id is looked for in every target: judged once all have answered (below).
          if (error instanceof BrokerNotFoundError) {
            if (explicit) notFound.set(id, (notFound.get(id) ?? 0) + 1);
            else gone.push(id);
            return undefined;
          }
          // A change-triggered audit reports what it could not read (a partial audit notifies); a broker asked for
          // by a person (CLI, manual invoke) that cannot be read stops the run with the error.
          if (explicit && request.trigger !== 'change') throw error;
          errors.push({
            target: target.name,
            brokerId: id,
            message: error instanceof Error ? error.message : String(error),
          });
          return undefined;
        } finally {
          deps.onProgress?.(++done, total);
        }
        if (!selected(request, broker)) return undefined;
        const facts = await collectFacts(broker, kinds, target.sources ?? {});
        return {
          target: target.name,
          broker,
          results: evaluateBroker(facts, checks, policy, evaluatedAt, deps.pendingSince?.get(broker.arn)),
        };
      }),
    ),
  );
  // An id asked for that no target knows: deleted, after a change event; otherwise a mistake of whoever asked.
  for (const [id, misses] of notFound) {
    if (misses < targets.length) continue;
    if (request.trigger !== 'change') throw new BrokerNotFoundError(id);
    gone.push(id);
  }
  const audited = perTarget.flat().filter((a): a is AuditedBroker => a !== undefined);
  // An id asked for is in one target only: another target's failure to read it is no gap once one has.
  if (explicit) {
    const found = new Set(audited.flatMap((a) => [a.broker.id, a.broker.name]));
    errors.splice(0, errors.length, ...errors.filter((e) => !e.brokerId || !found.has(e.brokerId)));
  }
  // A target's own account, when its settings did not say (the caller's account): read off the brokers it listed.
  for (const listing of listings) {
    const broker = listing.scope?.accountId
      ? undefined
      : audited.find((a) => a.target === listing.target)?.broker;
    if (broker) listing.scope = { ...listing.scope, accountId: broker.accountId };
  }
  const results = audited.flatMap((a) => a.results).sort(bySeverity);
  const gaps: CoverageGap[] = [
    ...errors.map((e) => ({
      target: e.target,
      ...(e.brokerId ? { broker: e.brokerId } : {}),
      reason: e.brokerId ? `not audited: ${e.message}` : `not listed: ${e.message}`,
    })),
    ...audited.flatMap((a) =>
      a.results
        .filter((r) => r.status === 'UNKNOWN')
        .map((r) => ({
          target: a.target,
          broker: a.broker.name,
          check: r.checkId,
          reason: uncheckedReason(r.message),
        })),
    ),
  ];
  return {
    trigger: request.trigger,
    startedAt,
    finishedAt: now().toISOString(),
    brokersAudited: audited.length,
    // Failed only when nothing was reached: no broker audited, and no target that listed an empty account.
    outcome: outcomeOf(
      audited.length,
      gaps,
      false,
      audited.length > 0 || listings.some((l) => l.ids?.length === 0),
    ),
    results,
    errors,
    brokers: audited.map((a) => a.broker),
    listings,
    ...(gone.length ? { goneIds: gone } : {}),
    ...(deps.leftOut?.checks.length ? { leftOut: deps.leftOut } : {}),
    notified: [],
    warnings: [],
  };
}

export { mapBounded };
