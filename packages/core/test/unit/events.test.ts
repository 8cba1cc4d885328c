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
