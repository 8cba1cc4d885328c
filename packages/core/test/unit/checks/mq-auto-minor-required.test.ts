import { describe, expect, it } from 'vitest';
import { mqAutoMinorRequired } from '../../../src/checks/mq-auto-minor-required';
import { makeContext, makeFacts } from '../../helpers/broker';

describe('Check: mq-auto-minor-required', () => {
  it('returns FAIL for ActiveMQ 5.18 with automatic minor upgrades off', () => {
    const facts = makeFacts({ engineVersion: '5.18.4', autoMinorVersionUpgrade: false });
    expect(mqAutoMinorRequired.evaluate(facts, makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders runs ActiveMQ 5.18.4 with automatic minor version upgrades off, which Amazon MQ requires ' +
        'on for ActiveMQ 5.18 and later.',
    });
  });

  it('returns PASS when they are on', () => {
    expect(mqAutoMinorRequired.evaluate(makeFacts({ engineVersion: '5.19' }), makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker orders has automatic minor version upgrades on, as ActiveMQ 5.18 and later require.',
    });
  });

  it.each([
    ['ACTIVEMQ', '5.17.6', 'PASS'],
    ['ACTIVEMQ', '5.18', 'FAIL'],
    ['ACTIVEMQ', '5.19.1', 'FAIL'],
    ['RABBITMQ', '3.12.13', 'PASS'],
    ['RABBITMQ', '3.13', 'FAIL'],
    ['RABBITMQ', '3.13.7', 'FAIL'],
    ['RABBITMQ', '4.2', 'FAIL'],
    ['RABBITMQ', '3.9.27', 'PASS'],
  ] as const)('%s %s with upgrades off gives %s', (engine, engineVersion, status) => {
    const facts = makeFacts({ engine, engineVersion, autoMinorVersionUpgrade: false });
    expect(mqAutoMinorRequired.evaluate(facts, makeContext()).status).toBe(status);
  });

  it('explains why an older version passes', () => {
    const facts = makeFacts({ engine: 'RABBITMQ', engineVersion: '3.12.13', autoMinorVersionUpgrade: false });
    expect(mqAutoMinorRequired.evaluate(facts, makeContext()).message).toBe(
      'Broker orders runs RabbitMQ 3.12.13, older than RabbitMQ 3.13, where automatic minor upgrades become mandatory.',
    );
  });

  it('returns FAIL when a pending upgrade reaches a version that requires them', () => {
    const facts = makeFacts({
      engineVersion: '5.17.6',
      autoMinorVersionUpgrade: false,
      pending: { engineVersion: '5.18.4' },
    });
    const outcome = mqAutoMinorRequired.evaluate(facts, makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('its pending upgrade to ActiveMQ 5.18.4 requires them');
  });

  it('returns PASS saying so when the version cannot be read', () => {
    const facts = makeFacts({ engineVersion: '', autoMinorVersionUpgrade: false });
    expect(mqAutoMinorRequired.evaluate(facts, makeContext()).message).toBe(
      'Broker orders reports engine version "", which mqops cannot read.',
    );
  });
});
