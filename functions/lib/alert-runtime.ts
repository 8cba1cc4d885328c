import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MqClient } from '@aws-sdk/client-mq';
import { SNSClient } from '@aws-sdk/client-sns';
import { AlertDelivery, BrokerDirectory } from '@mqops/aws/alert-delivery';
import { CloudWatchMetricHistory } from '@mqops/aws/alert-metrics';
import { DynamoKeyValueStore } from '@mqops/aws/dynamodb-kv';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import { KvChannelPacer, SlackChannel } from '@mqops/aws/slack-channel';
import { InvalidInputError, MqopsError } from '@mqops/core';
import { type AlertConfig, parseAlertConfigText } from '@mqops/core/alerts/config';
import { AlertEngine } from '@mqops/core/alerts/engine';
import { optionalEnv } from './config';

/**
 * What the alert functions need, built from the environment (set by infra/):
 * - `MQOPS_STATE_TABLE` (required): the DynamoDB table of the key-value store (pk/sk, TTL attribute `ttl`).
 * - `MQOPS_SLACK_WEBHOOK_URL`: the `default` Slack channel's webhook (a secret, never logged).
 * - `MQOPS_SLACK_WEBHOOKS`: more channels, JSON `{ "oncall": "https://hooks.slack.com/…" }` (a secret).
 * - `MQOPS_ALERT_TOPIC_ARN`: the SNS topic that `default` stands for.
 * - `MQOPS_ALERTS_CONFIG`: grouping, timing, inhibition and routing (JSON, see packages/core/src/alerts/config.ts).
 */
export interface AlertRuntime {
  config: AlertConfig;
  engine: AlertEngine;
  delivery: AlertDelivery;
  /** Channel names configured (never their URLs), for logs. */
  channels: string[];
}

/** Reads `MQOPS_SLACK_WEBHOOKS`. @throws InvalidInputError naming the problem (never the value). */
function webhooks(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  const single = optionalEnv('MQOPS_SLACK_WEBHOOK_URL', env);
  if (single) out.default = single;
  const text = optionalEnv('MQOPS_SLACK_WEBHOOKS', env);
  if (!text) return out;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidInputError('MQOPS_SLACK_WEBHOOKS is not valid JSON (expected {"channel": "https://…"})');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidInputError('MQOPS_SLACK_WEBHOOKS must be a JSON object of channel name → webhook URL');
  for (const [name, url] of Object.entries(value)) {
    if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url))
      throw new InvalidInputError(
        `MQOPS_SLACK_WEBHOOKS: the webhook of channel ${name} is not an http(s) URL`,
      );
    out[name] = url;
  }
  return out;
}

let cached: { signature: string; runtime: AlertRuntime } | undefined;

const VARIABLES = [
  'MQOPS_STATE_TABLE',
  'MQOPS_SLACK_WEBHOOK_URL',
  'MQOPS_SLACK_WEBHOOKS',
  'MQOPS_ALERT_TOPIC_ARN',
  'MQOPS_ALERTS_CONFIG',
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
] as const;

/**
 * The runtime for this environment, built once per warm Lambda container (Slack queues and caches live across
 * invocations of one container).
 * @throws MqopsError when MQOPS_STATE_TABLE is missing; InvalidInputError for a bad configuration.
 */
export function alertRuntime(
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string, extra?: Record<string, unknown>) => void = () => undefined,
): AlertRuntime {
  const signature = JSON.stringify(VARIABLES.map((v) => env[v] ?? ''));
  if (cached?.signature === signature) return cached.runtime;
  const table = optionalEnv('MQOPS_STATE_TABLE', env);
  if (!table)
    throw new MqopsError('MQOPS_STATE_TABLE is not set: the alert functions keep their state there');
  const config = parseAlertConfigText(optionalEnv('MQOPS_ALERTS_CONFIG', env), 'MQOPS_ALERTS_CONFIG');
  const store = new DynamoKeyValueStore(table, new DynamoDBClient({ maxAttempts: 8 }));
  const pacer = new KvChannelPacer(store);
  // One channel (one queue) per webhook, whatever names point at it.
  const byUrl = new Map<string, SlackChannel>();
  const slack: Record<string, SlackChannel> = {};
  for (const [name, url] of Object.entries(webhooks(env))) {
    let channel = byUrl.get(url);
    if (!channel) {
      channel = new SlackChannel({ webhookUrl: url, name, pacer });
      byUrl.set(url, channel);
    }
    slack[name] = channel;
  }
  const mqClients = new Map<string, MqClient>();
  const cwClients = new Map<string, CloudWatchClient>();
  const brokers = new BrokerDirectory((region) => {
    let client = mqClients.get(region);
    if (!client) {
      client = new MqClient({ region });
      mqClients.set(region, client);
    }
    return new MqBrokerInventory(client);
  });
  const delivery = new AlertDelivery({
    config,
    slack,
    sns: { client: new SNSClient({}), defaultTopicArn: optionalEnv('MQOPS_ALERT_TOPIC_ARN', env) },
    brokers,
    metrics: new CloudWatchMetricHistory((region) => {
      let client = cwClients.get(region);
      if (!client) {
        client = new CloudWatchClient({ region });
        cwClients.set(region, client);
      }
      return client;
    }),
    warn,
  });
  const engine = new AlertEngine({ store, config, deliver: delivery.deliver, brokers: brokers.lookup });
  const runtime: AlertRuntime = { config, engine, delivery, channels: Object.keys(slack) };
  cached = { signature, runtime };
  return runtime;
}
