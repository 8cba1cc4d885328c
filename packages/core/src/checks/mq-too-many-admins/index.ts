import { type AuditPolicy, defineCheck, fail, pass } from '../../check';
import type { ActiveMqUserFacts } from '../../facts';

/** True when one of the user's groups is an admin group of the policy (compared case-insensitively). */
export function inAdminGroup(user: ActiveMqUserFacts, policy: AuditPolicy): boolean {
  const admin = new Set(policy.adminGroups.map((g) => g.toLowerCase()));
  return user.groups.some((g) => admin.has(g.toLowerCase()));
}

/** True when the user can administer the broker: web console access or an admin group. */
export function hasAdminRights(user: ActiveMqUserFacts, policy: AuditPolicy): boolean {
  return user.consoleAccess || inAdminGroup(user, policy);
}

/** Every admin is a password that can purge queues and change users; keep them few. */
export const mqTooManyAdmins = defineCheck({
  id: 'mq-too-many-admins',
  title: 'Only a few ActiveMQ users have admin rights',
  severity: 'MEDIUM',
  rationale:
    'An ActiveMQ user with web-console access or in an admin group can browse, purge and delete destinations ' +
    'and, through the console, act on every queue. Each such user is a credential whose leak compromises the ' +
    'whole broker, so their number should stay at the policy limit (maxAdminUsers).',
  remediation:
    'Take console access and admin groups away from users that do not administer the broker: ' +
    '`aws mq update-user --broker-id ID --username USER --no-console-access --groups apps`, and delete unused users ' +
    'with `aws mq delete-user`. User changes apply at the next reboot or maintenance window. In CloudFormation set ' +
    '`Users[].ConsoleAccess` and `Users[].Groups`; in Terraform the `user` blocks of `aws_mq_broker`.',
  needs: ['activeMqUsers'],
  appliesTo: { engines: ['ACTIVEMQ'] },
  evaluate: ({ broker, activeMqUsers = [] }, { policy }) => {
    const admins = activeMqUsers.filter((u) => hasAdminRights(u, policy)).map((u) => u.username);
    const names = admins.length ? ` (${admins.join(', ')})` : '';
    if (admins.length > policy.maxAdminUsers) {
      return fail(
        `Broker ${broker.name} has ${admins.length} users with admin rights${names}, more than the ${policy.maxAdminUsers} the policy allows.`,
      );
    }
    return pass(
      `Broker ${broker.name} has ${admins.length} users with admin rights${names}, within the policy's ${policy.maxAdminUsers}.`,
    );
  },
});
