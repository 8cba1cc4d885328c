import {
  type BrokerInstanceOption,
  DescribeBrokerInstanceOptionsCommand,
  MqClient,
  type MqClientConfig,
} from '@aws-sdk/client-mq';
import { type DeploymentMode, DeploymentMode as DeploymentModes, type Engine, toEngine } from '@mqops/core';
import type { InstanceOption, InstanceOptionsSource } from '@mqops/core/capacity/ports';
import { cachedUntilFailure } from '@mqops/core/concurrency';

const MODES = new Set<string>(Object.values(DeploymentModes));

/**
 * Turns one DescribeBrokerInstanceOptions row into an instance option; undefined for a row without an instance
 * type or with an engine mqops does not know.
 */
export function toInstanceOption(row: BrokerInstanceOption): InstanceOption | undefined {
  const engine = toEngine(row.EngineType);
  if (!engine || !row.HostInstanceType) return undefined;
  return {
    engine,
    instanceType: row.HostInstanceType,
    ...(row.StorageType ? { storageType: row.StorageType } : {}),
    deploymentModes: (row.SupportedDeploymentModes ?? []).filter((m): m is DeploymentMode => MODES.has(m)),
    engineVersions: row.SupportedEngineVersions ?? [],
  };
}

/**
 * The instance types Amazon MQ offers for new brokers of an engine, with the storage type, deployment modes and
 * engine versions each supports: DescribeBrokerInstanceOptions filtered by EngineType, every page (one option per
 * instance type and storage type, as the API lists them). Answers are kept for the life of the object: the
 * offering changes rarely. IAM: `mq:DescribeBrokerInstanceOptions`.
 *
 * @example
 * const options = await new MqInstanceOptions({ region: 'eu-west-1' }).options('RABBITMQ');
 * const clusterTypes = options.filter((o) => o.deploymentModes.includes('CLUSTER_MULTI_AZ'));
 */
export class MqInstanceOptions implements InstanceOptionsSource {
  /** DescribeBrokerInstanceOptions calls made so far. */
  calls = 0;
  private readonly client: MqClient;
  private readonly cache = new Map<Engine, Promise<InstanceOption[]>>();

  constructor(client: MqClient | MqClientConfig = {}) {
    this.client = client instanceof MqClient ? client : new MqClient(client);
  }

  options(engine: Engine): Promise<InstanceOption[]> {
    return cachedUntilFailure(this.cache, engine, () => this.fetch(engine));
  }

  private async fetch(engine: Engine): Promise<InstanceOption[]> {
    const out: InstanceOption[] = [];
    let token: string | undefined;
    do {
      this.calls++;
      const page = await this.client.send(
        new DescribeBrokerInstanceOptionsCommand({ EngineType: engine, MaxResults: 100, NextToken: token }),
      );
      for (const row of page.BrokerInstanceOptions ?? []) {
        const option = toInstanceOption(row);
        // The filter is the API's; this keeps a mixed answer from leaking another engine's types.
        if (option && option.engine === engine) out.push(option);
      }
      token = page.NextToken;
    } while (token);
    return out;
  }
}
