import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors';
import { parseAuditEvent } from '../../src/events';

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
