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

    it('keeps the entries, so a schema can extend another', () => {
      const base = v.object({ id: v.string() });
      const extended = v.object({ ...base.entries, n: v.number() });
      expect(v.parse(extended, { id: 'x', n: 1, other: true })).toEqual({ id: 'x', n: 1 });
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

    it('puts the prefix before every line', () => {
      const result = v.safeParse(v.array(schema), [{ port: 1 }]);
      expect(result.success).toBe(false);
      expect(v.issueLines(result.issues ?? [], '', 'items.')).toEqual(['items.0.name: required']);
    });
  });
});
