import { describe, expect, it } from 'vitest';
import { requiredActions } from '../../../src/check';
import { mqSecurityGroupOpenAllPorts as check } from '../../../src/checks/mq-security-group-open-all-ports';
import type { IngressRule, SecurityGroupFacts } from '../../../src/facts';
import { makeContext, makeFacts } from '../../helpers/broker';

const rule = (overrides: Partial<IngressRule>): IngressRule => ({
  protocol: 'tcp',
  ipv4: [],
  ipv6: [],
  groups: [],
  prefixLists: [],
  ...overrides,
});
const withGroups = (...ingress: IngressRule[]) => {
  const securityGroups: SecurityGroupFacts[] = [{ id: 'sg-3', name: 'mq-legacy', vpcId: 'vpc-1', ingress }];
  return makeFacts({}, { securityGroups });
};

describe('Check: mq-security-group-open-all-ports', () => {
  it('declares what it needs', () => {
    expect(check.needs).toEqual(['securityGroups']);
    expect(requiredActions(check)).toContain('ec2:DescribeSecurityGroups');
    expect(check.severity).toBe('HIGH');
  });

  it('returns FAIL naming the group, the CIDR and the rule for all traffic from anywhere', () => {
    const outcome = check.evaluate(withGroups(rule({ protocol: '-1', ipv4: ['0.0.0.0/0'] })), makeContext());
    expect(outcome).toEqual({
      status: 'FAIL',
      message:
        'Broker orders has security group rules open on all ports: sg-3 (mq-legacy) allows 0.0.0.0/0 on all traffic.',
    });
  });

  it('returns PASS when only single ports are open', () => {
    const outcome = check.evaluate(
      withGroups(rule({ fromPort: 5671, toPort: 5671, ipv4: ['0.0.0.0/0'] })),
      makeContext(),
    );
    expect(outcome).toEqual({
      status: 'PASS',
      message: 'Broker orders has no security group rule open to 0.0.0.0/0 or ::/0 on all ports.',
    });
  });

  it.each([
    [
      'tcp 0-65535 from ::/0',
      rule({ fromPort: 0, toPort: 65535, ipv6: ['::/0'] }),
      'FAIL',
      '::/0 on tcp 0-65535',
    ],
    [
      'all traffic from the VPC',
      rule({ protocol: '-1', ipv4: ['10.0.0.0/16'] }),
      'PASS',
      'no security group',
    ],
    ['all traffic from a group', rule({ protocol: '-1', groups: ['sg-apps'] }), 'PASS', 'no security group'],
    [
      'udp 0-65535 from anywhere',
      rule({ protocol: 'udp', fromPort: 0, toPort: 65535, ipv4: ['0.0.0.0/0'] }),
      'PASS',
      'no',
    ],
    ['all traffic from /1', rule({ protocol: '-1', ipv4: ['0.0.0.0/1'] }), 'PASS', 'no'],
  ])('%s gives %s', (_what, r, status, text) => {
    const outcome = check.evaluate(withGroups(r), makeContext());
    expect(outcome.status).toBe(status);
    expect(outcome.message).toContain(text);
  });

  it('passes a broker without security groups', () => {
    expect(
      check.evaluate(makeFacts({ securityGroups: [] }, { securityGroups: [] }), makeContext()).status,
    ).toBe('PASS');
  });
});
