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
 * The alert notifier: every CloudWatch alarm state change of the account (EventBridge) is recorded into its group
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
      pattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
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
