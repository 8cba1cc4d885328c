import { alertTopic, slackWebhookSecret } from './alerts';
import type { FunctionSpec } from './types';

/** The auditor: every broker, once a day, findings to Slack and SNS. */
export const auditFunction: FunctionSpec = {
  name: 'Audit',
  handler: 'functions/audit.handler',
  description: 'Audits every Amazon MQ broker and reports failing checks to Slack and SNS',
  timeout: 300,
  memory: 512,
  environment: {
    MQOPS_ALERT_TOPIC_ARN: { ref: alertTopic.name, attribute: 'arn' },
    MQOPS_SLACK_WEBHOOK_URL: { ref: slackWebhookSecret.name, attribute: 'value' },
  },
  triggers: [{ kind: 'schedule', name: 'AuditSchedule', expression: 'cron(0 6 * * ? *)' }],
  scopes: { 'sns:Publish': [{ ref: alertTopic.name, attribute: 'arn' }] },
};
