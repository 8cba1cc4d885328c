import { describe, expect, it } from 'vitest';
import { parseAlarmsEvent } from '../../../src/alarms/trigger';
import { InvalidInputError } from '../../../src/errors';

const scheduled = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-25T12:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/mqops-alarms'],
  detail: {},
};

const cloudTrail = (eventName: string, detail: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'b1a7c1d2-0000-4000-8000-000000000001',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.amazonmq',
  account: '123456789012',
  time: '2026-11-25T12:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    eventVersion: '1.08',
    eventSource: 'amazonmq.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    requestParameters: { brokerId: 'b-1234' },
    responseElements: null,
    ...detail,
  },
});

describe('Function: parseAlarmsEvent', () => {
  it('reads a scheduled event', () => {
    expect(parseAlarmsEvent(scheduled)).toEqual({ trigger: 'schedule', dryRun: false });
  });

  it.each(['CreateBroker', 'DeleteBroker', 'UpdateBroker', 'RebootBroker'])('reconciles after %s', (name) => {
    expect(parseAlarmsEvent(cloudTrail(name))).toEqual({ trigger: 'change', dryRun: false, eventName: name });
  });

  it.each([
    ['a failed call', cloudTrail('DeleteBroker', { errorCode: 'NotFoundException' })],
    ['a call alarms do not depend on', cloudTrail('CreateUser')],
    [
      'tags on a configuration',
      cloudTrail('CreateTags', {
        requestParameters: { resourceArn: 'arn:aws:mq:us-east-1:123456789012:configuration:c-1' },
      }),
    ],
  ])('skips %s', (_, event) => {
    expect(parseAlarmsEvent(event)).toBeNull();
  });

  it('reconciles after tags change on a broker (override tags)', () => {
    // Act
    const request = parseAlarmsEvent(
      cloudTrail('CreateTags', {
        requestParameters: { resourceArn: 'arn:aws:mq:us-east-1:123456789012:broker:orders:b-1234' },
      }),
    );

    // Assess
    expect(request).toEqual({ trigger: 'change', dryRun: false, eventName: 'CreateTags' });
  });

  it.each([
    [{}, { trigger: 'manual', dryRun: false }],
    [{ dryRun: true }, { trigger: 'manual', dryRun: true }],
  ])('reads the manual invoke %j', (event, request) => {
    expect(parseAlarmsEvent(event)).toEqual(request);
  });

  it.each([
    ['null', null, 'expected an EventBridge scheduled event'],
    ['a string', 'run', 'expected an EventBridge scheduled event'],
    ['a number', 42, 'expected an EventBridge scheduled event'],
    ['an array', [], 'expected an EventBridge scheduled event'],
    ['an unknown manual field', { brokerIds: ['b-1'] }, 'brokerIds: unknown field'],
    ['a non-boolean dryRun', { dryRun: 'yes' }, 'dryRun'],
    [
      'a scheduled event without its fields',
      { source: 'aws.events' },
      'not a valid EventBridge scheduled event',
    ],
    ['another source', { ...scheduled, source: 'aws.ec2' }, 'source'],
    [
      'a CloudTrail event of another service',
      { ...cloudTrail('CreateBroker'), source: 'aws.ec2' },
      'not a valid Amazon MQ CloudTrail event',
    ],
    [
      'a CloudTrail event without eventName',
      { ...cloudTrail('x'), detail: { eventSource: 'amazonmq.amazonaws.com' } },
      'detail.eventName',
    ],
  ])('refuses %s with a clear InvalidInputError', (_, event, text) => {
    expect(() => parseAlarmsEvent(event)).toThrow(InvalidInputError);
    expect(() => parseAlarmsEvent(event)).toThrow(text);
  });
});

describe('Function: parseAlarmsEvent (bounded input, issue 12)', () => {
  const MB = 1 << 20;

  it.each([
    ['a 1 MB key (it was echoed into the error)', { ['k'.repeat(MB)]: 1 }],
    ['a 100 KB key', { ['k'.repeat(100_000)]: true }],
    ['a 1 MB event name', cloudTrail('x'.repeat(MB))],
    ['an event name over 128 characters', cloudTrail('C'.repeat(129))],
    ['a 1 MB error code', cloudTrail('CreateBroker', { errorCode: 'e'.repeat(MB) })],
    ['a million resources', { ...scheduled, resources: Array(1_000_000).fill('arn') }],
    ['a 13-digit account', { ...scheduled, account: '1234567890123' }],
    ['an event nested 5,000 deep', { dryRun: JSON.parse(`${'['.repeat(5000)}${']'.repeat(5000)}`) }],
  ])(
    'refuses %s with an InvalidInputError of at most 300 characters that repeats no long value',
    (_what, event) => {
      // Act
      let error: unknown;
      try {
        parseAlarmsEvent(event);
      } catch (e) {
        error = e;
      }

      // Assess
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message.length).toBeLessThanOrEqual(300);
      expect((error as Error).message).not.toMatch(/([kxCe])\1{64}/);
    },
  );

  it('still skips a CloudTrail event whose long request parameters it does not read', () => {
    expect(
      parseAlarmsEvent(cloudTrail('CreateUser', { requestParameters: { password: 'p'.repeat(100_000) } })),
    ).toBeNull();
  });
});
