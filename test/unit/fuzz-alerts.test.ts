import { afterAll, describe, expect, it } from 'vitest';
import { fuzzHandler, installStubs } from '../helpers/fuzz';
import { FUZZ_TARGETS } from '../helpers/fuzz-targets';

/*
 * Issue 12, defect 7: the Alerts and AlertFlush handlers over 1,000 hostile events each (seeded; `npm run bench:fuzz`
 * runs more). Every refused event ends in an InvalidInputError after no AWS call, no fetch and no long log line; an
 * accepted one calls only what the function's IAM policy allows; nothing rejects unhandled. The Alerts function's
 * refusals are bounded by its own limits (alerts/events.ts: about 2,100 characters), the flusher's by 300.
 */
const stubs = installStubs();
afterAll(() => stubs.restore());

describe('Property: the Alerts handler over hostile events', () => {
  it('refuses every invalid event with a bounded InvalidInputError and no side effect', async () => {
    // Act
    const report = await fuzzHandler(await FUZZ_TARGETS.alerts!(), stubs, { numRuns: 1_000 });

    // Assess
    expect(report.failure).toBeUndefined();
    expect(report.unhandled).toEqual([]);
    expect(report.runs).toBe(1_000);
    expect(report.refused).toBeGreaterThan(500);
    expect(report.accepted).toBeGreaterThan(20);
    expect(report.acceptedCalls).toBeGreaterThan(0);
  }, 60_000);
});

describe('Property: the AlertFlush handler over hostile events', () => {
  it('refuses every event but a schedule or {} with a short InvalidInputError and no side effect', async () => {
    // Act
    const report = await fuzzHandler(await FUZZ_TARGETS['alert-flush']!(), stubs, { numRuns: 1_000 });

    // Assess
    expect(report.failure).toBeUndefined();
    expect(report.unhandled).toEqual([]);
    expect(report.runs).toBe(1_000);
    expect(report.refused).toBeGreaterThan(500);
    expect(report.accepted).toBeGreaterThan(20);
    expect(report.acceptedCalls).toBeGreaterThan(0);
  }, 60_000);
});
