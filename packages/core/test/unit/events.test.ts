import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors';
import { parseAuditEvent, parseScheduledEvent } from '../../src/events';

const scheduled = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-25T12:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/mqops-audit'],
  detail: {},
};

describe('Function: parseAuditEvent', () => {
  it('reads a scheduled event as a fleet audit', () => {
    expect(parseAuditEvent(scheduled)).toEqual({ trigger: 'schedule' });
  });

  it('reads a manual invoke with broker ids', () => {
    expect(parseAuditEvent({ brokerIds: ['b-1'] })).toEqual({ trigger: 'manual', brokerIds: ['b-1'] });
    expect(parseAuditEvent({})).toEqual({ trigger: 'manual' });
  });

  it.each([
    ['null', null],
    ['a string', 'audit please'],
    ['a number', 42],
    ['an array', []],
    ['unknown keys', { brokers: ['b-1'] }],
    ['empty broker list', { brokerIds: [] }],
    ['wrong broker id type', { brokerIds: [1] }],
    ['another event source', { ...scheduled, source: 'aws.ec2' }],
    ['scheduled event without time', { ...scheduled, time: undefined }],
  ])('rejects %s with a clear error', (_name, event) => {
    expect(() => parseAuditEvent(event)).toThrow(InvalidInputError);
  });

  it('names the field that is wrong', () => {
    expect(() => parseAuditEvent({ brokerIds: [1] })).toThrow(/brokerIds\.0/);
  });
});

function cloudTrail(eventName: string, extra: Record<string, unknown> = {}, source = 'aws.amazonmq') {
  return {
    version: '0',
    id: 'e-1',
    'detail-type': 'AWS API Call via CloudTrail',
    source,
    account: '123456789012',
    time: '2026-11-25T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      eventSource: source === 'aws.ec2' ? 'ec2.amazonaws.com' : 'amazonmq.amazonaws.com',
      eventName,
      ...extra,
    },
  };
}

describe('Function: parseAuditEvent (CloudTrail change events)', () => {
  it.each(['UpdateBroker', 'RebootBroker', 'CreateUser', 'UpdateUser', 'DeleteUser', 'DeleteBroker'])(
    'audits the broker of %s',
    (name) => {
      expect(
        parseAuditEvent(cloudTrail(name, { requestParameters: { brokerId: 'b-1', username: 'u' } })),
      ).toEqual({
        trigger: 'change',
        brokerIds: ['b-1'],
      });
    },
  );

  it('takes the broker id of CreateBroker from the response', () => {
    const event = cloudTrail('CreateBroker', {
      requestParameters: { brokerName: 'x' },
      responseElements: { brokerId: 'b-9' },
    });
    expect(parseAuditEvent(event)).toEqual({ trigger: 'change', brokerIds: ['b-9'] });
  });

  it('audits brokers using an updated configuration', () => {
    const event = cloudTrail('UpdateConfiguration', {
      requestParameters: { configurationId: 'c-1', data: '…' },
    });
    expect(parseAuditEvent(event)).toEqual({ trigger: 'change', configurationIds: ['c-1'] });
  });

  it('audits brokers using a security group whose ingress changed', () => {
    const event = cloudTrail(
      'AuthorizeSecurityGroupIngress',
      { requestParameters: { groupId: 'sg-1' } },
      'aws.ec2',
    );
    expect(parseAuditEvent(event)).toEqual({ trigger: 'change', securityGroupIds: ['sg-1'] });
  });

  it('audits a broker whose tags changed', () => {
    const arn = 'arn:aws:mq:us-east-1:123456789012:broker:orders:b-7';
    expect(parseAuditEvent(cloudTrail('CreateTags', { requestParameters: { resourceArn: arn } }))).toEqual({
      trigger: 'change',
      brokerIds: ['b-7'],
    });
  });

  it.each([
    [
      'a failed call',
      cloudTrail('UpdateBroker', { errorCode: 'AccessDenied', requestParameters: { brokerId: 'b-1' } }),
    ],
    ['a read-only call', cloudTrail('DescribeBroker', { requestParameters: { brokerId: 'b-1' } })],
    ['a new configuration', cloudTrail('CreateConfiguration', { requestParameters: { name: 'c' } })],
    ['an unrelated EC2 call', cloudTrail('RunInstances', {}, 'aws.ec2')],
  ])('needs no audit for %s', (_name, event) => {
    expect(parseAuditEvent(event)).toBeNull();
  });

  it.each([
    ['UpdateBroker without a broker id', cloudTrail('UpdateBroker', { requestParameters: {} })],
    [
      'a security-group change without a group',
      cloudTrail('AuthorizeSecurityGroupIngress', { requestParameters: {} }, 'aws.ec2'),
    ],
    ['a CloudTrail event from another service', cloudTrail('PutObject', {}, 'aws.s3')],
  ])('rejects %s', (_name, event) => {
    expect(() => parseAuditEvent(event)).toThrow(InvalidInputError);
  });
});

/** `run` threw: its error. */
function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

const MB = 1 << 20;

describe('Function: parseAuditEvent (bounded input, issue 12)', () => {
  it.each([
    ['a 1 MB key (it was echoed into the error)', { ['k'.repeat(MB)]: 1 }],
    ['a 100 KB key', { ['k'.repeat(100_000)]: 1 }],
    ['a 1 MB broker id', { brokerIds: ['b-'.padEnd(MB, '1')] }],
    ['a broker id over 50 characters', { brokerIds: [`b-${'1'.repeat(49)}`] }],
    ['a broker id that is no id or name', { brokerIds: ['b 1; DROP'] }],
    ['201 broker ids', { brokerIds: Array.from({ length: 201 }, (_, i) => `b-${i}`) }],
    ['a million broker ids', { brokerIds: Array(1_000_000).fill('b-1') }],
    ['an event nested 10,000 deep', { brokerIds: JSON.parse(`${'['.repeat(10_000)}${']'.repeat(10_000)}`) }],
    ['a 1 MB CloudTrail event name', cloudTrail('x'.repeat(MB))],
    ['a CloudTrail event name over 128 characters', cloudTrail('U'.repeat(129))],
    [
      'a 1 MB broker id in a change event',
      cloudTrail('UpdateBroker', { requestParameters: { brokerId: 'b'.repeat(MB) } }),
    ],
    [
      'a 100 KB broker id in a change event',
      cloudTrail('UpdateBroker', { requestParameters: { brokerId: 'b'.repeat(100_000) } }),
    ],
    [
      'a malformed broker id in a response',
      cloudTrail('CreateBroker', { responseElements: { brokerId: 'b/1' } }),
    ],
    [
      'a long broker id in a tag ARN',
      cloudTrail('CreateTags', {
        requestParameters: { resourceArn: `arn:aws:mq:us-east-1:123456789012:broker:o:b-${'1'.repeat(60)}` },
      }),
    ],
    [
      'a malformed configuration id',
      cloudTrail('UpdateConfiguration', { requestParameters: { configurationId: 'c'.repeat(51) } }),
    ],
    [
      'a malformed security group id',
      cloudTrail('AuthorizeSecurityGroupIngress', { requestParameters: { groupId: 'sg-zz' } }, 'aws.ec2'),
    ],
    ['an account id that is not 12 digits', { ...scheduled, account: '1'.repeat(13) }],
    ['a 1 MB region', { ...scheduled, region: 'r'.repeat(MB) }],
    ['21 resources', { ...scheduled, resources: Array(21).fill('arn:aws:events:us-east-1:1:rule/x') }],
  ])(
    'refuses %s with an InvalidInputError of at most 300 characters that repeats no long value',
    (_what, event) => {
      // Act
      const error = thrown(() => parseAuditEvent(event));

      // Assess
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.message.length).toBeLessThanOrEqual(300);
      expect(error.message).not.toMatch(/([bkUrc1x])\1{64}/);
    },
  );

  it('says what was too large, not what it held', () => {
    expect(() => parseAuditEvent({ ['k'.repeat(MB)]: 1 })).toThrow(
      /^not a valid event: \(event\): a string of 1048576 characters \(at most 262144\)$/,
    );
    expect(() =>
      parseAuditEvent(cloudTrail('UpdateBroker', { requestParameters: { brokerId: 'b'.repeat(100_000) } })),
    ).toThrow(/^UpdateBroker event with a malformed brokerId: b{64}…\(100000 chars\)$/);
  });

  it('takes broker ids and names within Amazon MQ limits (38-character ids, 50-character names)', () => {
    const ids = ['b-1234a5b6-78cd-901e-2fab-3c45d6e178f9', 'n'.repeat(50), 'orders_prod-2'];
    expect(parseAuditEvent({ brokerIds: ids })).toEqual({ trigger: 'manual', brokerIds: ids });
    expect(
      parseAuditEvent(
        cloudTrail('UpdateBroker', { requestParameters: { brokerId: ids[0], data: 'x'.repeat(200_000) } }),
      ),
    ).toEqual({ trigger: 'change', brokerIds: [ids[0]] });
  });
});

describe('Function: parseScheduledEvent', () => {
  it('reads a scheduled event and a manual {}', () => {
    expect(parseScheduledEvent(scheduled)).toEqual({ trigger: 'schedule', time: '2026-11-25T12:00:00Z' });
    expect(parseScheduledEvent({})).toEqual({ trigger: 'manual' });
  });

  it.each([
    ['null', null],
    ['an array', []],
    ['an unknown key', { brokers: ['b-1'] }],
    ['a 1 MB key', { ['k'.repeat(MB)]: 1 }],
    ['a scheduled event with a bad time', { ...scheduled, time: 'yesterday' }],
    ['a CloudTrail event', cloudTrail('UpdateBroker')],
  ])('refuses %s', (_what, event) => {
    const error = thrown(() => parseScheduledEvent(event));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toMatch(/^expected an EventBridge scheduled event or \{\}/);
    expect(error.message.length).toBeLessThanOrEqual(300);
  });
});
