import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import { mqRabbitmqQueueDeadLettering } from '../../../src/checks/mq-rabbitmq-queue-dead-lettering';
import { makeBroker, makeContext } from '../../helpers/broker';
import { makeQueue, rabbitFacts } from '../../helpers/rabbit';

const noDlx = (name: string, vhost = '/') => makeQueue({ name, vhost, arguments: {} });

describe('Check: mq-rabbitmq-queue-dead-lettering', () => {
  it('applies to RabbitMQ only', () => {
    expect(applies(mqRabbitmqQueueDeadLettering, makeBroker({ engine: 'RABBITMQ' }))).toBe(true);
    expect(applies(mqRabbitmqQueueDeadLettering, makeBroker())).toBe(false);
  });

  it('returns PASS when every durable queue dead-letters', () => {
    const queues = [
      makeQueue(),
      makeQueue({
        name: 'by-policy',
        arguments: {},
        policy: 'dlx',
        effectivePolicy: { 'dead-letter-exchange': 'dlx' },
      }),
    ];
    expect(mqRabbitmqQueueDeadLettering.evaluate(rabbitFacts({ queues }), makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker payments dead-letters all 2 durable queues.',
    });
  });

  it('returns FAIL naming the queues without a dead-letter exchange', () => {
    const queues = [makeQueue(), noDlx('orders.retry'), noDlx('audit', 'billing')];
    expect(mqRabbitmqQueueDeadLettering.evaluate(rabbitFacts({ queues }), makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker payments has 2 of 3 durable queues without a dead-letter exchange: billing/audit, orders.retry.',
    });
  });

  it('lists at most five and counts the rest', () => {
    const queues = Array.from({ length: 8 }, (_, i) => noDlx(`q${i}`));
    const outcome = mqRabbitmqQueueDeadLettering.evaluate(rabbitFacts({ queues }), makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('8 of 8');
    expect(outcome.message).toContain('q0, q1, q2, q3, q4 and 3 more.');
  });

  it.each([
    ['a stream', makeQueue({ type: 'stream', arguments: {} }), 'PASS'],
    ['a transient (non-durable) queue', makeQueue({ durable: false, arguments: {} }), 'PASS'],
    ['a server-named reply queue', makeQueue({ name: 'amq.gen-JzTY20BRgKO', arguments: {} }), 'PASS'],
    [
      'a quorum queue without DLX',
      makeQueue({ type: 'quorum', arguments: { 'x-queue-type': 'quorum' } }),
      'FAIL',
    ],
    [
      'a DLX routing key but no exchange',
      makeQueue({ arguments: { 'x-dead-letter-routing-key': 'dead' } }),
      'FAIL',
    ],
    [
      'a policy without dead-lettering',
      makeQueue({ arguments: {}, effectivePolicy: { 'max-length': 10 } }),
      'FAIL',
    ],
    ['the default exchange as DLX ("")', makeQueue({ arguments: { 'x-dead-letter-exchange': '' } }), 'PASS'],
    ['a dead-letter queue (orders.dlq)', noDlx('orders.dlq'), 'PASS'],
    ['a dead-letter queue (dead-letters.orders)', noDlx('dead-letters.orders'), 'PASS'],
    ['a dead-letter queue (payments_dead)', noDlx('payments_dead'), 'PASS'],
    [
      'a name that only contains "dead" inside a word (deadline.reminders)',
      noDlx('deadline.reminders'),
      'FAIL',
    ],
  ])('%s → %s', (_case, queue, status) => {
    expect(
      mqRabbitmqQueueDeadLettering.evaluate(rabbitFacts({ queues: [queue] }), makeContext()).status,
    ).toBe(status);
  });

  it('returns PASS with no queues at all', () => {
    expect(mqRabbitmqQueueDeadLettering.evaluate(rabbitFacts({ queues: [] }), makeContext()).message).toBe(
      'Broker payments dead-letters all 0 durable queues.',
    );
  });
});
