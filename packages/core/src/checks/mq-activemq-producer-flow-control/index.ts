import { activeMqConfigOf, describePolicyEntry, isFalse } from '../../activemq-xml';
import { defineCheck, fail, pass } from '../../check';

/** Without producer flow control a fast producer is never slowed down, whatever the broker has left. */
export const mqActivemqProducerFlowControl = defineCheck({
  id: 'mq-activemq-producer-flow-control',
  title: 'ActiveMQ producer flow control is not turned off',
  severity: 'LOW',
  rationale:
    'Producer flow control (on by default) slows producers down when a destination reaches its memory limit. ' +
    'With producerFlowControl="false" the broker keeps accepting messages from fast producers: the backlog fills ' +
    'memory, then the store or temporary storage, until sends fail for every destination (StorePercentUsage or ' +
    'TempPercentUsage at 100) or the broker runs out of heap (BROKER_OOM).',
  remediation:
    'Remove `producerFlowControl="false"` from the policy entries (or set it to "true") in a new configuration ' +
    'revision, with a memoryLimit per destination; then `aws mq update-configuration --configuration-id ID --data ' +
    'BASE64_XML`, `aws mq update-broker --broker-id ID --configuration Id=ID,Revision=N` and reboot (or wait for ' +
    'the maintenance window). In CloudFormation `AWS::AmazonMQ::Configuration` `Data`; in Terraform ' +
    '`aws_mq_configuration.data`.',
  needs: ['configuration'],
  appliesTo: { engines: ['ACTIVEMQ'] },
  evaluate: (facts) => {
    const { broker } = facts;
    const read = activeMqConfigOf(facts);
    if (!read.ok) return fail(read.problem);
    const off = read.config.policyEntries.filter((e) => isFalse(e.attributes['producerFlowControl']));
    if (off.length) {
      return fail(
        `Broker ${broker.name} turns producer flow control off on ${off.map(describePolicyEntry).join(', ')}, so producers are never slowed down when memory runs out.`,
      );
    }
    return pass(`Broker ${broker.name} keeps producer flow control on for every destination.`);
  },
});
