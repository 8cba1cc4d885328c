import { describe, expect, it } from 'vitest';
import { mqPendingChangesAge } from '../../../src/checks/mq-pending-changes-age';
import { makeContext, makeFacts } from '../../helpers/broker';

// makeContext's clock is 2026-11-25T12:00:00Z.
const daysAgo = (days: number) => new Date(Date.parse('2026-11-25T12:00:00Z') - days * 86_400_000);

describe('Check: mq-pending-changes-age', () => {
  it('returns FAIL naming what is pending and for how long once past the limit', () => {
    const facts = makeFacts({ pending: { instanceType: 'mq.m5.xlarge' } });
    const outcome = mqPendingChangesAge.evaluate(facts, makeContext({ pendingSince: daysAgo(20) }));
    expect(outcome).toEqual({
      status: 'FAIL',
      message:
        'Broker orders has had changes pending for 20 days (since 2026-11-05), more than the 14-day limit: ' +
        'instance type mq.m5.xlarge.',
    });
  });

  it('returns PASS saying what is pending and since when while recent', () => {
    const facts = makeFacts({ pending: { engineVersion: '5.18.4' } });
    const outcome = mqPendingChangesAge.evaluate(facts, makeContext({ pendingSince: daysAgo(3) }));
    expect(outcome).toEqual({
      status: 'PASS',
      message:
        'Broker orders has had changes pending for 3 days (since 2026-11-22), within the 14-day limit: ' +
        'engine version 5.18.4.',
    });
  });

  it('returns PASS with "first seen now" when mqops has not seen them before', () => {
    const facts = makeFacts({ users: [{ username: 'app', pendingChange: 'UPDATE' }] });
    expect(mqPendingChangesAge.evaluate(facts, makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker orders has changes pending, first seen now: user changes (app: UPDATE).',
    });
  });

  it('returns PASS when nothing is pending, however old pendingSince is', () => {
    expect(mqPendingChangesAge.evaluate(makeFacts(), makeContext({ pendingSince: daysAgo(400) }))).toEqual({
      status: 'PASS',
      message: 'Broker orders has no pending changes.',
    });
  });

  it('lists every kind of pending change', () => {
    const facts = makeFacts({
      pending: {
        engineVersion: '5.18.4',
        instanceType: 'mq.m5.xlarge',
        securityGroups: ['sg-2', 'sg-3'],
        authenticationStrategy: 'LDAP',
        configuration: { id: 'c-1', revision: 4 },
        logs: { general: true, audit: false },
      },
      users: [
        { username: 'admin' },
        { username: 'app', pendingChange: 'CREATE' },
        { username: 'old', pendingChange: 'DELETE' },
      ],
    });
    const outcome = mqPendingChangesAge.evaluate(facts, makeContext({ pendingSince: daysAgo(30) }));
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain(
      'engine version 5.18.4, instance type mq.m5.xlarge, security groups sg-2, sg-3, authentication LDAP, ' +
        'configuration c-1 revision 4, logs (general on, audit off), user changes (app: CREATE, old: DELETE).',
    );
  });

  it.each([
    [14, 'PASS'],
    [14.9, 'PASS'],
    [15, 'FAIL'],
    [0, 'PASS'],
    [-2, 'PASS'],
  ])('pending for %f days gives %s with the default 14-day limit', (days, status) => {
    const facts = makeFacts({ pending: { securityGroups: ['sg-2'] } });
    expect(mqPendingChangesAge.evaluate(facts, makeContext({ pendingSince: daysAgo(days) })).status).toBe(
      status,
    );
  });

  it('follows the policy limit', () => {
    const facts = makeFacts({ pending: { authenticationStrategy: 'LDAP' } });
    const context = makeContext({ pendingSince: daysAgo(3), policy: { pendingChangeMaxDays: 2 } });
    const outcome = mqPendingChangesAge.evaluate(facts, context);
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('for 3 days (since 2026-11-22), more than the 2-day limit');
  });
});
