import { MqClient, type MqClientConfig, paginateListBrokers } from '@aws-sdk/client-mq';
import { type Broker, toEngine } from '@mqops/core';
import type { BrokerSummary, WatchInventory } from '@mqops/core/watch/index';
import { MqBrokerInventory } from './mq-inventory';

/**
 * The broker state watcher's view of Amazon MQ: ListBrokers page by page (100 brokers a call, the API's maximum)
 * with each broker's state, and DescribeBroker for the few brokers the watcher needs in full.
 */
export class MqBrokerStates implements WatchInventory {
  private readonly client: MqClient;
  private readonly inventory: MqBrokerInventory;

  constructor(client: MqClient | MqClientConfig = {}) {
    this.client = client instanceof MqClient ? client : new MqClient(client);
    this.inventory = new MqBrokerInventory(this.client);
  }

  /** The region the client calls. */
  region(): Promise<string> {
    return this.client.config.region();
  }

  async *pages(): AsyncIterable<BrokerSummary[]> {
    for await (const page of paginateListBrokers({ client: this.client, pageSize: 100 }, {})) {
      const summaries: BrokerSummary[] = [];
      for (const s of page.BrokerSummaries ?? []) {
        if (!s.BrokerId) continue;
        const engine = toEngine(s.EngineType);
        summaries.push({
          id: s.BrokerId,
          name: s.BrokerName ?? s.BrokerId,
          state: s.BrokerState ?? 'UNKNOWN',
          ...(s.BrokerArn ? { arn: s.BrokerArn } : {}),
          ...(engine ? { engine } : {}),
          ...(s.DeploymentMode ? { deploymentMode: s.DeploymentMode } : {}),
          ...(s.HostInstanceType ? { instanceType: s.HostInstanceType } : {}),
        });
      }
      yield summaries;
    }
  }

  describe(id: string): Promise<Broker> {
    return this.inventory.describe(id);
  }
}
