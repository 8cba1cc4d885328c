import { defineCheck, isProduction } from '../../check';

/** A production broker on one instance goes down with its instance, its AZ and every maintenance reboot. */
export const mqSingleInstanceProduction = defineCheck({
  id: 'mq-single-instance-production',
  title: 'Production broker is highly available',
  severity: 'MEDIUM',
  rationale:
    'A single-instance broker is unavailable during every maintenance-window reboot, instance failure or ' +
    'Availability Zone outage. Production brokers should run active/standby (ActiveMQ) or as a three-node ' +
    'cluster (RabbitMQ) across Availability Zones.',
  remediation:
    'The deployment mode cannot be changed in place: create a broker with `--deployment-mode ' +
    'ACTIVE_STANDBY_MULTI_AZ` (ActiveMQ, EFS storage) or `CLUSTER_MULTI_AZ` (RabbitMQ), migrate clients and ' +
    'messages (e.g. with a shovel or network of brokers), then delete the single-instance broker.',
  controls: {
    securityHub: 'MQ.5 / MQ.6',
    awsConfig: 'mq-active-deployment-mode / mq-rabbit-deployment-mode',
  },
  evaluate: ({ broker }, { policy }) => {
    if (broker.deploymentMode !== 'SINGLE_INSTANCE')
      return { status: 'PASS', message: `Broker ${broker.name} runs ${broker.deploymentMode}.` };
    if (!isProduction(broker, policy))
      return {
        status: 'PASS',
        message: `Broker ${broker.name} is single-instance but not tagged as production.`,
      };
    return {
      status: 'FAIL',
      message: `Broker ${broker.name} is tagged as production but runs on a single instance in one Availability Zone.`,
    };
  },
});
