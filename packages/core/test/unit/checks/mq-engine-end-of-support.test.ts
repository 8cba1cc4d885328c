import { describe, expect, it } from 'vitest';
import { mqEngineEndOfSupport } from '../../../src/checks/mq-engine-end-of-support';
import { makeContext, makeFacts } from '../../helpers/broker';

describe('Check: mq-engine-end-of-support', () => {
  it('returns FAIL naming the end date and the forced-upgrade deadline while it is ahead', () => {
    const facts = makeFacts({ engineVersion: '5.17.6' });
    const outcome = mqEngineEndOfSupport.evaluate(
      facts,
      makeContext({ now: new Date('2025-07-01T00:00:00Z') }),
    );
    expect(outcome).toEqual({
      status: 'FAIL',
      message:
        'Broker orders runs ActiveMQ 5.17.6, whose support on Amazon MQ ended on 2025-06-16; Amazon MQ will ' +
        'upgrade it in a maintenance window by 2025-07-31.',
    });
  });

  it('returns FAIL saying the forced upgrade is overdue once 45 days have passed', () => {
    const facts = makeFacts({
      engine: 'RABBITMQ',
      engineVersion: '3.11.28',
      deploymentMode: 'CLUSTER_MULTI_AZ',
    });
    const outcome = mqEngineEndOfSupport.evaluate(facts, makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('RabbitMQ 3.11.28');
    expect(outcome.message).toContain('ended on 2025-02-17');
    expect(outcome.message).toContain('within 45 days (by 2025-04-03) has not happened yet');
  });

  it('mentions a pending upgrade but still fails until it is applied', () => {
    const facts = makeFacts({ engineVersion: '5.16.7', pending: { engineVersion: '5.18.4' } });
    const outcome = mqEngineEndOfSupport.evaluate(facts, makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('(an upgrade to 5.18.4 is pending)');
  });

  it.each([
    ['ACTIVEMQ', '5.15.16', 'FAIL'],
    ['ACTIVEMQ', '5.14.5', 'FAIL'],
    ['ACTIVEMQ', '5.18', 'PASS'],
    ['ACTIVEMQ', '5.19.1', 'PASS'],
    ['RABBITMQ', '3.8.34', 'FAIL'],
    ['RABBITMQ', '3.12.13', 'FAIL'],
    ['RABBITMQ', '3.13', 'PASS'],
    ['RABBITMQ', '4.2', 'PASS'],
  ] as const)('%s %s gives %s', (engine, engineVersion, status) => {
    const outcome = mqEngineEndOfSupport.evaluate(makeFacts({ engine, engineVersion }), makeContext());
    expect(outcome.status).toBe(status);
  });

  it.each([
    ['2025-06-15T23:59:59Z', 'PASS'],
    ['2025-06-16T00:00:00Z', 'FAIL'],
  ] as const)('treats the end-of-support day as ended from 00:00 UTC (now %s gives %s)', (now, status) => {
    const outcome = mqEngineEndOfSupport.evaluate(
      makeFacts({ engineVersion: '5.17.6' }),
      makeContext({ now: new Date(now) }),
    );
    expect(outcome.status).toBe(status);
  });

  it('returns PASS naming the date for a version whose end is still ahead', () => {
    const outcome = mqEngineEndOfSupport.evaluate(
      makeFacts({ engineVersion: '5.17.6' }),
      makeContext({ now: new Date('2025-01-01T00:00:00Z') }),
    );
    expect(outcome).toEqual({
      status: 'PASS',
      message: 'Broker orders runs ActiveMQ 5.17.6, supported until 2025-06-16.',
    });
  });

  it('returns PASS with an explicit message for a version mqops does not know', () => {
    const outcome = mqEngineEndOfSupport.evaluate(makeFacts({ engineVersion: '5.20.0' }), makeContext());
    expect(outcome.status).toBe('PASS');
    expect(outcome.message).toBe(
      "Broker orders runs ActiveMQ 5.20.0, which is not in mqops' support calendar (it knows ActiveMQ 5.15 to " +
        '5.19); check it with aws mq describe-broker-engine-types.',
    );
  });
});
