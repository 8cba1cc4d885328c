import {
  DescribeConfigurationRevisionCommand,
  DescribeUserCommand,
  type DescribeUserResponse,
  MqClient,
  type MqClientConfig,
  NotFoundException,
} from '@aws-sdk/client-mq';
import { type ActiveMqUserFacts, type ConfigurationFacts, type FactSources, mapBounded } from '@mqops/core';

/** How many DescribeUser calls run at once per broker (the MQ API's token bucket is shared per account). */
export const USER_CONCURRENCY = 4;

const client = (value: MqClient | MqClientConfig) =>
  value instanceof MqClient ? value : new MqClient(value);

/**
 * Broker configurations through the Amazon MQ API: DescribeConfigurationRevision, with the revision's data
 * (ActiveMQ XML or RabbitMQ cuttlefish text) decoded from base64.
 *
 * @example
 * const configurations = new MqConfigurationSource({ region: 'eu-west-1' });
 * const { data } = await configurations.revision('c-1234', 3);
 */
export class MqConfigurationSource implements NonNullable<FactSources['configurations']> {
  private readonly client: MqClient;

  constructor(mq: MqClient | MqClientConfig = {}) {
    this.client = client(mq);
  }

  async revision(configurationId: string, revision: number): Promise<ConfigurationFacts> {
    const response = await this.client.send(
      new DescribeConfigurationRevisionCommand({
        ConfigurationId: configurationId,
        ConfigurationRevision: String(revision),
      }),
    );
    return {
      id: response.ConfigurationId ?? configurationId,
      revision,
      data: Buffer.from(response.Data ?? '', 'base64').toString('utf8'),
    };
  }
}

/** Turns a DescribeUser answer into user facts (the values in effect; a waiting change shows as pendingChange). */
export function toActiveMqUserFacts(r: DescribeUserResponse, username: string): ActiveMqUserFacts {
  return {
    username: r.Username ?? username,
    consoleAccess: r.ConsoleAccess ?? false,
    groups: r.Groups ?? [],
    replicationUser: r.ReplicationUser ?? false,
    ...(r.Pending?.PendingChange ? { pendingChange: r.Pending.PendingChange } : {}),
  };
}

/**
 * ActiveMQ users through the Amazon MQ API: DescribeUser for each username, at most {@link USER_CONCURRENCY} at
 * once, in the order asked. A user deleted since DescribeBroker listed it (NotFoundException) is left out.
 *
 * @example
 * const users = await new MqUserSource({ region: 'eu-west-1' }).users('b-1234', ['admin', 'app']);
 */
export class MqUserSource implements NonNullable<FactSources['activeMqUsers']> {
  private readonly client: MqClient;

  constructor(mq: MqClient | MqClientConfig = {}) {
    this.client = client(mq);
  }

  async users(brokerId: string, usernames: readonly string[]): Promise<ActiveMqUserFacts[]> {
    const found = await mapBounded(usernames, USER_CONCURRENCY, async (username) => {
      try {
        const response = await this.client.send(
          new DescribeUserCommand({ BrokerId: brokerId, Username: username }),
        );
        return toActiveMqUserFacts(response, username);
      } catch (error) {
        if (error instanceof NotFoundException) return undefined;
        throw error;
      }
    });
    return found.filter((u): u is ActiveMqUserFacts => u !== undefined);
  }
}
