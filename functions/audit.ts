import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { parseAuditEvent } from '@mqops/core';
import { type AuditResult, runConfiguredAudit } from './lib/audit-runtime';
import { countFailures } from './lib/job-outcome';
import { createLogger } from './lib/logger';
import { refuseToDeadLetters } from './lib/refuse';

export type { AuditResult } from './lib/audit-runtime';

const logger = createLogger('mqops-audit');

/**
 * Audits the fleet on a schedule, the brokers a CloudTrail change event touched, or the brokers named in a manual
 * invoke. The SDK clients read the standard AWS configuration (credential chain, region, endpoints).
 */
export async function audit(
  event: unknown,
  context?: { awsRequestId?: string },
): Promise<AuditResult | { skipped: string }> {
  const request = parseAuditEvent(event);
  if (!request) {
    logger.info('event needs no audit');
    return { skipped: 'event needs no audit (a failed call, or one that changes nothing mqops checks)' };
  }
  const result = await runConfiguredAudit(
    request,
    (message, extra) => logger.warn(message, extra ?? {}),
    context?.awsRequestId,
  );
  logger.info('audit finished', { ...result });
  return result;
}

export const handler = middy(audit)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(countFailures('audit'))
  .use(refuseToDeadLetters('audit'));
