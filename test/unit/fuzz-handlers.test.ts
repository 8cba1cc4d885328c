import { afterAll, describe, expect, it } from 'vitest';
import { fuzzHandler, installStubs } from '../helpers/fuzz';
import { FUZZ_TARGETS } from '../helpers/fuzz-targets';

/*
 * Issue 12, defect 7: every event-driven handler over 1,000 hostile events each (seeded; `npm run bench:fuzz` runs
 * more). Every refused event ends in an InvalidInputError of at most 300 characters, after no AWS call, no fetch and
 * no log line over 2 KB; an accepted one calls only what the function's IAM policy allows; nothing rejects unhandled.
 */
const stubs = installStubs();
afterAll(() => stubs.restore());

describe.each(Object.keys(FUZZ_TARGETS))('Property: the %s handler over hostile events', (name) => {
  it('refuses every invalid event with a short InvalidInputError and no side effect', async () => {
    // Act
    const report = await fuzzHandler(await FUZZ_TARGETS[name]!(), stubs, { numRuns: 1_000 });

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
