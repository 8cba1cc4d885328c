import type { JobOutcome } from '@mqops/core';

/** The CloudWatch namespace of mqops' own metrics. */
export const METRICS_NAMESPACE = 'mqops';

/** The dimension every service metric also carries (`Service` = `mqops`), so one alarm sees it from any job. */
export const SERVICE_DIMENSION = { Service: 'mqops' } as const;

type Write = (line: string) => void;
const stdout: Write = (line) => process.stdout.write(`${line}\n`);

/**
 * One Embedded Metric Format line (Lambda sends standard output to CloudWatch Logs, which turns the declared values
 * into metrics: no API call, no IAM action). Every value is in the line, for Logs Insights; only the values that are
 * not zero are declared as metrics. CloudWatch charges a custom metric for every hour it receives data ($0.30 a month
 * for one written every hour), so a healthy mqops, whose frequent jobs (every minute or two) count nothing but their
 * success, writes no metric data at all; the alarms on these metrics treat missing data as not breaching, and
 * Lambda's own Invocations say how often each function ran. A line with nothing to declare is a plain log line.
 */
function writeEmf(
  write: Write,
  now: () => number,
  dimensions: string[][],
  fields: Record<string, string>,
  values: Readonly<Record<string, number>>,
  declarable: (name: string) => boolean,
): void {
  const declared = Object.keys(values).filter((name) => values[name] !== 0 && declarable(name));
  write(
    JSON.stringify({
      ...(declared.length > 0
        ? {
            _aws: {
              Timestamp: now(),
              CloudWatchMetrics: [
                {
                  Namespace: METRICS_NAMESPACE,
                  Dimensions: dimensions,
                  Metrics: declared.map((Name) => ({ Name, Unit: 'Count' })),
                },
              ],
            },
          }
        : {}),
      ...fields,
      ...values,
    }),
  );
}

/**
 * Writes one job's outcome (job-outcome.ts), dimension `Job`: `JobPartial`, `JobFailed` (1 when so) and `Gaps` (what
 * was not covered) as metrics when not zero; `JobComplete` is in the line but never a metric (a job that runs every
 * minute would pay for it every hour: Lambda's Invocations count the runs). An alarm on `JobFailed` or `JobPartial`
 * sees every job that did not cover all it was asked.
 */
export function emitJobOutcome(
  job: string,
  outcome: JobOutcome,
  write: Write = stdout,
  now: () => number = Date.now,
): void {
  const { status, gaps } = outcome;
  writeEmf(
    write,
    now,
    [['Job']],
    { Job: job },
    {
      JobComplete: +(status === 'complete'),
      JobPartial: +(status === 'partial'),
      JobFailed: +(status === 'failed'),
      Gaps: gaps.length,
    },
    (name) => name !== 'JobComplete',
  );
}

/**
 * Writes counts of what a job did as one Embedded Metric Format line (namespace `mqops`), each count that is not zero
 * as a metric of the whole service (dimension `Service` = `mqops`: what the stack's self-alarms watch,
 * AlertsAbandoned, ResizesRolledBack, RotationsFailed, Rejected…). The job is in the line (`Job`), not a dimension:
 * one metric per count, not one per count and job, since each costs $0.30 a month for every hour it has data.
 *
 * @example
 * emitMetrics('alert-flush', { AlertsDelivered: 3, AlertsAbandoned: 0 }); // declares AlertsDelivered only
 */
export function emitMetrics(
  job: string,
  metrics: Readonly<Record<string, number>>,
  write: Write = stdout,
  now: () => number = Date.now,
): void {
  if (Object.keys(metrics).length === 0) return;
  writeEmf(write, now, [['Service']], { Job: job, ...SERVICE_DIMENSION }, metrics, () => true);
}
