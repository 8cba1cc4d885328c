import { defineCheck, fail, pass } from '../../check';
import { inAdminGroup } from '../mq-too-many-admins';

/**
 * Console access is an admin power: only users in an admin group should have it. (How many admins there are is
 * mq-too-many-admins' question, so it is not asked twice.)
 */
export const mqConsoleAccessUsers = defineCheck({
  id: 'mq-console-access-users',
  title: 'Only ActiveMQ admin users have web-console access',
  severity: 'LOW',
  rationale:
    'The ActiveMQ web console (port 8162) lets its users browse messages and purge or delete destinations, and ' +
    'CloudTrail does not record what they do there. Application users need only the wire protocols; giving them ' +
    'console access turns an application credential leak into an admin compromise.',
  remediation:
    'Remove console access from application users: `aws mq update-user --broker-id ID --username USER ' +
    '--no-console-access` (applies at the next reboot or maintenance window), or put a real administrator in an ' +
    'admin group (policy adminGroups). In CloudFormation set `Users[].ConsoleAccess: false`; in Terraform ' +
    '`console_access = false` in the `user` block of `aws_mq_broker`.',
  needs: ['activeMqUsers'],
  appliesTo: { engines: ['ACTIVEMQ'] },
  evaluate: ({ broker, activeMqUsers = [] }, { policy }) => {
    const withConsole = activeMqUsers.filter((u) => u.consoleAccess);
    const outsiders = withConsole.filter((u) => !inAdminGroup(u, policy)).map((u) => u.username);
    if (outsiders.length > 0) {
      return fail(
        `Broker ${broker.name} gives web-console access to users outside the admin groups (${policy.adminGroups.join(', ')}): ${outsiders.join(', ')}.`,
      );
    }
    return pass(
      withConsole.length
        ? `Broker ${broker.name} gives web-console access only to admin-group users (${withConsole.map((u) => u.username).join(', ')}).`
        : `Broker ${broker.name} gives no user web-console access.`,
    );
  },
});
