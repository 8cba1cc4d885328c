import { describe, expect, it } from 'vitest';
import { applies, requiredActions } from '../../../src/check';
import { mqCredentialRotation as check, daysBetween } from '../../../src/checks/mq-credential-rotation';
import type { CredentialFacts } from '../../../src/facts';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

// makeContext's clock: 2026-11-25T12:00:00Z.
const daysAgo = (days: number) => new Date(Date.parse('2026-11-25T12:00:00Z') - days * 86_400_000);

const secret = (name: string, overrides: Partial<CredentialFacts> = {}): CredentialFacts => ({
  secretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
  name,
  username: name.split('/').pop(),
  rotationEnabled: true,
  rotationDays: 30,
  lastRotated: daysAgo(10),
  lastChanged: daysAgo(10),
  created: daysAgo(400),
  ...overrides,
});

describe('Check: mq-credential-rotation', () => {
  it('applies to both engines and declares what it needs', () => {
    expect(applies(check, makeBroker({ engine: 'RABBITMQ' }))).toBe(true);
    expect(check.needs).toEqual(['credentials']);
    expect(requiredActions(check)).toEqual(['mq:DescribeBroker', 'secretsmanager:ListSecrets']);
  });

  it('returns PASS when every secret rotates and is recent', () => {
    const facts = makeFacts({}, { credentials: [secret('mq/orders/admin'), secret('mq/orders/app')] });
    expect(check.evaluate(facts, makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker orders has 2 credential secrets that rotate automatically within 90 days.',
    });
  });

  it('returns FAIL naming each bad secret with its reason and age in days', () => {
    const facts = makeFacts(
      {},
      {
        credentials: [
          secret('mq/orders/admin', {
            rotationEnabled: false,
            rotationDays: undefined,
            lastRotated: undefined,
            lastChanged: daysAgo(120),
          }),
          secret('mq/orders/app'),
          secret('mq/orders/batch', { lastRotated: daysAgo(95) }),
        ],
      },
    );
    expect(check.evaluate(facts, makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders has credential secrets out of the 90-day rotation policy: mq/orders/admin (rotation off, ' +
        'changed 120 days ago); mq/orders/batch (rotated 95 days ago).',
    });
  });

  it.each([
    ['rotation off but fresh', { rotationEnabled: false, lastRotated: daysAgo(1) }, 'FAIL', 'rotation off'],
    ['exactly at the limit', { lastRotated: daysAgo(90) }, 'PASS', '1 credential secrets'],
    ['one day over', { lastRotated: daysAgo(91) }, 'FAIL', 'rotated 91 days ago'],
    [
      'never rotated: falls back to last change',
      { lastRotated: undefined, lastChanged: daysAgo(100) },
      'FAIL',
      'changed 100 days ago',
    ],
    [
      'never rotated or changed: falls back to creation',
      { lastRotated: undefined, lastChanged: undefined, created: daysAgo(200) },
      'FAIL',
      'created 200 days ago',
    ],
    ['a schedule longer than the policy', { rotationDays: 180 }, 'FAIL', 'rotates every 180 days'],
    [
      'no dates at all',
      { lastRotated: undefined, lastChanged: undefined, created: undefined },
      'PASS',
      'rotate',
    ],
  ])('%s gives %s', (_what, overrides, status, text) => {
    const outcome = check.evaluate(makeFacts({}, { credentials: [secret('s', overrides)] }), makeContext());
    expect(outcome.status).toBe(status);
    expect(outcome.message).toContain(text);
  });

  it('follows the policy for the maximum age', () => {
    const facts = makeFacts(
      {},
      { credentials: [secret('s', { lastRotated: daysAgo(40), rotationDays: 30 })] },
    );
    const outcome = check.evaluate(facts, makeContext({ policy: { maxCredentialAgeDays: 30 } }));
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('30-day rotation policy: s (rotated 40 days ago)');
  });

  it('returns PASS when the broker has no tracked secrets (mq-credentials-untracked covers that)', () => {
    expect(check.evaluate(makeFacts({}, { credentials: [] }), makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker orders has no credential secrets tagged mqops:broker to check.',
    });
  });

  it('counts whole days and never negative ones', () => {
    const now = new Date('2026-11-25T12:00:00Z');
    expect(daysBetween(new Date('2026-11-24T12:00:01Z'), now)).toBe(0);
    expect(daysBetween(new Date('2026-11-24T12:00:00Z'), now)).toBe(1);
    expect(daysBetween(new Date('2026-12-01T00:00:00Z'), now)).toBe(0);
  });
});
