import { InvalidInputError } from '@mqops/core';
import { afterAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/audit';
import { fuzzHandler, installStubs } from '../helpers/fuzz';
import { FUZZ_TARGETS } from '../helpers/fuzz-targets';
import { lambdaContext } from '../helpers/lambda';
import { capturingOutput } from '../helpers/process';

/*
 * Issue 12, defect 7: the Audit function's handler over 1,000 hostile events (seeded; `npm run bench:fuzz` runs
 * more). Every refused event ends in an InvalidInputError of at most 300 characters, after no AWS call, no fetch and
 * no log line over 2 KB; an accepted one calls only what the function's IAM policy allows; nothing rejects unhandled.
 */
const stubs = installStubs();
afterAll(() => stubs.restore());

describe('Property: the Audit handler over hostile events', () => {
  it('refuses every invalid event with a short InvalidInputError and no side effect', async () => {
    // Act
    const report = await fuzzHandler(await FUZZ_TARGETS['audit']!(), stubs, { numRuns: 1_000 });

    // Assess
    expect(report.failure).toBeUndefined();
    expect(report.unhandled).toEqual([]);
    expect(report.runs).toBe(1_000);
    // Both sides were exercised: the refusals, and the valid events around them (which made AWS calls).
    expect(report.refused).toBeGreaterThan(500);
    expect(report.accepted).toBeGreaterThan(20);
    expect(report.acceptedCalls).toBeGreaterThan(0);
  }, 60_000);
});

describe('Function: handler (Audit), a 1 MB key (issue 12, defect 7)', () => {
  it('refuses it in at most 300 characters, without repeating it, before any call and with short log lines', async () => {
    // Prepare: a manual invoke whose one key is a megabyte long (it was echoed into the InvalidInputError).
    stubs.reset();
    const output: string[] = [];

    // Act
    const error = await capturingOutput(output, () =>
      handler({ ['k'.repeat(1 << 20)]: 1 }, lambdaContext('mqops-audit')),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message.length).toBeLessThanOrEqual(300);
    expect((error as Error).message).not.toContain('k'.repeat(65));
    expect(stubs.calls()).toEqual([]);
    expect(
      Math.max(0, ...output.flatMap((chunk) => chunk.split('\n')).map((line) => line.length)),
    ).toBeLessThan(2048);
  });
});
