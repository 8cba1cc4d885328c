import { MQ_CHANGE_EVENTS, SECURITY_GROUP_CHANGE_EVENTS } from '@mqops/core';
import { SECURITY_HUB_EXPORT_PREFIX } from '@mqops/core/report/asff-handover';
import { alertTopic, slackWebhookSecret } from './alerts';
import { deployedConfig } from './config';
import { brokerAuditSecrets, ownSecurityHubProduct } from './iam-scopes';
import { deadLetters, stateBucket } from './storage';
import type { EnvValue, FunctionSpec } from './types';

const { text: configText, config } = deployedConfig();

/** The audit's state file in the AuditState bucket (the audit-now runbook reads and writes it too). */
export const auditStateObjects: EnvValue[] = [{ ref: stateBucket.name, attribute: 'arn', suffix: '/*' }];

/** The reports the Audit function hands to the SecurityHub function (`mqops/securityhub/<invocation id>.json`). */
export const securityHubReports: EnvValue[] = [
  { ref: stateBucket.name, attribute: 'arn', suffix: `/${SECURITY_HUB_EXPORT_PREFIX}*` },
];

/**
 * The Security Hub feed: imports an audit's results (the report the Audit function stored under
 * `mqops/securityhub/`, named in the event it invokes this function with) into the account's Security Hub, then
 * deletes the report. Kept out of the Audit function, whose bundle then carries neither the ASFF conversion nor the
 * Security Hub client.
 */
export const securityHubFunction: FunctionSpec = {
  name: 'SecurityHub',
  handler: 'functions/securityhub-export.handler',
  description: 'Imports the audit findings into AWS Security Hub',
  timeout: 300,
  memory: 1024,
  environment: {
    MQOPS_STATE_BUCKET: { ref: stateBucket.name, attribute: 'name' },
  },
  triggers: [],
  scopes: {
    's3:GetObject': securityHubReports,
    's3:DeleteObject': securityHubReports,
    // Findings go to the account's own (default) Security Hub product only.
    'securityhub:BatchImportFindings': ownSecurityHubProduct,
  },
  deadLetterQueue: deadLetters.name,
};

/**
 * The auditor: every broker once a day, and the brokers an API call touched within seconds of the call
 * (CloudTrail events through EventBridge); what is new or fixed goes to Slack and SNS.
 */
export const auditFunction: FunctionSpec = {
  name: 'Audit',
  handler: 'functions/audit.handler',
  description: 'Audits Amazon MQ brokers and reports new and fixed findings to Slack and SNS',
  timeout: 900,
  memory: 1024,
  environment: {
    MQOPS_ALERT_TOPIC_ARN: { ref: alertTopic.name, attribute: 'arn' },
    MQOPS_SLACK_WEBHOOK_URL: { ref: slackWebhookSecret.name, attribute: 'value' },
    MQOPS_STATE_BUCKET: { ref: stateBucket.name, attribute: 'name' },
    MQOPS_SECURITYHUB_FUNCTION: { ref: securityHubFunction.name, attribute: 'name' },
    MQOPS_CONFIG: { literal: configText },
  },
  triggers: [
    { kind: 'schedule', name: 'AuditSchedule', expression: 'cron(0 6 * * ? *)' },
    {
      kind: 'events',
      name: 'AuditOnChange',
      pattern: {
        'detail-type': ['AWS API Call via CloudTrail'],
        source: ['aws.amazonmq', 'aws.ec2'],
        detail: {
          eventSource: ['amazonmq.amazonaws.com', 'ec2.amazonaws.com'],
          eventName: [...MQ_CHANGE_EVENTS, ...SECURITY_GROUP_CHANGE_EVENTS],
        },
      },
    },
  ],
  scopes: {
    'sns:Publish': [{ ref: alertTopic.name, attribute: 'arn' }],
    's3:GetObject': auditStateObjects,
    's3:PutObject': auditStateObjects,
    // The RabbitMQ data-plane checks log in with the broker's secret tagged mqops:broker and mqops:role=audit, and
    // may read no other secret.
    'secretsmanager:GetSecretValue': brokerAuditSecrets,
    // The Security Hub feed: the audit hands its results to the SecurityHub function, and invokes no other.
    'lambda:InvokeFunction': [{ ref: securityHubFunction.name, attribute: 'arn' }],
    // Only the roles the configuration names (none configured: a conventional name, so nothing else is allowed).
    'sts:AssumeRole': config.accounts.length
      ? config.accounts.map((a) => ({ literal: a.roleArn }))
      : [{ literal: 'arn:aws:iam::*:role/mqops-audit' }],
  },
  deadLetterQueue: deadLetters.name,
};
