import { describe, expect, it } from 'vitest';
import { mqEngineEndOfSupportSoon } from '../../../src/checks/mq-engine-end-of-support-soon';
import { makeContext, makeFacts } from '../../helpers/broker';

const at = (iso: string) => makeContext({ now: new Date(iso) });

describe('Check: mq-engine-end-of-support-soon', () => {
  it('returns FAIL with the days left when the end is within the warning period', () => {
    const outcome = mqEngineEndOfSupportSoon.evaluate(
      makeFacts({ engineVersion: '5.17.6' }),
      at('2025-05-17T00:00:00Z'),
    );
    expect(outcome).toEqual({
      status: 'FAIL',
      message:
        'Broker orders runs ActiveMQ 5.17.6, whose support on Amazon MQ ends on 2025-06-16, in 30 days.',
    });
  });

  it('mentions a pending upgrade', () => {
    const facts = makeFacts({
      engine: 'RABBITMQ',
      engineVersion: '3.12.13',
      pending: { engineVersion: '3.13.7' },
    });
    const outcome = mqEngineEndOfSupportSoon.evaluate(facts, at('2025-03-01T00:00:00Z'));
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('RabbitMQ 3.12.13');
    expect(outcome.message).toContain('in 16 days (an upgrade to 3.13.7 is pending)');
  });

  it.each([
    // 5.17 ends 2025-06-16T00:00Z; the default warning period is 90 days.
    ['2025-03-18T00:00:00Z', 90, 'FAIL'],
    ['2025-03-17T00:00:00Z', 91, 'PASS'],
    ['2025-06-15T12:00:00Z', 1, 'FAIL'],
  ] as const)('at %s (%i days left) gives %s', (now, days, status) => {
    const outcome = mqEngineEndOfSupportSoon.evaluate(makeFacts({ engineVersion: '5.17.6' }), at(now));
    expect(outcome.status).toBe(status);
    expect(outcome.message).toContain(`${days} ${days === 1 ? 'day' : 'days'}`);
  });

  it('follows the policy for the warning period', () => {
    const facts = makeFacts({ engineVersion: '5.17.6' });
    const context = makeContext({
      now: new Date('2025-03-17T00:00:00Z'),
      policy: { endOfSupportWarningDays: 120 },
    });
    expect(mqEngineEndOfSupportSoon.evaluate(facts, context).status).toBe('FAIL');
  });

  it.each([
    ['5.17.6', 'already past its end of support on 2025-06-16 (reported by mq-engine-end-of-support)'],
    ['5.18', 'has no end of support announced'],
    ['5.20.0', "not in mqops' support calendar"],
  ])('returns PASS for %s, saying why', (engineVersion, words) => {
    const outcome = mqEngineEndOfSupportSoon.evaluate(makeFacts({ engineVersion }), makeContext());
    expect(outcome.status).toBe('PASS');
    expect(outcome.message).toContain(words);
  });
});
