import { describe, expect, it } from 'vitest';
import { parseCapacityEvent } from '../../../src/capacity/events';
import { InvalidInputError } from '../../../src/errors';

const scheduled = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-25T12:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/mqops-rightsize'],
  detail: {},
};

const MB = 1 << 20;

describe('Function: parseCapacityEvent (bounded input, issue 12)', () => {
  it.each([
    ['a 1 MB key (it was echoed into the error)', { ['k'.repeat(MB)]: 1 }],
    ['a 100 KB key', { ['k'.repeat(100_000)]: 1 }],
    ['a 1 MB broker', { brokers: ['b'.repeat(MB)] }],
    ['a broker over 50 characters', { brokers: [`b-${'1'.repeat(49)}`] }],
    ['a broker that is no id or name', { brokers: ['orders prod'] }],
    ['201 brokers', { brokers: Array.from({ length: 201 }, (_, i) => `b-${i}`) }],
    ['a million brokers', { brokers: Array(1_000_000).fill('b-1') }],
    ['a scheduled event with a 1 MB id', { ...scheduled, id: 'i'.repeat(MB) }],
    ['a scheduled event with a 300-character id', { ...scheduled, id: 'i'.repeat(300) }],
    [
      'a scheduled event nested 1,000 deep',
      { ...scheduled, detail: JSON.parse(`${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`) },
    ],
  ])(
    'refuses %s with an InvalidInputError of at most 300 characters that repeats no long value',
    (_what, event) => {
      // Act
      let error: unknown;
      try {
        parseCapacityEvent(event);
      } catch (e) {
        error = e;
      }

      // Assess
      expect(error).toBeInstanceOf(InvalidInputError);
      const message = (error as Error).message;
      expect(message).toMatch(/^expected an EventBridge scheduled event or a manual/);
      expect(message.length).toBeLessThanOrEqual(300);
      expect(message).not.toMatch(/([kbi1])\1{64}/);
    },
  );

  it('takes 200 brokers, ids and names within Amazon MQ limits', () => {
    const brokers = [
      'b-1234a5b6-78cd-901e-2fab-3c45d6e178f9',
      'n'.repeat(50),
      ...Array.from({ length: 198 }, (_, i) => `orders-${i}`),
    ];
    expect(parseCapacityEvent({ brokers })).toEqual({ trigger: 'manual', brokers });
  });
});
