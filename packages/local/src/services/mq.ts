import { createHash, randomUUID } from 'node:crypto';
import { fromWire, restJson, restJsonError, ServiceError } from '../protocols/rest-json';
import type {
  DeploymentModeName,
  EngineTypeName,
  Scenario,
  ScenarioBroker,
  ScenarioConfiguration,
  ScenarioLdap,
} from '../scenario';
import type { BrokerBacking, LocalRequest, LocalResponse, ServiceContext, ServiceEmulator } from '../types';
import type { WorldOptions } from '../world';
import { maintenanceWindowStartsBetween } from './maintenance-window';
import { MQ_CATALOG, supportedEngineVersions } from './mq-catalog';

/** The group a broker gets when none is given: the VPC's `default` group (EC2 knows it). */
export const DEFAULT_SECURITY_GROUP = 'sg-0d0d0d0d0d0d0d0d0';

/** Seconds of (clock) time a reboot takes, and a creation or deletion. */
export const MQ_TIMINGS = { rebootSeconds: 10, createSeconds: 30, deleteSeconds: 30 } as const;

type Json = Record<string, unknown>;

interface UserData {
  Username: string;
  Password: string;
  ConsoleAccess: boolean;
  Groups: string[];
  ReplicationUser: boolean;
}

interface UserEntry {
  /** The user as the running broker has it (undefined: not created yet). */
  active?: UserData;
  /** A change waiting for the next reboot or maintenance window. */
  pending?: { change: 'CREATE' | 'UPDATE' | 'DELETE'; data: UserData };
}

interface PendingBrokerChanges {
  AuthenticationStrategy?: string;
  EngineVersion?: string;
  HostInstanceType?: string;
  LdapServerMetadata?: ScenarioLdap;
  SecurityGroups?: string[];
  Logs?: { General?: boolean; Audit?: boolean };
  Configuration?: { Id: string; Revision: number };
  DataReplicationMode?: string;
}

/** One emulated broker. */
export interface MqBroker {
  BrokerId: string;
  BrokerArn: string;
  BrokerName: string;
  BrokerState: string;
  EngineType: EngineTypeName;
  EngineVersion: string;
  DeploymentMode: DeploymentModeName;
  HostInstanceType: string;
  PubliclyAccessible: boolean;
  AutoMinorVersionUpgrade: boolean;
  AuthenticationStrategy: string;
  LdapServerMetadata?: ScenarioLdap;
  EncryptionOptions: { UseAwsOwnedKey: boolean; KmsKeyId?: string };
  Logs: { General: boolean; Audit?: boolean };
  MaintenanceWindowStartTime: { DayOfWeek: string; TimeOfDay: string; TimeZone: string };
  SecurityGroups: string[];
  SubnetIds: string[];
  StorageType: string;
  Tags: Record<string, string>;
  Configuration?: { Id: string; Revision: number };
  ConfigurationHistory: { Id: string; Revision: number }[];
  ActionsRequired: { ActionRequiredCode: string; ActionRequiredInfo: string }[];
  DataReplicationMode: string;
  Created: string;
  users: Map<string, UserEntry>;
  pending: PendingBrokerChanges;
  /** Clock time (ms) when a reboot, creation or deletion in progress completes. */
  transitionEndsMs?: number;
  backing: 'real' | 'none';
  rabbitDefinitions?: ScenarioBroker['RabbitDefinitions'];
}

export interface ConfigurationRecord {
  Id: string;
  Arn: string;
  Name: string;
  EngineType: EngineTypeName;
  EngineVersion: string;
  AuthenticationStrategy: string;
  Description?: string;
  Created: string;
  Tags: Record<string, string>;
  Revisions: { Revision: number; Data: string; Description?: string; Created: string }[];
}

/** The Amazon MQ state that persists (see {@link MqState.snapshot}). */
export interface MqSnapshot {
  brokers: MqBroker[];
  configurations: ConfigurationRecord[];
  creatorRequests: [string, string][];
  lastSettledMs: number;
}

/** A stable broker-style id from a seed: `b-` + a UUID-shaped hash. */
function stableId(prefix: string, seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${prefix}-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const notFound = (what: string, id: string, attribute: string) =>
  new ServiceError(
    404,
    'NotFoundException',
    `Can't find requested ${what} [${id}]. Make sure it exists.`,
    attribute,
  );
const badRequest = (message: string, attribute?: string) =>
  new ServiceError(400, 'BadRequestException', message, attribute);
const conflict = (message: string, attribute?: string) =>
  new ServiceError(409, 'ConflictException', message, attribute);

const ENGINE = (value: unknown): EngineTypeName | undefined => {
  const v = String(value ?? '').toUpperCase();
  return v === 'ACTIVEMQ' || v === 'RABBITMQ' ? v : undefined;
};

/** Amazon MQ's password rule for ActiveMQ users. */
export function passwordProblem(password: unknown): string | undefined {
  if (typeof password !== 'string') return 'password is required';
  if (password.length < 12) return 'password must be at least 12 characters long';
  if (new Set(password).size < 4) return 'password must contain at least 4 unique characters';
  if (/[,:=]/.test(password)) return 'password must not contain commas, colons, or equal signs';
  return undefined;
}

function defaultConfigurationData(engine: EngineTypeName): string {
  return engine === 'ACTIVEMQ'
    ? '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<broker xmlns="http://activemq.apache.org/schema/core">\n  <plugins/>\n</broker>\n'
    : '# Default RabbitMQ delivery acknowledgement timeout is 30 minutes in milliseconds\nconsumer_timeout = 1800000\n';
}

/** The Amazon MQ part of the local cloud's state. */
export class MqState {
  readonly brokers = new Map<string, MqBroker>();
  readonly configurations = new Map<string, ConfigurationRecord>();
  private readonly options: WorldOptions;
  private readonly creatorRequests = new Map<string, string>();
  private readonly createListeners: ((broker: MqBroker, declared: ScenarioBroker) => void)[] = [];
  private lastSettledMs: number;

  constructor(scenario: Scenario, options: WorldOptions) {
    this.options = options;
    this.lastSettledMs = options.clock.now().getTime();
    for (const c of scenario.configurations ?? []) this.loadConfiguration(c);
    for (const b of scenario.brokers ?? []) this.loadBroker(b);
  }

  private now(): Date {
    return this.options.clock.now();
  }

  private backingFor(broker: MqBroker): BrokerBacking | undefined {
    return broker.backing === 'real' ? this.options.backings?.[broker.EngineType] : undefined;
  }

  /** Calls `listener` for every broker made through CreateBroker (other services learn of it this way). */
  onCreate(listener: (broker: MqBroker, declared: ScenarioBroker) => void): void {
    this.createListeners.push(listener);
  }

  /** Applies every scenario broker's live users to the real brokers attached (called once at start). */
  async attachBackings(): Promise<void> {
    for (const broker of this.brokers.values()) await this.applyToBacking(broker);
  }

  /** Nothing runs in the background (transitions settle on the next request); kept for symmetry. */
  stop(): void {}

  /** What outlives the process (../persistence.ts): every broker and configuration, and where settling stood. */
  snapshot(): MqSnapshot {
    return {
      brokers: [...this.brokers.values()],
      configurations: [...this.configurations.values()],
      creatorRequests: [...this.creatorRequests],
      lastSettledMs: this.lastSettledMs,
    };
  }

  /** Puts back what {@link snapshot} kept, in place of the scenario's brokers and configurations. */
  restore(saved: MqSnapshot): void {
    this.brokers.clear();
    for (const broker of saved.brokers) this.brokers.set(broker.BrokerId, broker);
    this.configurations.clear();
    for (const c of saved.configurations) this.configurations.set(c.Id, c);
    this.creatorRequests.clear();
    for (const [token, id] of saved.creatorRequests) this.creatorRequests.set(token, id);
    this.lastSettledMs = saved.lastSettledMs;
  }

  private async applyToBacking(broker: MqBroker): Promise<void> {
    const backing = this.backingFor(broker);
    if (!backing) return;
    await backing.apply({
      brokerId: broker.BrokerId,
      brokerName: broker.BrokerName,
      engineType: broker.EngineType,
      users: [...broker.users.values()]
        .flatMap((u) => (u.active ? [u.active] : []))
        .map((u) => ({
          username: u.Username,
          password: u.Password,
          consoleAccess: u.ConsoleAccess,
          groups: u.Groups,
        })),
      ...(broker.rabbitDefinitions ? { rabbitDefinitions: broker.rabbitDefinitions } : {}),
    });
  }

  private loadConfiguration(c: ScenarioConfiguration): ConfigurationRecord {
    const id = c.Id ?? stableId('c', `${this.options.accountId}/${c.Name}`);
    const created = c.Revisions[0]?.Created ?? this.now().toISOString();
    const record: ConfigurationRecord = {
      Id: id,
      Arn: `arn:aws:mq:${this.options.region}:${this.options.accountId}:configuration:${id}`,
      Name: c.Name,
      EngineType: c.EngineType,
      EngineVersion: c.EngineVersion,
      AuthenticationStrategy: c.AuthenticationStrategy ?? 'SIMPLE',
      Description: c.Description,
      Created: created,
      Tags: { ...c.Tags },
      Revisions: (c.Revisions.length ? c.Revisions : [{ Data: defaultConfigurationData(c.EngineType) }]).map(
        (r, i) => ({
          Revision: i + 1,
          Data: Buffer.from(r.Data, 'utf8').toString('base64'),
          Description: r.Description ?? (i === 0 ? 'Auto-generated default for configuration' : undefined),
          Created: r.Created ?? created,
        }),
      ),
    };
    this.configurations.set(id, record);
    return record;
  }

  private loadBroker(b: ScenarioBroker): MqBroker {
    const engine = ENGINE(b.EngineType);
    if (!engine)
      throw new Error(`scenario broker ${b.BrokerName}: unknown EngineType ${String(b.EngineType)}`);
    const id =
      b.BrokerId ?? stableId('b', `${this.options.accountId}/${this.options.region}/${b.BrokerName}`);
    const subnetCount =
      b.DeploymentMode === 'SINGLE_INSTANCE' ? 1 : b.DeploymentMode === 'CLUSTER_MULTI_AZ' ? 3 : 2;
    const users = new Map<string, UserEntry>();
    for (const u of b.Users ?? []) {
      users.set(u.Username, {
        active: {
          Username: u.Username,
          Password: u.Password,
          ConsoleAccess: u.ConsoleAccess ?? false,
          Groups: u.Groups ?? [],
          ReplicationUser: u.ReplicationUser ?? false,
        },
      });
    }
    const broker: MqBroker = {
      BrokerId: id,
      BrokerArn: `arn:aws:mq:${this.options.region}:${this.options.accountId}:broker:${b.BrokerName}:${id}`,
      BrokerName: b.BrokerName,
      BrokerState: b.BrokerState ?? 'RUNNING',
      EngineType: engine,
      EngineVersion: b.EngineVersion,
      DeploymentMode: b.DeploymentMode,
      HostInstanceType: b.HostInstanceType,
      PubliclyAccessible: b.PubliclyAccessible ?? false,
      AutoMinorVersionUpgrade: b.AutoMinorVersionUpgrade ?? true,
      AuthenticationStrategy: b.AuthenticationStrategy ?? 'SIMPLE',
      LdapServerMetadata: b.LdapServerMetadata,
      EncryptionOptions: b.EncryptionOptions ?? { UseAwsOwnedKey: true },
      Logs: {
        General: b.Logs?.General ?? false,
        ...(engine === 'ACTIVEMQ' ? { Audit: b.Logs?.Audit ?? false } : {}),
      },
      MaintenanceWindowStartTime: {
        DayOfWeek: b.MaintenanceWindowStartTime?.DayOfWeek ?? 'SUNDAY',
        TimeOfDay: b.MaintenanceWindowStartTime?.TimeOfDay ?? '03:00',
        TimeZone: b.MaintenanceWindowStartTime?.TimeZone ?? 'UTC',
      },
      SecurityGroups: b.SecurityGroups ?? [DEFAULT_SECURITY_GROUP],
      SubnetIds:
        b.SubnetIds ??
        Array.from(
          { length: subnetCount },
          (_, i) => `subnet-0${createHash('sha1').update(id).digest('hex').slice(0, 15)}${i}`,
        ),
      StorageType: b.StorageType ?? (engine === 'ACTIVEMQ' ? 'EFS' : 'EBS'),
      Tags: { ...b.Tags },
      Configuration: b.Configuration,
      ConfigurationHistory: [],
      ActionsRequired: b.ActionsRequired ?? [],
      DataReplicationMode: 'NONE',
      Created: b.Created ?? this.now().toISOString(),
      users,
      pending: { ...b.Pending },
      backing: b.Backing ?? 'real',
      rabbitDefinitions: b.RabbitDefinitions,
    };
    if (engine === 'ACTIVEMQ' && !broker.Configuration) {
      const c = this.loadConfiguration({
        Name: `${b.BrokerName}-configuration`,
        EngineType: engine,
        EngineVersion: b.EngineVersion,
        Revisions: [],
      });
      broker.Configuration = { Id: c.Id, Revision: 1 };
    }
    this.brokers.set(id, broker);
    return broker;
  }

  /** Looks a broker up by id or name (Amazon MQ accepts both in paths). */
  broker(idOrName: string): MqBroker {
    const byId = this.brokers.get(idOrName);
    if (byId) return byId;
    for (const b of this.brokers.values()) if (b.BrokerName === idOrName) return b;
    throw notFound('broker', idOrName, 'broker-id');
  }

  configuration(id: string): ConfigurationRecord {
    const c = this.configurations.get(id);
    if (!c) throw notFound('configuration', id, 'configuration-id');
    return c;
  }

  /**
   * Moves every broker's state machine to the clock's present: finishes reboots, creations and deletions whose
   * time has come, and applies pending changes in maintenance windows that started since the last look.
   */
  async settle(): Promise<void> {
    const nowMs = this.now().getTime();
    for (const broker of [...this.brokers.values()]) {
      if (broker.transitionEndsMs !== undefined && nowMs >= broker.transitionEndsMs) {
        await this.finishTransition(broker);
      }
      if (broker.BrokerState === 'RUNNING' && this.hasWindowWork(broker)) {
        const start = maintenanceWindowStartsBetween(
          broker.MaintenanceWindowStartTime,
          new Date(this.lastSettledMs),
          new Date(nowMs),
        );
        if (start) {
          // The maintenance window reboots the broker and applies what waits for it.
          this.startReboot(broker, start.getTime());
          if (nowMs >= (broker.transitionEndsMs ?? 0)) await this.finishTransition(broker);
        }
      }
    }
    this.lastSettledMs = nowMs;
  }

  private hasWindowWork(broker: MqBroker): boolean {
    return broker.pending.EngineVersion !== undefined || [...broker.users.values()].some((u) => u.pending);
  }

  private startReboot(broker: MqBroker, fromMs: number): void {
    broker.BrokerState = 'REBOOT_IN_PROGRESS';
    broker.transitionEndsMs = fromMs + MQ_TIMINGS.rebootSeconds * 1000;
  }

  private async finishTransition(broker: MqBroker): Promise<void> {
    broker.transitionEndsMs = undefined;
    if (broker.BrokerState === 'DELETION_IN_PROGRESS') {
      this.brokers.delete(broker.BrokerId);
      await this.backingFor(broker)?.remove(broker.BrokerId, broker.BrokerName);
      return;
    }
    const creating = broker.BrokerState === 'CREATION_IN_PROGRESS';
    if (broker.BrokerState === 'REBOOT_IN_PROGRESS') this.applyPending(broker);
    broker.BrokerState = 'RUNNING';
    // RabbitMQ users live in RabbitMQ after provisioning (Amazon MQ creates only the first admin): a reboot must
    // not reset them. ActiveMQ users are the MQ API's, and a reboot makes their pending changes live.
    if (creating || broker.EngineType === 'ACTIVEMQ') await this.applyToBacking(broker);
  }

  /** What a reboot does: every pending change becomes current. */
  private applyPending(broker: MqBroker): void {
    const p = broker.pending;
    if (p.AuthenticationStrategy) broker.AuthenticationStrategy = p.AuthenticationStrategy;
    if (p.EngineVersion) broker.EngineVersion = p.EngineVersion;
    if (p.HostInstanceType) broker.HostInstanceType = p.HostInstanceType;
    if (p.LdapServerMetadata) broker.LdapServerMetadata = p.LdapServerMetadata;
    if (p.SecurityGroups) broker.SecurityGroups = p.SecurityGroups;
    if (p.Logs) broker.Logs = { ...broker.Logs, ...p.Logs };
    if (p.DataReplicationMode) broker.DataReplicationMode = p.DataReplicationMode;
    if (p.Configuration) {
      if (broker.Configuration) broker.ConfigurationHistory.push(broker.Configuration);
      broker.Configuration = p.Configuration;
    }
    broker.pending = {};
    for (const [name, entry] of broker.users) {
      if (!entry.pending) continue;
      if (entry.pending.change === 'DELETE') broker.users.delete(name);
      else broker.users.set(name, { active: entry.pending.data });
    }
  }

  // ---- operations -------------------------------------------------------------------------------------------

  listBrokers(query: URLSearchParams): Json {
    const { items, next } = page([...this.brokers.values()], query);
    return {
      BrokerSummaries: items.map((b) => ({
        BrokerArn: b.BrokerArn,
        BrokerId: b.BrokerId,
        BrokerName: b.BrokerName,
        BrokerState: b.BrokerState,
        Created: b.Created,
        DeploymentMode: b.DeploymentMode,
        EngineType: b.EngineType,
        HostInstanceType: b.HostInstanceType,
      })),
      NextToken: next,
    };
  }

  describeBroker(idOrName: string): Json {
    const b = this.broker(idOrName);
    const backing = this.backingFor(b);
    const p = b.pending;
    const instanceCount = b.DeploymentMode === 'ACTIVE_STANDBY_MULTI_AZ' ? 2 : 1;
    const instances = Array.from({ length: instanceCount }, (_, i) => {
      const host =
        b.EngineType === 'RABBITMQ'
          ? `${b.BrokerId}.mq.${this.options.region}.amazonaws.com`
          : `${b.BrokerId}-${i + 1}.mq.${this.options.region}.amazonaws.com`;
      if (backing && i === 0) {
        const real = backing.endpoints(b.BrokerName);
        return { ConsoleURL: real.consoleURL, Endpoints: real.endpoints, IpAddress: real.ipAddress };
      }
      return b.EngineType === 'RABBITMQ'
        ? { ConsoleURL: `https://${host}`, Endpoints: [`amqps://${host}:5671`] }
        : {
            ConsoleURL: `https://${host}:8162`,
            Endpoints: [
              `ssl://${host}:61617`,
              `amqp+ssl://${host}:5671`,
              `stomp+ssl://${host}:61614`,
              `mqtt+ssl://${host}:8883`,
              `wss://${host}:61619`,
            ],
            IpAddress: `10.0.${i}.${(parseInt(b.BrokerId.slice(2, 4), 16) % 200) + 10}`,
          };
    });
    const logGroup = (kind: string) => `/aws/amazonmq/broker/${b.BrokerId}/${kind}`;
    const pendingLogs = p.Logs ? { Pending: { General: p.Logs.General, Audit: p.Logs.Audit } } : {};
    return {
      ActionsRequired: b.BrokerState === 'CRITICAL_ACTION_REQUIRED' ? b.ActionsRequired : undefined,
      AuthenticationStrategy: b.AuthenticationStrategy,
      AutoMinorVersionUpgrade: b.AutoMinorVersionUpgrade,
      BrokerArn: b.BrokerArn,
      BrokerId: b.BrokerId,
      BrokerInstances: b.BrokerState === 'CREATION_IN_PROGRESS' ? [] : instances,
      BrokerName: b.BrokerName,
      BrokerState: b.BrokerState,
      Configurations: b.Configuration
        ? {
            Current: b.Configuration,
            History: b.ConfigurationHistory,
            Pending: p.Configuration ?? b.Configuration,
          }
        : undefined,
      Created: b.Created,
      DeploymentMode: b.DeploymentMode,
      EncryptionOptions: b.EncryptionOptions,
      EngineType: b.EngineType,
      EngineVersion: b.EngineVersion,
      HostInstanceType: b.HostInstanceType,
      LdapServerMetadata: b.LdapServerMetadata,
      Logs: {
        General: b.Logs.General,
        GeneralLogGroup: logGroup('general'),
        ...(b.EngineType === 'ACTIVEMQ'
          ? { Audit: b.Logs.Audit ?? false, AuditLogGroup: logGroup('audit') }
          : {}),
        ...pendingLogs,
      },
      MaintenanceWindowStartTime: b.MaintenanceWindowStartTime,
      PendingAuthenticationStrategy: p.AuthenticationStrategy,
      PendingEngineVersion: p.EngineVersion,
      PendingHostInstanceType: p.HostInstanceType,
      PendingLdapServerMetadata: p.LdapServerMetadata,
      PendingSecurityGroups: p.SecurityGroups,
      PubliclyAccessible: b.PubliclyAccessible,
      SecurityGroups: b.SecurityGroups,
      StorageType: b.StorageType,
      SubnetIds: b.SubnetIds,
      Tags: b.Tags,
      Users:
        b.EngineType === 'ACTIVEMQ'
          ? [...b.users.entries()].map(([name, u]) => ({ Username: name, PendingChange: u.pending?.change }))
          : [],
      DataReplicationMode: b.DataReplicationMode,
      PendingDataReplicationMode: p.DataReplicationMode,
    };
  }

  async createBroker(body: Json): Promise<Json> {
    const requestId = typeof body.CreatorRequestId === 'string' ? body.CreatorRequestId : undefined;
    const earlier = requestId && this.creatorRequests.get(requestId);
    if (earlier) {
      const b = this.broker(earlier);
      return { BrokerArn: b.BrokerArn, BrokerId: b.BrokerId };
    }
    for (const field of ['BrokerName', 'DeploymentMode', 'EngineType', 'HostInstanceType']) {
      if (typeof body[field] !== 'string' || body[field] === '')
        throw badRequest(`${field} is required`, field);
    }
    if (typeof body.PubliclyAccessible !== 'boolean')
      throw badRequest('PubliclyAccessible is required', 'publiclyAccessible');
    const name = String(body.BrokerName);
    if (!/^[A-Za-z0-9_-]{1,50}$/.test(name))
      throw badRequest('Broker name must be 1-50 letters, digits, hyphens or underscores', 'brokerName');
    for (const b of this.brokers.values())
      if (b.BrokerName === name) throw conflict(`Broker with name ${name} already exists`, 'brokerName');
    const engine = ENGINE(body.EngineType);
    if (!engine) throw badRequest(`Unsupported engine type ${String(body.EngineType)}`, 'engineType');
    const mode = String(body.DeploymentMode) as DeploymentModeName;
    const host = String(body.HostInstanceType);
    const storage = (body.StorageType as string | undefined) ?? (engine === 'ACTIVEMQ' ? 'EFS' : 'EBS');
    const option = MQ_CATALOG.find(
      (o) => o.engineType === engine && o.hostInstanceType === host && o.storageType === storage,
    );
    if (!option)
      throw badRequest(
        `Host instance type ${host} with ${storage} storage is not supported for ${engine}`,
        'hostInstanceType',
      );
    if (!option.supportedDeploymentModes.includes(mode))
      throw badRequest(`Deployment mode ${mode} is not supported for ${host}`, 'deploymentMode');
    const versions = supportedEngineVersions(engine, host);
    const version =
      typeof body.EngineVersion === 'string' ? body.EngineVersion : versions[versions.length - 1];
    if (!version || !versions.includes(version))
      throw badRequest(`Engine version ${String(body.EngineVersion)} is not supported`, 'engineVersion');
    const users = Array.isArray(body.Users) ? (body.Users as Json[]) : [];
    if (users.length === 0) throw badRequest('At least one user is required', 'users');
    if (engine === 'RABBITMQ' && users.length !== 1)
      throw badRequest('RabbitMQ brokers take exactly one user at creation', 'users');
    for (const u of users) {
      const problem = passwordProblem(u.Password);
      if (problem) throw badRequest(problem, 'password');
      if (engine === 'RABBITMQ' && u.Username === 'guest')
        throw badRequest('Username guest is reserved', 'username');
    }
    const mw = body.MaintenanceWindowStartTime as ScenarioBroker['MaintenanceWindowStartTime'] | undefined;
    const broker = this.loadBroker({
      BrokerName: name,
      EngineType: engine,
      EngineVersion: version,
      DeploymentMode: mode,
      HostInstanceType: host,
      PubliclyAccessible: body.PubliclyAccessible as boolean,
      AutoMinorVersionUpgrade: (body.AutoMinorVersionUpgrade as boolean | undefined) ?? true,
      AuthenticationStrategy: (body.AuthenticationStrategy as 'SIMPLE' | 'LDAP' | undefined) ?? 'SIMPLE',
      LdapServerMetadata: body.LdapServerMetadata as ScenarioLdap | undefined,
      EncryptionOptions: body.EncryptionOptions as ScenarioBroker['EncryptionOptions'],
      Logs: body.Logs as ScenarioBroker['Logs'],
      MaintenanceWindowStartTime: mw,
      SecurityGroups: body.SecurityGroups as string[] | undefined,
      SubnetIds: body.SubnetIds as string[] | undefined,
      StorageType: storage as 'EBS' | 'EFS',
      Tags: body.Tags as Record<string, string> | undefined,
      Users: users.map((u) => ({
        Username: String(u.Username),
        Password: String(u.Password),
        ConsoleAccess: u.ConsoleAccess as boolean | undefined,
        Groups: u.Groups as string[] | undefined,
        ReplicationUser: u.ReplicationUser as boolean | undefined,
      })),
      Configuration: body.Configuration as { Id: string; Revision: number } | undefined,
      BrokerState: 'CREATION_IN_PROGRESS',
      BrokerId: stableId('b', randomUUID()),
    });
    broker.transitionEndsMs = this.now().getTime() + MQ_TIMINGS.createSeconds * 1000;
    const declared: ScenarioBroker = {
      BrokerName: broker.BrokerName,
      EngineType: broker.EngineType,
      EngineVersion: broker.EngineVersion,
      DeploymentMode: broker.DeploymentMode,
      HostInstanceType: broker.HostInstanceType,
      Created: broker.Created,
      // A new, idle broker.
      Metrics:
        broker.EngineType === 'ACTIVEMQ'
          ? { CpuUtilization: 5, HeapUsage: 20, StorePercentUsage: 0, CurrentConnectionsCount: 0 }
          : {
              SystemCpuUtilization: 5,
              RabbitMQMemUsed: 150_000_000,
              RabbitMQMemLimit: 3_200_000_000,
              ConnectionCount: 0,
            },
    };
    for (const listener of this.createListeners) listener(broker, declared);
    if (requestId) this.creatorRequests.set(requestId, broker.BrokerId);
    return { BrokerArn: broker.BrokerArn, BrokerId: broker.BrokerId };
  }

  updateBroker(idOrName: string, body: Json): Json {
    const b = this.broker(idOrName);
    if (b.BrokerState !== 'RUNNING')
      throw conflict(
        `Broker ${b.BrokerId} is in state ${b.BrokerState}; it must be RUNNING to update`,
        'broker-id',
      );
    const p = b.pending;
    if (body.HostInstanceType !== undefined) {
      const host = String(body.HostInstanceType);
      const option = MQ_CATALOG.find(
        (o) =>
          o.engineType === b.EngineType && o.hostInstanceType === host && o.storageType === b.StorageType,
      );
      if (!option?.supportedDeploymentModes.includes(b.DeploymentMode))
        throw badRequest(`Host instance type ${host} is not supported for this broker`, 'hostInstanceType');
      if (host.endsWith('.micro') && !b.HostInstanceType.endsWith('.micro'))
        throw badRequest(
          `Broker can't be downgraded from ${b.HostInstanceType} to ${host}`,
          'hostInstanceType',
        );
      if (host !== b.HostInstanceType) p.HostInstanceType = host;
      else delete p.HostInstanceType;
    }
    if (body.EngineVersion !== undefined) {
      const version = String(body.EngineVersion);
      if (!supportedEngineVersions(b.EngineType, p.HostInstanceType ?? b.HostInstanceType).includes(version))
        throw badRequest(`Engine version ${version} is not supported`, 'engineVersion');
      if (version !== b.EngineVersion) p.EngineVersion = version;
    }
    if (body.AuthenticationStrategy !== undefined)
      p.AuthenticationStrategy = String(body.AuthenticationStrategy);
    if (body.LdapServerMetadata !== undefined) {
      const { ServiceAccountPassword: _secret, ...ldap } = body.LdapServerMetadata as ScenarioLdap & {
        ServiceAccountPassword?: string;
      };
      p.LdapServerMetadata = ldap;
    }
    if (body.SecurityGroups !== undefined) {
      const groups = body.SecurityGroups as string[];
      if (!Array.isArray(groups) || groups.length > 5)
        throw badRequest('A broker takes at most 5 security groups', 'securityGroups');
      p.SecurityGroups = groups;
    }
    if (body.Logs !== undefined) {
      const logs = body.Logs as { General?: boolean; Audit?: boolean };
      if (b.EngineType === 'RABBITMQ' && logs.Audit)
        throw badRequest('Audit logs are not supported for RabbitMQ', 'logs');
      p.Logs = logs;
    }
    if (body.Configuration !== undefined) {
      const ref = body.Configuration as { Id: string; Revision?: number };
      const c = this.configuration(ref.Id);
      const revision = ref.Revision ?? c.Revisions.length;
      if (!c.Revisions.some((r) => r.Revision === revision))
        throw badRequest(`Configuration revision ${revision} does not exist`, 'configuration');
      p.Configuration = { Id: c.Id, Revision: revision };
    }
    if (body.DataReplicationMode !== undefined) p.DataReplicationMode = String(body.DataReplicationMode);
    // These two apply at once.
    if (body.AutoMinorVersionUpgrade !== undefined)
      b.AutoMinorVersionUpgrade = Boolean(body.AutoMinorVersionUpgrade);
    if (body.MaintenanceWindowStartTime !== undefined) {
      const mw = body.MaintenanceWindowStartTime as {
        DayOfWeek: string;
        TimeOfDay: string;
        TimeZone?: string;
      };
      b.MaintenanceWindowStartTime = {
        DayOfWeek: mw.DayOfWeek,
        TimeOfDay: mw.TimeOfDay,
        TimeZone: mw.TimeZone ?? 'UTC',
      };
    }
    return {
      BrokerId: b.BrokerId,
      AuthenticationStrategy: p.AuthenticationStrategy ?? b.AuthenticationStrategy,
      AutoMinorVersionUpgrade: b.AutoMinorVersionUpgrade,
      Configuration: p.Configuration ?? b.Configuration,
      EngineVersion: p.EngineVersion ?? b.EngineVersion,
      HostInstanceType: p.HostInstanceType ?? b.HostInstanceType,
      LdapServerMetadata: p.LdapServerMetadata ?? b.LdapServerMetadata,
      Logs: { ...b.Logs, ...p.Logs },
      MaintenanceWindowStartTime: b.MaintenanceWindowStartTime,
      SecurityGroups: p.SecurityGroups ?? b.SecurityGroups,
      DataReplicationMode: p.DataReplicationMode ?? b.DataReplicationMode,
    };
  }

  rebootBroker(idOrName: string): Json {
    const b = this.broker(idOrName);
    if (b.BrokerState !== 'RUNNING' && b.BrokerState !== 'CRITICAL_ACTION_REQUIRED')
      throw conflict(`Broker ${b.BrokerId} is in state ${b.BrokerState} and can't be rebooted`, 'broker-id');
    this.startReboot(b, this.now().getTime());
    return {};
  }

  deleteBroker(idOrName: string): Json {
    const b = this.broker(idOrName);
    b.BrokerState = 'DELETION_IN_PROGRESS';
    b.transitionEndsMs = this.now().getTime() + MQ_TIMINGS.deleteSeconds * 1000;
    return { BrokerId: b.BrokerId };
  }

  private activeMqBroker(idOrName: string): MqBroker {
    const b = this.broker(idOrName);
    if (b.EngineType !== 'ACTIVEMQ')
      throw badRequest(
        'User management through the Amazon MQ API is only supported for ActiveMQ brokers',
        'broker-id',
      );
    return b;
  }

  createUser(idOrName: string, username: string, body: Json): Json {
    const b = this.activeMqBroker(idOrName);
    if (!/^[A-Za-z0-9_.~-]{2,100}$/.test(username))
      throw badRequest(
        'Username must be 2-100 letters, digits, dashes, periods, underscores or tildes',
        'username',
      );
    const existing = b.users.get(username);
    if (existing && existing.pending?.change !== 'DELETE')
      throw conflict(`User ${username} already exists`, 'username');
    if (b.users.size >= 250) throw badRequest('A broker takes at most 250 users', 'username');
    const problem = passwordProblem(body.Password);
    if (problem) throw badRequest(problem, 'password');
    const groups = (body.Groups as string[] | undefined) ?? [];
    if (groups.length > 20) throw badRequest('A user takes at most 20 groups', 'groups');
    const data: UserData = {
      Username: username,
      Password: String(body.Password),
      ConsoleAccess: Boolean(body.ConsoleAccess),
      Groups: groups,
      ReplicationUser: Boolean(body.ReplicationUser),
    };
    b.users.set(username, {
      active: existing?.active,
      pending: { change: existing ? 'UPDATE' : 'CREATE', data },
    });
    return {};
  }

  updateUser(idOrName: string, username: string, body: Json): Json {
    const b = this.activeMqBroker(idOrName);
    const entry = b.users.get(username);
    if (!entry || entry.pending?.change === 'DELETE') throw notFound('user', username, 'username');
    if (body.Password !== undefined) {
      const problem = passwordProblem(body.Password);
      if (problem) throw badRequest(problem, 'password');
    }
    const base = entry.pending?.data ?? entry.active;
    if (!base) throw notFound('user', username, 'username');
    const data: UserData = {
      Username: username,
      Password: body.Password !== undefined ? String(body.Password) : base.Password,
      ConsoleAccess: body.ConsoleAccess !== undefined ? Boolean(body.ConsoleAccess) : base.ConsoleAccess,
      Groups: (body.Groups as string[] | undefined) ?? base.Groups,
      ReplicationUser:
        body.ReplicationUser !== undefined ? Boolean(body.ReplicationUser) : base.ReplicationUser,
    };
    entry.pending = { change: entry.pending?.change === 'CREATE' ? 'CREATE' : 'UPDATE', data };
    return {};
  }

  deleteUser(idOrName: string, username: string): Json {
    const b = this.activeMqBroker(idOrName);
    const entry = b.users.get(username);
    if (!entry) throw notFound('user', username, 'username');
    if (!entry.active) b.users.delete(username);
    else entry.pending = { change: 'DELETE', data: entry.active };
    return {};
  }

  describeUser(idOrName: string, username: string): Json {
    const b = this.activeMqBroker(idOrName);
    const entry = b.users.get(username);
    const shown = entry?.active ?? entry?.pending?.data;
    if (!entry || !shown) throw notFound('user', username, 'username');
    return {
      BrokerId: b.BrokerId,
      Username: username,
      ConsoleAccess: shown.ConsoleAccess,
      Groups: shown.Groups,
      ReplicationUser: shown.ReplicationUser,
      Pending: entry.pending
        ? {
            PendingChange: entry.pending.change,
            ConsoleAccess: entry.pending.data.ConsoleAccess,
            Groups: entry.pending.data.Groups,
          }
        : undefined,
    };
  }

  listUsers(idOrName: string, query: URLSearchParams): Json {
    const b = this.activeMqBroker(idOrName);
    const { items, next, max } = page([...b.users.entries()], query);
    return {
      BrokerId: b.BrokerId,
      MaxResults: max,
      NextToken: next,
      Users: items.map(([name, u]) => ({ Username: name, PendingChange: u.pending?.change })),
    };
  }

  configurationSummary(c: ConfigurationRecord): Json {
    const latest = c.Revisions[c.Revisions.length - 1];
    return {
      Arn: c.Arn,
      AuthenticationStrategy: c.AuthenticationStrategy,
      Created: c.Created,
      Description: c.Description,
      EngineType: c.EngineType,
      EngineVersion: c.EngineVersion,
      Id: c.Id,
      LatestRevision: latest && {
        Created: latest.Created,
        Description: latest.Description,
        Revision: latest.Revision,
      },
      Name: c.Name,
      Tags: c.Tags,
    };
  }

  createConfiguration(body: Json): Json {
    const engine = ENGINE(body.EngineType);
    if (!engine) throw badRequest('EngineType is required', 'engineType');
    if (typeof body.Name !== 'string' || !body.Name) throw badRequest('Name is required', 'name');
    if (typeof body.EngineVersion !== 'string')
      throw badRequest('EngineVersion is required', 'engineVersion');
    const c = this.loadConfiguration({
      Id: stableId('c', randomUUID()),
      Name: body.Name,
      EngineType: engine,
      EngineVersion: body.EngineVersion,
      AuthenticationStrategy: body.AuthenticationStrategy as 'SIMPLE' | 'LDAP' | undefined,
      Tags: body.Tags as Record<string, string> | undefined,
      Revisions: [{ Data: defaultConfigurationData(engine), Created: this.now().toISOString() }],
    });
    const {
      Tags: _t,
      Description: _d,
      EngineType: _e,
      EngineVersion: _v,
      ...summary
    } = this.configurationSummary(c);
    return summary;
  }

  updateConfiguration(id: string, body: Json): Json {
    const c = this.configuration(id);
    if (typeof body.Data !== 'string') throw badRequest('Data is required', 'data');
    const text = Buffer.from(body.Data, 'base64').toString('utf8');
    if (c.EngineType === 'ACTIVEMQ' && !/<broker[\s>]/.test(text))
      throw badRequest('The configuration must be an ActiveMQ <broker> XML document', 'data');
    if (c.Revisions.length >= 300) throw badRequest('A configuration takes at most 300 revisions', 'data');
    const created = this.now().toISOString();
    const revision = {
      Revision: c.Revisions.length + 1,
      Data: body.Data,
      Description: body.Description as string | undefined,
      Created: created,
    };
    c.Revisions.push(revision);
    return {
      Arn: c.Arn,
      Created: created,
      Id: c.Id,
      LatestRevision: { Created: created, Description: revision.Description, Revision: revision.Revision },
      Name: c.Name,
      Warnings: [],
    };
  }

  listConfigurations(query: URLSearchParams): Json {
    const { items, next, max } = page([...this.configurations.values()], query);
    return {
      Configurations: items.map((c) => this.configurationSummary(c)),
      MaxResults: max,
      NextToken: next,
    };
  }

  listConfigurationRevisions(id: string, query: URLSearchParams): Json {
    const c = this.configuration(id);
    const { items, next, max } = page(c.Revisions, query);
    return {
      ConfigurationId: c.Id,
      MaxResults: max,
      NextToken: next,
      Revisions: items.map((r) => ({ Created: r.Created, Description: r.Description, Revision: r.Revision })),
    };
  }

  describeConfigurationRevision(id: string, revision: string): Json {
    const c = this.configuration(id);
    const r = c.Revisions.find((x) => String(x.Revision) === revision);
    if (!r) throw notFound('configuration revision', `${id}/${revision}`, 'configuration-revision');
    return { ConfigurationId: c.Id, Created: r.Created, Data: r.Data, Description: r.Description };
  }

  deleteConfiguration(id: string): Json {
    const c = this.configuration(id);
    for (const b of this.brokers.values())
      if (b.Configuration?.Id === id || b.pending.Configuration?.Id === id)
        throw conflict(`Configuration ${id} is in use by broker ${b.BrokerId}`, 'configuration-id');
    this.configurations.delete(c.Id);
    return { ConfigurationId: c.Id };
  }

  private taggable(arn: string): { Tags: Record<string, string> } {
    for (const b of this.brokers.values()) if (b.BrokerArn === arn) return b;
    for (const c of this.configurations.values()) if (c.Arn === arn) return c;
    throw notFound('resource', arn, 'resource-arn');
  }

  createTags(arn: string, body: Json): void {
    const target = this.taggable(arn);
    const tags = (body.Tags ?? {}) as Record<string, string>;
    if (Object.keys({ ...target.Tags, ...tags }).length > 50)
      throw badRequest('A resource takes at most 50 tags', 'tags');
    Object.assign(target.Tags, tags);
  }

  deleteTags(arn: string, keys: string[]): void {
    const target = this.taggable(arn);
    for (const k of keys) delete target.Tags[k];
  }

  listTags(arn: string): Json {
    return { Tags: this.taggable(arn).Tags };
  }

  describeBrokerInstanceOptions(query: URLSearchParams): Json {
    const engine = query.get('engineType');
    const host = query.get('hostInstanceType');
    const storage = query.get('storageType');
    const matching = MQ_CATALOG.filter(
      (o) =>
        (!engine || o.engineType === ENGINE(engine)) &&
        (!host || o.hostInstanceType === host) &&
        (!storage || o.storageType === storage),
    );
    const { items, next, max } = page(matching, query);
    const zones = ['a', 'b', 'c', 'd', 'e', 'f'].map((z) => ({ Name: `${this.options.region}${z}` }));
    return {
      BrokerInstanceOptions: items.map((o) => ({
        AvailabilityZones: zones,
        EngineType: o.engineType,
        HostInstanceType: o.hostInstanceType,
        StorageType: o.storageType,
        SupportedDeploymentModes: o.supportedDeploymentModes,
        SupportedEngineVersions: o.supportedEngineVersions,
      })),
      MaxResults: max,
      NextToken: next,
    };
  }

  describeBrokerEngineTypes(query: URLSearchParams): Json {
    const engine = ENGINE(query.get('engineType'));
    const engines = (['ACTIVEMQ', 'RABBITMQ'] as const).filter((e) => !engine || e === engine);
    return {
      BrokerEngineTypes: engines.map((e) => ({
        EngineType: e,
        EngineVersions: [
          ...new Set(MQ_CATALOG.filter((o) => o.engineType === e).flatMap((o) => o.supportedEngineVersions)),
        ]
          .sort()
          .map((Name) => ({ Name })),
      })),
      MaxResults: 100,
    };
  }
}

/** Opaque NextToken paging with Amazon MQ's MaxResults bounds (5..100, default 20… or 100 for some lists). */
function page<T>(
  all: T[],
  query: URLSearchParams,
  defaultMax = 20,
): { items: T[]; next?: string; max: number } {
  const rawMax = query.get('maxResults');
  const max = rawMax === null ? defaultMax : Number(rawMax);
  if (!Number.isInteger(max) || max < 1 || max > 100)
    throw badRequest('maxResults must be an integer between 1 and 100', 'maxResults');
  const token = query.get('nextToken');
  let start = 0;
  if (token) {
    const decoded = Number(
      Buffer.from(token, 'base64url')
        .toString('utf8')
        .replace(/^offset:/, ''),
    );
    if (!Number.isInteger(decoded) || decoded < 0 || decoded > all.length)
      throw badRequest('The nextToken is not valid', 'nextToken');
    start = decoded;
  }
  const items = all.slice(start, start + max);
  const end = start + items.length;
  return {
    items,
    max,
    next: end < all.length ? Buffer.from(`offset:${end}`).toString('base64url') : undefined,
  };
}

interface Route {
  method: string;
  pattern: RegExp;
  operation: string;
}

const ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/v1\/brokers$/, operation: 'ListBrokers' },
  { method: 'POST', pattern: /^\/v1\/brokers$/, operation: 'CreateBroker' },
  { method: 'GET', pattern: /^\/v1\/brokers\/([^/]+)$/, operation: 'DescribeBroker' },
  { method: 'PUT', pattern: /^\/v1\/brokers\/([^/]+)$/, operation: 'UpdateBroker' },
  { method: 'DELETE', pattern: /^\/v1\/brokers\/([^/]+)$/, operation: 'DeleteBroker' },
  { method: 'POST', pattern: /^\/v1\/brokers\/([^/]+)\/reboot$/, operation: 'RebootBroker' },
  { method: 'POST', pattern: /^\/v1\/brokers\/([^/]+)\/promote$/, operation: 'Promote' },
  { method: 'GET', pattern: /^\/v1\/brokers\/([^/]+)\/users$/, operation: 'ListUsers' },
  { method: 'GET', pattern: /^\/v1\/brokers\/([^/]+)\/users\/([^/]+)$/, operation: 'DescribeUser' },
  { method: 'POST', pattern: /^\/v1\/brokers\/([^/]+)\/users\/([^/]+)$/, operation: 'CreateUser' },
  { method: 'PUT', pattern: /^\/v1\/brokers\/([^/]+)\/users\/([^/]+)$/, operation: 'UpdateUser' },
  { method: 'DELETE', pattern: /^\/v1\/brokers\/([^/]+)\/users\/([^/]+)$/, operation: 'DeleteUser' },
  { method: 'GET', pattern: /^\/v1\/configurations$/, operation: 'ListConfigurations' },
  { method: 'POST', pattern: /^\/v1\/configurations$/, operation: 'CreateConfiguration' },
  { method: 'GET', pattern: /^\/v1\/configurations\/([^/]+)$/, operation: 'DescribeConfiguration' },
  { method: 'PUT', pattern: /^\/v1\/configurations\/([^/]+)$/, operation: 'UpdateConfiguration' },
  { method: 'DELETE', pattern: /^\/v1\/configurations\/([^/]+)$/, operation: 'DeleteConfiguration' },
  {
    method: 'GET',
    pattern: /^\/v1\/configurations\/([^/]+)\/revisions$/,
    operation: 'ListConfigurationRevisions',
  },
  {
    method: 'GET',
    pattern: /^\/v1\/configurations\/([^/]+)\/revisions\/([^/]+)$/,
    operation: 'DescribeConfigurationRevision',
  },
  { method: 'GET', pattern: /^\/v1\/tags\/([^/]+)$/, operation: 'ListTags' },
  { method: 'POST', pattern: /^\/v1\/tags\/([^/]+)$/, operation: 'CreateTags' },
  { method: 'DELETE', pattern: /^\/v1\/tags\/([^/]+)$/, operation: 'DeleteTags' },
  { method: 'GET', pattern: /^\/v1\/broker-instance-options$/, operation: 'DescribeBrokerInstanceOptions' },
  { method: 'GET', pattern: /^\/v1\/broker-engine-types$/, operation: 'DescribeBrokerEngineTypes' },
];

function route(req: LocalRequest): { operation: string; params: string[] } | undefined {
  for (const r of ROUTES) {
    if (r.method !== req.method) continue;
    const m = r.pattern.exec(req.path);
    if (m) return { operation: r.operation, params: m.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return undefined;
}

function parseBody(req: LocalRequest): Json {
  if (req.body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw badRequest('The request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw badRequest('The request body must be a JSON object');
  return fromWire(parsed) as Json;
}

async function dispatch(
  operation: string,
  params: string[],
  req: LocalRequest,
  mq: MqState,
): Promise<LocalResponse> {
  const [a = '', b = ''] = params;
  switch (operation) {
    case 'ListBrokers':
      return restJson(200, mq.listBrokers(req.query));
    case 'DescribeBroker':
      return restJson(200, mq.describeBroker(a));
    case 'CreateBroker':
      return restJson(200, await mq.createBroker(parseBody(req)));
    case 'UpdateBroker':
      return restJson(200, mq.updateBroker(a, parseBody(req)));
    case 'DeleteBroker':
      return restJson(200, mq.deleteBroker(a));
    case 'RebootBroker':
      return restJson(200, mq.rebootBroker(a));
    case 'Promote':
      mq.broker(a);
      throw badRequest('Promote needs a broker with cross-region data replication (CRDR)', 'broker-id');
    case 'ListUsers':
      return restJson(200, mq.listUsers(a, req.query));
    case 'DescribeUser':
      return restJson(200, mq.describeUser(a, b));
    case 'CreateUser':
      return restJson(200, mq.createUser(a, b, parseBody(req)));
    case 'UpdateUser':
      return restJson(200, mq.updateUser(a, b, parseBody(req)));
    case 'DeleteUser':
      return restJson(200, mq.deleteUser(a, b));
    case 'ListConfigurations':
      return restJson(200, mq.listConfigurations(req.query));
    case 'CreateConfiguration':
      return restJson(200, mq.createConfiguration(parseBody(req)));
    case 'DescribeConfiguration': {
      const c = mq.configuration(a);
      return restJson(200, mq.configurationSummary(c));
    }
    case 'UpdateConfiguration':
      return restJson(200, mq.updateConfiguration(a, parseBody(req)));
    case 'DeleteConfiguration':
      return restJson(200, mq.deleteConfiguration(a));
    case 'ListConfigurationRevisions':
      return restJson(200, mq.listConfigurationRevisions(a, req.query));
    case 'DescribeConfigurationRevision':
      return restJson(200, mq.describeConfigurationRevision(a, b));
    case 'ListTags':
      return restJson(200, mq.listTags(a));
    case 'CreateTags':
      mq.createTags(a, parseBody(req));
      return restJson(204);
    case 'DeleteTags':
      mq.deleteTags(a, req.query.getAll('tagKeys'));
      return restJson(204);
    case 'DescribeBrokerInstanceOptions':
      return restJson(200, mq.describeBrokerInstanceOptions(req.query));
    case 'DescribeBrokerEngineTypes':
      return restJson(200, mq.describeBrokerEngineTypes(req.query));
    default:
      throw new ServiceError(404, 'NotFoundException', `No such operation ${req.method} ${req.path}`);
  }
}

/** Amazon MQ on its REST-JSON protocol (signing name `mq`). */
export const mqEmulator: ServiceEmulator = {
  signingNames: ['mq'],
  operation: (req) => route(req)?.operation,
  async handle(_operation, req, ctx: ServiceContext) {
    const mq = ctx.world.mq;
    try {
      await mq.settle();
      const r = route(req);
      if (!r) throw new ServiceError(404, 'NotFoundException', `No such operation ${req.method} ${req.path}`);
      return await dispatch(r.operation, r.params, req, mq);
    } catch (error) {
      if (error instanceof ServiceError)
        return restJsonError(error.status, error.type, error.message, error.attribute);
      throw error;
    }
  },
  throttled: () => restJsonError(429, 'TooManyRequestsException', 'Rate exceeded'),
  failure: (_op, message) => restJsonError(500, 'InternalServerErrorException', message),
  denied: (op) => restJsonError(403, 'ForbiddenException', `User is not authorized to perform mq:${op}`),
};
