import type { JobOutcome } from '@mqops/core';

/** The CloudWatch namespace of mqops' own metrics. */
export const METRICS_NAMESPACE = 'mqops';

/**
 * Writes one job's outcome as a CloudWatch Embedded Metric Format line on standard output (Lambda sends it to
 * CloudWatch Logs, which turns it into metrics with no API call and no IAM action): `JobComplete`, `JobPartial`,
 * `JobFailed` (1 or 0) and `Gaps` (what was not covered), with the dimension `Job`. An alarm on `JobFailed` or
 * `JobPartial` sees every job that did not cover all it was asked.
 */
export function emitJobOutcome(
  job: string,
  outcome: JobOutcome,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  now: () => number = Date.now,
): void {
  const { status, gaps } = outcome;
  write(
    JSON.stringify({
      _aws: {
        Timestamp: now(),
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [['Job']],
            Metrics: ['JobComplete', 'JobPartial', 'JobFailed', 'Gaps'].map((Name) => ({
              Name,
              Unit: 'Count',
            })),
          },
        ],
      },
      Job: job,
      JobComplete: +(status === 'complete'),
      JobPartial: +(status === 'partial'),
      JobFailed: +(status === 'failed'),
      Gaps: gaps.length,
    }),
  );
}
