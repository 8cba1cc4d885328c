import { describe, expect, it } from 'vitest';
import { doctorVerdict, type SelfStatus } from '../../src/doctor';

const ok = (name: string) => ({ name, state: 'OK' as const });
const base = (over: Partial<SelfStatus> = {}): SelfStatus => ({
  stage: 'prod',
  hours: 24,
  alarms: [ok('mqops.self.prod.dead-letters'), ok('mqops.self.prod.audit-failed')],
  deadLetters: { queue: 'mqops-prod-DeadLetters', count: 0, sample: [] },
  jobs: [],
  ...over,
});

describe('Function: doctorVerdict', () => {
  it('is healthy when every alarm is OK, no dead letter waits and no job failed', () => {
    expect(doctorVerdict(base())).toEqual({ status: 'healthy', problems: [] });
  });

  it.each<[string, Partial<SelfStatus>, RegExp]>([
    [
      'an alarm in ALARM',
      {
        alarms: [
          {
            name: 'mqops.self.prod.audit-failed',
            state: 'ALARM',
            since: '2026-12-08T04:00:00.000Z',
            description: 'An audit failed',
          },
        ],
      },
      /mqops\.self\.prod\.audit-failed is in ALARM since 2026-12-08T04:00:00\.000Z: An audit failed/,
    ],
    [
      'a dead letter waiting',
      { deadLetters: { queue: 'q', count: 2, sample: [] } },
      /2 event\(s\) wait in the dead-letter queue q/,
    ],
    [
      'a failed job',
      { jobs: [{ job: 'audit', partial: 0, failed: 3 }] },
      /audit: 3 failed run\(s\) in the last 24 h/,
    ],
  ])('is unhealthy with %s, and says so', (_, over, said) => {
    const verdict = doctorVerdict(base(over));
    expect(verdict.status).toBe('unhealthy');
    expect(verdict.problems.join('\n')).toMatch(said);
  });

  it.each<[string, Partial<SelfStatus>, RegExp]>([
    ['no self-alarm found (not deployed here?)', { alarms: [] }, /no mqops self-alarm found for stage prod/],
    [
      'alarms that could not be read',
      { alarms: [], alarmsError: 'AccessDenied' },
      /could not read the alarms: AccessDenied/,
    ],
    [
      'a dead-letter queue that could not be read',
      { deadLettersError: 'QueueDoesNotExist' },
      /could not read the dead-letter queue/,
    ],
    ['job metrics that could not be read', { jobsError: 'Throttling' }, /could not read the job metrics/],
  ])('is unknown, never healthy, with %s', (_, over, said) => {
    const verdict = doctorVerdict(base(over));
    expect(verdict.status).toBe('unknown');
    expect(verdict.problems.join('\n')).toMatch(said);
  });
});
