import { describe, expect, it } from 'vitest';
import { capacityPolicyOf, DEFAULT_CAPACITY_POLICY } from '../../src/capacity/policy';
import { parseConfig } from '../../src/config';
import { parseConfigFile } from '../../src/config-file';
import { InvalidInputError } from '../../src/errors';

const thrownBy = (fn: () => unknown): InvalidInputError => {
  try {
    fn();
  } catch (error) {
    return error as InvalidInputError;
  }
  throw new Error('expected it to throw');
};

describe('Function: parseConfigFile', () => {
  it('reads every section: the common ones, capacity and rotations', () => {
    const file = parseConfigFile(
      JSON.stringify({
        policy: { maxAdminUsers: 1 },
        capacity: { lookbackDays: 7, periodSeconds: 3600 },
        rotations: [{ secret: 'mqops/orders/app', schedule: '7d' }],
      }),
    );
    expect(file.config.policy.maxAdminUsers).toBe(1);
    expect(file.capacity).toMatchObject({ lookbackDays: 7, periodSeconds: 3600 });
    expect(file.rotations).toEqual([{ secret: 'mqops/orders/app', schedule: '7d' }]);
  });

  it('gives the defaults for an empty file', () => {
    const file = parseConfigFile('{}');
    expect(file.capacity).toStrictEqual(DEFAULT_CAPACITY_POLICY);
    expect(file.rotations).toStrictEqual([]);
    expect(file.config.sections).toStrictEqual({});
  });

  it('names the wrong fields of both sections in one error', () => {
    const error = thrownBy(() =>
      parseConfigFile(
        JSON.stringify({ capacity: { lookbackDays: 0 }, rotations: [{ secret: 'orders/app' }] }),
        'mqops.config.json',
      ),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.issues).toEqual([
      'capacity.lookbackDays: Invalid value: Expected >=1 but received 0',
      expect.stringMatching(/^rotations\.0: secret name orders\/app must start with mqops\//),
    ]);
  });

  it('names a mistake in a common section and in the other sections in one error', () => {
    const error = thrownBy(() =>
      parseConfigFile(JSON.stringify({ polic: {}, capacity: { lookbackDays: 0 } })),
    );
    expect(error.issues).toEqual([
      'polic: unknown field',
      'capacity.lookbackDays: Invalid value: Expected >=1 but received 0',
    ]);
  });

  it('refuses a file that is not an object', () => {
    expect(thrownBy(() => parseConfigFile('[]')).issues).toEqual([
      '(config): Invalid type: Expected Object but received Array',
    ]);
  });

  it('says when the text is not JSON, naming the file', () => {
    expect(() => parseConfigFile('{', 'mqops.config.json')).toThrow('mqops.config.json is not valid JSON');
  });
});

describe('Function: parseConfig leaves the sections only some functions read to their readers', () => {
  it('does not fail on a wrong capacity section (the audit does not read it); capacityPolicyOf does', () => {
    const config = parseConfig({ capacity: { lookbbackDays: 7 } });
    expect(config.sections.capacity).toEqual({ lookbbackDays: 7 });
    expect(() => capacityPolicyOf(config)).toThrow(
      'invalid mqops configuration: capacity.lookbbackDays: unknown field',
    );
  });

  it('capacityPolicyOf gives the defaults without a section', () => {
    expect(capacityPolicyOf(parseConfig({}))).toStrictEqual(DEFAULT_CAPACITY_POLICY);
  });
});
