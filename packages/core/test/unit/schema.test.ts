import { describe, expect, it } from 'vitest';
import * as v from '../../src/schema';

const lines = (schema: v.GenericSchema, input: unknown, root = '(root)') => {
  const result = v.safeParse(schema, input);
  return result.success ? [] : v.issueLines(result.issues, root);
};

describe('Module: schema', () => {
  describe('object schemas refuse arrays', () => {
    it.each([
      ['object', v.object({ a: v.optional(v.string()) })],
      ['strictObject', v.strictObject({ a: v.optional(v.string()) })],
      ['looseObject', v.looseObject({ a: v.optional(v.string()) })],
      ['a partial strictObject', v.partial(v.strictObject({ a: v.string() }))],
      ['record', v.record(v.string(), v.string())],
    ])('%s', (_name, schema) => {
      expect(lines(schema, [])).toEqual(['(root): Invalid type: Expected Object but received Array']);
      expect(lines(schema, {})).toEqual([]);
    });

    it('names the path of a nested array', () => {
      const schema = v.strictObject({ policy: v.optional(v.partial(v.strictObject({ n: v.number() }))) });
      expect(lines(schema, { policy: [1] })).toEqual([
        'policy: Invalid type: Expected Object but received Array',
      ]);
    });

    it('refuses arrays through the Standard Schema interface too', () => {
      const result = v.strictObject({})['~standard'].validate([]) as { issues?: unknown[] };
      expect(result.issues).toHaveLength(1);
    });

    it('keeps the entries, so a schema can extend another', () => {
      const base = v.object({ id: v.string() });
      const extended = v.object({ ...base.entries, n: v.number() });
      expect(v.parse(extended, { id: 'x', n: 1, other: true })).toEqual({ id: 'x', n: 1 });
    });
  });

  describe('numbers', () => {
    it.each([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN])(
      'number refuses %d',
      (value) => {
        expect(lines(v.number(), value)).toEqual([
          `(root): Invalid type: Expected number but received ${String(value)}`,
        ]);
      },
    );

    it('number takes finite numbers; JSON 1e999 (Infinity) is refused', () => {
      expect(v.parse(v.number(), -1.5)).toBe(-1.5);
      expect(lines(v.strictObject({ n: v.number() }), JSON.parse('{"n": 1e999}'))).toEqual([
        'n: Invalid type: Expected number but received Infinity',
      ]);
    });

    it('safeInteger refuses whole numbers too large to be exact', () => {
      const count = v.pipe(v.number(), v.safeInteger());
      expect(v.parse(count, 2 ** 53 - 1)).toBe(2 ** 53 - 1);
      expect(lines(count, 1e20)).toHaveLength(1);
    });
  });

  describe('Function: timestamp', () => {
    it.each([
      '2026-11-26T05:00:00Z',
      '2024-02-29T23:59:59.123Z',
      '2026-03-29T01:30:00+01:00',
      '2026-01-01T00:00:00-05:30',
    ])('takes %s', (text) => {
      expect(v.parse(v.timestamp(), text)).toBe(text);
    });

    it.each([
      '2024-02-30T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2024-01-01 00:00:00Z',
      '2024-01-01T00:00Z',
      '2024-01-01T00:00:00',
      '2024-01-01T00:00:00+01',
      '2024-01-01T00:00:00+0100',
      '2024-01-01T24:00:00Z',
      '',
    ])('refuses %j', (text) => {
      expect(lines(v.timestamp(), text)).toEqual([
        '(root): not an ISO 8601 date-time (e.g. 2026-11-26T05:00:00Z)',
      ]);
    });
  });

  describe('Function: issueLines', () => {
    const schema = v.strictObject({
      name: v.string(),
      port: v.pipe(v.number(), v.integer(), v.maxValue(65_535)),
      mode: v.optional(v.picklist(['a', 'b'])),
      code: v.optional(v.pipe(v.string(), v.regex(/^\d{4}$/))),
      note: v.optional(v.pipe(v.string(), v.minLength(3, 'a note needs three letters'))),
    });

    it('says a missing key is required and an unknown one is an unknown field', () => {
      expect(lines(schema, { port: 1, extra: 1 })).toEqual(['name: required', 'extra: unknown field']);
    });

    it('keeps numbers and custom messages, and reports a bad root against the root name', () => {
      expect(lines(schema, { name: 'n', port: 70_000, note: 'x' })).toEqual([
        'port: Invalid value: Expected <=65535 but received 70000',
        'note: a note needs three letters',
      ]);
      expect(lines(schema, null, '(event)')).toEqual([
        '(event): Invalid type: Expected Object but received null',
      ]);
    });

    it.each([
      ['a string where a number goes', { name: 'n', port: 'Hunter2-secret' }],
      ['a string outside a picklist', { name: 'n', port: 1, mode: 'Hunter2-secret' }],
      ['a string that fails a regex', { name: 'n', port: 1, code: 'Hunter2-secret' }],
    ])('never repeats the received string: %s', (_case, input) => {
      const text = lines(schema, input);
      expect(text).toHaveLength(1);
      expect(text[0]).toMatch(/but received a string$/);
      expect(text.join('\n')).not.toContain('Hunter2');
    });

    it.each([
      [
        'a number',
        { name: 'n', port: 1, code: 1234567890123 },
        'code: Invalid type: Expected string but received a number',
      ],
      ['a boolean', { name: true, port: 1 }, 'name: Invalid type: Expected string but received a boolean'],
      [
        'an object',
        { name: { pw: 'Hunter2' }, port: 1 },
        'name: Invalid type: Expected string but received Object',
      ],
      ['null', { name: null, port: 1 }, 'name: Invalid type: Expected string but received null'],
    ])('says only what kind of value came where another type goes: %s', (_case, input, line) => {
      const text = lines(schema, input);
      expect(text).toEqual([line]);
      expect(text.join('\n')).not.toMatch(/1234567890123|Hunter2/);
    });

    it('puts the prefix before every line', () => {
      const result = v.safeParse(v.array(schema), [{ port: 1 }]);
      expect(result.success).toBe(false);
      expect(v.issueLines(result.issues ?? [], '', 'items.')).toEqual(['items.0.name: required']);
    });
  });
});
