import { defineCheck, fail, pass } from '../../check';

/** The general log is where broker errors, restarts and (RabbitMQ) connection and policy events show up. */
export const mqGeneralLogs = defineCheck({
  id: 'mq-general-logs',
  title: 'General logging to CloudWatch Logs is on',
  severity: 'MEDIUM',
  rationale:
    'Without the general log in CloudWatch Logs there is no record of broker errors, restarts, memory or disk ' +
    'alarms, or (RabbitMQ) connections and authentication failures to investigate an incident with. Prowler checks ' +
    'it for both engines (mq_broker_logging_enabled).',
  remediation:
    '`aws mq update-broker --broker-id ID --logs General=true` (ActiveMQ: `General=true,Audit=true`), then reboot ' +
    'the broker (`aws mq reboot-broker --broker-id ID`): log changes apply at the next reboot. CloudFormation ' +
    '`Logs: { General: true }`, Terraform `logs { general = true }`. ActiveMQ brokers also need a CloudWatch Logs ' +
    'resource policy that lets mq.amazonaws.com write to /aws/amazonmq/*.',
  evaluate: ({ broker }) => {
    const pending = broker.pending.logs?.general;
    if (broker.logs.general)
      return pass(
        pending === false
          ? `Broker ${broker.name} sends its general log to CloudWatch Logs, but a pending change turns it off at the next reboot.`
          : `Broker ${broker.name} sends its general log to CloudWatch Logs.`,
      );
    return fail(
      pending === true
        ? `Broker ${broker.name} does not send its general log to CloudWatch Logs yet: a pending change turns it on, but only at the next reboot.`
        : `Broker ${broker.name} does not send its general log to CloudWatch Logs.`,
    );
  },
});
