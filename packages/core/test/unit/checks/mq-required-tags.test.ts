import { describe, expect, it } from 'vitest';
import { mqRequiredTags } from '../../../src/checks/mq-required-tags';
import { makeContext, makeFacts } from '../../helpers/broker';

describe('Check: mq-required-tags', () => {
  it('returns PASS when every required tag is set', () => {
    expect(
      mqRequiredTags.evaluate(makeFacts({ tags: { env: 'production', team: 'orders' } }), makeContext()),
    ).toEqual({
      status: 'PASS',
      message: 'Broker orders carries every required tag (env, team).',
    });
  });

  it('returns FAIL listing every missing key', () => {
    expect(mqRequiredTags.evaluate(makeFacts({ tags: { owner: 'x' } }), makeContext())).toEqual({
      status: 'FAIL',
      message: 'Broker orders lacks the required tags env, team.',
    });
  });

  it.each([
    [{ env: 'prod', team: '' }, 'lacks the required tag team (empty).'],
    [{ env: 'prod', team: '   ' }, 'lacks the required tag team (empty).'],
    [
      { env: 'prod', Team: 'orders' },
      'lacks the required tag team (only "Team" is set, and tag keys are case-sensitive).',
    ],
    [
      { ENV: 'prod' },
      'lacks the required tags env (only "ENV" is set, and tag keys are case-sensitive), team.',
    ],
  ])('with tags %j says %s', (tags, words) => {
    const outcome = mqRequiredTags.evaluate(makeFacts({ tags }), makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toBe(`Broker orders ${words}`);
  });

  it('follows the policy', () => {
    const facts = makeFacts({ tags: { env: 'prod', team: 'orders' } });
    const outcome = mqRequiredTags.evaluate(
      facts,
      makeContext({ policy: { requiredTags: ['cost-center'] } }),
    );
    expect(outcome.message).toBe('Broker orders lacks the required tag cost-center.');
    const none = mqRequiredTags.evaluate(
      makeFacts({ tags: {} }),
      makeContext({ policy: { requiredTags: [] } }),
    );
    expect(none.status).toBe('PASS');
  });

  it('maps to Security Hub MQ.4', () => {
    expect(mqRequiredTags.controls?.securityHub).toBe('MQ.4');
  });
});
