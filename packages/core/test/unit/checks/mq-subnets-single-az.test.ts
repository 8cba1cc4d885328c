import { describe, expect, it } from 'vitest';
import { applies, requiredActions } from '../../../src/check';
import { mqSubnetsSingleAz as check } from '../../../src/checks/mq-subnets-single-az';
import type { SubnetFacts } from '../../../src/facts';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

const subnet = (id: string, availabilityZone: string): SubnetFacts => ({
  id,
  availabilityZone,
  vpcId: 'vpc-1',
});

describe('Check: mq-subnets-single-az', () => {
  it.each([
    ['SINGLE_INSTANCE', false],
    ['ACTIVE_STANDBY_MULTI_AZ', true],
    ['CLUSTER_MULTI_AZ', true],
  ] as const)('applies to %s: %s', (deploymentMode, expected) => {
    expect(applies(check, makeBroker({ deploymentMode }))).toBe(expected);
  });

  it('declares what it needs', () => {
    expect(check.needs).toEqual(['subnets']);
    expect(requiredActions(check)).toEqual(['mq:DescribeBroker', 'ec2:DescribeSubnets']);
  });

  it('returns FAIL naming the one Availability Zone', () => {
    const facts = makeFacts(
      {},
      { subnets: [subnet('subnet-a', 'us-east-1a'), subnet('subnet-b', 'us-east-1a')] },
    );
    expect(check.evaluate(facts, makeContext())).toEqual({
      status: 'FAIL',
      message:
        'Broker orders is ACTIVE_STANDBY_MULTI_AZ but all its subnets (subnet-a, subnet-b) are in us-east-1a.',
    });
  });

  it('returns PASS for two zones', () => {
    const facts = makeFacts(
      {},
      { subnets: [subnet('subnet-a', 'us-east-1b'), subnet('subnet-b', 'us-east-1a')] },
    );
    expect(check.evaluate(facts, makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker orders spreads its subnets over 2 Availability Zones (us-east-1a, us-east-1b).',
    });
  });

  it.each([
    [['us-east-1a', 'us-east-1a', 'us-east-1a'], 'FAIL'],
    [['us-east-1a', 'us-east-1a', 'us-east-1c'], 'PASS'],
    [['us-east-1a', 'us-east-1b', 'us-east-1c'], 'PASS'],
  ])('a cluster in zones %j gives %s', (zones, status) => {
    const facts = makeFacts(
      { deploymentMode: 'CLUSTER_MULTI_AZ', engine: 'RABBITMQ' },
      { subnets: zones.map((z, i) => subnet(`subnet-${i}`, z)) },
    );
    expect(check.evaluate(facts, makeContext()).status).toBe(status);
  });

  it('returns FAIL when no subnet resolves to a zone', () => {
    const outcome = check.evaluate(makeFacts({}, { subnets: [] }), makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('none of its subnets (subnet-a, subnet-b) resolves');
  });
});
