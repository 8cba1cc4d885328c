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
