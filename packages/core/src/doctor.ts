/**
 * `mqops doctor`: how a deployed mqops stage is doing, from what it writes about itself (infra/monitoring.ts): the
 * states of its self-alarms (`mqops.self.<stage>.…`), what waits in its dead-letter queue and why, and its jobs'
 * partial and failed runs (the `mqops` metrics JobPartial, JobFailed). Pure: the reading is the adapters'.
 */

/** One of mqops' alarms on itself. */
export interface SelfAlarmState {
  name: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  /** ISO time of its last state change. */
  since?: string;
  reason?: string;
  description?: string;
}

/** One message of the dead-letter queue, as its attributes describe it (the event itself is not shown). */
export interface DeadLetter {
  id: string;
  /** The job that refused or failed it. */
  job?: string;
  /** `InvalidInputError` for a refused event; Lambda's for an event that failed after its retries. */
  errorCode?: string;
  reason?: string;
  /** ISO time it was sent. */
  sentAt?: string;
}

/**
 * A job's runs that did not cover all they were asked, over the look-back window (the mqops metrics JobPartial and
 * JobFailed; a complete run writes no metric, so it is not counted here: Lambda's Invocations count every run).
 */
export interface JobCounts {
  job: string;
  partial: number;
  failed: number;
}

/** What `mqops doctor` read; a part it could not read carries its error instead. */
export interface SelfStatus {
  /** The stage read, when one was named (else every stage the alarms name). */
  stage?: string;
  /** Hours the job counts cover. */
  hours: number;
  alarms: SelfAlarmState[];
  alarmsError?: string;
  deadLetters?: { queue: string; count: number; sample: DeadLetter[] };
  deadLettersError?: string;
  jobs: JobCounts[];
  jobsError?: string;
}

/** The verdict: healthy only when every alarm is OK, no dead letter waits and everything could be read. */
export interface DoctorVerdict {
  status: 'healthy' | 'unhealthy' | 'unknown';
  /** Why it is not healthy, one line each (empty when healthy). */
  problems: string[];
}

/** Judges a stage's status. `unknown`: no self-alarm found (not deployed here?) or a part could not be read. */
export function doctorVerdict(status: SelfStatus): DoctorVerdict {
  const problems: string[] = [];
  let unknown = false;
  if (status.alarmsError) {
    problems.push(`could not read the alarms: ${status.alarmsError}`);
    unknown = true;
  } else if (status.alarms.length === 0) {
    problems.push(
      `no mqops self-alarm found${status.stage ? ` for stage ${status.stage}` : ''}: is mqops deployed in this account and region?`,
    );
    unknown = true;
  }
  for (const alarm of status.alarms.filter((a) => a.state === 'ALARM'))
    problems.push(
      `${alarm.name} is in ALARM${alarm.since ? ` since ${alarm.since}` : ''}: ${alarm.description ?? alarm.reason ?? ''}`.trim(),
    );
  if (status.deadLettersError) {
    problems.push(`could not read the dead-letter queue: ${status.deadLettersError}`);
    unknown = true;
  } else if (status.deadLetters && status.deadLetters.count > 0)
    problems.push(
      `${status.deadLetters.count} event(s) wait in the dead-letter queue ${status.deadLetters.queue}`,
    );
  if (status.jobsError) {
    problems.push(`could not read the job metrics: ${status.jobsError}`);
    unknown = true;
  }
  for (const job of status.jobs.filter((j) => j.failed > 0))
    problems.push(`${job.job}: ${job.failed} failed run(s) in the last ${status.hours} h`);
  const alarming = status.alarms.some((a) => a.state === 'ALARM');
  const waiting = (status.deadLetters?.count ?? 0) > 0;
  const failed = status.jobs.some((j) => j.failed > 0);
  return {
    status: alarming || waiting || failed ? 'unhealthy' : unknown ? 'unknown' : 'healthy',
    problems,
  };
}
