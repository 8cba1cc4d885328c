import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MqClient } from '@aws-sdk/client-mq';
import middy from '@middy/core';
import { DynamoKeyValueStore } from '@mqops/aws/dynamodb-kv';
import { MqBrokerStates } from '@mqops/aws/mq-broker-states';
import { DEFAULT_RATE_LIMITS, Pacer, paced } from '@mqops/aws/pacing';
import { SlackChannel } from '@mqops/aws/slack-channel';
import { SLACK_NOTIFIER_DEFAULTS } from '@mqops/aws/slack-notifier';
import { SnsPublisher } from '@mqops/aws/sns-notifier';
import { MqopsError } from '@mqops/core';
import { rendered } from '@mqops/core/ports';
import {
  type AlertChannel,
  parseWatchEvent,
  type WatchResult,
  watchBrokers,
  watchSlackMessage,
  watchSnsMessage,
} from '@mqops/core/watch/index';
import { optionalEnv } from './lib/config';
import { countFailures, endJob, type JobSummary, jobSummary } from './lib/job-outcome';
import { createLogger } from './lib/logger';
import { refuseToDeadLetters } from './lib/refuse';

const logger = createLogger('mqops-watch');

/** What the function returns: counts and the changes, not the alerts' text. */
export interface WatchSummary extends JobSummary {
  pages: number;
  brokers: number;
  described: number;
  /** Brokers recorded for the first time (the baseline: never alerted). */
  firstSeen: number;
  /** Every other change, alerted or only recorded. */
  transitions: WatchResult['transitions'];
  alerts: number;
  delivered: number;
  undelivered: number;
  errors: number;
}

/** Function configuration, from the environment (set by infra/). */
export interface WatchConfig {
  /** DynamoDB table (pk, sk strings; TTL attribute `ttl`) for the broker states (`MQOPS_STATE_TABLE`). */
  table: string;
  /** Slack incoming-webhook URL (`MQOPS_SLACK_WEBHOOK_URL`); a secret, never logged. */
  slackWebhookUrl?: string;
  /** SNS topic ARN for alerts (`MQOPS_ALERT_TOPIC_ARN`). */
  topicArn?: string;
}

/** @throws MqopsError when MQOPS_STATE_TABLE is not set: without state every change would alert every poll. */
export function watchConfig(env: NodeJS.ProcessEnv = process.env): WatchConfig {
  const table = optionalEnv('MQOPS_STATE_TABLE', env);
  if (!table) throw new MqopsError('MQOPS_STATE_TABLE is not set: the watcher needs its state table');
  return {
    table,
    slackWebhookUrl: optionalEnv('MQOPS_SLACK_WEBHOOK_URL', env),
    topicArn: optionalEnv('MQOPS_ALERT_TOPIC_ARN', env),
  };
}

/**
 * Slack and SNS as alert channels: each transport with the watcher's renderer ({@link rendered}). Named `slack` and
 * `sns`: the store keeps these names for the channels an alert still has to reach. Slack within the notifier's bounds
 * ({@link SLACK_NOTIFIER_DEFAULTS}: the poll has 60 s).
 */
export function channelsFor(config: WatchConfig): AlertChannel[] {
  const channels: AlertChannel[] = [];
  if (config.slackWebhookUrl) {
    const slack = new SlackChannel({ ...SLACK_NOTIFIER_DEFAULTS, webhookUrl: config.slackWebhookUrl });
    channels.push(rendered(slack, watchSlackMessage, 'slack'));
  }
  if (config.topicArn) channels.push(rendered(new SnsPublisher(config.topicArn), watchSnsMessage, 'sns'));
  return channels;
}

/** Options for tests: the clock (the local cloud's). */
export interface WatchOptions {
  now?: () => Date;
}

/**
 * Builds the scheduled broker state watcher: one poll per EventBridge scheduled event. The SDK clients read the
 * standard AWS configuration (credential chain, region, endpoints).
 * @throws JobFailedError when the poll covered nothing (after logging and writing its metric).
 */
export function createWatch(options: WatchOptions = {}) {
  const now = options.now ?? (() => new Date());
  return async function watch(event: unknown): Promise<WatchSummary> {
    const request = parseWatchEvent(event);
    const config = watchConfig();
    const channels = channelsFor(config);
    if (channels.length === 0) logger.warn('no alert channel configured: changes are recorded only');
    // Amazon MQ's throttle is per account across all its APIs (shared with the audit): pace, retry adaptively.
    const mq = paced(
      new MqClient({ retryMode: 'standard', maxAttempts: 8 }),
      new Pacer(DEFAULT_RATE_LIMITS),
      'mq',
    );
    const inventory = new MqBrokerStates(mq);
    const result = await watchBrokers({
      inventory,
      store: new DynamoKeyValueStore(config.table),
      now: now(),
      channels,
      region: await inventory.region(),
    });
    const summary: WatchSummary = {
      ...jobSummary(result.outcome),
      pages: result.pages,
      brokers: result.brokers,
      described: result.described,
      firstSeen: result.transitions.filter((t) => t.kind === 'first-seen').length,
      transitions: result.transitions.filter((t) => t.kind !== 'first-seen'),
      alerts: result.alerts.length,
      delivered: result.delivered.length,
      undelivered: result.undelivered.length,
      errors: result.errors.length,
    };
    for (const error of result.errors) logger.warn('watch problem', { ...error });
    for (const left of result.undelivered)
      logger.warn('alert not delivered; the next poll retries', {
        alertId: left.alert.id,
        pending: left.pending,
        error: left.error,
      });
    logger.info('watch finished', { scheduledAt: request.time, ...summary });
    // Every poll's outcome is a metric. A poll that watched nothing (no page listed, the states unreadable, no
    // broker decided) fails the invocation so the Errors metric shows it too; a partial one returns what it missed.
    return endJob('watch', result.outcome, summary);
  };
}

/** The Lambda handler around {@link createWatch} (Powertools logger with the Lambda context). */
export function createWatchHandler(options: WatchOptions = {}) {
  return middy(createWatch(options))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(countFailures('watch'))
    .use(refuseToDeadLetters('watch'));
}

export const handler = createWatchHandler();
