import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/audit';
import { CHECKS } from '../../src/checks';
import { nearestCheckId } from '../../src/config-file';
import { InvalidInputError } from '../../src/errors';
import {
  isActive,
  matchSuppression,
  parseSuppressions,
  type Suppression,
  suppressionWarnings,
  tagSuppressions,
} from '../../src/suppressions';
import { makeBroker } from '../helpers/broker';

const broker = makeBroker();
const finding: Finding = {
  fingerprint: `mq-public-access/${broker.arn}`,
  checkId: 'mq-public-access',
  title: 't',
  severity: 'HIGH',
  status: 'FAIL',
  message: 'm',
  remediation: 'r',
  broker: {
    id: broker.id,
    name: broker.name,
    arn: broker.arn,
    region: broker.region,
    accountId: broker.accountId,
    engine: broker.engine,
  },
};
const now = new Date('2026-11-25T12:00:00Z');

describe('Function: parseSuppressions', () => {
  it('reads config entries', () => {
    expect(
      parseSuppressions([
        {
          check: 'mq-public-access',
          broker: 'orders',
          reason: 'migration ticket OPS-1',
          expires: '2026-12-31',
        },
      ]),
    ).toEqual([
      {
        check: 'mq-public-access',
        broker: 'orders',
        reason: 'migration ticket OPS-1',
        expires: '2026-12-31',
        source: 'config',
      },
    ]);
  });

  const valid = {
    check: 'mq-public-access',
    broker: 'partner-*',
    reason: 'Partner access, OPS-42',
    expires: '2027-01-31',
  };
  /** The issues of the error `parseSuppressions` throws for these entries. */
  // As the CLI and `sst deploy` read a file (parseConfigFile): every check id of the catalog, a near one suggested.
  const catalog = CHECKS.map((c) => c.id);
  const issuesOf = (entries: unknown[], knownChecks: readonly string[] = catalog): string[] => {
    try {
      parseSuppressions(entries, knownChecks, (id) => nearestCheckId(id, knownChecks));
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      return (error as InvalidInputError).issues;
    }
    throw new Error('expected parseSuppressions to throw');
  };

  it.each([
    ['no expiry', { check: 'mq-public-access', broker: 'y', reason: 'because of OPS-1' }],
    ['no reason', { check: 'mq-public-access', broker: 'y', expires: '2026-12-31' }],
    ['a bad date', { ...valid, expires: 'next week' }],
    ['an unknown key', { ...valid, until: 'x' }],
  ])('rejects an entry with %s', (_name, entry) => {
    expect(() => parseSuppressions([entry])).toThrow(InvalidInputError);
  });

  it('reads an entry of the README example, and `*` for every check', () => {
    expect(parseSuppressions([valid, { ...valid, check: '*' }]).map((s) => s.check)).toEqual([
      'mq-public-access',
      '*',
    ]);
  });

  it('refuses a misspelled check id, naming the entry and the id it is nearest to', () => {
    expect(issuesOf([valid, { ...valid, check: 'mq-publc-access' }])).toEqual([
      'suppressions.1.check: unknown check id "mq-publc-access" (did you mean mq-public-access?)',
    ]);
  });

  it('refuses a check id near no known one, and says where the ids are listed', () => {
    expect(issuesOf([{ ...valid, check: 'kafka-lag' }])).toEqual([
      'suppressions.0.check: unknown check id "kafka-lag" (`mqops checks` lists them)',
    ]);
  });

  it('checks the ids against the catalog it is given', () => {
    expect(issuesOf([valid], ['chk-one', 'chk-two'])).toEqual([
      'suppressions.0.check: unknown check id "mq-public-access" (`mqops checks` lists them)',
    ]);
    expect(parseSuppressions([{ ...valid, check: 'chk-two' }], ['chk-one', 'chk-two'])).toHaveLength(1);
  });

  it('never repeats a check "id" that does not look like one (a pasted secret)', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const issues = issuesOf([{ ...valid, check: secret }]);
    expect(issues).toEqual(['suppressions.0.check: unknown check id (`mqops checks` lists them)']);
    expect(issues.join(' ')).not.toContain(secret);
  });

  it.each([
    ['a month 13 and a day 45', '2030-13-45'],
    ['February 30', '2027-02-30'],
    ['February 29 of a common year', '2027-02-29'],
    ['April 31', '2027-04-31'],
    ['day 00', '2027-01-00'],
  ])('refuses an expiry on no real day (%s), naming the entry', (_name, expires) => {
    expect(issuesOf([{ ...valid, expires }])).toEqual([
      `suppressions.0.expires: ${expires} is not a day of the calendar`,
    ]);
  });

  it('reads February 29 of a leap year', () => {
    expect(parseSuppressions([{ ...valid, expires: '2028-02-29' }])[0]?.expires).toBe('2028-02-29');
  });

  it('refuses an expiry that is no date without repeating it', () => {
    const issues = issuesOf([{ ...valid, expires: 'hunter2-s3cret' }]);
    expect(issues).toEqual(['suppressions.0.expires: expires must be a date YYYY-MM-DD']);
  });

  it.each(['x', 'tbd', 'n/a', 'ok', 'temporary', 'OPS-4242-ticket', 'ok, tbd', '   tbd     n/a   '])(
    'refuses a reason too short to mean anything: %j',
    (reason) => {
      expect(issuesOf([{ ...valid, reason }])).toEqual([
        'suppressions.0.reason: a suppression needs a reason of at least 10 characters and 2 words ' +
          '(why, and who or which ticket)',
      ]);
    },
  );

  it('names every wrong entry and field in one error', () => {
    expect(
      issuesOf([
        valid,
        { ...valid, check: 'mq-publc-access', reason: 'tbd' },
        { ...valid, expires: '2027-02-30' },
      ]),
    ).toEqual([
      'suppressions.1.check: unknown check id "mq-publc-access" (did you mean mq-public-access?)',
      expect.stringMatching(/^suppressions\.1\.reason: a suppression needs a reason/),
      'suppressions.2.expires: 2027-02-30 is not a day of the calendar',
    ]);
  });

  it('reads an expiry already past: a warning (suppressionWarnings), not an error', () => {
    expect(parseSuppressions([{ ...valid, expires: '2020-01-31' }])[0]?.expires).toBe('2020-01-31');
  });
});

describe('Function: suppressionWarnings', () => {
  const suppression = (expires: string, source: Suppression['source'] = 'config'): Suppression => ({
    check: 'mq-public-access',
    broker: 'partner-*',
    reason: 'Partner access, OPS-42',
    expires,
    source,
  });

  it('names each config suppression expired before now by its place in the list', () => {
    expect(
      suppressionWarnings(
        [suppression('2027-01-31'), suppression('2026-11-25'), suppression('2025-01-31')],
        now,
      ),
    ).toEqual(['suppressions.2: expired on 2025-01-31 (the finding fires again); remove it or extend it']);
  });

  it('holds a suppression through its expiry day, and warns from the day after', () => {
    const lastDay = [suppression('2026-11-25')];
    expect(suppressionWarnings(lastDay, new Date('2026-11-25T23:59:59Z'))).toEqual([]);
    expect(suppressionWarnings(lastDay, new Date('2026-11-26T00:00:00Z'))).toEqual([
      'suppressions.0: expired on 2026-11-25 (the finding fires again); remove it or extend it',
    ]);
  });

  it('names an expired tag suppression by broker and tag', () => {
    const tagged = { ...suppression('2026-01-01', 'tag'), broker: broker.arn };
    expect(suppressionWarnings([tagged], now)).toEqual([
      `broker ${broker.arn}: tag mqops:suppress:mq-public-access: expired on 2026-01-01 (the finding fires again); remove it or extend it`,
    ]);
  });

  it('says nothing when every suppression holds', () => {
    expect(suppressionWarnings([suppression('2099-12-31'), suppression('2026-12-01')], now)).toEqual([]);
  });
});

describe('Function: tagSuppressions', () => {
  it('reads mqops:suppress:<check> tags and reports malformed ones', () => {
    const tagged = makeBroker({
      tags: {
        'mqops:suppress:mq-public-access': '2026-12-31 partner access until cutover',
        'mqops:suppress:mq-audit-logs': 'forever',
      },
    });
    const { suppressions, problems } = tagSuppressions(tagged);
    expect(suppressions).toEqual([
      {
        check: 'mq-public-access',
        broker: tagged.arn,
        reason: 'partner access until cutover',
        expires: '2026-12-31',
        source: 'tag',
      },
    ]);
    expect(problems).toEqual([expect.stringContaining('mqops:suppress:mq-audit-logs')]);
  });

  it('reports, rather than applies, a tag with an unknown check id, an impossible day or a meaningless reason', () => {
    const tagged = makeBroker({
      tags: {
        'mqops:suppress:mq-publc-access': '2026-12-31 partner access until cutover',
        'mqops:suppress:mq-audit-logs': '2027-02-30 logs go to the SIEM instead',
        'mqops:suppress:mq-general-logs': '2026-12-31 tbd',
        'mqops:suppress:mq-public-access': '2026-12-31 partner access until cutover',
      },
    });
    const { suppressions, problems } = tagSuppressions(tagged);
    expect(suppressions.map((s) => s.check)).toEqual(['mq-public-access']);
    expect(problems).toEqual([
      // A deployed function does not carry the suggestion (config-file.ts): it names where the ids are listed.
      `broker ${tagged.name}: tag mqops:suppress:mq-publc-access: unknown check id "mq-publc-access" (\`mqops checks\` lists them)`,
      `broker ${tagged.name}: tag mqops:suppress:mq-audit-logs: 2027-02-30 is not a day of the calendar`,
      `broker ${tagged.name}: tag mqops:suppress:mq-general-logs: a suppression needs a reason of at least 10 characters and 2 words (why, and who or which ticket)`,
    ]);
  });

  it('never repeats the value of a malformed tag', () => {
    const tagged = makeBroker({
      tags: { 'mqops:suppress:mq-audit-logs': 'token=ghp_16C7e42F292c6912E7710c8' },
    });
    const { problems } = tagSuppressions(tagged);
    expect(problems).toEqual([
      `broker ${tagged.name}: tag mqops:suppress:mq-audit-logs: must be "<YYYY-MM-DD> <reason>"`,
    ]);
  });
});

describe('Function: matchSuppression', () => {
  const base = { reason: 'r', source: 'config' as const };

  it.each([
    ['the broker name', 'orders', true],
    ['the broker id', broker.id, true],
    ['the broker ARN', broker.arn, true],
    ['a glob', 'ord*', true],
    ['everything', '*', true],
    ['another broker', 'billing', false],
  ])('matches by %s', (_name, pattern, matches) => {
    const found = matchSuppression(
      finding,
      [{ ...base, check: 'mq-public-access', broker: pattern, expires: '2026-12-31' }],
      now,
    );
    expect(found !== undefined).toBe(matches);
  });

  it('holds through its expiry day and then fires again', () => {
    const s = { ...base, check: '*', broker: '*', expires: '2026-11-25' };
    expect(isActive(s, now)).toBe(true);
    expect(isActive(s, new Date('2026-11-26T00:00:01Z'))).toBe(false);
    expect(matchSuppression(finding, [s], new Date('2026-11-27T00:00:00Z'))).toEqual({
      suppression: s,
      active: false,
    });
  });

  it('prefers an active suppression over an expired one', () => {
    const expired = { ...base, check: '*', broker: '*', expires: '2026-01-01' };
    const active = { ...base, check: 'mq-public-access', broker: 'orders', expires: '2027-01-01' };
    expect(matchSuppression(finding, [expired, active], now)?.suppression).toBe(active);
  });
});

describe('Function: parseConfig', () => {
  it('reads alarm topics and refuses what is not a topic ARN', async () => {
    const { parseConfig } = await import('../../src/config');
    expect(
      parseConfig({ alarmTopics: ['arn:aws:sns:eu-west-1:123456789012:team-alarms'] }).alarmTopics,
    ).toEqual(['arn:aws:sns:eu-west-1:123456789012:team-alarms']);
    expect(parseConfig({}).alarmTopics).toEqual([]);
    expect(() => parseConfig({ alarmTopics: ['team-alarms'] })).toThrow(
      /alarmTopics\.0: not an SNS topic ARN/,
    );
  });
});

describe('Function: parseSuppressions without a suggester (a deployed function)', () => {
  it('refuses a misspelled id without suggesting one', () => {
    expect(() =>
      parseSuppressions([
        { check: 'mq-publc-access', broker: '*', reason: 'Partner access, OPS-42', expires: '2027-01-31' },
      ]),
    ).toThrow('suppressions.0.check: unknown check id "mq-publc-access" (`mqops checks` lists them)');
  });
});
