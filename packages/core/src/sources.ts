import type {
  ActiveMqUserFacts,
  BrokerFacts,
  ConfigurationFacts,
  CredentialFacts,
  FactKind,
  RabbitFacts,
  SecurityGroupFacts,
  SubnetFacts,
} from './facts';
import type { Broker } from './model';

/** A username and password read from Secrets Manager. Never logged, never put in a finding. */
export interface BrokerCredential {
  username: string;
  password: string;
}

/**
 * Where facts beyond DescribeBroker come from, one port per kind. A source left out means the facts it gives are
 * gaps (and checks needing them report UNKNOWN).
 */
export interface FactSources {
  network?: {
    securityGroups(ids: readonly string[]): Promise<SecurityGroupFacts[]>;
    subnets(ids: readonly string[]): Promise<SubnetFacts[]>;
  };
  configurations?: {
    /** The revision's data, decoded from base64. */
    revision(configurationId: string, revision: number): Promise<ConfigurationFacts>;
  };
  activeMqUsers?: {
    users(brokerId: string, usernames: readonly string[]): Promise<ActiveMqUserFacts[]>;
  };
  credentials?: {
    /** Secrets tagged as this broker's credentials (metadata only). */
    forBroker(broker: Broker): Promise<CredentialFacts[]>;
    /** The value of a secret (the audit credential for the RabbitMQ management API). */
    read(secretArn: string): Promise<BrokerCredential>;
  };
  rabbit?: {
    /** Reads users, permissions, policies, queues, nodes and listeners through the management API. */
    snapshot(broker: Broker, credential: BrokerCredential): Promise<RabbitFacts>;
  };
}

const message = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * Collects the facts `kinds` name for one broker. Never throws: what fails becomes a gap with its reason.
 */
export async function collectFacts(
  broker: Broker,
  kinds: ReadonlySet<FactKind>,
  sources: FactSources,
): Promise<BrokerFacts> {
  const facts: BrokerFacts = { broker, gaps: {} };
  const gather = async <K extends FactKind>(
    kind: K,
    available: boolean,
    work: () => Promise<BrokerFacts[K]>,
  ): Promise<void> => {
    if (!kinds.has(kind)) return;
    if (!available) {
      facts.gaps[kind] = 'no source for these facts is configured';
      return;
    }
    try {
      (facts as unknown as Record<string, unknown>)[kind] = await work();
    } catch (error) {
      facts.gaps[kind] = message(error);
    }
  };
  const { network, configurations, activeMqUsers, credentials, rabbit } = sources;
  await Promise.all([
    gather('securityGroups', Boolean(network), () =>
      broker.securityGroups.length
        ? (network?.securityGroups(broker.securityGroups) ?? Promise.resolve([]))
        : Promise.resolve([]),
    ),
    gather('subnets', Boolean(network), () =>
      broker.subnetIds.length
        ? (network?.subnets(broker.subnetIds) ?? Promise.resolve([]))
        : Promise.resolve([]),
    ),
    gather('configuration', Boolean(configurations), async () => {
      if (!broker.configuration) return undefined;
      return configurations?.revision(broker.configuration.id, broker.configuration.revision);
    }),
    gather('activeMqUsers', Boolean(activeMqUsers), async () =>
      broker.engine === 'ACTIVEMQ'
        ? (activeMqUsers?.users(
            broker.id,
            broker.users.map((u) => u.username),
          ) ?? [])
        : [],
    ),
    gather('credentials', Boolean(credentials), async () => credentials?.forBroker(broker) ?? []),
  ]);
  // The data plane needs the audit credential, found among the broker's secrets.
  await gather('rabbit', Boolean(rabbit && credentials), async () => {
    if (broker.engine !== 'RABBITMQ') return undefined;
    const secrets = facts.credentials ?? (await credentials?.forBroker(broker)) ?? [];
    const audit = secrets.find((s) => s.role === 'audit');
    if (!audit) throw new Error(`no secret tagged mqops:role=audit for broker ${broker.name}`);
    const credential = await credentials?.read(audit.secretArn);
    if (!credential || !rabbit) throw new Error('no credential');
    return rabbit.snapshot(broker, credential);
  });
  return facts;
}
