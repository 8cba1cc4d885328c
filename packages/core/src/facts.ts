import type { Broker } from './model';

/**
 * Everything the checks know about one broker: the broker itself, plus the facts some checks need from other APIs
 * (EC2, the broker's configuration, its users, Secrets Manager, the RabbitMQ management API). Facts are collected
 * once per broker, only those the selected checks need; a fact that could not be collected is a gap with a reason,
 * and checks that need it report UNKNOWN instead of guessing.
 */

/** The kinds of facts beyond DescribeBroker, as constants with a derived union. */
export const FactKind = {
  securityGroups: 'securityGroups',
  subnets: 'subnets',
  configuration: 'configuration',
  activeMqUsers: 'activeMqUsers',
  credentials: 'credentials',
  rabbit: 'rabbit',
} as const;
export type FactKind = (typeof FactKind)[keyof typeof FactKind];

/**
 * The IAM actions of the API calls each kind of fact comes from (beyond `mq:DescribeBroker`, which every check
 * reads): a check's required actions follow from the facts it needs (`requiredActions`), so they cannot drift apart.
 */
export const FACT_ACTIONS: Readonly<Record<FactKind, readonly string[]>> = {
  securityGroups: ['ec2:DescribeSecurityGroups'],
  subnets: ['ec2:DescribeSubnets'],
  configuration: ['mq:DescribeConfigurationRevision'],
  activeMqUsers: ['mq:DescribeUser'],
  credentials: ['secretsmanager:ListSecrets'],
  // The audit credential is found by its tags, then read.
  rabbit: ['secretsmanager:ListSecrets', 'secretsmanager:GetSecretValue'],
};

/** One inbound rule of a security group, normalised. `protocol` is `tcp`, `udp`, `icmp` or `-1` (all). */
export interface IngressRule {
  protocol: string;
  /** Absent for protocol -1 (all ports). */
  fromPort?: number;
  toPort?: number;
  ipv4: string[];
  ipv6: string[];
  /** Referenced security group ids. */
  groups: string[];
  prefixLists: string[];
}

export interface SecurityGroupFacts {
  id: string;
  name?: string;
  vpcId?: string;
  ingress: IngressRule[];
}

export interface SubnetFacts {
  id: string;
  availabilityZone: string;
  vpcId?: string;
}

/** The configuration revision the broker runs (ActiveMQ XML or RabbitMQ cuttlefish), decoded from base64. */
export interface ConfigurationFacts {
  id: string;
  revision: number;
  data: string;
}

/** An ActiveMQ user as DescribeUser shows it. */
export interface ActiveMqUserFacts {
  username: string;
  consoleAccess: boolean;
  groups: string[];
  replicationUser: boolean;
  pendingChange?: string;
}

/**
 * A Secrets Manager secret that holds a credential of this broker (tagged `mqops:broker` = the broker id or name;
 * `mqops:username` names the user, `mqops:role` = `audit` marks the read-only credential mqops uses itself).
 * Never the secret value.
 */
export interface CredentialFacts {
  secretArn: string;
  name: string;
  username?: string;
  role?: string;
  rotationEnabled: boolean;
  /** From the rotation rules, when rotation is on. */
  rotationDays?: number;
  lastRotated?: Date;
  lastChanged?: Date;
  created?: Date;
}

export interface RabbitUserFacts {
  name: string;
  tags: string[];
}

export interface RabbitPermissionFacts {
  user: string;
  vhost: string;
  configure: string;
  write: string;
  read: string;
}

export interface RabbitPolicyFacts {
  vhost: string;
  name: string;
  pattern: string;
  applyTo: string;
  priority: number;
  definition: Record<string, unknown>;
}

export interface RabbitQueueFacts {
  vhost: string;
  name: string;
  /** classic, quorum or stream. */
  type: string;
  durable: boolean;
  messages: number;
  messagesReady: number;
  arguments: Record<string, unknown>;
  /** Name of the policy that applies, if any. */
  policy?: string;
  /** The definition of the applying policy (and operator policy), merged, as the management API reports it. */
  effectivePolicy: Record<string, unknown>;
}

export interface RabbitNodeFacts {
  name: string;
  memUsed: number;
  memLimit: number;
  memAlarm: boolean;
  diskFree: number;
  diskFreeLimit: number;
  diskFreeAlarm: boolean;
}

export interface RabbitListenerFacts {
  protocol: string;
  port: number;
  /** Node the listener is on. */
  node: string;
}

/** What the RabbitMQ management API says about the broker (read with the audit credential). */
export interface RabbitFacts {
  version: string;
  users: RabbitUserFacts[];
  vhosts: string[];
  permissions: RabbitPermissionFacts[];
  policies: RabbitPolicyFacts[];
  queues: RabbitQueueFacts[];
  nodes: RabbitNodeFacts[];
  listeners: RabbitListenerFacts[];
}

export interface BrokerFacts {
  broker: Broker;
  securityGroups?: SecurityGroupFacts[];
  subnets?: SubnetFacts[];
  configuration?: ConfigurationFacts;
  activeMqUsers?: ActiveMqUserFacts[];
  credentials?: CredentialFacts[];
  rabbit?: RabbitFacts;
  /** Facts that could not be collected, and why. */
  gaps: Partial<Record<FactKind, string>>;
}
