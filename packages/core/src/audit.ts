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
import { DeliveryError } from './errors';
import type { Broker, Engine } from './model';
import type { BrokerInventory, Notifier } from './ports';

/** What started an audit. */
export type AuditTrigger = 'schedule' | 'change' | 'manual' | 'cli';

export interface AuditRequest {
  trigger: AuditTrigger;
  /** Audit only these brokers (ids or names); all brokers when absent. */
  brokerIds?: string[];
}

/** One check's result for one broker. */
export interface Finding {
  checkId: string;
  title: string;
  severity: Severity;
  status: CheckStatus;
  message: string;
  remediation: string;
  broker: { id: string; name: string; arn: string; region: string; engine: Engine };
}

/** A broker that could not be audited, and why (never fatal for a fleet audit). */
export interface InventoryError {
  brokerId: string;
  message: string;
}

export interface AuditReport {
  trigger: AuditTrigger;
  startedAt: string;
  finishedAt: string;
  brokersAudited: number;
  /** Every in-scope (check, broker) result, PASS and FAIL, most severe first. */
  results: Finding[];
  errors: InventoryError[];
  /** Channels that were sent the report. */
  notified: string[];
}

export interface AuditDeps {
  inventory: BrokerInventory;
  notifiers?: readonly Notifier[];
  checks?: readonly Check[];
  policy?: AuditPolicy;
  now?: () => Date;
  /** How many DescribeBroker calls run at once. */
  concurrency?: number;
}

/** The failing results of a report. */
export function failing(report: Pick<AuditReport, 'results'>): Finding[] {
  return report.results.filter((f) => f.status === 'FAIL');
}

/** Runs every applicable check against one broker: exactly one result per in-scope check. */
export function evaluateBroker(broker: Broker, checks: readonly Check[], policy: AuditPolicy): Finding[] {
  return checks
    .filter((check) => applies(check, broker))
    .map((check) => {
      const outcome = check.evaluate(broker, policy);
      return {
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
          engine: broker.engine,
        },
      };
    });
}

async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

const bySeverity = (a: Finding, b: Finding) =>
  SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
  a.broker.name.localeCompare(b.broker.name) ||
  a.checkId.localeCompare(b.checkId);

/**
 * Audits brokers: collects them all first, evaluates every check, and only then notifies — so a bad request
 * (an unknown broker id) fails before anything is sent. Notifiers are called only when something fails.
 *
 * @throws BrokerNotFoundError when a broker asked for by id does not exist.
 * @throws DeliveryError when a channel could not be sent to (the others are still tried).
 */
export async function auditFleet(deps: AuditDeps, request: AuditRequest): Promise<AuditReport> {
  const now = deps.now ?? (() => new Date());
  const checks = deps.checks ?? CHECKS;
  const policy = deps.policy ?? DEFAULT_POLICY;
  const startedAt = now().toISOString();
  const errors: InventoryError[] = [];
  const explicit = request.brokerIds !== undefined;
  const ids = request.brokerIds ?? (await deps.inventory.list()).map((b) => b.id);

  const brokers = await mapBounded(ids, deps.concurrency ?? 8, async (id) => {
    try {
      return await deps.inventory.describe(id);
    } catch (error) {
      // A broker asked for by id must exist; one that vanished during a fleet audit is reported, not fatal.
      if (explicit) throw error;
      errors.push({ brokerId: id, message: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  });
  const audited = brokers.filter((b): b is Broker => b !== undefined);
  const results = audited.flatMap((b) => evaluateBroker(b, checks, policy)).sort(bySeverity);
  const report: AuditReport = {
    trigger: request.trigger,
    startedAt,
    finishedAt: now().toISOString(),
    brokersAudited: audited.length,
    results,
    errors,
    notified: [],
  };
  if (failing(report).length > 0) {
    const problems: string[] = [];
    for (const notifier of deps.notifiers ?? []) {
      try {
        await notifier.send(report);
        report.notified.push(notifier.channel);
      } catch (error) {
        problems.push(`${notifier.channel}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (problems.length > 0)
      throw new DeliveryError(problems.join('; '), `sent to [${report.notified.join(', ')}] only`);
  }
  return report;
}
