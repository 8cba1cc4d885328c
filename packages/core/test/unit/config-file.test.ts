import { readFileSync } from 'node:fs';
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

  it('refuses a suppression of a misspelled check id, with the other mistakes of the file, in one error', () => {
    const error = thrownBy(() =>
      parseConfigFile(
        JSON.stringify({
          suppressions: [
            {
              check: 'mq-public-access',
              broker: 'partner-*',
              reason: 'Partner access, OPS-42',
              expires: '2027-01-31',
            },
            {
              check: 'mq-publc-access',
              broker: 'partner-*',
              reason: 'Partner access, OPS-42',
              expires: '2027-01-31',
            },
            { check: '*', broker: 'scratch-*', reason: 'n/a', expires: '2030-13-45' },
          ],
          capacity: { lookbackDays: 0 },
        }),
        'mqops.config.json',
      ),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.issues).toEqual([
      'suppressions.1.check: unknown check id "mq-publc-access" (did you mean mq-public-access?)',
      'suppressions.2.reason: a suppression needs a reason of at least 10 characters and 2 words ' +
        '(why, and who or which ticket)',
      'suppressions.2.expires: 2030-13-45 is not a day of the calendar',
      'capacity.lookbackDays: Invalid value: Expected >=1 but received 0',
    ]);
  });

  it('reads a suppression whose expiry is past (a warning for whoever loads it, not an error)', () => {
    const file = parseConfigFile(
      JSON.stringify({
        suppressions: [
          { check: '*', broker: 'old-*', reason: 'Decommissioned in OPS-7', expires: '2020-01-31' },
        ],
      }),
    );
    expect(file.config.suppressions).toHaveLength(1);
  });

  it('reads the shipped configurations: the demo scenario and the README examples', () => {
    const root = new URL('../../../../', import.meta.url);
    const demo = readFileSync(new URL('packages/local/scenarios/demo.config.json', root), 'utf8');
    expect(parseConfigFile(demo).config.suppressions).toHaveLength(1);
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const examples = [...readme.matchAll(/```json\n([\s\S]*?)```/g)]
      .map((m) => m[1] as string)
      .filter((text) => text.includes('"suppressions"'));
    expect(examples.length).toBeGreaterThan(0);
    for (const text of examples) expect(parseConfigFile(text).config.suppressions.length).toBeGreaterThan(0);
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

  it('refuses an impossible expiry and a meaningless reason even without the check catalog', () => {
    const suppression = {
      check: 'mq-public-access',
      broker: 'partner-*',
      reason: 'ok',
      expires: '2027-02-30',
    };
    expect(thrownBy(() => parseConfig({ suppressions: [suppression] })).issues).toEqual([
      expect.stringMatching(
        /^suppressions\.0\.reason: a suppression needs a reason of at least 10 characters/,
      ),
      'suppressions.0.expires: 2027-02-30 is not a day of the calendar',
    ]);
  });

  it('checks check ids only against the catalog it is given (a deployed function carries no check code)', () => {
    const suppression = {
      check: 'mq-publc-access',
      broker: 'partner-*',
      reason: 'Partner access, OPS-42',
      expires: '2027-01-31',
    };
    expect(parseConfig({ suppressions: [suppression] }).suppressions).toHaveLength(1);
    expect(
      thrownBy(() => parseConfig({ suppressions: [suppression] }, { knownChecks: ['mq-public-access'] }))
        .issues,
    ).toEqual(['suppressions.0.check: unknown check id "mq-publc-access" (`mqops checks` lists them)']);
  });

  it('capacityPolicyOf gives the defaults without a section', () => {
    expect(capacityPolicyOf(parseConfig({}))).toStrictEqual(DEFAULT_CAPACITY_POLICY);
  });
});
