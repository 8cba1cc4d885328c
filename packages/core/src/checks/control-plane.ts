import type { Check } from '../check';
import { mqAutoMinorRequired } from './mq-auto-minor-required';
import { mqAutoMinorVersionUpgrade } from './mq-auto-minor-version-upgrade';
import { mqBrokerState } from './mq-broker-state';
import { mqEngineEndOfSupport } from './mq-engine-end-of-support';
import { mqEngineEndOfSupportSoon } from './mq-engine-end-of-support-soon';
import { mqGeneralLogs } from './mq-general-logs';
import { mqHaDeployment } from './mq-ha-deployment';
import { mqKmsCustomerManagedKey } from './mq-kms-customer-managed-key';
import { mqLdapAuthentication } from './mq-ldap-authentication';
import { mqLegacyInstanceType } from './mq-legacy-instance-type';
import { mqMaintenanceWindow } from './mq-maintenance-window';
import { mqMicroInstanceProduction } from './mq-micro-instance-production';
import { mqPendingChangesAge } from './mq-pending-changes-age';
import { mqRequiredTags } from './mq-required-tags';
import { mqStorageType } from './mq-storage-type';

/**
 * Checks of this group, in report order: broker health first, then engine lifecycle, resilience and durability,
 * logging and identity, capacity, then hygiene.
 */
export const CONTROL_PLANE_CHECKS: readonly Check[] = [
  mqBrokerState,
  mqEngineEndOfSupport,
  mqEngineEndOfSupportSoon,
  mqAutoMinorRequired,
  mqAutoMinorVersionUpgrade,
  mqHaDeployment,
  mqStorageType,
  mqGeneralLogs,
  mqLdapAuthentication,
  mqKmsCustomerManagedKey,
  mqMicroInstanceProduction,
  mqLegacyInstanceType,
  mqMaintenanceWindow,
  mqPendingChangesAge,
  mqRequiredTags,
];

export {
  mqAutoMinorRequired,
  mqAutoMinorVersionUpgrade,
  mqBrokerState,
  mqEngineEndOfSupport,
  mqEngineEndOfSupportSoon,
  mqGeneralLogs,
  mqHaDeployment,
  mqKmsCustomerManagedKey,
  mqLdapAuthentication,
  mqLegacyInstanceType,
  mqMaintenanceWindow,
  mqMicroInstanceProduction,
  mqPendingChangesAge,
  mqRequiredTags,
  mqStorageType,
};
