import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors';
import {
  assertWithinLimits,
  clip,
  MAX_DEPTH,
  MAX_EVENT_CHARS,
  MAX_MESSAGE_CHARS,
  refusal,
} from '../../src/limits';
import { MAX_SECRET_ID_LENGTH, clip as rotationClip } from '../../src/rotation/admit';

/** `run` threw: its error. */
function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

/** A value nested `depth` arrays deep. */
const nested = (depth: number): unknown => {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

describe('Function: clip', () => {
  it('keeps a short value and cuts a long one to 64 characters and its length', () => {
    expect(clip('b-1')).toBe('b-1');
    expect(clip('a'.repeat(1 << 20))).toBe(`${'a'.repeat(64)}…(1048576 chars)`);
  });

  it('is the one rotation uses (moved here, re-exported by rotation/admit.ts)', () => {
    expect(rotationClip).toBe(clip);
    expect(MAX_SECRET_ID_LENGTH).toBe(2048);
  });
});

describe('Function: refusal', () => {
  it('is an InvalidInputError with the head and its issues', () => {
    // Act
    const error = refusal('not a valid event', ['detail.eventName: required']);

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe('not a valid event: detail.eventName: required');
    expect(error.issues).toEqual(['detail.eventName: required']);
  });

  it('cuts every long run of characters, a long head and long issues, and says how many issues it left out', () => {
    // Act
    const error = refusal(`unknown runbook ${'h'.repeat(5000)} ${'x '.repeat(500)}`, [
      `${'k'.repeat(1 << 20)}: unknown field`,
      ...Array.from({ length: 40 }, (_, i) => `field${i}: ${'word '.repeat(60)}`),
    ]);

    // Assess
    expect(error.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(error.message).toContain(`${'h'.repeat(64)}…(5000 chars)`);
    expect(error.message).not.toMatch(/[hk]{65}/);
    expect(error.message).toMatch(/…and \d+ more$/);
  });

  it('stays within 300 characters for any head and issues', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 2000 }),
        fc.array(fc.string({ maxLength: 2000 })),
        (head, issues) => {
          const message = refusal(head, issues).message;
          expect(message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
          expect(message).not.toMatch(/[^\s.,:;…()]{65}/);
        },
      ),
      { seed: 12_007, numRuns: 500 },
    );
  });
});

describe('Function: assertWithinLimits', () => {
  it('takes a value within its bounds', () => {
    expect(() =>
      assertWithinLimits({ brokers: ['b-1', 'orders'], n: 1, ok: true, none: null }, 'x', 200),
    ).not.toThrow();
    expect(() => assertWithinLimits(nested(MAX_DEPTH))).not.toThrow();
  });

  it.each([
    ['a 1 MB string', { key: 'k'.repeat(1 << 20) }, /a string of 1048576 characters/],
    ['a 1 MB key', { ['k'.repeat(1 << 20)]: 1 }, /a string of 1048576 characters/],
    ['a million-element array', { ids: Array(1_000_000).fill(1) }, /larger than 262144 characters of JSON/],
    ['33 levels of nesting', nested(MAX_DEPTH + 1), /nested deeper than 32 levels/],
    ['100,000 levels of nesting', nested(100_000), /nested deeper than 32 levels/],
  ])('refuses %s with a short message', (_what, event, reason) => {
    // Act
    const error = thrown(() => assertWithinLimits(event, 'not a valid event'));

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toMatch(/^not a valid event: \(event\): /);
    expect(error.message).toMatch(reason);
    expect(error.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  });

  it('refuses a string over `string` anywhere in the value, keys included', () => {
    expect(() => assertWithinLimits({ a: ['x'.repeat(2049)] }, 'r', 1e6, 2048)).toThrow(
      /a string of 2049 characters \(at most 2048\)/,
    );
    expect(() => assertWithinLimits({ ['k'.repeat(2049)]: 1 }, 'r', 1e6, 2048)).toThrow(InvalidInputError);
    expect(() => assertWithinLimits({ a: ['x'.repeat(2048)] }, 'r', 1e6, 2048)).not.toThrow();
  });

  it('counts about what JSON.stringify writes, and stops at the bound', () => {
    const event = { list: Array.from({ length: 1000 }, (_, i) => ({ id: `b-${i}`, on: i % 2 === 0 })) };
    const chars = JSON.stringify(event).length;
    expect(() => assertWithinLimits(event, 'x', chars + 100)).not.toThrow();
    expect(() => assertWithinLimits(event, 'x', Math.floor(chars * 0.9))).toThrow(/larger than/);
    expect(MAX_EVENT_CHARS).toBe(256 * 1024);
  });
});
