import { defineCheck, fail, pass } from '../../check';
import type { Engine } from '../../model';

/** Previous-generation types Amazon MQ no longer offers for new brokers, and what to move to. */
const LEGACY: Readonly<Record<string, Readonly<Record<Engine, string>>>> = {
  'mq.t2.micro': { ACTIVEMQ: 'mq.t3.micro (or mq.m5.large for production)', RABBITMQ: 'mq.m7g.large' },
  'mq.m4.large': { ACTIVEMQ: 'mq.m5.large', RABBITMQ: 'mq.m7g.large' },
};

/** Legacy types are older hardware, cannot be chosen for new brokers, and have no future on Amazon MQ. */
export const mqLegacyInstanceType = defineCheck({
  id: 'mq-legacy-instance-type',
  title: 'Broker runs on a current-generation instance type',
  severity: 'LOW',
  rationale:
    'mq.t2.micro and mq.m4.large are legacy instance types: Amazon MQ no longer offers them for new brokers, they ' +
    'run on older hardware, and a broker on them cannot be recreated as it is (for example to recover or to clone ' +
    'an environment). Current types are mq.t3.micro and mq.m5 for ActiveMQ, mq.m5 and mq.m7g for RabbitMQ.',
  remediation:
    '`aws mq update-broker --broker-id ID --host-instance-type mq.m5.large` (mq.t3.micro for evaluation brokers; ' +
    'RabbitMQ mq.m7g.large), then reboot the broker or wait for the maintenance window. CloudFormation ' +
    '`HostInstanceType`, Terraform `host_instance_type`.',
  evaluate: ({ broker }) => {
    const replacement = LEGACY[broker.instanceType]?.[broker.engine];
    if (!replacement)
      return pass(`Broker ${broker.name} runs on ${broker.instanceType}, a current instance type.`);
    const pendingType = broker.pending.instanceType;
    const pending =
      pendingType && !(pendingType in LEGACY)
        ? ` (a change to ${pendingType} is pending until the next reboot)`
        : '';
    return fail(
      `Broker ${broker.name} runs on the legacy instance type ${broker.instanceType}; move it to ${replacement}${pending}.`,
    );
  },
});
