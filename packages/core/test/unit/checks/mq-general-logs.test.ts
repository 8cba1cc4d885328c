import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import { mqGeneralLogs } from '../../../src/checks/mq-general-logs';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

describe('Check: mq-general-logs', () => {
  it('returns PASS when the general log goes to CloudWatch Logs', () => {
    expect(mqGeneralLogs.evaluate(makeFacts(), makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker orders sends its general log to CloudWatch Logs.',
    });
  });

  it.each([
    ['ACTIVEMQ', { general: false, audit: true }],
    ['RABBITMQ', { general: false }],
  ] as const)('returns FAIL for a %s broker with the general log off', (engine, logs) => {
    const outcome = mqGeneralLogs.evaluate(makeFacts({ engine, logs: { ...logs } }), makeContext());
    expect(outcome).toEqual({
      status: 'FAIL',
      message: 'Broker orders does not send its general log to CloudWatch Logs.',
    });
  });

  it('still returns FAIL when a pending change turns the log on, and says so', () => {
    const facts = makeFacts({ logs: { general: false, audit: true }, pending: { logs: { general: true } } });
    const outcome = mqGeneralLogs.evaluate(facts, makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('a pending change turns it on');
    expect(outcome.message).toContain('next reboot');
  });

  it('returns PASS but warns when a pending change turns the log off', () => {
    const facts = makeFacts({ pending: { logs: { general: false } } });
    const outcome = mqGeneralLogs.evaluate(facts, makeContext());
    expect(outcome.status).toBe('PASS');
    expect(outcome.message).toContain('turns it off');
  });

  it('applies to both engines', () => {
    expect(applies(mqGeneralLogs, makeBroker())).toBe(true);
    expect(
      applies(mqGeneralLogs, makeBroker({ engine: 'RABBITMQ', deploymentMode: 'CLUSTER_MULTI_AZ' })),
    ).toBe(true);
  });
});
