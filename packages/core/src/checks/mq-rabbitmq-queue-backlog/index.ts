import { defineCheck, fail, pass } from '../../check';
import type { RabbitQueueFacts } from '../../facts';
import { queueLabel } from '../mq-rabbitmq-queue-dead-lettering';

/** How many of the biggest queues a finding names. */
const SHOWN = 3;

/** True when the queue asks for the lazy mode, which RabbitMQ ignores since 3.12. */
export function isLazy(q: RabbitQueueFacts): boolean {
  return q.arguments['x-queue-mode'] === 'lazy' || q.effectivePolicy['queue-mode'] === 'lazy';
}

/** A queue that keeps growing is a consumer that is down or too slow; the broker pays for it in memory and disk. */
export const mqRabbitmqQueueBacklog = defineCheck({
  id: 'mq-rabbitmq-queue-backlog',
  title: 'No RabbitMQ queue holds a large backlog of messages',
  severity: 'MEDIUM',
  rationale:
    "Messages piling up in a queue mean its consumers are gone or too slow. A large backlog uses the node's " +
    'memory and disk until RabbitMQ raises a resource alarm and blocks every publisher of the broker, and it ' +
    'makes restarts and upgrades slow. The lazy queue mode (`x-queue-mode: lazy`, policy `queue-mode: lazy`) is ' +
    'no remedy: it is ignored since RabbitMQ 3.12, where classic queues page to disk on their own.',
  remediation:
    'Find and fix the consumers (Queues tab of the RabbitMQ web console: consumers and ack rates). Cap queues with ' +
    'a policy (`max-length` or `max-length-bytes` with `overflow: reject-publish`, or a `message-ttl`) and a ' +
    'dead-letter exchange so overflow is kept, not lost; purge test queues nobody reads (`DELETE ' +
    '/api/queues/VHOST/QUEUE/contents`). Drop `queue-mode: lazy` from policies and arguments on 3.12 and later.',
  needs: ['rabbit'],
  appliesTo: { engines: ['RABBITMQ'] },
  evaluate: ({ broker, rabbit }, { policy }) => {
    const limit = policy.queueBacklogMessages;
    const big = (rabbit?.queues ?? [])
      .filter((q) => q.messages > limit)
      .sort((a, b) => b.messages - a.messages);
    if (big.length > 0) {
      const named = big
        .slice(0, SHOWN)
        .map(
          (q) =>
            `${queueLabel(q)} (${q.messages.toLocaleString('en-US')} messages${isLazy(q) ? ', lazy mode' : ''})`,
        );
      const more = big.length > SHOWN ? ` and ${big.length - SHOWN} more` : '';
      const lazy = big.some(isLazy) ? '; lazy mode has no effect since RabbitMQ 3.12' : '';
      return fail(
        `Broker ${broker.name} has ${big.length} ${big.length === 1 ? 'queue' : 'queues'} over the policy's ` +
          `${limit.toLocaleString('en-US')} messages: ${named.join(', ')}${more}${lazy}.`,
      );
    }
    return pass(`Broker ${broker.name} has no queue over ${limit.toLocaleString('en-US')} messages.`);
  },
});
