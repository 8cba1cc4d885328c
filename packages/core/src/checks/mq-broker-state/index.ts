import { defineCheck, fail, pass } from '../../check';

/** What each ActionsRequired code means, from Amazon MQ's troubleshooting guide. */
const ACTION_MEANINGS: Readonly<Record<string, string>> = {
  BROKER_ENI_DELETED: "the broker's elastic network interface was deleted, so clients cannot reach it",
  BROKER_OOM: 'ActiveMQ is in a restart loop because it runs out of memory',
  RABBITMQ_MEMORY_ALARM: 'memory use is above the RabbitMQ memory limit, so publishers are blocked',
  RABBITMQ_INVALID_KMS_KEY:
    'the KMS key that encrypts the broker is disabled, deleted or no longer usable by Amazon MQ',
  RABBITMQ_DISK_ALARM: 'free disk space is below the RabbitMQ disk limit, so publishers are blocked',
  RABBITMQ_QUORUM_QUEUES_NOT_SUPPORTED_ON_CURRENT_VERSION:
    'quorum queues were declared on a RabbitMQ version before 3.13, where Amazon MQ does not support them',
  RABBITMQ_BROKER_NOT_UPGRADEABLE_TO_V4:
    'the upgrade to RabbitMQ 4 was not applied because the broker has classic queues or Khepri enabled',
};

/** States in which the broker is not doing its job and someone has to act. */
const FAILING_STATES = ['CRITICAL_ACTION_REQUIRED', 'CREATION_FAILED'];

/** A broker in CRITICAL_ACTION_REQUIRED is degraded now; one in CREATION_FAILED never came up. */
export const mqBrokerState = defineCheck({
  id: 'mq-broker-state',
  title: 'Broker is healthy (no critical action required)',
  severity: 'HIGH',
  rationale:
    'CRITICAL_ACTION_REQUIRED means the broker is running degraded and Amazon MQ needs you to act (its ' +
    'ActionsRequired codes say why: deleted network interface, out of memory, memory or disk alarm, unusable KMS ' +
    'key, unsupported quorum queues); some operations such as RebootBroker are refused meanwhile. CREATION_FAILED ' +
    'means the broker never came up.',
  remediation:
    'Look up each ActionRequiredCode in the Amazon MQ troubleshooting guide ("Amazon MQ action required codes") ' +
    'and follow it: e.g. for memory or disk alarms reduce queue depth or connections and move to a larger ' +
    'instance type, for RABBITMQ_INVALID_KMS_KEY re-enable the key or restore Amazon MQ’s grant. ' +
    '`aws mq describe-broker --broker-id ID --query ActionsRequired` shows the details. A broker in ' +
    'CREATION_FAILED must be deleted (`aws mq delete-broker`) and created again once the cause is fixed.',
  requires: ['mq:DescribeBroker'],
  evaluate: ({ broker }) => {
    if (!FAILING_STATES.includes(broker.state))
      return pass(`Broker ${broker.name} is in state ${broker.state}.`);
    if (broker.state === 'CREATION_FAILED')
      return fail(
        `Broker ${broker.name} is in state CREATION_FAILED: it was never created and cannot serve clients.`,
      );
    const actions = broker.actionsRequired.map(
      (code) => `${code} (${ACTION_MEANINGS[code] ?? 'see the Amazon MQ troubleshooting guide'})`,
    );
    return fail(
      `Broker ${broker.name} is in state CRITICAL_ACTION_REQUIRED: ${actions.length ? actions.join('; ') : 'no action code reported'}.`,
    );
  },
});
