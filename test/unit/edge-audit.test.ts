import { InvalidInputError } from '@mqops/core';
import { afterAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/audit';
import { installStubs } from '../helpers/fuzz';
import { lambdaContext } from '../helpers/lambda';
import { capturingOutput } from '../helpers/process';

/*
 * Issue 12, defect 7, at the Audit function's edge: a 1 MB key in a manual invoke is refused in at most 300 characters, before any AWS
 * call or write, and never repeated (test/unit/fuzz-handlers.test.ts fuzzes every handler).
 */
const stubs = installStubs();
afterAll(() => stubs.restore());

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
