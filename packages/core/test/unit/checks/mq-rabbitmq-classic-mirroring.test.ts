import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import { mqRabbitmqClassicMirroring } from '../../../src/checks/mq-rabbitmq-classic-mirroring';
import type { RabbitPolicyFacts } from '../../../src/facts';
import { makeBroker, makeContext } from '../../helpers/broker';
import { makeQueue, makeRabbit, rabbitFacts } from '../../helpers/rabbit';

const policy = (
  name: string,
  definition: Record<string, unknown>,
  applyTo = 'queues',
): RabbitPolicyFacts => ({
  vhost: '/',
  name,
  pattern: '^orders\\.',
  applyTo,
  priority: 2,
  definition,
});

describe('Check: mq-rabbitmq-classic-mirroring', () => {
  it('applies to RabbitMQ only', () => {
    expect(applies(mqRabbitmqClassicMirroring, makeBroker({ engine: 'RABBITMQ' }))).toBe(true);
    expect(applies(mqRabbitmqClassicMirroring, makeBroker())).toBe(false);
  });

  it("returns PASS with only Amazon MQ's default policies (which carry ha-mode on clusters)", () => {
    const policies = [
      ...makeRabbit().policies,
      { ...policy('ha-all-AWS-OWNED-DO-NOT-DELETE', { 'ha-mode': 'all' }, 'all'), priority: 0 },
    ];
    expect(mqRabbitmqClassicMirroring.evaluate(rabbitFacts({ policies }), makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker payments has no policy that mirrors classic queues.',
    });
  });

  it('returns FAIL naming the mirroring policies and how many classic queues they cover', () => {
    const policies = [
      ...makeRabbit().policies,
      policy('ha-orders', { 'ha-mode': 'exactly', 'ha-params': 2 }),
    ];
    const queues = [
      makeQueue({ name: 'orders.in', policy: 'ha-orders' }),
      makeQueue({ name: 'orders.out', policy: 'ha-orders' }),
      makeQueue({ name: 'orders.q', type: 'quorum', policy: 'ha-orders' }),
    ];
    expect(mqRabbitmqClassicMirroring.evaluate(rabbitFacts({ policies, queues }), makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker payments has 1 classic-mirroring policy, removed in RabbitMQ 4.0, applying to 2 classic queues: ' +
        'ha-orders on vhost / (ha-mode exactly).',
    });
  });

  it.each([
    ['apply-to all', policy('p', { 'ha-mode': 'all' }, 'all'), 'FAIL'],
    ['apply-to classic_queues', policy('p', { 'ha-mode': 'all' }, 'classic_queues'), 'FAIL'],
    [
      'apply-to quorum_queues (ha keys do not apply)',
      policy('p', { 'ha-mode': 'all' }, 'quorum_queues'),
      'PASS',
    ],
    ['apply-to exchanges', policy('p', { 'ha-mode': 'all' }, 'exchanges'), 'PASS'],
    ['no ha-mode', policy('p', { 'max-length': 1000 }), 'PASS'],
    ['AWS-DEFAULT prefix', policy('AWS-DEFAULT-POLICY-SINGLE-INSTANCE', { 'ha-mode': 'all' }), 'PASS'],
  ])('%s → %s', (_case, p, status) => {
    expect(mqRabbitmqClassicMirroring.evaluate(rabbitFacts({ policies: [p] }), makeContext()).status).toBe(
      status,
    );
  });

  it('counts several policies and pluralises', () => {
    const policies = [
      policy('b', { 'ha-mode': 'all' }),
      { ...policy('a', { 'ha-mode': 'nodes' }), vhost: 'v2' },
    ];
    const outcome = mqRabbitmqClassicMirroring.evaluate(rabbitFacts({ policies, queues: [] }), makeContext());
    expect(outcome.message).toContain('2 classic-mirroring policies');
    expect(outcome.message).toContain(
      '0 classic queues: a on vhost v2 (ha-mode nodes), b on vhost / (ha-mode all).',
    );
  });
});
