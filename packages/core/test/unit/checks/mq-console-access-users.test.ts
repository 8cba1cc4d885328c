import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import { mqConsoleAccessUsers as check } from '../../../src/checks/mq-console-access-users';
import type { ActiveMqUserFacts } from '../../../src/facts';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

const user = (username: string, consoleAccess: boolean, groups: string[] = []): ActiveMqUserFacts => ({
  username,
  consoleAccess,
  groups,
  replicationUser: false,
});

describe('Check: mq-console-access-users', () => {
  it('applies to ActiveMQ only', () => {
    expect(applies(check, makeBroker())).toBe(true);
    expect(applies(check, makeBroker({ engine: 'RABBITMQ' }))).toBe(false);
    expect(check.severity).toBe('LOW');
    expect(check.needs).toEqual(['activeMqUsers']);
  });

  it('returns FAIL naming console users outside the admin groups', () => {
    const users = [
      user('billing-admin', true, ['admins']),
      user('billing-app', true, ['apps']),
      user('job', true),
    ];
    expect(check.evaluate(makeFacts({}, { activeMqUsers: users }), makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders gives web-console access to users outside the admin groups (admin, admins, administrators): billing-app, job.',
    });
  });

  it('returns PASS when only admin-group users have console access', () => {
    const users = [user('ops', true, ['Administrators']), user('app', false, ['apps'])];
    expect(check.evaluate(makeFacts({}, { activeMqUsers: users }), makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker orders gives web-console access only to admin-group users (ops).',
    });
  });

  it.each([
    [[], 'PASS', 'gives no user web-console access'],
    [[user('app', false, ['apps'])], 'PASS', 'gives no user web-console access'],
    [[user('app', true, ['apps', 'admin'])], 'PASS', 'only to admin-group users (app)'],
    [[user('app', true, ['apps'])], 'FAIL', ': app.'],
  ])('users %j give %s', (users, status, text) => {
    const outcome = check.evaluate(makeFacts({}, { activeMqUsers: users }), makeContext());
    expect(outcome.status).toBe(status);
    expect(outcome.message).toContain(text);
  });

  it('follows the policy for admin groups', () => {
    const users = [user('ops', true, ['operators'])];
    expect(check.evaluate(makeFacts({}, { activeMqUsers: users }), makeContext()).status).toBe('FAIL');
    const context = makeContext({ policy: { adminGroups: ['operators'] } });
    expect(check.evaluate(makeFacts({}, { activeMqUsers: users }), context).status).toBe('PASS');
  });
});
