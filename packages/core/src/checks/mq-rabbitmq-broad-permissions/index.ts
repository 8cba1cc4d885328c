import { defineCheck, fail, pass } from '../../check';
import type { RabbitPermissionFacts } from '../../facts';
import { allowedRabbitAdmins, RABBIT_GUEST } from '../mq-rabbitmq-admin-users';

/** Patterns that match every resource name (`.*` and its anchored forms). */
const MATCH_ALL = /^\^?\.\*\$?$/;

/** True when the permission allows configure, write and read on every resource of its vhost. */
export function isFullPermission(p: RabbitPermissionFacts): boolean {
  return MATCH_ALL.test(p.configure) && MATCH_ALL.test(p.write) && MATCH_ALL.test(p.read);
}

/** An application user that may declare, delete, publish to and consume from anything can do anything to data. */
export const mqRabbitmqBroadPermissions = defineCheck({
  id: 'mq-rabbitmq-broad-permissions',
  title: 'RabbitMQ users other than administrators have scoped permissions, not `.*` everywhere',
  severity: 'MEDIUM',
  rationale:
    'A permission of configure `.*`, write `.*` and read `.*` lets a user delete or redeclare every queue and ' +
    'exchange of the vhost, publish anywhere and consume (and so take) any message. An application needs that on ' +
    'its own queues and exchanges only; a leaked or buggy client with `.*` on every vhost it uses can destroy or ' +
    "read all other applications' data.",
  remediation:
    'Scope each application user to its own names, e.g. configure `^orders\\.`, write `^orders\\.|^amq\\.default$`, ' +
    'read `^orders\\.`: in the RabbitMQ web console (Admin → Users → USER → Set permission) or with ' +
    '`curl -u ADMIN -X PUT https://BROKER.mq.REGION.amazonaws.com/api/permissions/VHOST/USER -H ' +
    '"content-type: application/json" -d \'{"configure":"^orders\\\\.","write":"^orders\\\\.","read":"^orders\\\\."}\'`. ' +
    'Users that only publish or only consume need no configure permission at all (empty string).',
  needs: ['rabbit', 'credentials'],
  appliesTo: { engines: ['RABBITMQ'] },
  evaluate: (facts, { policy }) => {
    const { broker, rabbit } = facts;
    const allowed = allowedRabbitAdmins(facts, policy);
    const byUser = new Map<string, RabbitPermissionFacts[]>();
    for (const p of rabbit?.permissions ?? []) byUser.set(p.user, [...(byUser.get(p.user) ?? []), p]);
    const broad = [...byUser.entries()]
      .filter(
        ([user, permissions]) =>
          !allowed.has(user) && user !== RABBIT_GUEST && permissions.every(isFullPermission),
      )
      .map(
        ([user, permissions]) =>
          `${user} (${permissions
            .map((p) => p.vhost)
            .sort()
            .join(', ')})`,
      )
      .sort();
    if (broad.length > 0) {
      return fail(
        `Broker ${broker.name} has ${broad.length === 1 ? 'a user' : `${broad.length} users`} with configure, ` +
          `write and read '.*' on every vhost ${broad.length === 1 ? 'it uses' : 'they use'}: ${broad.join('; ')}.`,
      );
    }
    return pass(
      `Broker ${broker.name} has no user besides its administrators with '.*' permissions everywhere.`,
    );
  },
});
