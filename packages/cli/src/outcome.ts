import { type ClientSettings, configuredRegion } from '@mqops/aws/targets';
import { exitCodeOf, gapLines, type JobOutcome, outcomeSummary } from '@mqops/core/outcome';
import { hintFor } from './hints';
import type { Io } from './main';

/**
 * The account and region the settings call, as the outcome's gaps name it: `self/eu-west-1` (the region from
 * --region, AWS_REGION or the profile), `self/default` when none is set (the calls then fail with the SDK's error).
 */
export async function cliTarget(settings: ClientSettings): Promise<string> {
  return `self/${(await configuredRegion(settings)) || 'default'}`;
}

/**
 * Says on standard error what a job did not cover (whatever the output format, so a CI log shows why it exited 3):
 * one line for the outcome, one per target, broker or item not covered with the reason, and under the first line
 * of each kind of AWS error (access denied, no credentials, unreachable endpoint…) what to do next. Nothing when
 * the job is complete. Returns the job's exit code (exitCodeOf).
 *
 * @example
 * // mqops: alarms failed: 0 brokers covered, 1 gap
 * // mqops: not covered: self/eu-west-1: not reconciled: ListBrokers failed: User … is not authorized …
 * //   hint: the role needs the IAM actions listed by `npm run iam`
 * return reportOutcome(io, 'alarms', report.outcome);
 */
export function reportOutcome(io: Io, job: string, outcome: JobOutcome, failOnHit = false): number {
  if (outcome.status !== 'complete') {
    io.err(`mqops: ${job} ${outcomeSummary(outcome)}`);
    const hinted = new Set<string>();
    for (const line of gapLines(outcome.gaps)) {
      io.err(`mqops: not covered: ${line}`);
      // Matched on the reason only (a broker's name is no error message).
      const reason = outcome.gaps.find((g) => line.endsWith(`: ${g.reason}`))?.reason;
      const hint = reason === undefined ? undefined : hintFor(reason);
      if (hint && !hinted.has(hint)) {
        hinted.add(hint);
        io.err(`  hint: ${hint}`);
      }
    }
  }
  return exitCodeOf(outcome, failOnHit);
}
