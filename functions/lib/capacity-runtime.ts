import { MqClient } from '@aws-sdk/client-mq';
import { DynamoKeyValueStore } from '@mqops/aws/dynamodb-kv';
import { noticeSinksFromEnv } from '@mqops/aws/notice-sinks';
import { DEFAULT_RATE_LIMITS, Pacer, paced } from '@mqops/aws/pacing';
import { type KeyValueStore, MqopsError, type NoticeSink } from '@mqops/core';
import { type CapacityPolicy, capacityPolicyOf } from '@mqops/core/capacity/policy';
import { functionConfig, optionalEnv } from './config';

/**
 * What every capacity function shares, from the environment (set by infra/):
 * - `MQOPS_STATE_TABLE` (required): plans, notice keys and runbook markers (DynamoDB, conditional writes);
 * - `MQOPS_SLACK_WEBHOOK_URL`, `MQOPS_ALERT_TOPIC_ARN`: where notices go;
 * - `MQOPS_CONFIG`: mqops.config.json, whose `capacity` is the capacity policy.
 * Each function adds only the adapters it calls (its IAM permissions are derived from its imports). The SDK clients
 * read the standard AWS configuration; Amazon MQ calls are paced at its documented rate.
 */
export interface CapacityBase {
  store: KeyValueStore;
  sinks: NoticeSink[];
  policy: CapacityPolicy;
  /** A paced MQ client. */
  mq: MqClient;
}

export function capacityBase(env: NodeJS.ProcessEnv = process.env): CapacityBase {
  const table = optionalEnv('MQOPS_STATE_TABLE', env);
  if (!table) throw new MqopsError('MQOPS_STATE_TABLE is not set: capacity plans live in the state table');
  return {
    store: new DynamoKeyValueStore(table),
    sinks: noticeSinksFromEnv(env),
    policy: capacityPolicyOf(functionConfig(env).mqops),
    mq: paced(new MqClient({ retryMode: 'standard', maxAttempts: 8 }), new Pacer(DEFAULT_RATE_LIMITS), 'mq'),
  };
}
