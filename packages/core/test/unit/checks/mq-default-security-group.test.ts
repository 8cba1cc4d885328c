import { describe, expect, it } from 'vitest';
import { mqDefaultSecurityGroup as check } from '../../../src/checks/mq-default-security-group';
import type { SecurityGroupFacts } from '../../../src/facts';
import { makeContext, makeFacts } from '../../helpers/broker';

const group = (id: string, name: string | undefined): SecurityGroupFacts => ({
  id,
  ...(name !== undefined ? { name } : {}),
  vpcId: 'vpc-0123',
  ingress: [],
});

describe('Check: mq-default-security-group', () => {
  it('declares what it needs', () => {
    expect(check.needs).toEqual(['securityGroups']);
    expect(check.severity).toBe('LOW');
  });

  it('returns FAIL naming the default group and its VPC', () => {
    const facts = makeFacts(
      {},
      { securityGroups: [group('sg-own', 'mq-private'), group('sg-def', 'default')] },
    );
    expect(check.evaluate(facts, makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders uses the VPC default security group sg-def of vpc-0123, shared by everything in the VPC.',
    });
  });

  it('returns PASS with dedicated groups only', () => {
    const facts = makeFacts({}, { securityGroups: [group('sg-own', 'mq-private')] });
    expect(check.evaluate(facts, makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker orders does not use a VPC default security group.',
    });
  });

  it.each([
    ['default', 'FAIL'],
    ['Default', 'PASS'],
    ['default-mq', 'PASS'],
    [undefined, 'PASS'],
  ])('a group named %s gives %s', (name, status) => {
    expect(
      check.evaluate(makeFacts({}, { securityGroups: [group('sg-1', name)] }), makeContext()).status,
    ).toBe(status);
  });
});
