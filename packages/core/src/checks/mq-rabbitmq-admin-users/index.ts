import { type AuditPolicy, defineCheck, fail, pass } from '../../check';
import type { BrokerFacts, RabbitUserFacts } from '../../facts';

/** RabbitMQ's default user; its own check reports it, so the user checks leave it out. */
export const RABBIT_GUEST = 'guest';

/** True when the user carries RabbitMQ's `administrator` tag. */
export function isRabbitAdministrator(user: RabbitUserFacts): boolean {
  return user.tags.some((t) => t.toLowerCase() === 'administrator');
}

/**
 * The users mqops itself reads the management API with: the usernames of the broker's secrets tagged
 * `mqops:role=audit` (named by their `mqops:username` tag). RabbitMQ shows `/api/users` and `/api/permissions` to
 * administrators only, so that user must be one; reporting it would be mqops reporting itself.
 */
export function auditUsernames(facts: BrokerFacts): string[] {
  return (facts.credentials ?? []).flatMap((c) => (c.role === 'audit' && c.username ? [c.username] : []));
}

/** The broker's administrators (without guest), split into those the policy lists (or mqops uses) and the rest. */
export function splitRabbitAdmins(
  facts: BrokerFacts,
  policy: AuditPolicy,
): { listed: string[]; unlisted: string[] } {
  const known = new Set([...policy.rabbitAdmins, ...auditUsernames(facts)]);
  const admins = (facts.rabbit?.users ?? [])
    .filter((u) => u.name !== RABBIT_GUEST && isRabbitAdministrator(u))
    .map((u) => u.name)
    .sort();
  return { listed: admins.filter((n) => known.has(n)), unlisted: admins.filter((n) => !known.has(n)) };
}

/**
 * Administrators that are allowed: those the policy lists, mqops's audit user, and — when exactly one other
 * administrator exists — that one, taken as the admin Amazon MQ created at provisioning (DescribeBroker does not
 * name RabbitMQ users, so it cannot be told apart otherwise).
 */
export function allowedRabbitAdmins(facts: BrokerFacts, policy: AuditPolicy): Set<string> {
  const { listed, unlisted } = splitRabbitAdmins(facts, policy);
  return new Set([
    ...policy.rabbitAdmins,
    ...auditUsernames(facts),
    ...listed,
    ...(unlisted.length === 1 ? unlisted : []),
  ]);
}

/** Every administrator can change users, permissions and policies on every vhost: keep them few and known. */
export const mqRabbitmqAdminUsers = defineCheck({
  id: 'mq-rabbitmq-admin-users',
  title: 'RabbitMQ administrators are only the provisioning admin and those the policy lists',
  severity: 'MEDIUM',
  rationale:
    'A RabbitMQ user with the `administrator` tag can create users, grant itself any permission, change policies ' +
    'and delete vhosts through the management API. Amazon MQ creates exactly one such user at provisioning; every ' +
    'further administrator is a credential whose leak hands over the whole broker, and the MQ API does not show it.',
  remediation:
    'List intended administrators in the policy (`rabbitAdmins`). Remove the tag from the others in the RabbitMQ ' +
    'web console (Admin → Users) or with the management API: `curl -u ADMIN -X PUT ' +
    'https://BROKER.mq.REGION.amazonaws.com/api/users/USER -H "content-type: application/json" -d ' +
    '\'{"password":"…","tags":"monitoring"}\'` (or `rabbitmqadmin declare user name=USER password=… tags=`), and ' +
    'delete users nobody uses (`DELETE /api/users/USER`).',
  needs: ['rabbit', 'credentials'],
  appliesTo: { engines: ['RABBITMQ'] },
  evaluate: (facts, { policy }) => {
    const { broker } = facts;
    const { listed, unlisted } = splitRabbitAdmins(facts, policy);
    if (unlisted.length > 1) {
      return fail(
        `Broker ${broker.name} has ${unlisted.length} administrators the policy does not list ` +
          `(${unlisted.join(', ')}); only one, the admin Amazon MQ created at provisioning, is expected.`,
      );
    }
    const parts = [
      ...(listed.length ? [`${listed.join(', ')} (listed)`] : []),
      ...(unlisted.length ? [`${unlisted[0]} (taken as the provisioning admin)`] : []),
    ];
    const count = listed.length + unlisted.length;
    return pass(
      `Broker ${broker.name} has ${count} ${count === 1 ? 'administrator' : 'administrators'}` +
        (parts.length ? `: ${parts.join(', ')}.` : '.'),
    );
  },
});
