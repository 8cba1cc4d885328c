import { describe, expect, it } from 'vitest';
import { applies, requiredActions } from '../../../src/check';
import { mqSecurityGroupOpenBrokerPorts as check } from '../../../src/checks/mq-security-group-open-broker-ports';
import type { IngressRule, SecurityGroupFacts } from '../../../src/facts';
import { makeBroker, makeContext, makeFacts } from '../../helpers/broker';

const rule = (overrides: Partial<IngressRule>): IngressRule => ({
  protocol: 'tcp',
  ipv4: [],
  ipv6: [],
  groups: [],
  prefixLists: [],
  ...overrides,
});
const group = (id: string, ingress: IngressRule[], name = `mq-${id}`): SecurityGroupFacts => ({
  id,
  name,
  vpcId: 'vpc-1',
  ingress,
});

describe('Check: mq-security-group-open-broker-ports', () => {
  it('declares what it needs', () => {
    expect(check.needs).toEqual(['securityGroups']);
    expect(requiredActions(check)).toEqual(['mq:DescribeBroker', 'ec2:DescribeSecurityGroups']);
    expect(check.severity).toBe('HIGH');
    expect(applies(check, makeBroker({ engine: 'RABBITMQ' }))).toBe(true);
  });

  it('returns PASS when broker ports are open to the VPC only', () => {
    const facts = makeFacts(
      {},
      { securityGroups: [group('sg-1', [rule({ fromPort: 61617, toPort: 61617, ipv4: ['10.1.0.0/16'] })])] },
    );
    expect(check.evaluate(facts, makeContext())).toEqual({
      status: 'PASS',
      message: 'Broker orders has no security group rule open to 0.0.0.0/0 or ::/0 on its broker ports.',
    });
  });

  it('returns FAIL naming group, ports and CIDRs, and says when the broker is public', () => {
    const facts = makeFacts(
      { publiclyAccessible: true },
      {
        securityGroups: [
          group('sg-2', [
            rule({ fromPort: 5671, toPort: 5671, ipv4: ['0.0.0.0/0'], ipv6: ['::/0'] }),
            rule({ fromPort: 8162, toPort: 8162, ipv4: ['0.0.0.0/0'] }),
          ]),
        ],
      },
    );
    const outcome = check.evaluate(facts, makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toBe(
      'Broker orders has security group rules open on broker ports: sg-2 (mq-sg-2) allows 0.0.0.0/0 on ' +
        '5671 (AMQP), 8162 (web console); sg-2 (mq-sg-2) allows ::/0 on 5671 (AMQP); the broker is also publicly ' +
        'accessible, so anyone on the internet can reach these ports (treat as critical).',
    );
  });

  it('says a private broker is reachable only from networks routed into its VPC', () => {
    const facts = makeFacts(
      {},
      { securityGroups: [group('sg-3', [rule({ fromPort: 61617, toPort: 61617, ipv4: ['0.0.0.0/0'] })])] },
    );
    const outcome = check.evaluate(facts, makeContext());
    expect(outcome.status).toBe('FAIL');
    expect(outcome.message).toContain('sg-3 (mq-sg-3) allows 0.0.0.0/0 on 61617 (OpenWire)');
    expect(outcome.message).toContain('not publicly accessible');
  });

  it.each([
    ['all traffic', { protocol: '-1' }, 'FAIL'],
    ['a range covering 8883', { fromPort: 8000, toPort: 9000 }, 'FAIL'],
    ['a non-broker port', { fromPort: 22, toPort: 22 }, 'PASS'],
    ['UDP on a broker port', { protocol: 'udp', fromPort: 5671, toPort: 5671 }, 'PASS'],
    ['protocol number 6', { protocol: '6', fromPort: 61614, toPort: 61614 }, 'FAIL'],
  ] as const)('open rule with %s gives %s', (_what, overrides, status) => {
    const facts = makeFacts(
      {},
      { securityGroups: [group('sg-4', [rule({ ...overrides, ipv4: ['0.0.0.0/0'] })])] },
    );
    expect(check.evaluate(facts, makeContext()).status).toBe(status);
  });

  it('uses the RabbitMQ ports for RabbitMQ brokers', () => {
    const groups = [group('sg-5', [rule({ fromPort: 443, toPort: 443, ipv6: ['::/0'] })])];
    const rabbit = check.evaluate(
      makeFacts({ engine: 'RABBITMQ' }, { securityGroups: groups }),
      makeContext(),
    );
    expect(rabbit.status).toBe('FAIL');
    expect(rabbit.message).toContain('::/0 on 443 (management console)');
    // 443 is no ActiveMQ port.
    expect(check.evaluate(makeFacts({}, { securityGroups: groups }), makeContext()).status).toBe('PASS');
  });

  it('names broad ranges without failing for them', () => {
    const facts = makeFacts(
      {},
      { securityGroups: [group('sg-6', [rule({ fromPort: 61617, toPort: 61617, ipv4: ['10.0.0.0/8'] })])] },
    );
    const outcome = check.evaluate(facts, makeContext());
    expect(outcome.status).toBe('PASS');
    expect(outcome.message).toContain(
      'broad but not open: sg-6 (mq-sg-6) allows 10.0.0.0/8 on 61617 (OpenWire)',
    );
  });

  it('ignores rules that reference groups or prefix lists', () => {
    const facts = makeFacts(
      {},
      {
        securityGroups: [
          group('sg-7', [rule({ protocol: '-1', groups: ['sg-apps'], prefixLists: ['pl-1'] })]),
        ],
      },
    );
    expect(check.evaluate(facts, makeContext()).status).toBe('PASS');
  });
});
