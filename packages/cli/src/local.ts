import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { DynamoKeyValueStore } from '@mqops/aws/dynamodb-kv';
import { createKeyValueTable, waitForActiveTable } from '@mqops/aws/dynamodb-kv-table';
import type { KeyValueStore } from '@mqops/core';
import { parseConfigFile } from '@mqops/core/config-file';
import type { LocalCloud } from '@mqops/local';
import { readConfigFile, UsageError } from './usage';

/** How a command asked for the local cloud (`--scenario`, `--real-brokers`, `--reset`). */
export interface LocalOptions {
  scenario?: string | undefined;
  realBrokers?: boolean | undefined;
  reset?: boolean | undefined;
}

/** Where `--local` keeps its cloud between commands: MQOPS_LOCAL_DIR, or `.mqops/local` in the current directory. */
export function localStateDir(): string {
  return resolve(process.env.MQOPS_LOCAL_DIR || join('.mqops', 'local'));
}

/** `--scenario`, `--real-brokers` and `--reset` only mean something with `--local`. @throws UsageError */
export function checkLocalOptions(values: {
  local?: boolean | undefined;
  scenario?: string | undefined;
  'real-brokers'?: boolean | undefined;
  reset?: boolean | undefined;
}): void {
  if (values.local) return;
  for (const flag of ['scenario', 'real-brokers', 'reset'] as const)
    if (values[flag]) throw new UsageError(`--${flag} needs --local`);
}

/**
 * Runs `use` against the embedded local cloud (`--local`), with the real local RabbitMQ and ActiveMQ behind its
 * brokers when `realBrokers`. The cloud is kept in {@link localStateDir} between commands, so they tell one story
 * (a plan accepted, then applied; a backup, then its diff); `reset` starts over from the scenario, and a `scenario`
 * other than the one the kept cloud was made from is refused. A command interrupted (Ctrl-C, SIGTERM) keeps what it
 * did too: the cloud is stopped (saved) first, then the process ends with 130 or 143 (see `startLocalCloud`).
 * `@mqops/local` is loaded only here, so the commands' AWS path never carries it.
 */
export async function withLocalCloud<T>(
  options: LocalOptions,
  use: (cloud: LocalCloud) => Promise<T>,
): Promise<T> {
  const local = await import('@mqops/local');
  const backings = options.realBrokers
    ? [new local.RabbitMqBacking(), new local.ActiveMqBacking(local.activeMqInfo())]
    : [];
  let cloud: LocalCloud;
  try {
    cloud = await local.startLocalCloud({
      ...(options.scenario ? { scenario: options.scenario } : {}),
      backings,
      persist: { dir: localStateDir(), reset: options.reset ?? false },
    });
  } catch (error) {
    if (error instanceof local.LocalStateError && error.kind === 'scenario-mismatch')
      throw new UsageError(error.message);
    throw error;
  }
  try {
    return await use(cloud);
  } finally {
    await cloud.stop();
  }
}

/**
 * The capacity policy of `--config FILE` or ./mqops.config.json, as rightsize reads it: what a deployed stack's
 * functions get from its configuration, for the runbooks run locally (resize-now's guards: `allowDowntime`, …).
 */
export function capacityPolicyOf(file: string | undefined) {
  const chosen = file ?? (existsSync('mqops.config.json') ? 'mqops.config.json' : undefined);
  return parseConfigFile(chosen ? readConfigFile(chosen) : '{}', chosen ?? 'configuration').capacity;
}

/** The local cloud's state table: accepted resize plans and the runbook trail, kept with the cloud. */
export const LOCAL_STATE_TABLE = 'mqops-local-state';

/** The key-value store on the local cloud's DynamoDB (what the deployed stack's State table is), made if missing. */
export async function localStateStore(cloud: LocalCloud): Promise<KeyValueStore> {
  const client = new DynamoDBClient(cloud.clientConfig());
  try {
    await createKeyValueTable(client, LOCAL_STATE_TABLE);
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  // A table just made answers ResourceNotFound until it is ACTIVE: the first read must not race it.
  await waitForActiveTable(client, LOCAL_STATE_TABLE);
  return new DynamoKeyValueStore(LOCAL_STATE_TABLE, client);
}
