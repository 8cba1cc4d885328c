import { describe, expect, it } from 'vitest';
import { applies, requiredActions } from '../../../src/check';
import { mqTooManyAdmins as check, hasAdminRights } from '../../../src/checks/mq-too-many-admins';
import type { ActiveMqUserFacts } from '../../../src/facts';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

const user = (username: string, consoleAccess: boolean, groups: string[] = []): ActiveMqUserFacts => ({
  username,
  consoleAccess,
  groups,
  replicationUser: false,
});

describe('Check: mq-too-many-admins', () => {
  it('applies to ActiveMQ only', () => {
    expect(applies(check, makeBroker())).toBe(true);
    expect(applies(check, makeBroker({ engine: 'RABBITMQ', deploymentMode: 'CLUSTER_MULTI_AZ' }))).toBe(
      false,
    );
    expect(check.needs).toEqual(['activeMqUsers']);
    expect(requiredActions(check)).toContain('mq:DescribeUser');
  });

  it('returns FAIL listing the admins when there are more than the policy allows', () => {
    const users = [
      user('ops-1', true),
      user('ops-2', false, ['admins']),
      user('app', false, ['apps']),
      user('x', true),
    ];
    expect(check.evaluate(makeFacts({}, { activeMqUsers: users }), makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders has 3 users with admin rights (ops-1, ops-2, x), more than the 2 the policy allows.',
    });
  });

  it('returns PASS at the limit', () => {
    const users = [user('ops-1', true, ['admins']), user('ops-2', true), user('app', false)];
    expect(check.evaluate(makeFacts({}, { activeMqUsers: users }), makeContext())).toEqual({
      status: 'PASS',
      message: "Broker orders has 2 users with admin rights (ops-1, ops-2), within the policy's 2.",
    });
  });

  it('follows the policy for the limit and the admin groups', () => {
    const users = [user('a', false, ['Operators']), user('b', false, ['operators'])];
    const context = makeContext({ policy: { maxAdminUsers: 1, adminGroups: ['operators'] } });
    expect(check.evaluate(makeFacts({}, { activeMqUsers: users }), context).status).toBe('FAIL');
    expect(check.evaluate(makeFacts({}, { activeMqUsers: users }), makeContext()).status).toBe('PASS');
  });

  it.each([
    [user('u', true), true],
    [user('u', false, ['ADMINS']), true],
    [user('u', false, ['apps']), false],
    [user('u', false), false],
  ])('%j has admin rights: %s', (u, expected) => {
    expect(hasAdminRights(u, makeContext().policy)).toBe(expected);
  });
});
