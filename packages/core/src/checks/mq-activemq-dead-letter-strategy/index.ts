import {
  activeMqConfigOf,
  type DeadLetterStrategy,
  describePolicyEntry,
  isCatchAll,
  isFalse,
  type PolicyEntry,
  queueEntries,
} from '../../activemq-xml';
import { defineCheck, fail, pass } from '../../check';

/** The dead-letter queue every queue shares when its policy entry sets no strategy (or a plain shared one). */
const SHARED_DLQ = 'ActiveMQ.DLQ';

/** True when the entry's dead letters do not land in the broker-wide ActiveMQ.DLQ. */
function separatesDeadLetters(strategy: DeadLetterStrategy | undefined): boolean {
  if (!strategy) return false;
  if (strategy.kind !== 'shared') return true;
  return strategy.deadLetterQueue !== undefined && strategy.deadLetterQueue !== SHARED_DLQ;
}

/** True when expired messages are kept in the DLQ with no expiry of their own (processExpired defaults to true). */
function keepsExpiredForever(strategy: DeadLetterStrategy | undefined): boolean {
  if (!strategy || strategy.kind === 'discarding') return false;
  const expiration = Number(strategy.attributes['expiration'] ?? '0');
  return !isFalse(strategy.attributes['processExpired']) && !(expiration > 0);
}

const list = (entries: PolicyEntry[]) => entries.map(describePolicyEntry).join(', ');

/** One DLQ for every application grows without bound and mixes everyone's failures. */
export const mqActivemqDeadLetterStrategy = defineCheck({
  id: 'mq-activemq-dead-letter-strategy',
  title: 'Every ActiveMQ queue has its own dead-letter queue that drops expired messages',
  severity: 'MEDIUM',
  rationale:
    'Without a deadLetterStrategy, ActiveMQ sends the poison messages of every queue to the one shared ' +
    'ActiveMQ.DLQ: applications mix their failures, nobody owns the queue and it grows until StorePercentUsage ' +
    'reaches 100 and the broker refuses messages. Expired messages go there too unless processExpired="false" ' +
    '(with timeStampingBrokerPlugin every message can expire). A policy entry replaces, not extends, the ones it is ' +
    'more specific than, so the catch-all queue=">" entry and every other queue entry each need the strategy.',
  remediation:
    'Add a new configuration revision whose destinationPolicy gives queue=">" (and every other queue policyEntry) ' +
    '`<deadLetterStrategy><individualDeadLetterStrategy queuePrefix="DLQ." useQueueForQueueMessages="true" ' +
    'processExpired="false"/></deadLetterStrategy>` (or an `expiration` in ms on the strategy), then apply it: ' +
    '`aws mq update-configuration --configuration-id ID --data BASE64_XML`, `aws mq update-broker --broker-id ID ' +
    '--configuration Id=ID,Revision=N` and reboot (or wait for the maintenance window). In CloudFormation this is ' +
    '`AWS::AmazonMQ::Configuration` `Data`; in Terraform `aws_mq_configuration.data`.',
  needs: ['configuration'],
  appliesTo: { engines: ['ACTIVEMQ'] },
  evaluate: (facts) => {
    const { broker } = facts;
    const read = activeMqConfigOf(facts);
    if (!read.ok) return fail(read.problem);
    const queues = queueEntries(read.config);
    const problems: string[] = [];
    if (!queues.length) {
      problems.push(`has no queue policy entry, so every queue dead-letters to the shared ${SHARED_DLQ}`);
    } else if (!queues.some((e) => isCatchAll(e.destination))) {
      problems.push(
        `has no queue=">" policy entry, so queues without an entry of their own dead-letter to the shared ${SHARED_DLQ}`,
      );
    }
    const shared = queues.filter((e) => !separatesDeadLetters(e.deadLetterStrategy));
    if (shared.length) {
      problems.push(
        `dead-letters ${list(shared)} to the shared ${SHARED_DLQ} (no individualDeadLetterStrategy)`,
      );
    }
    const expired = queues.filter((e) => keepsExpiredForever(e.deadLetterStrategy));
    if (expired.length) {
      problems.push(
        `keeps expired messages for good in the DLQs of ${list(expired)} (processExpired is not "false" and no expiration is set)`,
      );
    }
    if (problems.length) return fail(`Broker ${broker.name} ${problems.join('; ')}.`);
    return pass(
      `Broker ${broker.name} gives every queue policy entry (${list(queues)}) its own dead-letter queue that does not keep expired messages.`,
    );
  },
});
