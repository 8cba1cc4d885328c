import {
  type AuthorizationEntry,
  activeMqConfigOf,
  describeAuthorizationEntry,
  isWildcardOnly,
} from '../../activemq-xml';
import { type AuditPolicy, defineCheck, fail, pass } from '../../check';

/**
 * Groups Amazon MQ itself relies on: the web console acts through `activemq-webconsole` (simple authentication)
 * and `amazonmq-console-admins` (LDAP), and both need admin on every destination for the console to work.
 */
export const SYSTEM_GROUPS = ['activemq-webconsole', 'amazonmq-console-admins'] as const;

/** A non-admin group's write or admin rights on an entry that matches every destination. */
interface BroadGrant {
  group: string;
  rights: ('write' | 'admin')[];
  entry: AuthorizationEntry;
}

/** Grants of write or admin, on entries that match every destination, to groups that are not admin groups. */
export function broadGrants(entries: readonly AuthorizationEntry[], policy: AuditPolicy): BroadGrant[] {
  const trusted = new Set([...policy.adminGroups, ...SYSTEM_GROUPS].map((g) => g.toLowerCase()));
  return entries
    .filter(
      (e) =>
        e.kind === 'default' || ((e.kind === 'queue' || e.kind === 'topic') && isWildcardOnly(e.destination)),
    )
    .flatMap((entry) => {
      const groups = [...new Set([...entry.write, ...entry.admin])].filter(
        (g) => !trusted.has(g.toLowerCase()),
      );
      return groups.map((group) => ({
        group,
        rights: (['write', 'admin'] as const).filter((right) => entry[right].includes(group)),
        entry,
      }));
    });
}

/**
 * Who can write to and administer every queue and topic: with no authorization map, every authenticated user; with
 * one, the groups its wildcard entries name. Read rights are left out: Amazon MQ's own example grants `users` read on
 * every destination.
 */
export const mqActivemqAuthorizationEveryone = defineCheck({
  id: 'mq-activemq-authorization-everyone',
  title: 'Only admin groups can write to or administer every ActiveMQ destination',
  severity: 'HIGH',
  rationale:
    'Amazon MQ configures no ActiveMQ authorization map by default, so any authenticated user can perform any ' +
    'action on the broker (AWS: "always configure an authorization map"). A map whose wildcard entries (">", "*", ' +
    'or the defaultEntry) grant write or admin to a broad or application group is as bad: every credential of that ' +
    'group can inject messages into, purge or delete any queue and topic. Write and admin on every destination ' +
    'belong to the admin groups of the policy and the web-console system group only.',
  remediation:
    'Add an authorizationPlugin to the configuration that grants the admin groups (and activemq-webconsole) ' +
    'admin on ">" and gives each application group read, write and admin on its own prefix only, e.g. ' +
    '`<authorizationEntry queue="orders.&gt;" read="orders-consumers" write="orders-producers" admin="admins"/>` ' +
    'plus `<authorizationEntry topic="ActiveMQ.Advisory.&gt;" …/>` for the clients; with LDAP use ' +
    '`cachedLDAPAuthorizationMap`. Apply a new revision: `aws mq update-configuration --configuration-id ID --data ' +
    'BASE64_XML`, `aws mq update-broker --broker-id ID --configuration Id=ID,Revision=N` and reboot. In ' +
    'CloudFormation `AWS::AmazonMQ::Configuration` `Data`; in Terraform `aws_mq_configuration.data`.',
  needs: ['configuration'],
  appliesTo: { engines: ['ACTIVEMQ'] },
  evaluate: (facts, { policy }) => {
    const { broker } = facts;
    const read = activeMqConfigOf(facts);
    if (!read.ok) return fail(read.problem);
    const { authorization } = read.config;
    if (!authorization) {
      return fail(
        `Broker ${broker.name} has no authorizationPlugin, so every authenticated user can read, write and administer every queue and topic.`,
      );
    }
    if (authorization.source === 'ldap') {
      return pass(
        `Broker ${broker.name} takes its authorization from LDAP (cachedLDAPAuthorizationMap); the entries live in the directory, not in the configuration.`,
      );
    }
    const grants = broadGrants(authorization.entries, policy);
    if (grants.length) {
      const named = grants
        .map((g) => `${g.group} (${g.rights.join(', ')} on ${describeAuthorizationEntry(g.entry)})`)
        .join(', ');
      return fail(
        `Broker ${broker.name} lets non-admin groups write to or administer every destination: ${named}.`,
      );
    }
    return pass(
      `Broker ${broker.name} has ${authorization.entries.length} authorization entries and none grants write or admin on every destination to a non-admin group.`,
    );
  },
});
