import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import { mqRabbitmqQueueBacklog } from '../../../src/checks/mq-rabbitmq-queue-backlog';
import { makeBroker, makeContext } from '../../helpers/broker';
import { makeQueue, rabbitFacts } from '../../helpers/rabbit';

describe('Check: mq-rabbitmq-queue-backlog', () => {
  it('applies to RabbitMQ only', () => {
    expect(applies(mqRabbitmqQueueBacklog, makeBroker({ engine: 'RABBITMQ' }))).toBe(true);
    expect(applies(mqRabbitmqQueueBacklog, makeBroker())).toBe(false);
  });

  it('returns PASS when no queue is over the policy limit', () => {
    const queues = [makeQueue({ messages: 100_000 })];
    expect(mqRabbitmqQueueBacklog.evaluate(rabbitFacts({ queues }), makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker payments has no queue over 100,000 messages.',
    });
  });

  it('returns FAIL naming the biggest queues first, at most three', () => {
    const queues = [
      makeQueue({ name: 'a', messages: 150_000 }),
      makeQueue({ name: 'b', messages: 2_500_000 }),
      makeQueue({ name: 'c', messages: 100_001 }),
      makeQueue({ name: 'd', messages: 400_000, vhost: 'billing' }),
      makeQueue({ name: 'small', messages: 5 }),
    ];
    expect(mqRabbitmqQueueBacklog.evaluate(rabbitFacts({ queues }), makeContext())).toEqual({
      status: 'FAIL',
      message:
        "Broker payments has 4 queues over the policy's 100,000 messages: b (2,500,000 messages), " +
        'billing/d (400,000 messages), a (150,000 messages) and 1 more.',
    });
  });

  it.each([
    ['x-queue-mode argument', { arguments: { 'x-queue-mode': 'lazy' } }],
    ['queue-mode policy', { effectivePolicy: { 'queue-mode': 'lazy' } }],
  ])('says lazy mode has no effect when a backlog queue uses it (%s)', (_case, lazy) => {
    const queues = [makeQueue({ name: 'slow', messages: 20, ...lazy })];
    const outcome = mqRabbitmqQueueBacklog.evaluate(
      rabbitFacts({ queues }),
      makeContext({ policy: { queueBacklogMessages: 10 } }),
    );
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toBe(
      "Broker payments has 1 queue over the policy's 10 messages: slow (20 messages, lazy mode); lazy mode has " +
        'no effect since RabbitMQ 3.12.',
    );
  });

  it.each([
    [9, 'PASS'],
    [10, 'PASS'],
    [11, 'FAIL'],
  ])('follows the policy threshold: %i messages against 10 → %s', (messages, status) => {
    const outcome = mqRabbitmqQueueBacklog.evaluate(
      rabbitFacts({ queues: [makeQueue({ messages })] }),
      makeContext({ policy: { queueBacklogMessages: 10 } }),
    );
    expect(outcome.status).toBe(status);
  });
});
