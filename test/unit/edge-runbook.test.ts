import { InvalidInputError } from '@mqops/core';
import { afterAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/runbook';
import { installStubs } from '../helpers/fuzz';
import { lambdaContext } from '../helpers/lambda';

/*
 * Issue 12, defect 7, at the Runbook function's edge: a 1 MB broker id in a runbook request is refused in at most 300 characters, before any AWS
 * call or write, and never repeated (test/unit/fuzz-handlers.test.ts fuzzes every handler).
 */
const stubs = installStubs();
afterAll(() => stubs.restore());

describe('Function: handler (Runbook), a 1 MB broker id (issue 12, defect 7)', () => {
  it.each(['resize-now', 'safe-reboot'])(
    'refuses %s of it at the edge: a short InvalidInputError to the caller, no DynamoDB call, no trail record',
    async (runbook) => {
      // Prepare: it used to reach DynamoDB (the trail's PutItem of the run, then the plan's read) and fail there.
      stubs.reset();
      const event = {
        runbook,
        payload: { brokerId: `b-${'1'.repeat(1 << 20)}` },
        execute: true,
        by: 'alice',
      };

      // Act
      const error = await handler(event, lambdaContext('mqops-runbook')).then(
        () => undefined,
        (e: unknown) => e,
      );

      // Assess
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/^not a runbook request .*a string of 1048578 characters/);
      expect((error as Error).message.length).toBeLessThanOrEqual(300);
      expect(stubs.calls()).toEqual([]);
      expect(stubs.fetches()).toBe(0);
    },
  );

  it('records a run of a broker id within the limits (the checks above can fail)', async () => {
    // Prepare
    stubs.reset();

    // Act
    const record = await handler(
      { runbook: 'resize-now', payload: { brokerId: 'b-1234a5b6-78cd-901e-2fab-3c45d6e178f9' } },
      lambdaContext('mqops-runbook'),
    );

    // Assess: no plan (DynamoDB answers no item), so the guard refuses it, and the run is in the trail.
    expect(record).toMatchObject({ runbook: 'resize-now', status: 'refused' });
    expect(stubs.calls()).toContain('PutItemCommand');
  });
});
