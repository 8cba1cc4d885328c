import { alertTopic, slackWebhookSecret } from './alerts';
import { deadLetters, stateTable } from './storage';
import type { FunctionSpec } from './types';

const table = { ref: stateTable.name, attribute: 'arn' } as const;

/**
 * The broker state watcher: Amazon MQ emits no events of its own, so every two minutes one ListBrokers call per
 * page turns state changes (critical action required, unplanned reboots, disappearances, recoveries) into alerts.
 */
export const watchFunction: FunctionSpec = {
  name: 'Watch',
  handler: 'functions/watch.handler',
  description: 'Turns Amazon MQ broker state changes into alerts',
  timeout: 60,
  memory: 256,
  environment: {
    MQOPS_STATE_TABLE: { ref: stateTable.name, attribute: 'name' },
    MQOPS_ALERT_TOPIC_ARN: { ref: alertTopic.name, attribute: 'arn' },
    MQOPS_SLACK_WEBHOOK_URL: { ref: slackWebhookSecret.name, attribute: 'value' },
  },
  triggers: [{ kind: 'schedule', name: 'WatchSchedule', expression: 'rate(2 minutes)' }],
  scopes: {
    'sns:Publish': [{ ref: alertTopic.name, attribute: 'arn' }],
    'dynamodb:GetItem': [table],
    'dynamodb:PutItem': [table],
    'dynamodb:Query': [table],
    'dynamodb:DeleteItem': [table],
  },
  deadLetterQueue: deadLetters.name,
};
