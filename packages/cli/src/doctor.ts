import { readSelfStatus } from '@mqops/aws/self-status';
import { doctorVerdict, type SelfStatus } from '@mqops/core/doctor';
import type { Io } from './main';
import { cell, clientSettings, parseOptions, tableOrJson, UsageError } from './usage';

export const DOCTOR_HELP = `mqops doctor — how a deployed mqops stage is doing

Usage:
  mqops doctor [--stage NAME] [--hours N] [--region REGION] [--profile NAME] [--output table|json]
      Reads what the stage says about itself: its alarms on itself (mqops.self.<stage>.…: the dead-letter queue, a
      failed audit, an abandoned alert, a failed rotation, a rolled-back resize, each function's errors), what waits
      in its dead-letter queue and why (without taking it off the queue), and its jobs' partial and failed runs over the
      last hours.
      Exit 0 when healthy; 3 when something is in ALARM, waits in the dead-letter queue, failed, or could not be read.

Options:
  --stage NAME               the stage (sst deploy --stage NAME; default: every stage found in the region)
  --hours N                  how far back the job counts go (default 24, at most 336)
  --region REGION, --profile NAME, --output table|json`;

/** `mqops doctor`; returns the exit code. */
export async function doctorCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    stage: { type: 'string' },
    hours: { type: 'string' },
    region: { type: 'string' },
    profile: { type: 'string' },
    output: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(DOCTOR_HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const output = tableOrJson(values.output);
  const hours = values.hours === undefined ? 24 : Number(values.hours);
  if (!Number.isInteger(hours) || hours < 1 || hours > 336)
    throw new UsageError(`--hours must be a whole number from 1 to 336 (got ${values.hours})`);
  if (values.stage !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(values.stage))
    throw new UsageError(`--stage must be a stage name: letters, digits and - (got ${values.stage})`);
  const status = await readSelfStatus(clientSettings(values), {
    ...(values.stage ? { stage: values.stage } : {}),
    hours,
  });
  const verdict = doctorVerdict(status);
  if (output === 'json') io.out(JSON.stringify({ ...verdict, ...status }, null, 2));
  else for (const line of render(status)) io.out(line);
  for (const problem of verdict.problems) io.err(`mqops: ${problem}`);
  if (output === 'table')
    io.out(`\nmqops ${status.stage ? `stage ${status.stage}` : ''}: ${verdict.status}`.replace(' :', ':'));
  return verdict.status === 'healthy' ? 0 : 3;
}

function render(status: SelfStatus): string[] {
  const lines: string[] = [];
  if (status.alarms.length) {
    const w = Math.max(5, ...status.alarms.map((a) => a.name.length));
    lines.push(`${cell('ALARM', w)}  ${cell('STATE', 17)}  SINCE`);
    for (const a of status.alarms) lines.push(`${cell(a.name, w)}  ${cell(a.state, 17)}  ${a.since ?? '-'}`);
  }
  if (status.deadLetters) {
    const { queue, count, sample } = status.deadLetters;
    lines.push('', `Dead-letter queue ${queue}: ${count} waiting`);
    for (const d of sample)
      lines.push(
        `  ${d.sentAt ?? '-'}  ${d.job ?? '?'}  ${d.errorCode ?? '?'}  ${(d.reason ?? '').slice(0, 160)}`,
      );
  }
  if (status.jobs.length) {
    lines.push(
      '',
      `Jobs that did not cover all they were asked, last ${status.hours} h:`,
      `  ${cell('JOB', 14)}  PARTIAL  FAILED`,
    );
    for (const j of status.jobs)
      lines.push(`  ${cell(j.job, 14)}  ${String(j.partial).padStart(7)}  ${String(j.failed).padStart(6)}`);
  }
  return lines;
}
