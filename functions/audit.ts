import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { S3StateStore } from '@mqops/aws/s3-state';
import { SecurityHubExporter } from '@mqops/aws/securityhub';
import { SlackNotifier } from '@mqops/aws/slack-notifier';
import { SnsNotifier } from '@mqops/aws/sns-notifier';
import { buildTargets } from '@mqops/aws/targets';
import { type AuditReport, failing, type Notifier, parseAuditEvent, runAudit, toAsff } from '@mqops/core';
import { functionConfig } from './lib/config';
import { createLogger } from './lib/logger';

const logger = createLogger('mqops-audit');

/** What the function returns: a summary, not the whole report. */
export interface AuditResult {
  trigger: AuditReport['trigger'];
  brokersAudited: number;
  findings: number;
  new?: number;
  fixed?: number;
  unknown: number;
  suppressed: number;
  errors: number;
  notified: string[];
  /** Findings sent to AWS Security Hub, when the configuration turns it on. */
  securityHub?: { imported: number; failed: number };
}

/**
 * Audits the fleet on a schedule, the brokers a CloudTrail change event touched, or the brokers named in a manual
 * invoke. The SDK clients read the standard AWS configuration (credential chain, region, endpoints).
 */
export async function audit(event: unknown): Promise<AuditResult | { skipped: string }> {
  const request = parseAuditEvent(event);
  if (!request) {
    logger.info('event needs no audit');
    return { skipped: 'event needs no audit (a failed call, or one that changes nothing mqops checks)' };
  }
  const config = functionConfig();
  const notifiers: Notifier[] = [];
  if (config.slackWebhookUrl) notifiers.push(new SlackNotifier({ webhookUrl: config.slackWebhookUrl }));
  if (config.topicArn) notifiers.push(new SnsNotifier(config.topicArn));
  const report = await runAudit(
    {
      targets: await buildTargets(config.mqops),
      notifiers,
      policy: config.mqops.policy,
      suppressions: config.mqops.suppressions,
      ...(config.stateBucket ? { store: new S3StateStore(config.stateBucket) } : {}),
    },
    request,
  );
  let securityHub: AuditResult['securityHub'];
  if (config.mqops.securityHub) {
    const exported = await new SecurityHubExporter().export(toAsff(report));
    securityHub = { imported: exported.imported, failed: exported.failed.length };
    for (const failure of exported.failed) logger.warn('Security Hub refused a finding', { ...failure });
  }
  const result: AuditResult = {
    trigger: report.trigger,
    brokersAudited: report.brokersAudited,
    findings: failing(report).length,
    ...(report.diff ? { new: report.diff.new.length, fixed: report.diff.fixed.length } : {}),
    unknown: report.results.filter((r) => r.status === 'UNKNOWN').length,
    suppressed: report.results.filter((r) => r.suppressed).length,
    errors: report.errors.length,
    notified: report.notified,
    ...(securityHub ? { securityHub } : {}),
  };
  for (const warning of report.warnings) logger.warn(warning);
  for (const error of report.errors) logger.warn('broker not audited', { ...error });
  logger.info('audit finished', { ...result });
  return result;
}

export const handler = middy(audit).use(injectLambdaContext(logger, { resetKeys: true }));
