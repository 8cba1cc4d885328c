import { defineCheck, fail, pass } from '../../check';

/** LDAP puts broker identities in the directory: joiners, leavers and password policy handled in one place. */
export const mqLdapAuthentication = defineCheck({
  id: 'mq-ldap-authentication',
  title: 'ActiveMQ broker authenticates users through LDAP',
  severity: 'LOW',
  rationale:
    'With SIMPLE authentication every ActiveMQ user is a local user with a password stored in the broker: each ' +
    'must be created, rotated and removed broker by broker, and changes only apply at the next reboot. LDAP ' +
    'authentication uses your central directory, so access follows joiners and leavers and there are no local ' +
    'passwords to rotate.',
  remediation:
    '`aws mq update-broker --broker-id ID --authentication-strategy LDAP --ldap-server-metadata ' +
    'Hosts=ldap.example.com,RoleBase=…,RoleSearchMatching=…,ServiceAccountUsername=…,ServiceAccountPassword=…,' +
    'UserBase=…,UserSearchMatching=…` with a configuration revision whose authentication strategy is LDAP, then ' +
    'reboot the broker. CloudFormation `AuthenticationStrategy: LDAP` with `LdapServerMetadata`, Terraform ' +
    '`authentication_strategy = "ldap"` with `ldap_server_metadata { … }`.',
  appliesTo: { engines: ['ACTIVEMQ'] },
  controls: { awsConfig: 'mq-active-broker-ldap-authentication' },
  evaluate: ({ broker }) => {
    const pending = broker.pending.authenticationStrategy;
    if (broker.authenticationStrategy === 'LDAP')
      return pass(
        pending && pending !== 'LDAP'
          ? `Broker ${broker.name} authenticates users through LDAP, but a pending change switches it to ${pending} at the next reboot.`
          : `Broker ${broker.name} authenticates users through LDAP.`,
      );
    return fail(
      pending === 'LDAP'
        ? `Broker ${broker.name} still uses SIMPLE authentication with local users: a pending switch to LDAP applies only at the next reboot.`
        : `Broker ${broker.name} uses SIMPLE authentication with local users and passwords instead of LDAP.`,
    );
  },
});
