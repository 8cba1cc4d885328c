import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors';
import { parseWatchEvent } from '../../../src/watch/event';

const scheduled = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-25T06:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/mqops-WatchSchedule'],
  detail: {},
};

describe('Function: parseWatchEvent', () => {
  it('reads an EventBridge scheduled event', () => {
    expect(parseWatchEvent(scheduled)).toEqual({
      id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      time: '2026-11-25T06:00:00Z',
      region: 'us-east-1',
    });
  });

  it.each([
    ['nothing', undefined, '(event)'],
    ['a string', 'poll', '(event)'],
    ['an empty object', {}, 'source'],
    [
      'a CloudTrail event',
      { ...scheduled, source: 'aws.amazonmq', 'detail-type': 'AWS API Call via CloudTrail' },
      'detail-type',
    ],
    ['a bad time', { ...scheduled, time: 'yesterday' }, 'time'],
    ['no region', { ...scheduled, region: undefined }, 'region'],
  ])('refuses %s with InvalidInputError', (_label, event, path) => {
    expect(() => parseWatchEvent(event)).toThrow(InvalidInputError);
    expect(() => parseWatchEvent(event)).toThrow(path);
  });
});

describe('Function: parseWatchEvent at the edge (limits.ts)', () => {
  it('refuses an oversized event before reading it, without repeating it', () => {
    const error = (() => {
      try {
        parseWatchEvent({ id: 'x'.repeat(300_000) });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error?.message).toMatch(/larger than \d+ characters of JSON|a string of 300000 characters/);
    expect(error?.message.length).toBeLessThanOrEqual(300);
  });

  it('bounds its own refusal: a 5,000-character key is cut, the message at most 300 characters', () => {
    const error = (() => {
      try {
        parseWatchEvent({
          [`k${'k'.repeat(5000)}`]: 1,
          ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`field${i}`, i])),
        });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error?.message).toMatch(/^expected an EventBridge scheduled event: /);
    expect(error?.message).not.toContain('k'.repeat(100));
    expect(error?.message.length).toBeLessThanOrEqual(300);
  });
});
