import type { Broker, DeploymentMode, Engine } from './model';

export const Severity = {
  CRITICAL: 'CRITICAL',
  HIGH: 'HIGH',
  MEDIUM: 'MEDIUM',
  LOW: 'LOW',
  INFO: 'INFO',
} as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

/** Severities from the most to the least severe. */
export const SEVERITY_ORDER: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];

/** True when `a` is at least as severe as `b`. */
export function atLeast(a: Severity, b: Severity): boolean {
  return SEVERITY_ORDER.indexOf(a) <= SEVERITY_ORDER.indexOf(b);
}

export type CheckStatus = 'PASS' | 'FAIL';

/** What a check says about one broker: one sentence that names the broker and the reason. */
export interface CheckOutcome {
  status: CheckStatus;
  message: string;
}

/** Settings checks read, with defaults. */
export interface AuditPolicy {
  /** Tag key/value pairs that mark a broker as production (any pair matches). */
  productionTags: Record<string, string[]>;
}

export const DEFAULT_POLICY: AuditPolicy = {
  productionTags: {
    env: ['prod', 'production'],
    environment: ['prod', 'production'],
    stage: ['prod', 'production'],
  },
};

/**
 * One audit check: its identity, what it is for, the AWS API calls (and so IAM actions) it needs, where it applies
 * and which Security Hub / AWS Config controls it maps to, beside the code that evaluates it.
 */
export interface Check {
  /** Stable id, `mq-…`, the same as its folder and export. */
  id: string;
  title: string;
  severity: Severity;
  /** Why it matters. */
  rationale: string;
  /** How to fix it: console, CLI and infrastructure-as-code steps. */
  remediation: string;
  /** IAM actions of the API calls the check's data comes from (`service:Operation`). */
  requires: readonly string[];
  /** Engines and deployment modes it applies to (all when absent). */
  appliesTo?: { engines?: readonly Engine[]; modes?: readonly DeploymentMode[] };
  /** Related controls of AWS Security Hub (`MQ.2`) and AWS Config managed rules. */
  controls?: { securityHub?: string; awsConfig?: string };
  evaluate(broker: Broker, policy: AuditPolicy): CheckOutcome;
}

/** True when the check is in scope for the broker. */
export function applies(check: Check, broker: Broker): boolean {
  const { engines, modes } = check.appliesTo ?? {};
  return (!engines || engines.includes(broker.engine)) && (!modes || modes.includes(broker.deploymentMode));
}

/** True when the broker carries a tag the policy calls production (tag values compared case-insensitively). */
export function isProduction(broker: Broker, policy: AuditPolicy): boolean {
  return Object.entries(broker.tags).some(([key, value]) => {
    const wanted = policy.productionTags[key.toLowerCase()];
    return wanted?.includes(value.toLowerCase()) ?? false;
  });
}

/** Identity helper that type-checks a check definition. */
export function defineCheck(check: Check): Check {
  return check;
}
