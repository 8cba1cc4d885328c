import { defineCheck, fail, pass } from '../../check';
import type { RabbitPolicyFacts } from '../../facts';
import { listSome } from '../mq-rabbitmq-queue-dead-lettering';

/**
 * Policies Amazon MQ creates and manages itself (`AWS-DEFAULT-POLICY-…`, `ha-all-AWS-OWNED-DO-NOT-DELETE`): on
 * RabbitMQ 3 cluster brokers they carry `ha-mode` by design, and Amazon MQ rewrites them for RabbitMQ 4.
 */
export function isAmazonMqPolicy(p: RabbitPolicyFacts): boolean {
  return p.name.startsWith('AWS-DEFAULT-') || p.name.endsWith('AWS-OWNED-DO-NOT-DELETE');
}

/** True when the policy mirrors classic queues (`ha-mode`), i.e. does not apply to quorum queues or streams only. */
export function mirrorsClassicQueues(p: RabbitPolicyFacts): boolean {
  return 'ha-mode' in p.definition && !['quorum_queues', 'streams', 'exchanges'].includes(p.applyTo);
}

/** Classic queue mirroring was removed in RabbitMQ 4.0: queues relying on it lose their replicas. */
export const mqRabbitmqClassicMirroring = defineCheck({
  id: 'mq-rabbitmq-classic-mirroring',
  title: 'No RabbitMQ policy mirrors classic queues (ha-mode)',
  severity: 'MEDIUM',
  rationale:
    'Classic mirrored queues (policies with `ha-mode`) are deprecated and were removed in RabbitMQ 4.0: a policy ' +
    'with `ha-mode` blocks the upgrade, and the queues it covers have no replicas afterwards. Quorum queues are the ' +
    "replicated queue type that replaces them. Amazon MQ's own default policies are left out: Amazon MQ manages " +
    'them (and appends `ha-mode` to custom policies on RabbitMQ 3 clusters unless they apply to quorum queues only).',
  remediation:
    'Move the queues to quorum queues (declare new queues with `x-queue-type: quorum`, shovel or drain the old ' +
    "ones), then set the policy's apply-to to `quorum_queues` and drop its `ha-*` keys, or delete it: " +
    '`curl -u ADMIN -X DELETE https://BROKER.mq.REGION.amazonaws.com/api/policies/VHOST/POLICY` ' +
    '(`rabbitmqadmin delete policy name=POLICY`). Do this before upgrading a 3.13 broker to RabbitMQ 4.',
  needs: ['rabbit'],
  appliesTo: { engines: ['RABBITMQ'] },
  evaluate: ({ broker, rabbit }) => {
    const mirroring = (rabbit?.policies ?? []).filter((p) => !isAmazonMqPolicy(p) && mirrorsClassicQueues(p));
    if (mirroring.length > 0) {
      const names = mirroring
        .map((p) => `${p.name} on vhost ${p.vhost} (ha-mode ${String(p.definition['ha-mode'])})`)
        .sort();
      const covered = (rabbit?.queues ?? []).filter(
        (q) => q.type === 'classic' && mirroring.some((p) => p.vhost === q.vhost && p.name === q.policy),
      ).length;
      return fail(
        `Broker ${broker.name} has ${mirroring.length} classic-mirroring ${mirroring.length === 1 ? 'policy' : 'policies'}, ` +
          `removed in RabbitMQ 4.0, applying to ${covered} classic ${covered === 1 ? 'queue' : 'queues'}: ${listSome(names)}.`,
      );
    }
    return pass(`Broker ${broker.name} has no policy that mirrors classic queues.`);
  },
});
