import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import { mqRabbitmqGuestUser } from '../../../src/checks/mq-rabbitmq-guest-user';
import { makeBroker, makeContext } from '../../helpers/broker';
import { makeRabbit, rabbitFacts } from '../../helpers/rabbit';

describe('Check: mq-rabbitmq-guest-user', () => {
  it('applies to RabbitMQ only and needs the management API facts', () => {
    expect(applies(mqRabbitmqGuestUser, makeBroker({ engine: 'RABBITMQ' }))).toBe(true);
    expect(applies(mqRabbitmqGuestUser, makeBroker())).toBe(false);
    expect(mqRabbitmqGuestUser.needs).toEqual(['rabbit']);
  });

  it('returns PASS when there is no guest user', () => {
    expect(mqRabbitmqGuestUser.evaluate(rabbitFacts(), makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker payments has no guest user.',
    });
  });

  it('returns FAIL naming guest and its tags when it exists', () => {
    const users = [...makeRabbit().users, { name: 'guest', tags: ['administrator'] }];
    expect(mqRabbitmqGuestUser.evaluate(rabbitFacts({ users }), makeContext())).toEqual({
      status: 'FAIL',
      message: 'Broker payments has the default RabbitMQ user guest (tags administrator).',
    });
  });

  it.each([
    [[], 'no tags', 'FAIL'],
    [['monitoring'], 'tags monitoring', 'FAIL'],
  ])('reports guest with tags %j as %s', (tags, words, status) => {
    const outcome = mqRabbitmqGuestUser.evaluate(
      rabbitFacts({ users: [{ name: 'guest', tags }] }),
      makeContext(),
    );
    expect(outcome.status).toBe(status);
    expect(outcome.message).toContain(words);
  });

  it.each(['Guest', 'guest2', 'guests'])('does not take %s for guest (names are case-sensitive)', (name) => {
    const outcome = mqRabbitmqGuestUser.evaluate(rabbitFacts({ users: [{ name, tags: [] }] }), makeContext());
    expect(outcome.status).toBe('PASS');
  });
});
