import { type BrokerFacts, FACT_ACTIONS, type FactKind } from './facts';
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

/** PASS or FAIL from the check; UNKNOWN when a fact it needs could not be collected (it is not run then). */
export type CheckStatus = 'PASS' | 'FAIL' | 'UNKNOWN';

/** What a check says about one broker: one sentence that names the broker and the reason. */
export interface CheckOutcome {
  status: 'PASS' | 'FAIL';
  message: string;
}

/** Settings checks read. Every field has a default in {@link DEFAULT_POLICY}; a policy file overrides them. */
export interface AuditPolicy {
  /** Tag keys (lower case) and values (lower case) that mark a broker as production. */
  productionTags: Record<string, string[]>;
  /** Tag keys every broker must carry. */
  requiredTags: string[];
  /** A credential older than this (days since its last rotation or change) fails. */
  maxCredentialAgeDays: number;
  /** More ActiveMQ users with admin rights (console access or an admin group) than this fails. */
  maxAdminUsers: number;
  /** ActiveMQ groups that carry admin rights. */
  adminGroups: string[];
  /** RabbitMQ users allowed the `administrator` tag (the provisioning admin is always allowed). */
  rabbitAdmins: string[];
  /** Pending changes older than this (days, as first seen by mqops) fail. */
  pendingChangeMaxDays: number;
  /** An engine version whose end of support is nearer than this (days) fails the early-warning check. */
  endOfSupportWarningDays: number;
  /** A queue holding more messages than this fails the backlog check. */
  queueBacklogMessages: number;
  /** Memory or disk use at or above this fraction of the alarm limit fails. */
  resourceAlarmRatio: number;
}

export const DEFAULT_POLICY: AuditPolicy = {
  productionTags: {
    env: ['prod', 'production'],
    environment: ['prod', 'production'],
    stage: ['prod', 'production'],
  },
  requiredTags: ['env', 'team'],
  maxCredentialAgeDays: 90,
  maxAdminUsers: 2,
  adminGroups: ['admin', 'admins', 'administrators'],
  rabbitAdmins: [],
  pendingChangeMaxDays: 14,
  endOfSupportWarningDays: 90,
  queueBacklogMessages: 100_000,
  resourceAlarmRatio: 0.8,
};

/** What a check gets besides the facts. */
export interface CheckContext {
  policy: AuditPolicy;
  /** The audit's clock: checks never read the wall clock themselves. */
  now: Date;
  /** When mqops first saw the broker's current pending changes (from the previous runs' state). */
  pendingSince?: Date;
}

/**
 * One audit check: its identity, what it is for, the AWS API calls (and so IAM actions) its data comes from, the
 * facts it needs, where it applies and which Security Hub / AWS Config controls it maps to, beside the code that
 * evaluates it.
 */
export interface Check {
  /** Stable id, `mq-…`, the same as its folder. */
  id: string;
  title: string;
  severity: Severity;
  /** Why it matters. */
  rationale: string;
  /** How to fix it: console, CLI and infrastructure-as-code steps. */
  remediation: string;
  /** Facts beyond DescribeBroker the check reads; the IAM actions it needs follow from them (`requiredActions`). */
  needs?: readonly FactKind[];
  /** Engines and deployment modes it applies to (all when absent). */
  appliesTo?: { engines?: readonly Engine[]; modes?: readonly DeploymentMode[] };
  /** Related controls of AWS Security Hub (`MQ.2`) and AWS Config managed rules. */
  controls?: { securityHub?: string; awsConfig?: string };
  evaluate(facts: BrokerFacts, context: CheckContext): CheckOutcome;
}

/** True when the check is in scope for the broker. */
export function applies(check: Check, broker: Broker): boolean {
  const { engines, modes } = check.appliesTo ?? {};
  return (!engines || engines.includes(broker.engine)) && (!modes || modes.includes(broker.deploymentMode));
}

/** True when the broker carries a tag the policy calls production (tag keys and values compared case-insensitively). */
export function isProduction(broker: Broker, policy: AuditPolicy): boolean {
  return Object.entries(broker.tags).some(([key, value]) => {
    const wanted = policy.productionTags[key.toLowerCase()];
    return wanted?.includes(value.toLowerCase()) ?? false;
  });
}

/**
 * The IAM actions of the API calls a check's data comes from (`service:Operation`): DescribeBroker, and those of the
 * facts it needs (`FACT_ACTIONS`). The catalog (`mqops checks --output json`) lists them; infra tests check that the
 * Audit function is granted every one.
 */
export function requiredActions(check: Pick<Check, 'needs'>): string[] {
  return [...new Set(['mq:DescribeBroker', ...(check.needs ?? []).flatMap((kind) => FACT_ACTIONS[kind])])];
}

/** Identity helper that type-checks a check definition. */
export function defineCheck(check: Check): Check {
  return check;
}

/** Shorthands for outcomes. */
export const pass = (message: string): CheckOutcome => ({ status: 'PASS', message });
export const fail = (message: string): CheckOutcome => ({ status: 'FAIL', message });
