import type { Check } from '../check';
import { mqAuditLogs } from './mq-audit-logs';
import { mqPublicAccess } from './mq-public-access';
import { mqSingleInstanceProduction } from './mq-single-instance-production';

/** Every check mqops runs, in report order. */
export const CHECKS: readonly Check[] = [mqPublicAccess, mqSingleInstanceProduction, mqAuditLogs];

export { mqAuditLogs, mqPublicAccess, mqSingleInstanceProduction };
