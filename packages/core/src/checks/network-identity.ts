import type { Check } from '../check';
import { mqConsoleAccessUsers } from './mq-console-access-users';
import { mqCredentialRotation } from './mq-credential-rotation';
import { mqCredentialsUntracked } from './mq-credentials-untracked';
import { mqDefaultSecurityGroup } from './mq-default-security-group';
import { mqSecurityGroupOpenAllPorts } from './mq-security-group-open-all-ports';
import { mqSecurityGroupOpenBrokerPorts } from './mq-security-group-open-broker-ports';
import { mqSubnetsSingleAz } from './mq-subnets-single-az';
import { mqTooManyAdmins } from './mq-too-many-admins';

/** Checks of this group, in report order: network exposure first, then resilience, then identity. */
export const NETWORK_IDENTITY_CHECKS: readonly Check[] = [
  mqSecurityGroupOpenBrokerPorts,
  mqSecurityGroupOpenAllPorts,
  mqDefaultSecurityGroup,
  mqSubnetsSingleAz,
  mqTooManyAdmins,
  mqConsoleAccessUsers,
  mqCredentialRotation,
  mqCredentialsUntracked,
];

export {
  mqConsoleAccessUsers,
  mqCredentialRotation,
  mqCredentialsUntracked,
  mqDefaultSecurityGroup,
  mqSecurityGroupOpenAllPorts,
  mqSecurityGroupOpenBrokerPorts,
  mqSubnetsSingleAz,
  mqTooManyAdmins,
};
