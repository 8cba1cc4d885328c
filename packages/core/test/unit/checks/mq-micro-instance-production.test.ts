import { describe, expect, it } from 'vitest';
import { mqMicroInstanceProduction } from '../../../src/checks/mq-micro-instance-production';
import { makeContext, makeFacts } from '../../helpers/broker';

describe('Check: mq-micro-instance-production', () => {
  it('returns FAIL for a production ActiveMQ broker on mq.t3.micro, naming the connection cap', () => {
    const facts = makeFacts({ instanceType: 'mq.t3.micro', deploymentMode: 'SINGLE_INSTANCE' });
    expect(mqMicroInstanceProduction.evaluate(facts, makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders is tagged as production but runs on mq.t3.micro, an evaluation type with burstable CPU ' +
        'capped at 300 connections per wire protocol.',
    });
  });

  it('names the RabbitMQ cap and a pending resize', () => {
    const facts = makeFacts({
      engine: 'RABBITMQ',
      instanceType: 'mq.t3.micro',
      deploymentMode: 'SINGLE_INSTANCE',
      tags: { Environment: 'PROD' },
      pending: { instanceType: 'mq.m7g.large' },
    });
    const outcome = mqMicroInstanceProduction.evaluate(facts, makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('500 connections and 1,500 channels');
    expect(outcome.message).toContain('(a change to mq.m7g.large is pending)');
  });

  it.each([
    ['mq.t2.micro', { env: 'production' }, 'FAIL'],
    ['mq.t3.micro', { stage: 'prod' }, 'FAIL'],
    ['mq.t3.micro', { env: 'dev' }, 'PASS'],
    ['mq.t3.micro', {}, 'PASS'],
    ['mq.m5.large', { env: 'production' }, 'PASS'],
    ['mq.m7g.medium', { env: 'production' }, 'PASS'],
  ] as const)('%s with tags %j gives %s', (instanceType, tags, status) => {
    const outcome = mqMicroInstanceProduction.evaluate(
      makeFacts({ instanceType, tags: { ...tags } }),
      makeContext(),
    );
    expect(outcome.status).toBe(status);
  });

  it('follows the policy for what production means', () => {
    const facts = makeFacts({ instanceType: 'mq.t3.micro', tags: { tier: 'gold' } });
    const context = makeContext({ policy: { productionTags: { tier: ['gold'] } } });
    expect(mqMicroInstanceProduction.evaluate(facts, context).status).toBe('FAIL');
  });
});
