import { alertTopic, slackWebhookSecret } from './alerts';
import { deployedConfig } from './config';
import { brokers, mqopsSecrets } from './iam-scopes';
import { deadLetters, stateTable } from './storage';
import type { ActionScope, EnvValue, FunctionSpec } from './types';

const { text: configText } = deployedConfig();
const table = { ref: stateTable.name, attribute: 'arn' } as const;

/** Capacity functions share their settings: the state table, the notice channels, the capacity policy. */
const environment: Record<string, EnvValue> = {
  MQOPS_STATE_TABLE: { ref: stateTable.name, attribute: 'name' },
  MQOPS_ALERT_TOPIC_ARN: { ref: alertTopic.name, attribute: 'arn' },
  MQOPS_SLACK_WEBHOOK_URL: { ref: slackWebhookSecret.name, attribute: 'value' },
  MQOPS_CONFIG: { literal: configText },
};

const scopes: Record<string, ActionScope> = {
  'sns:Publish': [{ ref: alertTopic.name, attribute: 'arn' }],
  'dynamodb:GetItem': [table],
  'dynamodb:PutItem': [table],
  'dynamodb:DeleteItem': [table],
  'dynamodb:Query': [table],
  // The post-resize connection probe logs in with the broker's rotated secret, and may read no other.
  'secretsmanager:GetSecretValue': mqopsSecrets,
  // The resize tick changes and reboots the brokers of its plans (see iam-scopes.ts for why no tag condition).
  'mq:UpdateBroker': brokers,
  'mq:RebootBroker': brokers,
};

/**
 * Rightsizing, daily: measures every broker (GetMetricData in batches of 500), recommends up- or down-sizes with
 * the monthly cost (Price List API, the shipped table as fallback), announces each once, and plans those a broker's
 * `mqops:rightsize=auto` tag allows. A manual invoke takes `{"brokers": ["…"]}`.
 */
export const rightsizeFunction: FunctionSpec = {
  name: 'Rightsize',
  handler: 'functions/rightsize.handler',
  description: 'Recommends Amazon MQ host instance types with their cost, and plans auto-applied resizes',
  timeout: 900,
  memory: 1024,
  environment,
  triggers: [{ kind: 'schedule', name: 'RightsizeSchedule', expression: 'cron(30 5 * * ? *)' }],
  scopes,
  deadLetterQueue: deadLetters.name,
};

/**
 * The resize tick: every 10 minutes each planned resize moves on — only inside the broker's maintenance window,
 * never while one of its alarms is in ALARM; UpdateBroker, reboot, a bounded wait for RUNNING across ticks,
 * post-checks and rollback. No Lambda waits: the plan's state is in the table.
 */
export const resizeFunction: FunctionSpec = {
  name: 'Resize',
  handler: 'functions/resize.handler',
  description: 'Applies planned Amazon MQ resizes inside maintenance windows, with guards and rollback',
  timeout: 300,
  memory: 512,
  environment,
  triggers: [{ kind: 'schedule', name: 'ResizeTick', expression: 'rate(10 minutes)' }],
  scopes,
  deadLetterQueue: deadLetters.name,
};

/** Hourly: an "upcoming maintenance" notice for each window within 24 hours that will apply something. */
export const maintenanceFunction: FunctionSpec = {
  name: 'Maintenance',
  handler: 'functions/maintenance.handler',
  description: 'Announces maintenance windows that will apply pending Amazon MQ changes',
  timeout: 300,
  memory: 512,
  environment: { ...environment, MQOPS_MAINTENANCE_LEAD_HOURS: { literal: '24' } },
  triggers: [{ kind: 'schedule', name: 'MaintenanceSchedule', expression: 'cron(15 * * * ? *)' }],
  scopes,
  deadLetterQueue: deadLetters.name,
};
