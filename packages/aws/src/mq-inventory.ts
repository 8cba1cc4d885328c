import {
  DescribeBrokerCommand,
  type DescribeBrokerResponse,
  MqClient,
  type MqClientConfig,
  NotFoundException,
  paginateListBrokers,
} from '@aws-sdk/client-mq';
import {
  accountOf,
  type Broker,
  type BrokerInventory,
  BrokerNotFoundError,
  type BrokerRef,
  type DeploymentMode,
  MqopsError,
  toEngine,
} from '@mqops/core';

/** The configuration revision waiting for a reboot, when it differs from the current one. */
function pendingConfiguration(r: DescribeBrokerResponse): { id: string; revision: number } | undefined {
  const { Current, Pending } = r.Configurations ?? {};
  if (!Pending?.Id || (Pending.Id === Current?.Id && Pending.Revision === Current?.Revision))
    return undefined;
  return { id: Pending.Id, revision: Pending.Revision ?? 1 };
}

/** Turns a DescribeBroker answer into the broker model, with Amazon MQ's defaults made explicit. */
export function toBroker(r: DescribeBrokerResponse, region: string): Broker {
  const engine = toEngine(r.EngineType);
  if (!r.BrokerId || !r.BrokerArn || !r.BrokerName || !engine) {
    throw new MqopsError(
      `DescribeBroker answered without id, ARN, name or a known engine (${r.BrokerId ?? '?'})`,
    );
  }
  const enc = r.EncryptionOptions;
  return {
    id: r.BrokerId,
    arn: r.BrokerArn,
    name: r.BrokerName,
    region,
    accountId: accountOf(r.BrokerArn),
    state: r.BrokerState ?? 'UNKNOWN',
    engine,
    engineVersion: r.EngineVersion ?? '',
    deploymentMode: (r.DeploymentMode ?? 'SINGLE_INSTANCE') as DeploymentMode,
    instanceType: r.HostInstanceType ?? '',
    publiclyAccessible: r.PubliclyAccessible ?? false,
    autoMinorVersionUpgrade: r.AutoMinorVersionUpgrade ?? false,
    authenticationStrategy: r.AuthenticationStrategy === 'LDAP' ? 'LDAP' : 'SIMPLE',
    encryption:
      enc?.UseAwsOwnedKey !== false
        ? { kind: 'aws-owned' }
        : enc.KmsKeyId
          ? { kind: 'customer-managed', kmsKeyId: enc.KmsKeyId }
          : { kind: 'aws-managed' },
    logs: {
      general: r.Logs?.General ?? false,
      ...(engine === 'ACTIVEMQ' ? { audit: r.Logs?.Audit ?? false } : {}),
    },
    maintenanceWindow: r.MaintenanceWindowStartTime
      ? {
          dayOfWeek: r.MaintenanceWindowStartTime.DayOfWeek ?? 'SUNDAY',
          timeOfDay: r.MaintenanceWindowStartTime.TimeOfDay ?? '00:00',
          timeZone: r.MaintenanceWindowStartTime.TimeZone ?? 'UTC',
        }
      : undefined,
    securityGroups: r.SecurityGroups ?? [],
    subnetIds: r.SubnetIds ?? [],
    storageType: r.StorageType,
    tags: r.Tags ?? {},
    users: (r.Users ?? []).map((u) => ({
      username: u.Username ?? '',
      ...(u.PendingChange ? { pendingChange: u.PendingChange } : {}),
    })),
    configuration: r.Configurations?.Current?.Id
      ? { id: r.Configurations.Current.Id, revision: r.Configurations.Current.Revision ?? 1 }
      : undefined,
    instances: (r.BrokerInstances ?? []).map((i) => ({
      ...(i.ConsoleURL ? { consoleUrl: i.ConsoleURL } : {}),
      endpoints: i.Endpoints ?? [],
      ...(i.IpAddress ? { ipAddress: i.IpAddress } : {}),
    })),
    actionsRequired: (r.ActionsRequired ?? []).map((a) => a.ActionRequiredCode ?? '').filter(Boolean),
    created: r.Created,
    pending: {
      ...(r.PendingEngineVersion ? { engineVersion: r.PendingEngineVersion } : {}),
      ...(r.PendingHostInstanceType ? { instanceType: r.PendingHostInstanceType } : {}),
      ...(r.PendingSecurityGroups?.length ? { securityGroups: r.PendingSecurityGroups } : {}),
      ...(r.PendingAuthenticationStrategy ? { authenticationStrategy: r.PendingAuthenticationStrategy } : {}),
      ...(pendingConfiguration(r) ? { configuration: pendingConfiguration(r) } : {}),
      ...(r.Logs?.Pending ? { logs: { general: r.Logs.Pending.General, audit: r.Logs.Pending.Audit } } : {}),
    },
  };
}

/** The broker inventory of one account and region, read through the Amazon MQ API. */
export class MqBrokerInventory implements BrokerInventory {
  private readonly client: MqClient;

  constructor(client: MqClient | MqClientConfig = {}) {
    this.client = client instanceof MqClient ? client : new MqClient(client);
  }

  async list(): Promise<BrokerRef[]> {
    const refs: BrokerRef[] = [];
    for await (const page of paginateListBrokers({ client: this.client, pageSize: 100 }, {})) {
      for (const s of page.BrokerSummaries ?? []) {
        if (s.BrokerId) refs.push({ id: s.BrokerId, name: s.BrokerName ?? s.BrokerId });
      }
    }
    return refs;
  }

  async describe(id: string): Promise<Broker> {
    try {
      const response = await this.client.send(new DescribeBrokerCommand({ BrokerId: id }));
      return toBroker(response, await this.client.config.region());
    } catch (error) {
      if (error instanceof NotFoundException) throw new BrokerNotFoundError(id, { cause: error });
      throw error;
    }
  }
}
