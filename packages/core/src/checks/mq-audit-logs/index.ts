import { defineCheck } from '../../check';

/** Without the audit log there is no record of who changed what through the console or JMX. */
export const mqAuditLogs = defineCheck({
  id: 'mq-audit-logs',
  title: 'ActiveMQ audit logging to CloudWatch Logs is on',
  severity: 'MEDIUM',
  rationale:
    'CloudTrail does not see messaging or ActiveMQ web-console actions; the ActiveMQ audit log is the only record ' +
    'of management actions (queue purges, deletions, user changes made through the console or JMX).',
  remediation:
    '`aws mq update-broker --broker-id ID --logs Audit=true,General=true`, then reboot the broker (or wait for ' +
    'its maintenance window). In CloudFormation set `Logs: { Audit: true }`.',
  appliesTo: { engines: ['ACTIVEMQ'] },
  controls: { securityHub: 'MQ.2', awsConfig: 'mq-cloudwatch-audit-log-enabled' },
  evaluate: ({ broker }) =>
    broker.logs.audit
      ? { status: 'PASS', message: `Broker ${broker.name} sends its audit log to CloudWatch Logs.` }
      : {
          status: 'FAIL',
          message: `Broker ${broker.name} does not send its ActiveMQ audit log to CloudWatch Logs.`,
        },
});
