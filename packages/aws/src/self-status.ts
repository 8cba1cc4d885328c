import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  GetMetricDataCommand,
  type MetricDataQuery,
  paginateDescribeAlarms,
} from '@aws-sdk/client-cloudwatch';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import { SELF_ALARM_PREFIX } from '@mqops/core/alerts/events';
import type { DeadLetter, JobCounts, SelfAlarmState, SelfStatus } from '@mqops/core/doctor';

/** The jobs whose outcomes `mqops doctor` reads (the `Job` dimension of the mqops metrics). */
export const DOCTOR_JOBS = [
  'audit',
  'alarms',
  'watch',
  'alerts',
  'alert-flush',
  'rotation',
  'rightsize',
  'resize',
  'maintenance',
  'runbook',
  'runbook-tick',
  'securityhub',
] as const;

const message = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * Reads what a deployed mqops stage says about itself for `mqops doctor`: its self-alarms (DescribeAlarms by the
 * `mqops.self.<stage>.` prefix), the dead-letter queue its dead-letters alarm watches (GetQueueUrl,
 * GetQueueAttributes, and a peek at up to 10 messages' attributes: ReceiveMessage with a visibility timeout of 0, so
 * nothing is hidden from anyone), and its jobs' outcomes over `hours` (GetMetricData). A part that cannot be read is
 * reported with its error, not thrown.
 */
export async function readSelfStatus(
  settings: CloudWatchClientConfig & SQSClientConfig,
  options: { stage?: string; hours?: number; now?: Date } = {},
): Promise<SelfStatus> {
  const hours = options.hours ?? 24;
  const cloudwatch = new CloudWatchClient(settings);
  const sqs = new SQSClient(settings);
  const status: SelfStatus = {
    ...(options.stage ? { stage: options.stage } : {}),
    hours,
    alarms: [],
    jobs: [],
  };
  const prefix = `${SELF_ALARM_PREFIX}${options.stage ? `${options.stage}.` : ''}`;
  let queueName: string | undefined;
  try {
    for await (const page of paginateDescribeAlarms(
      { client: cloudwatch },
      { AlarmNamePrefix: prefix, AlarmTypes: ['MetricAlarm'] },
    )) {
      for (const a of page.MetricAlarms ?? []) {
        const alarm: SelfAlarmState = {
          name: a.AlarmName ?? '',
          state: (a.StateValue ?? 'INSUFFICIENT_DATA') as SelfAlarmState['state'],
          ...(a.StateUpdatedTimestamp ? { since: a.StateUpdatedTimestamp.toISOString() } : {}),
          ...(a.StateReason ? { reason: a.StateReason } : {}),
          ...(a.AlarmDescription ? { description: a.AlarmDescription } : {}),
        };
        status.alarms.push(alarm);
        if (a.Namespace === 'AWS/SQS') queueName ??= a.Dimensions?.find((d) => d.Name === 'QueueName')?.Value;
      }
    }
  } catch (error) {
    status.alarmsError = message(error);
  }
  if (queueName) {
    try {
      status.deadLetters = await readDeadLetters(sqs, queueName);
    } catch (error) {
      status.deadLettersError = message(error);
    }
  }
  try {
    status.jobs = await readJobs(cloudwatch, hours, options.now ?? new Date());
  } catch (error) {
    status.jobsError = message(error);
  }
  cloudwatch.destroy();
  sqs.destroy();
  return status;
}

async function readDeadLetters(sqs: SQSClient, queue: string): Promise<SelfStatus['deadLetters']> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  const count = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0);
  const sample: DeadLetter[] = [];
  if (count > 0) {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    for (const m of received.Messages ?? []) {
      const attribute = (name: string) => m.MessageAttributes?.[name]?.StringValue;
      const sent = Number(m.Attributes?.SentTimestamp);
      sample.push({
        id: m.MessageId ?? '',
        ...(attribute('Job') ? { job: attribute('Job') } : {}),
        ...(attribute('ErrorCode') ? { errorCode: attribute('ErrorCode') } : {}),
        ...(attribute('ErrorMessage') ? { reason: attribute('ErrorMessage') } : {}),
        ...(Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent).toISOString() } : {}),
      });
    }
  }
  return { queue, count, sample };
}

async function readJobs(cloudwatch: CloudWatchClient, hours: number, now: Date): Promise<JobCounts[]> {
  // A complete run declares no metric (functions/lib/job-metric.ts): only what did not cover all it was asked.
  const metrics = ['JobPartial', 'JobFailed'] as const;
  const queries: MetricDataQuery[] = DOCTOR_JOBS.flatMap((job, j) =>
    metrics.map((metric, m) => ({
      Id: `q${j}_${m}`,
      MetricStat: {
        Metric: { Namespace: 'mqops', MetricName: metric, Dimensions: [{ Name: 'Job', Value: job }] },
        Period: hours * 3600,
        Stat: 'Sum',
      },
    })),
  );
  const response = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(now.getTime() - hours * 3_600_000),
      EndTime: now,
      MetricDataQueries: queries,
    }),
  );
  const sum = (id: string) =>
    (response.MetricDataResults?.find((r) => r.Id === id)?.Values ?? []).reduce((a, b) => a + b, 0);
  return DOCTOR_JOBS.map((job, j) => ({
    job,
    partial: sum(`q${j}_0`),
    failed: sum(`q${j}_1`),
  })).filter((c) => c.partial + c.failed > 0);
}
