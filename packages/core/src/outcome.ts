/**
 * One outcome model for every job (audit, alarms, watch, rightsize, resize, rotation, runbooks): it covered all that
 * was asked (`complete`), some of it (`partial`: each gap says what was not covered and why), or nothing
 * (`failed`). The CLI's exit code, the reports, the notifications, the Lambda result and the job metric all read it,
 * so no job ends quietly and no status claims what did not happen.
 */

export const JOB_STATUSES = ['complete', 'partial', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Something a job was asked to cover and did not, and why. The most specific of target, broker and check is set. */
export interface CoverageGap {
  /** `account/region` (or the job's scope, e.g. `self/eu-west-1`). */
  target: string;
  /** A broker id or name, when the gap is one broker (or one check of it). */
  broker?: string;
  /** A check (audit) or item (alarm, secret, plan) id, when the gap is that one thing on a broker. */
  check?: string;
  reason: string;
}

export interface JobOutcome {
  status: JobStatus;
  /** How many units of work were covered (brokers audited, brokers reconciled, …). */
  covered: number;
  /** What was not covered and why; empty when complete. */
  gaps: CoverageGap[];
}

/**
 * The outcome of a job that covered `covered` units with these gaps: complete without gaps; failed when nothing
 * was reached (by default: nothing covered) or a whole-job failure (`fatal`) happened; partial otherwise.
 * @param reached whether the job covered anything at all, when that is more than its units (e.g. an account listed
 *   with no broker in it); default `covered > 0`
 */
export function outcomeOf(
  covered: number,
  gaps: readonly CoverageGap[],
  fatal = false,
  reached = covered > 0,
): JobOutcome {
  const status: JobStatus =
    gaps.length === 0 && !fatal ? 'complete' : fatal || !reached ? 'failed' : 'partial';
  return { status, covered, gaps: [...gaps] };
}

/** Exit codes of the CLI: 3 when the job did not cover all that was asked, whatever it found elsewhere. */
export const EXIT = { ok: 0, findings: 1, usage: 2, incomplete: 3 } as const;

/**
 * The CLI exit code of a job: 3 when it is partial or failed (even with findings found elsewhere: `--fail-on` never
 * turns a failure into success), else 1 when findings at or above `--fail-on` exist, else 0.
 */
export function exitCodeOf(outcome: Pick<JobOutcome, 'status'>, failOnHit = false): number {
  if (outcome.status !== 'complete') return EXIT.incomplete;
  return failOnHit ? EXIT.findings : EXIT.ok;
}

/** Where a gap is, most specific last: `self/eu-west-1`, `self/eu-west-1 broker b-1`, `… check mq-x`. */
export function gapPlace(gap: Omit<CoverageGap, 'reason'>): string {
  return [
    gap.target,
    ...(gap.broker ? [`broker ${gap.broker}`] : []),
    ...(gap.check ? [`check ${gap.check}`] : []),
  ].join(' ');
}

/**
 * Gaps grouped by their place without the check, with the checks and reasons under it, so a broker whose 8
 * data-plane checks could not run reads as one line: `self/eu-west-1 broker orders: 8 checks (mq-a, …): reason`.
 */
export function gapLines(gaps: readonly CoverageGap[], max = 50): string[] {
  const groups = new Map<string, { checks: string[]; gap: CoverageGap }>();
  for (const gap of gaps) {
    const key = `${gap.target}\u0000${gap.broker ?? ''}\u0000${gap.reason}`;
    const group = groups.get(key) ?? { checks: [], gap };
    if (gap.check) group.checks.push(gap.check);
    groups.set(key, group);
  }
  const lines = [...groups.values()].map(({ checks, gap }) => {
    const place = gapPlace({ target: gap.target, ...(gap.broker ? { broker: gap.broker } : {}) });
    const what =
      checks.length === 0
        ? ''
        : checks.length === 1
          ? ` check ${checks[0]}`
          : ` ${checks.length} checks (${checks.slice(0, 3).join(', ')}${checks.length > 3 ? ', …' : ''})`;
    return `${place}${what}: ${gap.reason}`;
  });
  return lines.length > max ? [...lines.slice(0, max), `…and ${lines.length - max} more`] : lines;
}

/** One line for a job's outcome: `complete`, `partial: 2 not covered`, `failed: nothing covered (1 gap)`. */
export function outcomeSummary(outcome: JobOutcome, unit = 'brokers'): string {
  const n = outcome.gaps.length;
  const gaps = outcome.status === 'complete' ? '' : `, ${n} gap${n === 1 ? '' : 's'}`;
  return `${outcome.status}: ${outcome.covered} ${unit} covered${gaps}`;
}
