import { S3StateStore } from '@mqops/aws/s3-state';
import { queueSecurityHubExport } from '@mqops/aws/securityhub-handover';
import { SlackNotifier } from '@mqops/aws/slack-notifier';
import { SnsNotifier } from '@mqops/aws/sns-notifier';
import { buildTargets } from '@mqops/aws/targets';
import {
  type AuditReport,
  type AuditRequest,
  errorText,
  failing,
  type Notifier,
  runAudit,
} from '@mqops/core';
import { functionConfig, optionalEnv } from './config';
import { emitMetrics } from './job-metric';
import { endJob, type JobSummary, jobSummary } from './job-outcome';

/** What an audit run returns: a summary, not the whole report. */
export interface AuditResult extends JobSummary {
  trigger: AuditReport['trigger'];
  brokersAudited: number;
  findings: number;
  new?: number;
  fixed?: number;
  unknown: number;
  suppressed: number;
  errors: number;
  notified: string[];
  /**
   * The report handed to the SecurityHub function, when the configuration turns Security Hub on: `queued` when the
   * function was invoked with it (it imports the findings and reports its own outcome), with the report's key in the
   * state bucket.
   */
  securityHub?: { queued: boolean; key?: string };
}

type Warn = (message: string, extra?: Record<string, unknown>) => void;

/**
 * The audit as the deployment configures it (the environment: MQOPS_CONFIG, MQOPS_STATE_BUCKET, MQOPS_ALERT_TOPIC_ARN,
 * MQOPS_SLACK_WEBHOOK_URL, MQOPS_SECURITYHUB_FUNCTION): targets across accounts and regions, notifiers, state, and
 * the hand-over of the results to the SecurityHub function (securityhub-handover.ts), which imports them. Shared by the Audit
 * function and the audit-now runbook. Every run ends as every job does (job-outcome.ts): its outcome as a metric,
 * a partial audit returned with what it missed (after notifying it), a failed one thrown. A run that stops on an
 * error before it has an outcome (no targets, the state store, a channel that refused) is counted by the handler's
 * countFailures middleware.
 * `invocation` (Lambda's request id) keeps a retry of a failed run from sending its digest again.
 *
 * @throws JobFailedError when nothing could be audited (after notifying and saving the state).
 */
export async function runConfiguredAudit(
  request: AuditRequest,
  warn: Warn = () => undefined,
  invocation?: string,
): Promise<AuditResult> {
  const config = functionConfig();
  const notifiers: Notifier[] = [];
  if (config.slackWebhookUrl) notifiers.push(new SlackNotifier({ webhookUrl: config.slackWebhookUrl }));
  if (config.topicArn) notifiers.push(new SnsNotifier(config.topicArn));
  const report = await runAudit(
    {
      // Lambda sets AWS_REGION: the function's own account is named by it (`self/eu-west-1`).
      targets: await buildTargets(
        config.mqops,
        process.env.AWS_REGION ? { region: process.env.AWS_REGION } : {},
      ),
      notifiers,
      policy: config.mqops.policy,
      suppressions: config.mqops.suppressions,
      ...(config.stateBucket ? { store: new S3StateStore(config.stateBucket) } : {}),
      ...(invocation ? { invocation } : {}),
    },
    request,
  );
  let securityHub: AuditResult['securityHub'];
  let handoverFailed = false;
  if (config.mqops.securityHub) {
    const functionName = optionalEnv('MQOPS_SECURITYHUB_FUNCTION');
    securityHub = { queued: false };
    // A hand-over that fails is told (the result, a warning, a metric), never fails the audit: its digest is sent
    // already.
    try {
      if (!config.stateBucket || !functionName)
        throw Error('no MQOPS_STATE_BUCKET or MQOPS_SECURITYHUB_FUNCTION');
      securityHub = await queueSecurityHubExport(report, {
        bucket: config.stateBucket,
        functionName,
        id: invocation ?? crypto.randomUUID(),
      });
      if (!securityHub.queued)
        warn('Security Hub export already queued by an earlier try of this invocation');
    } catch (error) {
      handoverFailed = true;
      warn('Security Hub export not queued', { error: errorText(error) });
    }
  }
  for (const warning of report.warnings) warn(warning);
  for (const error of report.errors) warn('broker not audited', { ...error });
  // Brokers a target could not read (a target that could not be listed is a gap of its own, in JobPartial/JobFailed).
  // A Security Hub feed that fell behind is counted too (SecurityHubNotQueued), not only logged.
  emitMetrics('audit', {
    BrokersNotAudited: report.errors.filter((e) => e.brokerId !== undefined).length,
    SecurityHubNotQueued: +handoverFailed,
  });
  return endJob('audit', report.outcome, {
    ...jobSummary(report.outcome),
    trigger: report.trigger,
    brokersAudited: report.brokersAudited,
    findings: failing(report).length,
    ...(report.diff ? { new: report.diff.new.length, fixed: report.diff.fixed.length } : {}),
    unknown: report.results.filter((r) => r.status === 'UNKNOWN').length,
    suppressed: report.results.filter((r) => r.suppressed).length,
    errors: report.errors.length,
    notified: report.notified,
    ...(securityHub ? { securityHub } : {}),
  });
}
