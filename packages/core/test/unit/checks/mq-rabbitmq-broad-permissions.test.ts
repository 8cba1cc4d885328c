import { describe, expect, it } from 'vitest';
import { applies } from '../../../src/check';
import {
  isFullPermission,
  mqRabbitmqBroadPermissions,
} from '../../../src/checks/mq-rabbitmq-broad-permissions';
import type { RabbitPermissionFacts } from '../../../src/facts';
import { makeBroker, makeContext } from '../../helpers/broker';
import { auditSecret, makeRabbit, rabbitFacts } from '../../helpers/rabbit';

const perm = (user: string, vhost: string, all = '.*', write = all, read = all): RabbitPermissionFacts => ({
  user,
  vhost,
  configure: all,
  write,
  read,
});

describe('Check: mq-rabbitmq-broad-permissions', () => {
  it('applies to RabbitMQ only', () => {
    expect(applies(mqRabbitmqBroadPermissions, makeBroker({ engine: 'RABBITMQ' }))).toBe(true);
    expect(applies(mqRabbitmqBroadPermissions, makeBroker())).toBe(false);
  });

  it('returns PASS when only the provisioning admin has .* and apps are scoped', () => {
    expect(mqRabbitmqBroadPermissions.evaluate(rabbitFacts(), makeContext())).toEqual({
      status: 'PASS',
      message: "Broker payments has no user besides its administrators with '.*' permissions everywhere.",
    });
  });

  it('returns FAIL naming the user and its vhosts', () => {
    const base = makeRabbit();
    const facts = rabbitFacts({
      users: [...base.users, { name: 'legacy-app', tags: [] }],
      permissions: [...base.permissions, perm('legacy-app', '/'), perm('legacy-app', 'billing')],
    });
    expect(mqRabbitmqBroadPermissions.evaluate(facts, makeContext())).toEqual({
      status: 'FAIL',
      message:
        "Broker payments has a user with configure, write and read '.*' on every vhost it uses: legacy-app (/, billing).",
    });
  });

  it('names several users and counts them', () => {
    const facts = rabbitFacts({ permissions: [perm('admin', '/'), perm('b-app', '/'), perm('a-app', '/')] });
    const outcome = mqRabbitmqBroadPermissions.evaluate(facts, makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('2 users');
    expect(outcome.message).toContain('a-app (/); b-app (/)');
    expect(outcome.message).not.toContain('admin');
  });

  it("exempts listed admins and mqops's audit user, but not a second unlisted administrator", () => {
    const users = [
      { name: 'admin', tags: ['administrator'] },
      { name: 'ops', tags: ['administrator'] },
      { name: 'audit', tags: ['administrator'] },
    ];
    const permissions = [perm('admin', '/'), perm('ops', '/'), perm('audit', '/')];
    const withAudit = rabbitFacts({ users, permissions }, [auditSecret('audit')]);
    expect(mqRabbitmqBroadPermissions.evaluate(withAudit, makeContext()).message).toContain(
      'admin (/); ops (/)',
    );
    const listed = makeContext({ policy: { rabbitAdmins: ['ops'] } });
    expect(mqRabbitmqBroadPermissions.evaluate(withAudit, listed).status).toBe('PASS');
  });

  it.each([
    ['.* on one vhost, scoped on another', [perm('app', '/'), perm('app', 'b', '^b\\.')], 'PASS'],
    ['.* configure and write, scoped read', [perm('app', '/', '.*', '.*', '^x$')], 'PASS'],
    ['anchored ^.*$ everywhere', [perm('app', '/', '^.*$')], 'FAIL'],
    ['no permissions at all', [], 'PASS'],
    ['guest is left to mq-rabbitmq-guest-user', [perm('guest', '/')], 'PASS'],
  ])('%s → %s', (_case, extra, status) => {
    const facts = rabbitFacts({ permissions: [perm('admin', '/'), ...extra] });
    expect(mqRabbitmqBroadPermissions.evaluate(facts, makeContext()).status).toBe(status);
  });

  it.each([
    ['.*', true],
    ['^.*', true],
    ['^.*$', true],
    ['.+', false],
    ['^orders\\..*', false],
    ['', false],
  ])('pattern %j matches everything: %s', (pattern, full) => {
    expect(isFullPermission(perm('u', '/', pattern))).toBe(full);
  });
});
