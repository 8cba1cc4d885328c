import { defineCheck, fail, pass } from '../../check';

/** A single instance is one Availability Zone and one host: every reboot and every AZ incident is an outage. */
export const mqHaDeployment = defineCheck({
  id: 'mq-ha-deployment',
  title: 'Broker runs highly available across Availability Zones',
  severity: 'LOW',
  rationale:
    'A single-instance broker is unavailable during every maintenance-window reboot, instance failure or ' +
    'Availability Zone outage. Active/standby (ActiveMQ, with EFS storage shared across two AZs) or a three-node ' +
    'cluster (RabbitMQ) keeps the broker reachable. This applies to every broker, as Security Hub does; ' +
    'mq-single-instance-production flags production brokers at a higher severity.',
  remediation:
    'The deployment mode cannot be changed in place: create a broker with `--deployment-mode ' +
    'ACTIVE_STANDBY_MULTI_AZ` (ActiveMQ, EFS storage, two subnets) or `CLUSTER_MULTI_AZ` (RabbitMQ, not on ' +
    'mq.t3.micro), migrate clients and messages, then delete the single-instance broker. CloudFormation ' +
    '`DeploymentMode`, Terraform `deployment_mode`.',
  controls: {
    securityHub: 'MQ.5 / MQ.6',
    awsConfig: 'mq-active-deployment-mode / mq-rabbit-deployment-mode',
  },
  evaluate: ({ broker }) =>
    broker.deploymentMode === 'SINGLE_INSTANCE'
      ? fail(`Broker ${broker.name} runs on a single instance in one Availability Zone (SINGLE_INSTANCE).`)
      : pass(`Broker ${broker.name} runs ${broker.deploymentMode} across Availability Zones.`),
});
