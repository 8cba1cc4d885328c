import type { Check } from '../check';
import { ACTIVEMQ_CONFIG_CHECKS } from './activemq-config';
import { CONTROL_PLANE_CHECKS } from './control-plane';
import { mqAuditLogs } from './mq-audit-logs';
import { mqPublicAccess } from './mq-public-access';
import { mqSingleInstanceProduction } from './mq-single-instance-production';
import { NETWORK_IDENTITY_CHECKS } from './network-identity';
import { RABBITMQ_DATA_PLANE_CHECKS } from './rabbitmq-data-plane';

/** Every check mqops runs, in report order. */
export const CHECKS: readonly Check[] = [
  mqPublicAccess,
  mqSingleInstanceProduction,
  mqAuditLogs,
  ...CONTROL_PLANE_CHECKS,
  ...NETWORK_IDENTITY_CHECKS,
  ...ACTIVEMQ_CONFIG_CHECKS,
  ...RABBITMQ_DATA_PLANE_CHECKS,
];

/** A check by id. */
export function checkById(id: string): Check | undefined {
  return CHECKS.find((c) => c.id === id);
}

export { mqAuditLogs, mqPublicAccess, mqSingleInstanceProduction };
