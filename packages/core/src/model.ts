/**
 * The broker model every check and use case works on: one shape for both engines, normalised from the MQ API
 * (explicit defaults, engine names upper-case, encryption tier resolved).
 */

/** Engines, as constants with a derived union. */
export const Engine = { ACTIVEMQ: 'ACTIVEMQ', RABBITMQ: 'RABBITMQ' } as const;
export type Engine = (typeof Engine)[keyof typeof Engine];

export const DeploymentMode = {
  SINGLE_INSTANCE: 'SINGLE_INSTANCE',
  ACTIVE_STANDBY_MULTI_AZ: 'ACTIVE_STANDBY_MULTI_AZ',
  CLUSTER_MULTI_AZ: 'CLUSTER_MULTI_AZ',
} as const;
export type DeploymentMode = (typeof DeploymentMode)[keyof typeof DeploymentMode];

/** Which key encrypts the broker's data at rest. */
export type EncryptionKind = 'aws-owned' | 'aws-managed' | 'customer-managed';

export interface BrokerUserRef {
  username: string;
  /** CREATE | UPDATE | DELETE when a change waits for a reboot (ActiveMQ). */
  pendingChange?: string;
}

export interface Broker {
  id: string;
  arn: string;
  name: string;
  region: string;
  /** From the ARN. */
  accountId: string;
  state: string;
  engine: Engine;
  engineVersion: string;
  deploymentMode: DeploymentMode;
  instanceType: string;
  publiclyAccessible: boolean;
  autoMinorVersionUpgrade: boolean;
  authenticationStrategy: 'SIMPLE' | 'LDAP';
  encryption: { kind: EncryptionKind; kmsKeyId?: string };
  logs: { general: boolean; audit?: boolean };
  maintenanceWindow?: { dayOfWeek: string; timeOfDay: string; timeZone: string };
  securityGroups: string[];
  subnetIds: string[];
  storageType?: string;
  tags: Record<string, string>;
  users: BrokerUserRef[];
  /** The configuration the broker runs (ActiveMQ always has one). */
  configuration?: { id: string; revision: number };
  /** One per broker instance (two for active/standby): console URL, wire endpoints, private IP. */
  instances: { consoleUrl?: string; endpoints: string[]; ipAddress?: string }[];
  /** ActionsRequired codes when the state is CRITICAL_ACTION_REQUIRED. */
  actionsRequired: string[];
  created?: Date;
  /** Changes that wait for a reboot or the maintenance window. */
  pending: {
    engineVersion?: string;
    instanceType?: string;
    securityGroups?: string[];
    authenticationStrategy?: string;
    /** A configuration revision other than the current one. */
    configuration?: { id: string; revision: number };
    logs?: { general?: boolean; audit?: boolean };
  };
}

/** True when a change waits for a reboot or the maintenance window. */
export function hasPendingChanges(broker: Broker): boolean {
  return Object.keys(broker.pending).length > 0 || broker.users.some((u) => u.pendingChange !== undefined);
}

/** Upper-cases an engine name: the API answers "ActiveMQ" as well as "ACTIVEMQ". */
export function toEngine(value: string | undefined): Engine | undefined {
  const upper = (value ?? '').toUpperCase();
  return upper === Engine.ACTIVEMQ || upper === Engine.RABBITMQ ? upper : undefined;
}

/** The account id in an ARN (`arn:aws:mq:region:account:…`), or '' when it has none. */
export function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}
