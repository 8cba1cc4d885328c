import { describe, expect, it } from 'vitest';
import { mqLegacyInstanceType } from '../../../src/checks/mq-legacy-instance-type';
import { makeContext, makeFacts } from '../../helpers/broker';

describe('Check: mq-legacy-instance-type', () => {
  it.each([
    ['ACTIVEMQ', 'mq.m4.large', 'mq.m5.large'],
    ['ACTIVEMQ', 'mq.t2.micro', 'mq.t3.micro (or mq.m5.large for production)'],
    ['RABBITMQ', 'mq.m4.large', 'mq.m7g.large'],
  ] as const)('returns FAIL for %s on %s and names %s', (engine, instanceType, replacement) => {
    const outcome = mqLegacyInstanceType.evaluate(makeFacts({ engine, instanceType }), makeContext());
    expect(outcome).toEqual({
      status: 'FAIL',
      message: `Broker orders runs on the legacy instance type ${instanceType}; move it to ${replacement}.`,
    });
  });

  it.each(['mq.t3.micro', 'mq.m5.large', 'mq.m5.4xlarge', 'mq.m7g.large'])(
    'returns PASS for %s',
    (instanceType) => {
      const outcome = mqLegacyInstanceType.evaluate(makeFacts({ instanceType }), makeContext());
      expect(outcome).toEqual({
        status: 'PASS',
        message: `Broker orders runs on ${instanceType}, a current instance type.`,
      });
    },
  );

  it('mentions a pending move to a current type, but still fails until the reboot', () => {
    const facts = makeFacts({ instanceType: 'mq.m4.large', pending: { instanceType: 'mq.m5.large' } });
    const outcome = mqLegacyInstanceType.evaluate(facts, makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('(a change to mq.m5.large is pending until the next reboot)');
  });

  it('does not mention a pending change to another legacy type', () => {
    const facts = makeFacts({ instanceType: 'mq.m4.large', pending: { instanceType: 'mq.t2.micro' } });
    expect(mqLegacyInstanceType.evaluate(facts, makeContext()).message).not.toContain('pending');
  });
});
