import middy from '@middy/core';
import { ConfigurationError, InvalidInputError } from '@mqops/core/errors';
import { MemoryKeyValueStore } from '@mqops/core/kv';
import { outcomeOf } from '@mqops/core/outcome';
import { SAFE_REBOOT_KEY_PREFIX } from '@mqops/core/runbooks/safe-reboot';
import { describe, expect, it, vi } from 'vitest';
import { emitJobOutcome, emitMetrics } from '../../functions/lib/job-metric';
import { countFailures, endJob, JobFailedError } from '../../functions/lib/job-outcome';
import { rotate } from '../../functions/rotate';
import { createRunbookTick } from '../../functions/runbook-tick';

const gap = { target: 'self/us-east-1', broker: 'orders', reason: 'not described: AccessDenied' };

/** endJob's metric line(s), from stdout. */
function metricLines(write: ReturnType<typeof vi.spyOn>) {
  return write.mock.calls
    .map((call: unknown[]) => String(call[0]))
    .filter((line: string) => line.includes('"JobComplete"'))
    .map((line: string) => JSON.parse(line) as Record<string, unknown>);
}

describe('Function: emitJobOutcome (what a job writes, and what CloudWatch is asked to keep as a metric)', () => {
  const declared = (line: Record<string, unknown>) =>
    (
      (line._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } | undefined)
        ?.CloudWatchMetrics[0]?.Metrics ?? []
    ).map((m) => m.Name);

  it('declares no metric for a complete job (a job run every minute would pay for one every hour)', () => {
    const lines: string[] = [];
    emitJobOutcome('watch', outcomeOf(3, []), (l) => lines.push(l));
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ Job: 'watch', JobComplete: 1, JobPartial: 0, JobFailed: 0, Gaps: 0 });
    expect(line).not.toHaveProperty('_aws');
  });

  it('declares only what is not zero for a partial or failed job, never JobComplete', () => {
    const lines: string[] = [];
    emitJobOutcome('audit', outcomeOf(2, [gap]), (l) => lines.push(l));
    emitJobOutcome('audit', outcomeOf(0, [gap, gap], true), (l) => lines.push(l));
    const [partial, failed] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(declared(partial ?? {})).toEqual(['JobPartial', 'Gaps']);
    expect(declared(failed ?? {})).toEqual(['JobFailed', 'Gaps']);
    expect(failed).toMatchObject({
      Job: 'audit',
      JobFailed: 1,
      Gaps: 2,
      _aws: { CloudWatchMetrics: [{ Namespace: 'mqops', Dimensions: [['Job']] }] },
    });
  });

  it('writes service counts by Service (the job in the line), declaring only those that are not zero', () => {
    const lines: string[] = [];
    emitMetrics('alert-flush', { AlertsDelivered: 0, AlertsAbandoned: 2 }, (l) => lines.push(l));
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(declared(line)).toEqual(['AlertsAbandoned']);
    expect(line).toMatchObject({
      Job: 'alert-flush',
      Service: 'mqops',
      AlertsDelivered: 0,
      AlertsAbandoned: 2,
      _aws: { CloudWatchMetrics: [{ Dimensions: [['Service']] }] },
    });
  });
});

describe('Function: endJob', () => {
  it.each([
    ['complete', outcomeOf(3, []), { JobComplete: 1, JobPartial: 0, JobFailed: 0, Gaps: 0 }],
    ['partial', outcomeOf(2, [gap]), { JobComplete: 0, JobPartial: 1, JobFailed: 0, Gaps: 1 }],
  ])('returns the result of a %s job after writing its metric', (_, outcome, counts) => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(endJob('watch', outcome, { ok: true })).toEqual({ ok: true });
      expect(metricLines(write)).toEqual([expect.objectContaining({ Job: 'watch', ...counts })]);
    } finally {
      write.mockRestore();
    }
  });

  it('throws JobFailedError for a failed job, after writing its metric, carrying the result', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const outcome = outcomeOf(0, [{ target: 'self/us-east-1', reason: 'not listed: AccessDenied' }], true);
      const error = (() => {
        try {
          endJob('rightsize', outcome, { brokers: 0 });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(JobFailedError);
      expect(error).toMatchObject({ job: 'rightsize', outcome, result: { brokers: 0 } });
      expect((error as Error).message).toBe(
        'rightsize failed: 0 brokers covered, 1 gap: self/us-east-1: not listed: AccessDenied',
      );
      expect(metricLines(write)).toEqual([
        expect.objectContaining({ Job: 'rightsize', JobFailed: 1, Gaps: 1 }),
      ]);
    } finally {
      write.mockRestore();
    }
  });
});

describe('Job metric of the other functions', () => {
  const scheduled = {
    version: '0',
    id: '1',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: '2026-11-25T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {},
  };

  it('rotate: a failed step counts as failed, naming the secret and step, and still throws its error', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const fail = async () => {
        throw new Error('AccessDeniedException: secretsmanager:DescribeSecret');
      };
      const event = {
        Step: 'createSecret',
        SecretId: 'mqops/orders/app',
        ClientRequestToken: '00000000-0000-4000-8000-000000000001',
      };
      await expect(
        rotate(event, {
          store: {
            describe: fail,
            getValue: fail,
            putPending: fail,
            moveCurrent: fail,
            randomPassword: fail,
          },
          targets: {},
        }),
      ).rejects.toThrow('AccessDeniedException');
      expect(metricLines(write)).toEqual([
        expect.objectContaining({ Job: 'rotation', JobComplete: 0, JobFailed: 1, Gaps: 1 }),
      ]);
    } finally {
      write.mockRestore();
    }
  });

  it('runbook tick: a safe reboot whose broker cannot be read fails the tick, after counting it', async () => {
    const store = new MemoryKeyValueStore();
    await store.put(`${SAFE_REBOOT_KEY_PREFIX}b-1`, {
      runId: 'r-1',
      by: 'carol',
      brokerId: 'b-1',
      brokerName: 'orders',
      region: 'eu-west-1',
      state: 'rebooting',
      startedAt: '2026-11-25T11:58:00Z',
      deadline: '2026-11-25T12:30:00Z',
      markerUntil: '2026-11-25T12:30:00Z',
    });
    const tick = createRunbookTick({
      now: () => new Date('2026-11-25T12:00:00Z'),
      runtime: () => ({
        store,
        sinks: [],
        control: {
          describe: async () => {
            throw new Error('ThrottlingException: Rate exceeded');
          },
          updateInstanceType: async () => undefined,
          reboot: async () => undefined,
        },
        probe: { probe: async () => ({ ok: true, detail: 'ok' }) },
      }),
    });
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const error = await tick(scheduled).catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'JobFailedError',
        job: 'runbook-tick',
        outcome: {
          status: 'failed',
          gaps: [
            {
              target: 'self/eu-west-1',
              broker: 'orders',
              check: 'safe reboot',
              reason: expect.stringMatching(
                /^not evaluated this tick: DescribeBroker of orders: .*Rate exceeded/,
              ),
            },
          ],
        },
      });
      expect(metricLines(write)).toEqual([expect.objectContaining({ Job: 'runbook-tick', JobFailed: 1 })]);
    } finally {
      write.mockRestore();
    }
  });

  it('runbook tick: nothing open is a complete tick', async () => {
    const tick = createRunbookTick({
      runtime: () => ({
        store: new MemoryKeyValueStore(),
        sinks: [],
        control: {
          describe: async () => {
            throw new Error('not called');
          },
          updateInstanceType: async () => undefined,
          reboot: async () => undefined,
        },
        probe: { probe: async () => ({ ok: true, detail: 'ok' }) },
      }),
    });
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await tick(scheduled)).toEqual({ status: 'complete', gaps: 0, notCovered: [], reboots: [] });
      expect(metricLines(write)).toEqual([expect.objectContaining({ Job: 'runbook-tick', JobComplete: 1 })]);
    } finally {
      write.mockRestore();
    }
  });
});

describe('Middleware: countFailures', () => {
  const handlerThatThrows = (error: unknown) =>
    middy(async () => {
      throw error;
    }).use(countFailures('resize'));

  it.each([
    ['a store that could not be listed', new Error('ProvisionedThroughputExceededException: slow down'), 1],
    [
      'a bad configuration',
      new ConfigurationError('invalid mqops configuration', ['suppressions.0.check: …']),
      1,
    ],
    [
      'a job that ended failed (endJob counted it)',
      new JobFailedError('resize', outcomeOf(0, [gap], true), {}),
      0,
    ],
  ])('counts %s as failed %i time(s) and lets the error fail the invocation', async (_, error, counted) => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await expect(handlerThatThrows(error)({}, {} as never)).rejects.toBe(error);
      const lines = metricLines(write);
      expect(lines).toHaveLength(counted);
      if (counted)
        expect(lines[0]).toMatchObject({
          Job: 'resize',
          JobFailed: 1,
          Gaps: 1,
        });
    } finally {
      write.mockRestore();
    }
  });

  it('counts a refused event as Rejected, not as a failed job, and lets the error reach the caller', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const error = new InvalidInputError('not an Amazon MQ event');
      await expect(handlerThatThrows(error)({}, {} as never)).rejects.toBe(error);
      const lines = write.mock.calls.map(
        (call: unknown[]) => JSON.parse(String(call[0])) as Record<string, unknown>,
      );
      expect(lines).toEqual([expect.objectContaining({ Job: 'resize', Service: 'mqops', Rejected: 1 })]);
      expect(lines[0]).not.toHaveProperty('JobFailed');
    } finally {
      write.mockRestore();
    }
  });
});
