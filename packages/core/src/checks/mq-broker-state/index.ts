import { explainActionRequired } from '../../actions-required';
import { defineCheck, fail, pass } from '../../check';

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
  evaluate: ({ broker }) => {
    if (!FAILING_STATES.includes(broker.state))
      return pass(`Broker ${broker.name} is in state ${broker.state}.`);
    if (broker.state === 'CREATION_FAILED')
      return fail(
        `Broker ${broker.name} is in state CREATION_FAILED: it was never created and cannot serve clients.`,
      );
    const actions = broker.actionsRequired.map((code) => `${code} (${explainActionRequired(code).meaning})`);
    return fail(
      `Broker ${broker.name} is in state CRITICAL_ACTION_REQUIRED: ${actions.length ? actions.join('; ') : 'no action code reported'}.`,
    );
  },
});
