import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import { SlackNotifier } from '@mqops/aws/slack-notifier';
import { SnsNotifier } from '@mqops/aws/sns-notifier';
import { type AuditReport, failing, type Notifier, parseAuditEvent, runAudit } from '@mqops/core';
import { notifierConfig } from './lib/config';
import { createLogger } from './lib/logger';

const logger = createLogger('mqops-audit');

/** Adapters are built once per cold start; the SDK clients read the standard AWS configuration. */
function buildDeps() {
  const config = notifierConfig();
  const notifiers: Notifier[] = [];
  if (config.slackWebhookUrl) notifiers.push(new SlackNotifier({ webhookUrl: config.slackWebhookUrl }));
  if (config.topicArn) notifiers.push(new SnsNotifier(config.topicArn));
  return { inventory: new MqBrokerInventory(), notifiers };
}
let deps: ReturnType<typeof buildDeps> | undefined;

/** What the function returns: a summary, not the whole report. */
export interface AuditResult {
  trigger: AuditReport['trigger'];
  brokersAudited: number;
  findings: number;
  errors: number;
  notified: string[];
}

/** Audits the fleet on a schedule, or the brokers named in a manual invoke. */
export async function audit(event: unknown): Promise<AuditResult | { skipped: string }> {
  const request = parseAuditEvent(event);
  if (!request) {
    logger.info('event needs no audit');
    return { skipped: 'event needs no audit (a failed call, or one that changes nothing mqops checks)' };
  }
  deps ??= buildDeps();
  const report = await runAudit(deps, request);
  const result = {
    trigger: report.trigger,
    brokersAudited: report.brokersAudited,
    findings: failing(report).length,
    errors: report.errors.length,
    notified: report.notified,
  };
  logger.info('audit finished', { ...result });
  return result;
}

/** Forget the adapters built at cold start (tests change the environment between cases). */
export function resetForTests(): void {
  deps = undefined;
}

export const handler = middy(audit).use(injectLambdaContext(logger, { resetKeys: true }));
