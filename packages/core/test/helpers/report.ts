import type { AuditReport, Finding } from '../../src/audit';
import type { Engine } from '../../src/model';
import { outcomeOf } from '../../src/outcome';
import { type AuditDiff, emptyDiff } from '../../src/state';

/** Where the brokers of a test's findings live (defaults: us-east-1, ActiveMQ). */
export interface FindingPlace {
  region?: string;
  engine?: Engine;
}

/** A builder of failing HIGH findings for brokers in one region and engine; override what a test is about. */
export function findingBuilder({
  region = 'us-east-1',
  engine = 'ACTIVEMQ',
}: FindingPlace = {}): (broker: string, checkId: string, overrides?: Partial<Finding>) => Finding {
  return (broker, checkId, overrides = {}) => {
    const arn = `arn:aws:mq:${region}:123456789012:broker:${broker}:b-${broker}`;
    return {
      fingerprint: `${checkId}/${arn}`,
      checkId,
      title: `title of ${checkId}`,
      severity: 'HIGH',
      status: 'FAIL',
      message: `Broker ${broker} fails ${checkId}.`,
      remediation: `finding remediation of ${checkId}`,
      broker: {
        id: `b-${broker}`,
        name: broker,
        arn,
        region,
        accountId: '123456789012',
        engine,
      },
      ...overrides,
    };
  };
}

/**
 * A scheduled audit report of these results, counting each broker in them as audited once; its outcome (unless
 * given) is what auditFleet would say: a gap per error and per UNKNOWN result.
 */
export function makeReport(results: Finding[], overrides: Partial<AuditReport> = {}): AuditReport {
  const errors = overrides.errors ?? [];
  const brokersAudited = overrides.brokersAudited ?? new Set(results.map((r) => r.broker.id)).size;
  const outcome = outcomeOf(brokersAudited, [
    ...errors.map((e) => ({
      target: e.target,
      ...(e.brokerId ? { broker: e.brokerId } : {}),
      reason: e.message,
    })),
    ...results
      .filter((r) => r.status === 'UNKNOWN')
      .map((r) => ({
        target: `${r.broker.accountId}/${r.broker.region}`,
        broker: r.broker.name,
        check: r.checkId,
        reason: r.message,
      })),
  ]);
  return {
    outcome,
    trigger: 'schedule',
    startedAt: '2026-11-25T00:00:00.000Z',
    finishedAt: '2026-11-25T00:00:01.000Z',
    brokersAudited: new Set(results.map((r) => r.broker.id)).size,
    results,
    errors: [],
    brokers: [],
    notified: [],
    warnings: [],
    ...overrides,
  };
}

/** A diff with these lists and every other one empty. */
export function makeDiff(parts: Partial<AuditDiff>): AuditDiff {
  return { ...emptyDiff(), ...parts };
}
