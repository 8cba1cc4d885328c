import type { PlanDeps } from '../capacity/plan';
import type { AlarmStates, BrokerControl, ConnectionProbe } from '../capacity/ports';
import type { BrokerInventory } from '../ports';

/** The audit, as audit-now runs it (the same use case as the Audit function). */
export interface AuditPort {
  /** Audits these brokers (ids or names), or all; reports through the configured notifiers. */
  run(brokers?: readonly string[]): Promise<{
    brokersAudited: number;
    findings: number;
    new?: number;
    fixed?: number;
    notified: string[];
    errors: number;
  }>;
}

/** A rotated secret, as rotate-now sees it (never its value). */
export interface RotationStatus {
  arn: string;
  name: string;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  lastRotated?: string;
  nextRotation?: string;
  /** A version labelled AWSPENDING exists: a rotation started and did not finish. */
  rotating: boolean;
}

/** Secrets Manager, as rotate-now uses it. */
export interface RotationPort {
  /** @throws when there is no such secret. */
  status(secretId: string): Promise<RotationStatus>;
  /** RotateSecret with RotateImmediately: Secrets Manager invokes the rotation function. */
  rotateNow(secretId: string): Promise<{ versionId?: string }>;
}

/**
 * Everything runbooks may call; each runbook uses a few. A runbook whose port the deployment did not provide fails
 * with a clear error (nothing is changed).
 */
export interface RunbookPorts {
  inventory?: BrokerInventory;
  audit?: AuditPort;
  rotation?: RotationPort;
  /** The capacity plans' ports (resize-now). */
  plans?: PlanDeps;
  control?: BrokerControl;
  alarms?: AlarmStates;
  probe?: ConnectionProbe;
}
