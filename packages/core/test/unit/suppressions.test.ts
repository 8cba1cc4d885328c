import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/audit';
import { InvalidInputError } from '../../src/errors';
import { isActive, matchSuppression, parseSuppressions, tagSuppressions } from '../../src/suppressions';
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

  it.each([
    ['no expiry', { check: 'x', broker: 'y', reason: 'because' }],
    ['no reason', { check: 'x', broker: 'y', expires: '2026-12-31' }],
    ['a bad date', { check: 'x', broker: 'y', reason: 'because', expires: 'next week' }],
    ['an unknown key', { check: 'x', broker: 'y', reason: 'because', expires: '2026-12-31', until: 'x' }],
  ])('rejects an entry with %s', (_name, entry) => {
    expect(() => parseSuppressions([entry])).toThrow(InvalidInputError);
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
