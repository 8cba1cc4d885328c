import { defineCheck, fail, isProduction, pass } from '../../check';

/** Connection caps of the micro types, per the Amazon MQ quotas. */
const MICRO_LIMITS: Readonly<Record<string, string>> = {
  ACTIVEMQ: '300 connections per wire protocol',
  RABBITMQ: '500 connections and 1,500 channels',
};
const MICRO_TYPES = ['mq.t2.micro', 'mq.t3.micro'];

/** Micro instances are for evaluation: low connection caps and CPU that runs on burst credits. */
export const mqMicroInstanceProduction = defineCheck({
  id: 'mq-micro-instance-production',
  title: 'Production broker does not run on a micro instance',
  severity: 'MEDIUM',
  rationale:
    'mq.t2.micro and mq.t3.micro are meant for evaluation: ActiveMQ is capped at 300 connections per protocol ' +
    '(2,000 on large types) with 20 GB of storage, RabbitMQ at 500 connections and 1,500 channels, and their ' +
    'burstable CPU slows to its baseline once credits run out. A RabbitMQ micro broker is single-instance only.',
  remediation:
    '`aws mq update-broker --broker-id ID --host-instance-type mq.m5.large` (RabbitMQ: mq.m7g.large, required for ' +
    'RabbitMQ 4), then reboot the broker; there is no way back down to a micro type. CloudFormation ' +
    '`HostInstanceType`, Terraform `host_instance_type`. For high availability a new broker is needed (the ' +
    'deployment mode cannot change).',
  evaluate: ({ broker }, { policy }) => {
    if (!MICRO_TYPES.includes(broker.instanceType))
      return pass(`Broker ${broker.name} runs on ${broker.instanceType}, not a micro instance.`);
    if (!isProduction(broker, policy))
      return pass(`Broker ${broker.name} runs on ${broker.instanceType} but is not tagged as production.`);
    const pending = broker.pending.instanceType
      ? ` (a change to ${broker.pending.instanceType} is pending)`
      : '';
    return fail(
      `Broker ${broker.name} is tagged as production but runs on ${broker.instanceType}, an evaluation type with burstable CPU capped at ${MICRO_LIMITS[broker.engine]}${pending}.`,
    );
  },
});
