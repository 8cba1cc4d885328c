import { defineCheck, fail, pass } from '../../check';

/** A user whose password lives nowhere mqops can see cannot be aged, rotated or revoked by it. */
export const mqCredentialsUntracked = defineCheck({
  id: 'mq-credentials-untracked',
  title: 'Every ActiveMQ user has a credential secret in Secrets Manager',
  severity: 'LOW',
  rationale:
    'A broker user without a Secrets Manager secret tagged `mqops:broker` and `mqops:username` keeps its password ' +
    'in a config file or a head: nobody can tell how old it is, and neither mqops nor a rotation function can ' +
    'rotate it. ActiveMQ only: the MQ API lists ActiveMQ users, while RabbitMQ users live inside the broker ' +
    '(DescribeBroker lists none), so there is no user list to compare the secrets with.',
  remediation:
    "Store each user's credential in Secrets Manager and tag it: `aws secretsmanager create-secret --name " +
    'mq/BROKER/USER --secret-string \'{"username":"USER","password":"..."}\' --tags Key=mqops:broker,Value=BROKER_ID ' +
    'Key=mqops:username,Value=USER` (or `aws secretsmanager tag-resource` on an existing secret), then turn on ' +
    'rotation. Delete users nobody uses with `aws mq delete-user --broker-id ID --username USER`.',
  needs: ['credentials'],
  appliesTo: { engines: ['ACTIVEMQ'] },
  evaluate: ({ broker, credentials = [] }) => {
    const tracked = new Set(credentials.map((c) => c.username).filter((u): u is string => Boolean(u)));
    // A user waiting for deletion goes at the next reboot: asking for its secret would be noise.
    const users = broker.users.filter((u) => u.pendingChange !== 'DELETE').map((u) => u.username);
    const untracked = users.filter((u) => !tracked.has(u));
    if (untracked.length > 0) {
      return fail(
        `Broker ${broker.name} has users without a credential secret tagged mqops:username: ${untracked.join(', ')}.`,
      );
    }
    return pass(
      users.length
        ? `Broker ${broker.name} has a credential secret for each of its ${users.length} users.`
        : `Broker ${broker.name} has no users.`,
    );
  },
});
