import { describe, expect, it } from 'vitest';
import { mqAutoMinorVersionUpgrade } from '../../../src/checks/mq-auto-minor-version-upgrade';
import { makeContext, makeFacts } from '../../helpers/broker';

describe('Check: mq-auto-minor-version-upgrade', () => {
  it('returns PASS when automatic minor version upgrades are on', () => {
    expect(mqAutoMinorVersionUpgrade.evaluate(makeFacts(), makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker orders has automatic minor version upgrades on.',
    });
  });

  it.each([
    ['ACTIVEMQ', '5.17.6'],
    ['RABBITMQ', '3.11.28'],
  ] as const)(
    'returns FAIL for %s %s with upgrades off, naming the version it is stuck on',
    (engine, version) => {
      const facts = makeFacts({ engine, engineVersion: version, autoMinorVersionUpgrade: false });
      const outcome = mqAutoMinorVersionUpgrade.evaluate(facts, makeContext());
      expect(outcome.status).toBe('FAIL');
      expect(outcome.message).toBe(
        `Broker orders has automatic minor version upgrades off, so it stays on ${version} until someone upgrades it.`,
      );
    },
  );

  it('maps to Security Hub MQ.3', () => {
    expect(mqAutoMinorVersionUpgrade.controls).toEqual({
      securityHub: 'MQ.3',
      awsConfig: 'mq-auto-minor-version-upgrade-enabled',
    });
  });
});
