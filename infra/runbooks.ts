import { alertTopic, slackWebhookSecret } from './alerts';
import { auditFunction, auditStateObjects } from './audit';
import { deployedConfig } from './config';
import { brokerAuditSecrets, brokers, mqopsSecrets } from './iam-scopes';
import { backupBucket, deadLetters, stateTable } from './storage';
import type { ActionScope, FunctionSpec } from './types';

const { text: configText } = deployedConfig();
const table = { ref: stateTable.name, attribute: 'arn' } as const;

const scopes: Record<string, ActionScope> = {
  'sns:Publish': [{ ref: alertTopic.name, attribute: 'arn' }],
  // audit-now invokes the Audit function, and no other.
  'lambda:InvokeFunction': [{ ref: auditFunction.name, attribute: 'arn' }],
  'dynamodb:GetItem': [table],
  'dynamodb:PutItem': [table],
  'dynamodb:DeleteItem': [table],
  'dynamodb:Query': [table],
  // backup-config writes to, and restore-config reads from, the Backups bucket; audit-now the audit's state.
  's3:GetObject': [...auditStateObjects, { ref: backupBucket.name, attribute: 'arn', suffix: '/backups/*' }],
  's3:PutObject': [...auditStateObjects, { ref: backupBucket.name, attribute: 'arn', suffix: '/backups/*' }],
  's3:ListBucket': [{ ref: backupBucket.name, attribute: 'arn' }],
  // rotate-now starts a rotation of mqops' rotated secrets only.
  'secretsmanager:DescribeSecret': mqopsSecrets,
  'secretsmanager:RotateSecret': mqopsSecrets,
  // The safe-reboot post-check logs in with the broker's rotated secret; backup-config reads RabbitMQ definitions
  // with the broker's audit secret (tagged mqops:broker and mqops:role=audit). No other secret.
  'secretsmanager:GetSecretValue': [{ resources: mqopsSecrets }, brokerAuditSecrets],
  // resize-now and safe-reboot change and reboot the broker they are given (see iam-scopes.ts: no tag condition).
  'mq:UpdateBroker': brokers,
  'mq:RebootBroker': brokers,
};

/**
 * Runbooks on manual invoke (`aws lambda invoke`, the console, `mqops run --invoke`): audit-now, rotate-now,
 * resize-now, safe-reboot, backup-config and restore-config (a dry-run diff). A dry run unless `"execute": true`;
 * every run leaves a trail in the state table and a chat message. Work that outlives the invocation (a reboot) is
 * advanced by the RunbookTick.
 */
export const runbookFunction: FunctionSpec = {
  name: 'Runbook',
  handler: 'functions/runbook.handler',
  description: 'Runs mqops runbooks on manual invoke (dry run unless execute), with an audit trail',
  timeout: 900,
  memory: 1024,
  environment: {
    MQOPS_STATE_TABLE: { ref: stateTable.name, attribute: 'name' },
    MQOPS_AUDIT_FUNCTION: { ref: auditFunction.name, attribute: 'name' },
    MQOPS_BACKUP_BUCKET: { ref: backupBucket.name, attribute: 'name' },
    MQOPS_ALERT_TOPIC_ARN: { ref: alertTopic.name, attribute: 'arn' },
    MQOPS_SLACK_WEBHOOK_URL: { ref: slackWebhookSecret.name, attribute: 'value' },
    MQOPS_CONFIG: { literal: configText },
  },
  triggers: [],
  manualInvoke: true,
  // Each runbook loads its own adapters (`await import` in functions/runbook.ts).
  splitting: true,
  scopes,
};

/** Runbooks that outlive their invocation (a safe reboot waiting for RUNNING) move on here, every 2 minutes. */
export const runbookTickFunction: FunctionSpec = {
  name: 'RunbookTick',
  handler: 'functions/runbook-tick.handler',
  description: 'Advances runbooks that wait for a broker (safe reboots), with real-connection checks',
  timeout: 120,
  memory: 512,
  environment: {
    MQOPS_STATE_TABLE: { ref: stateTable.name, attribute: 'name' },
    MQOPS_ALERT_TOPIC_ARN: { ref: alertTopic.name, attribute: 'arn' },
    MQOPS_SLACK_WEBHOOK_URL: { ref: slackWebhookSecret.name, attribute: 'value' },
    MQOPS_CONFIG: { literal: configText },
  },
  triggers: [{ kind: 'schedule', name: 'RunbookTickSchedule', expression: 'rate(2 minutes)' }],
  scopes: {
    'sns:Publish': [{ ref: alertTopic.name, attribute: 'arn' }],
    'dynamodb:GetItem': [table],
    'dynamodb:PutItem': [table],
    'dynamodb:DeleteItem': [table],
    'dynamodb:Query': [table],
    // The post-reboot connection check logs in with the broker's rotated secret, and may read no other.
    'secretsmanager:GetSecretValue': mqopsSecrets,
  },
  deadLetterQueue: deadLetters.name,
};
