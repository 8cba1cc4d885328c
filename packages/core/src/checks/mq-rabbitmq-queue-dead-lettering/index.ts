import { defineCheck, fail, pass } from '../../check';
import type { RabbitQueueFacts } from '../../facts';

/** How a queue is named in findings: its name, with the vhost when that is not the default `/`. */
export function queueLabel(q: RabbitQueueFacts): string {
  return q.vhost === '/' ? q.name : `${q.vhost}/${q.name}`;
}

/** How many names a finding lists before it says "and N more". */
const SHOWN = 5;

/**
 * True for queues that are meant to live: durable, not a stream (streams have no dead-lettering), not
 * server-named (`amq.gen-…`, the exclusive reply queues clients declare). The facts do not carry the exclusive
 * and auto-delete flags, and such queues are almost always transient (not durable), so durability stands in.
 */
export function isLastingQueue(q: RabbitQueueFacts): boolean {
  return q.durable && q.type !== 'stream' && !q.name.startsWith('amq.');
}

/** Names of dead-letter queues themselves (`orders.dlq`, `dead-letter.orders`, `payments_dead`): the end of the line. */
const DEAD_LETTER_QUEUE = /(^|[._-])(dlq|dead|dead[._-]?letters?|dlx)([._-]|$)/i;

/** True for a queue named as a dead-letter queue; it needs no dead-letter exchange of its own. */
export function isDeadLetterQueue(q: RabbitQueueFacts): boolean {
  return DEAD_LETTER_QUEUE.test(q.name);
}

/** True when rejected or expired messages of the queue go to a dead-letter exchange. */
export function hasDeadLetterExchange(q: RabbitQueueFacts): boolean {
  return (
    typeof q.arguments['x-dead-letter-exchange'] === 'string' ||
    typeof q.effectivePolicy['dead-letter-exchange'] === 'string'
  );
}

/** `a, b, c and 4 more`. */
export function listSome(names: readonly string[], shown = SHOWN): string {
  const head = names.slice(0, shown).join(', ');
  return names.length > shown ? `${head} and ${names.length - shown} more` : head;
}

/** Without a dead-letter exchange, rejected, expired and overflowing messages are dropped without a trace. */
export const mqRabbitmqQueueDeadLettering = defineCheck({
  id: 'mq-rabbitmq-queue-dead-lettering',
  title: 'RabbitMQ queues dead-letter rejected and expired messages',
  severity: 'LOW',
  rationale:
    'A message a consumer rejects (or that expires by TTL, overflows a length limit or, on quorum queues, exceeds ' +
    'the delivery limit) is discarded unless the queue has a dead-letter exchange. A poison message is then lost ' +
    'silently instead of being parked where someone can inspect and replay it. Queues named as dead-letter ' +
    'queues (`…dlq`, `…dead…`, `…dead-letter…`) are the end of the line and are left out.',
  remediation:
    'Add a policy that sets a dead-letter exchange for the queues (it applies to existing queues, no redeclare ' +
    'needed): `curl -u ADMIN -X PUT https://BROKER.mq.REGION.amazonaws.com/api/policies/%2F/dlx -H ' +
    '"content-type: application/json" -d \'{"pattern":"^orders\\\\.","apply-to":"queues","priority":2,' +
    '"definition":{"dead-letter-exchange":"dlx"}}\'`, declare the `dlx` exchange and a queue bound to it; or declare ' +
    'queues with the `x-dead-letter-exchange` argument. On cluster brokers give the policy a priority above 1 so it ' +
    'wins over the Amazon MQ default policy.',
  needs: ['rabbit'],
  appliesTo: { engines: ['RABBITMQ'] },
  evaluate: ({ broker, rabbit }) => {
    const lasting = (rabbit?.queues ?? []).filter(isLastingQueue);
    const missing = lasting
      .filter((q) => !hasDeadLetterExchange(q) && !isDeadLetterQueue(q))
      .map(queueLabel)
      .sort();
    if (missing.length > 0) {
      return fail(
        `Broker ${broker.name} has ${missing.length} of ${lasting.length} durable queues without a dead-letter ` +
          `exchange: ${listSome(missing)}.`,
      );
    }
    return pass(`Broker ${broker.name} dead-letters all ${lasting.length} durable queues.`);
  },
});
