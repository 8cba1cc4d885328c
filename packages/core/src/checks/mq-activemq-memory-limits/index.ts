import {
  activeMqConfigOf,
  describePolicyEntry,
  isCatchAll,
  type PolicyEntry,
  parseSize,
  queueEntries,
} from '../../activemq-xml';
import { defineCheck, fail, pass } from '../../check';

const list = (entries: PolicyEntry[]) => entries.map(describePolicyEntry).join(', ');

/** A queue with no memoryLimit shares the broker's whole memory with every other queue. */
export const mqActivemqMemoryLimits = defineCheck({
  id: 'mq-activemq-memory-limits',
  title: 'Every ActiveMQ queue has a per-destination memory limit',
  severity: 'MEDIUM',
  rationale:
    'A queue whose policy entry sets no memoryLimit (or 0) is bounded only by the broker-wide memory usage, so ' +
    'one queue with a slow consumer can take all of it: producers of every other destination are then throttled ' +
    'or blocked, and the broker can end in BROKER_OOM. A policy entry replaces, not extends, the ones it is more ' +
    'specific than, so the catch-all queue=">" entry and every other queue entry each need a memoryLimit.',
  remediation:
    'Add a new configuration revision whose destinationPolicy gives queue=">" (and every other queue policyEntry) ' +
    'a memoryLimit, e.g. `<policyEntry queue="&gt;" memoryLimit="64mb" producerFlowControl="true"/>`, sized so ' +
    'the busiest queues fit in the heap of the instance type; then `aws mq update-configuration --configuration-id ' +
    'ID --data BASE64_XML`, `aws mq update-broker --broker-id ID --configuration Id=ID,Revision=N` and reboot (or ' +
    'wait for the maintenance window). In CloudFormation `AWS::AmazonMQ::Configuration` `Data`; in Terraform ' +
    '`aws_mq_configuration.data`.',
  needs: ['configuration'],
  appliesTo: { engines: ['ACTIVEMQ'] },
  evaluate: (facts) => {
    const { broker } = facts;
    const read = activeMqConfigOf(facts);
    if (!read.ok) return fail(read.problem);
    const queues = queueEntries(read.config);
    if (!queues.length) {
      return fail(
        `Broker ${broker.name} has no queue policy entry, so no queue has a memoryLimit and one queue can take all of the broker's memory.`,
      );
    }
    const problems: string[] = [];
    if (!queues.some((e) => isCatchAll(e.destination))) {
      problems.push(
        'has no queue=">" policy entry, so queues without an entry of their own have no memoryLimit',
      );
    }
    const missing = queues.filter((e) => e.attributes['memoryLimit'] === undefined);
    if (missing.length) problems.push(`sets no memoryLimit on ${list(missing)}`);
    const invalid = queues.filter((e) => {
      const value = e.attributes['memoryLimit'];
      return value !== undefined && !((parseSize(value) ?? 0) > 0);
    });
    if (invalid.length) {
      problems.push(
        `sets a memoryLimit that limits nothing on ${invalid.map((e) => `${describePolicyEntry(e)} ("${e.attributes['memoryLimit']}")`).join(', ')}`,
      );
    }
    if (problems.length) {
      return fail(
        `Broker ${broker.name} ${problems.join('; ')}: one queue can take all of the broker's memory.`,
      );
    }
    const limits = queues.map((e) => `${describePolicyEntry(e)} ${e.attributes['memoryLimit']}`).join(', ');
    return pass(`Broker ${broker.name} limits the memory of every queue policy entry (${limits}).`);
  },
});
