import {
  activeMqConfigOf,
  describePolicyEntry,
  hasPlugin,
  hasWildcard,
  isFalse,
  isTrue,
  type PolicyEntry,
} from '../../activemq-xml';
import { defineCheck, fail, pass } from '../../check';

/** Policy-entry flags that publish one advisory message per message consumed or delivered. */
const PER_MESSAGE_ADVISORIES = ['advisoryForConsumed', 'advisoryForDelivery'] as const;

const flags = (entry: PolicyEntry) => PER_MESSAGE_ADVISORIES.filter((flag) => isTrue(entry.attributes[flag]));

/**
 * What the broker tells clients about itself: the statistics plugin, message bodies copied into advisories, and
 * per-message advisories on wildcard destinations. Advisory support itself stays on: clients, the web console and
 * networks of brokers rely on it, and its default advisories are cheap.
 */
export const mqActivemqAdvisoryStatistics = defineCheck({
  id: 'mq-activemq-advisory-statistics',
  title: 'ActiveMQ does not publish statistics, message bodies or per-message advisories',
  severity: 'LOW',
  rationale:
    'statisticsBrokerPlugin answers clients that send to ActiveMQ.Statistics.* (every client when there is no ' +
    'authorization map) with the names, sizes and consumer counts of destinations, a map of the broker for ' +
    'anyone holding a credential, while CloudWatch already publishes these metrics. ' +
    'includeBodyForAdvisory="true" copies message bodies into advisory topics, readable by whoever may read ' +
    'ActiveMQ.Advisory.>. advisoryForConsumed or advisoryForDelivery on a wildcard entry publish one ' +
    'advisory per message, doubling the message load and memory use. Plain advisory support is needed by clients ' +
    'and the web console and is not flagged.',
  remediation:
    'In a new configuration revision remove `<statisticsBrokerPlugin/>` from `<plugins>` and ' +
    '`includeBodyForAdvisory`, `advisoryForConsumed` and `advisoryForDelivery` from wildcard policy entries (set ' +
    'them on the few destinations that need them); then `aws mq update-configuration --configuration-id ID --data ' +
    'BASE64_XML`, `aws mq update-broker --broker-id ID --configuration Id=ID,Revision=N` and reboot. Read ' +
    'destination metrics from CloudWatch (AWS/AmazonMQ, dimensions Broker and Queue or Topic) instead. In ' +
    'CloudFormation `AWS::AmazonMQ::Configuration` `Data`; in Terraform `aws_mq_configuration.data`.',
  needs: ['configuration'],
  appliesTo: { engines: ['ACTIVEMQ'] },
  evaluate: (facts) => {
    const { broker } = facts;
    const read = activeMqConfigOf(facts);
    if (!read.ok) return fail(read.problem);
    const { config } = read;
    const problems: string[] = [];
    if (hasPlugin(config, 'statisticsBrokerPlugin')) {
      problems.push(
        'enables statisticsBrokerPlugin, which tells clients the names and sizes of destinations',
      );
    }
    // With advisorySupport="false" no advisory is published, whatever the policy entries say.
    if (!isFalse(config.broker['advisorySupport'])) {
      const bodies = config.policyEntries.filter((e) => isTrue(e.attributes['includeBodyForAdvisory']));
      if (bodies.length) {
        problems.push(
          `copies message bodies into advisories on ${bodies.map(describePolicyEntry).join(', ')}`,
        );
      }
      const perMessage = config.policyEntries.filter(
        (e) => hasWildcard(e.destination) && flags(e).length > 0,
      );
      if (perMessage.length) {
        problems.push(
          `publishes an advisory per message on ${perMessage.map((e) => `${describePolicyEntry(e)} (${flags(e).join(', ')})`).join(', ')}`,
        );
      }
    }
    if (problems.length) return fail(`Broker ${broker.name} ${problems.join('; ')}.`);
    return pass(
      `Broker ${broker.name} publishes no broker statistics, no message bodies in advisories and no per-message advisories on wildcard destinations.`,
    );
  },
});
