import { SELF_ALARM_PREFIX } from '@mqops/core/alerts/events';
import { alertTopic, slackWebhookSecret } from './alerts';
import { deployedConfig } from './config';
import { deadLetters, stateTable } from './storage';
import type { EnvValue, FunctionSpec } from './types';

const table = { ref: stateTable.name, attribute: 'arn' } as const;
const { config } = deployedConfig();

const environment: Record<string, EnvValue> = {
  MQOPS_STATE_TABLE: { ref: stateTable.name, attribute: 'name' },
  MQOPS_ALERT_TOPIC_ARN: { ref: alertTopic.name, attribute: 'arn' },
  MQOPS_SLACK_WEBHOOK_URL: { ref: slackWebhookSecret.name, attribute: 'value' },
};

const scopes: Record<string, EnvValue[]> = {
  'sns:Publish': [{ ref: alertTopic.name, attribute: 'arn' }],
  'dynamodb:GetItem': [table],
  'dynamodb:PutItem': [table],
  'dynamodb:Query': [table],
  'dynamodb:DeleteItem': [table],
};

/**
 * The Alerts rule's EventBridge pattern: state changes of Amazon MQ alarms only — a metric (any metric of a
 * metric-math alarm) in the `AWS/AmazonMQ` namespace, or the `mqops:broker` alarm tag (composite and application
 * alarms; CloudWatch puts alarm tags in `detail.alarmTags` when tag propagation is on). EventBridge content
 * filtering: `$or` over the sub-patterns, the array of metrics matched element by element, `exists` on the tag (a
 * leaf); and mqops' own alarms, by their name prefix (`mqops.self.`). The function applies the same test
 * (isAmazonMqAlarm) to what arrives another way (an `alarmTopics` topic).
 */
export const ALERTS_RULE_PATTERN = {
  source: ['aws.cloudwatch'],
  'detail-type': ['CloudWatch Alarm State Change'],
  detail: {
    $or: [
      { configuration: { metrics: { metricStat: { metric: { namespace: ['AWS/AmazonMQ'] } } } } },
      { alarmTags: { 'mqops:broker': [{ exists: true }] } },
      // mqops' own alarms (infra/monitoring.ts): they reach the same channels as broker alerts.
      { alarmName: [{ prefix: SELF_ALARM_PREFIX }] },
    ],
  },
} as const;

/**
 * The alert notifier: every Amazon MQ alarm state change of the account (EventBridge) is recorded into its group
 * (Alertmanager's semantics: group wait, group interval, repeat, resolve, dedup, inhibition); what is due goes to
 * Slack and SNS at once.
 */
export const alertsFunction: FunctionSpec = {
  name: 'Alerts',
  handler: 'functions/alerts.handler',
  description: 'Turns CloudWatch alarm state changes into grouped Slack and SNS alerts',
  timeout: 180,
  memory: 512,
  environment,
  triggers: [
    {
      kind: 'events',
      name: 'AlertsOnAlarm',
      pattern: ALERTS_RULE_PATTERN,
    },
    // Alarms that already notify a topic of yours (mqops.config.json `alarmTopics`) come in that way too; the
    // notifier deduplicates an alarm seen both ways.
    ...config.alarmTopics.map((topicArn, i) => ({
      kind: 'topic' as const,
      name: `AlertsFromTopic${i + 1}`,
      topicArn,
    })),
  ],
  scopes,
  deadLetterQueue: deadLetters.name,
};

/**
 * The flusher: every minute, sends the groups whose wait is over, repeats and resolved notifications — so no
 * Lambda ever sleeps through a group wait.
 */
export const alertFlushFunction: FunctionSpec = {
  name: 'AlertFlush',
  handler: 'functions/alert-flush.handler',
  description: 'Sends alert groups whose wait is over, repeats and resolved notifications',
  timeout: 300,
  memory: 512,
  environment,
  triggers: [{ kind: 'schedule', name: 'AlertFlushSchedule', expression: 'rate(1 minute)' }],
  scopes,
  deadLetterQueue: deadLetters.name,
};
