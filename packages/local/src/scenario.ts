import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioAlarm, ScenarioMetricSpec } from './services/cloudwatch';
import type { ScenarioSecurityGroup, ScenarioSubnet } from './services/ec2';
import type { ScenarioSecret } from './services/secretsmanager';
import type { ScenarioTopic } from './services/sns';
import type { ScenarioQueue } from './services/sqs';

/**
 * A scenario is a whole small AWS world: brokers (in the shape of the MQ API, PascalCase as the SDK shows it),
 * configurations, security groups, secrets, metrics and alarms. The local cloud loads it at start.
 */
export interface Scenario {
  /** 12-digit account id; default 123456789012. */
  accountId?: string;
  /** Default region; default us-east-1. */
  region?: string;
  /** Where the clock starts (ISO 8601); default: the wall clock. */
  now?: string;
  brokers?: ScenarioBroker[];
  configurations?: ScenarioConfiguration[];
  securityGroups?: ScenarioSecurityGroup[];
  /** Subnets (those only named in a broker's SubnetIds are made up, one Availability Zone each). */
  subnets?: ScenarioSubnet[];
  secrets?: ScenarioSecret[];
  alarms?: ScenarioAlarm[];
  topics?: ScenarioTopic[];
  /** SQS queues made at start (CreateQueue's input: `{ QueueName, Attributes?, Tags? }`). */
  queues?: ScenarioQueue[];
}

export type EngineTypeName = 'ACTIVEMQ' | 'RABBITMQ';
export type DeploymentModeName = 'SINGLE_INSTANCE' | 'ACTIVE_STANDBY_MULTI_AZ' | 'CLUSTER_MULTI_AZ';

export interface ScenarioUser {
  Username: string;
  Password: string;
  ConsoleAccess?: boolean;
  Groups?: string[];
  ReplicationUser?: boolean;
}

export interface ScenarioLdap {
  Hosts: string[];
  RoleBase: string;
  RoleSearchMatching: string;
  ServiceAccountUsername: string;
  UserBase: string;
  UserSearchMatching: string;
  RoleName?: string;
  RoleSearchSubtree?: boolean;
  UserRoleName?: string;
  UserSearchSubtree?: boolean;
}

/** A broker as a scenario declares it. Anything left out gets Amazon MQ's default. */
export interface ScenarioBroker {
  BrokerName: string;
  /** Default: derived from the name, stable across runs (b-xxxxxxxx-xxxx-…). */
  BrokerId?: string;
  EngineType: EngineTypeName;
  EngineVersion: string;
  DeploymentMode: DeploymentModeName;
  HostInstanceType: string;
  PubliclyAccessible?: boolean;
  AutoMinorVersionUpgrade?: boolean;
  AuthenticationStrategy?: 'SIMPLE' | 'LDAP';
  LdapServerMetadata?: ScenarioLdap;
  EncryptionOptions?: { UseAwsOwnedKey: boolean; KmsKeyId?: string };
  Logs?: { General?: boolean; Audit?: boolean };
  MaintenanceWindowStartTime?: { DayOfWeek: string; TimeOfDay: string; TimeZone?: string };
  SecurityGroups?: string[];
  SubnetIds?: string[];
  StorageType?: 'EBS' | 'EFS';
  Tags?: Record<string, string>;
  Users?: ScenarioUser[];
  /** Configuration id (from `configurations`) and revision the broker runs. */
  Configuration?: { Id: string; Revision: number };
  BrokerState?: string;
  ActionsRequired?: { ActionRequiredCode: string; ActionRequiredInfo: string }[];
  Created?: string;
  /** Changes already waiting for a reboot when the scenario starts. */
  Pending?: {
    HostInstanceType?: string;
    EngineVersion?: string;
    SecurityGroups?: string[];
    AuthenticationStrategy?: 'SIMPLE' | 'LDAP';
  };
  /** CloudWatch metric series for this broker, by metric name. */
  Metrics?: Record<string, ScenarioMetricSpec>;
  /** `real` (default when a real broker of this engine is attached) maps the broker onto it; `none` never does. */
  Backing?: 'real' | 'none';
  /**
   * RabbitMQ only, with a real RabbitMQ attached: the broker's data plane, created in its vhost when the broker is
   * (users with tags and passwords, permissions, exchanges, queues with arguments and messages to publish,
   * bindings, policies, emulated node figures). See `brokers/rabbit-view.ts`.
   */
  RabbitDefinitions?: import('./brokers/rabbit-view').RabbitDefinitions;
}

export interface ScenarioConfiguration {
  Id?: string;
  Name: string;
  EngineType: EngineTypeName;
  EngineVersion: string;
  AuthenticationStrategy?: 'SIMPLE' | 'LDAP';
  Description?: string;
  Tags?: Record<string, string>;
  /** Revisions in order (1, 2, …): the configuration text (ActiveMQ XML, RabbitMQ cuttlefish), not base64. */
  Revisions: { Data: string; Description?: string; Created?: string }[];
}

const here = dirname(fileURLToPath(import.meta.url));

/** The folder of scenarios this package ships. */
export const scenariosDir = resolve(here, '..', 'scenarios');

/** Name of the scenario that is the embedded default (the demo fleet). */
export const DEFAULT_SCENARIO = 'demo';

/** The file of a scenario: a shipped one by name (`demo`), or a JSON file by path (relative to the working directory). */
export function scenarioFile(nameOrPath: string): string {
  return nameOrPath.endsWith('.json') || nameOrPath.includes('/')
    ? isAbsolute(nameOrPath)
      ? nameOrPath
      : resolve(process.cwd(), nameOrPath)
    : join(scenariosDir, `${nameOrPath}.json`);
}

/**
 * Loads a scenario: a shipped one by name (`demo`), or a JSON file by path.
 * @throws Error naming the file when it cannot be read or parsed.
 */
export function loadScenario(nameOrPath: string = DEFAULT_SCENARIO): Scenario {
  const file = scenarioFile(nameOrPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new Error(`cannot read scenario ${file}`, { cause });
  }
  try {
    return JSON.parse(text) as Scenario;
  } catch (cause) {
    throw new Error(`scenario ${file} is not valid JSON`, { cause });
  }
}
