import { MqClient, type MqClientConfig, RebootBrokerCommand, UpdateBrokerCommand } from '@aws-sdk/client-mq';
import { type Broker, errorText, MqopsError } from '@mqops/core';
import type { BrokerControl } from '@mqops/core/capacity/ports';
import { MqBrokerInventory } from './mq-inventory';

/**
 * The broker as the resize runner drives it. IAM: `mq:DescribeBroker`, `mq:UpdateBroker`, `mq:RebootBroker`.
 * Errors name the operation and the broker.
 */
export class MqBrokerControl implements BrokerControl {
  private readonly mq: MqClient;
  private readonly inventory: MqBrokerInventory;

  constructor(client: MqClient | MqClientConfig = {}) {
    this.mq = client instanceof MqClient ? client : new MqClient(client);
    this.inventory = new MqBrokerInventory(this.mq);
  }

  describe(brokerId: string): Promise<Broker> {
    return this.inventory.describe(brokerId);
  }

  async updateInstanceType(brokerId: string, instanceType: string): Promise<void> {
    await this.call('UpdateBroker', brokerId, () =>
      this.mq.send(new UpdateBrokerCommand({ BrokerId: brokerId, HostInstanceType: instanceType })),
    );
  }

  async reboot(brokerId: string): Promise<void> {
    await this.call('RebootBroker', brokerId, () =>
      this.mq.send(new RebootBrokerCommand({ BrokerId: brokerId })),
    );
  }

  private async call<T>(operation: string, brokerId: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw new MqopsError(
        `MQ ${operation} of ${brokerId} failed: ${(error as { name?: string } | null)?.name ?? 'Error'}: ${errorText(error)}`,
        {
          cause: error,
        },
      );
    }
  }
}
