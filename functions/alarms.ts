import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { CloudWatchAlarmStore } from '@mqops/aws/cloudwatch-alarms';
import { MqBrokerInventory } from '@mqops/aws/mq-inventory';
import { InvalidInputError } from '@mqops/core';
import { type AlarmPolicy, parseAlarmPolicy } from '@mqops/core/alarms/policy';
import { type AlarmReconcileReport, reconcileAlarms } from '@mqops/core/alarms/reconcile';
import { type AlarmsRequest, parseAlarmsEvent } from '@mqops/core/alarms/trigger';
import { parseJsonText } from '@mqops/core/json';
import { optionalEnv } from './lib/config';
import { countFailures, endJob, type JobSummary, jobSummary, selfTarget } from './lib/job-outcome';
import { createLogger } from './lib/logger';
import { refuseToDeadLetters } from './lib/refuse';

const logger = createLogger('mqops-alarms');

/** What the function returns: counts, not every alarm. */
export interface AlarmsResult extends JobSummary {
  trigger: AlarmsRequest['trigger'];
  eventName?: string;
  dryRun: boolean;
  brokers: number;
  desired: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  writes: number;
  /** ListTagsForResource calls: only for `mqops-` alarms without mqops' marker (0 when every one has it). */
  tagReads: number;
  conflicts: number;
  /** `mqops-` alarms mqops does not own (made by hand): left alone. */
  unowned: number;
  issues: number;
  errors: number;
}

/** The function's settings, read from the environment before any AWS call. */
export interface AlarmsConfig {
  /** `MQOPS_ALERT_TOPIC_ARN`: the SNS topic alarms notify (ALARM and OK). Unset: alarms without actions. */
  topicArn?: string;
  /** `MQOPS_ALARM_POLICY`: JSON alarm policy (partial; the rest keeps mqops' defaults). */
  policy?: AlarmPolicy;
  /** `MQOPS_ALARMS_MAX_DELETES`: no deletion at all in a run that would delete more alarms than this. */
  maxDeletes?: number;
}

const SNS_TOPIC_ARN = /^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}(\.fifo)?$/;

/** @throws InvalidInputError naming the variable that is wrong. */
export function alarmsConfig(env: NodeJS.ProcessEnv = process.env): AlarmsConfig {
  const topicArn = optionalEnv('MQOPS_ALERT_TOPIC_ARN', env);
  if (topicArn && !SNS_TOPIC_ARN.test(topicArn))
    throw new InvalidInputError(`MQOPS_ALERT_TOPIC_ARN is not an SNS topic ARN: ${topicArn}`);
  const policyText = optionalEnv('MQOPS_ALARM_POLICY', env);
  const policy: AlarmPolicy | undefined = policyText
    ? parseAlarmPolicy(parseJsonText(policyText, 'MQOPS_ALARM_POLICY'))
    : undefined;
  const maxText = optionalEnv('MQOPS_ALARMS_MAX_DELETES', env);
  const maxDeletes = maxText === undefined ? undefined : Number(maxText);
  if (maxDeletes !== undefined && !(Number.isInteger(maxDeletes) && maxDeletes >= 0))
    throw new InvalidInputError(`MQOPS_ALARMS_MAX_DELETES must be a whole number ≥ 0 (got "${maxText}")`);
  return {
    ...(topicArn ? { topicArn } : {}),
    ...(policy ? { policy } : {}),
    ...(maxDeletes !== undefined ? { maxDeletes } : {}),
  };
}

function summary(request: AlarmsRequest, report: AlarmReconcileReport): AlarmsResult {
  return {
    ...jobSummary(report.outcome),
    trigger: request.trigger,
    ...(request.eventName ? { eventName: request.eventName } : {}),
    dryRun: report.dryRun,
    brokers: report.brokers,
    desired: report.desired,
    created: report.created,
    updated: report.updated,
    deleted: report.deleted,
    unchanged: report.unchanged,
    writes: report.writes,
    tagReads: report.tagReads,
    conflicts: report.conflicts.length,
    unowned: report.unowned.length,
    issues: report.issues.length,
    errors: report.errors.length,
  };
}

/**
 * Keeps every broker's CloudWatch alarms in sync: on a schedule, after an Amazon MQ change (CloudTrail), or on a
 * manual invoke (`{}` or `{ "dryRun": true }`). Every trigger reconciles the whole fleet of the function's region.
 * A run over an in-sync fleet makes no write and reads no tag: DescribeAlarms (one page per 100 alarms) tells
 * mqops' own alarms by the marker in their description (ListTagsForResource only for `mqops-` alarms without it).
 * A malformed event is refused with InvalidInputError before any AWS call. Every run writes its outcome as a metric;
 * a partial reconcile returns `status: 'partial'` with what it left; a failed one (the brokers or the alarms could
 * not be listed, no broker reconciled) throws JobFailedError after logging, so Lambda retries and counts it.
 */
export async function alarms(event: unknown): Promise<AlarmsResult | { skipped: string }> {
  const request = parseAlarmsEvent(event);
  if (!request) {
    logger.info('event needs no alarm reconcile');
    return { skipped: 'event needs no alarm reconcile (a failed call, or one alarms do not depend on)' };
  }
  const config = alarmsConfig();
  const store = new CloudWatchAlarmStore();
  const report = await reconcileAlarms(
    { inventory: new MqBrokerInventory(), alarms: store, nodes: store },
    {
      target: selfTarget(),
      alarmActions: config.topicArn ? [config.topicArn] : [],
      dryRun: request.dryRun,
      ...(config.policy ? { policy: config.policy } : {}),
      ...(config.maxDeletes !== undefined ? { maxDeletes: config.maxDeletes } : {}),
    },
  );
  for (const broker of report.perBroker) {
    if (broker.created.length || broker.updated.length || broker.deleted.length)
      logger.info('broker alarms changed', {
        brokerId: broker.brokerId,
        brokerName: broker.brokerName,
        created: broker.created,
        updated: broker.updated,
        deleted: broker.deleted,
      });
  }
  for (const issue of report.issues) logger.warn('alarm override tag ignored', { ...issue });
  for (const conflict of report.conflicts)
    logger.warn('alarm name taken by an alarm mqops does not own', conflict);
  if (report.unowned.length)
    logger.info('alarms named mqops-… without mqops’ marker or tag, left alone', {
      unowned: report.unowned.slice(0, 50),
      count: report.unowned.length,
    });
  for (const error of report.errors) logger.error('alarm reconcile error', { ...error });
  for (const note of report.notes) logger.warn(note);
  const result = summary(request, report);
  logger.info('alarm reconcile finished', { ...result });
  return endJob('alarms', report.outcome, result);
}

export const handler = middy(alarms)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(countFailures('alarms'))
  .use(refuseToDeadLetters('alarms'));
