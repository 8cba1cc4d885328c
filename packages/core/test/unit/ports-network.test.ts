import { describe, expect, it } from 'vitest';
import type { IngressRule } from '../../src/facts';
import {
  allPortsRule,
  broadCidrs,
  brokerPorts,
  cidrIsBroad,
  cidrIsOpen,
  cidrPrefix,
  describePorts,
  describeRule,
  groupLabel,
  openCidrs,
  portInRule,
  protocolOf,
} from '../../src/ports-network';

const rule = (overrides: Partial<IngressRule> = {}): IngressRule => ({
  protocol: 'tcp',
  fromPort: 5671,
  toPort: 5671,
  ipv4: [],
  ipv6: [],
  groups: [],
  prefixLists: [],
  ...overrides,
});

describe('Function: brokerPorts', () => {
  it('lists the six ActiveMQ ports', () => {
    expect(brokerPorts('ACTIVEMQ').map((p) => p.port)).toEqual([61617, 5671, 61614, 8883, 61619, 8162]);
  });

  it('lists AMQPS and the management console for RabbitMQ', () => {
    expect(brokerPorts('RABBITMQ').map((p) => p.port)).toEqual([5671, 443]);
  });
});

describe('Function: cidrPrefix', () => {
  it.each([
    ['0.0.0.0/0', 0],
    ['10.0.0.0/8', 8],
    ['::/0', 0],
    ['2001:db8::/32', 32],
    ['10.0.0.1', undefined],
    ['10.0.0.0/33', undefined],
    ['10.0.0.0/x', undefined],
    ['::/129', undefined],
  ])('reads %s as %s', (cidr, prefix) => {
    expect(cidrPrefix(cidr)).toBe(prefix);
  });
});

describe('Function: cidrIsOpen / cidrIsBroad', () => {
  it.each([
    ['0.0.0.0/0', true, false],
    ['::/0', true, false],
    [' 0.0.0.0/0 ', true, false],
    ['0.0.0.0/1', false, true],
    ['10.0.0.0/8', false, true],
    ['10.0.0.0/9', false, false],
    ['2001:db8::/32', false, true],
    ['2001:db8::/48', false, false],
    ['192.168.1.10/32', false, false],
    ['garbage', false, false],
  ])('%s: open %s, broad %s', (cidr, open, broad) => {
    expect(cidrIsOpen(cidr)).toBe(open);
    expect(cidrIsBroad(cidr)).toBe(broad);
  });

  it('picks the open and the broad sources of a rule over both families', () => {
    const r = rule({ ipv4: ['0.0.0.0/0', '10.0.0.0/8', '10.1.0.0/16'], ipv6: ['::/0'] });
    expect(openCidrs(r)).toEqual(['0.0.0.0/0', '::/0']);
    expect(broadCidrs(r)).toEqual(['10.0.0.0/8']);
  });
});

describe('Function: portInRule', () => {
  it.each([
    [{ protocol: '-1', fromPort: undefined, toPort: undefined }, 5671, true],
    [{ protocol: 'tcp', fromPort: 5671, toPort: 5671 }, 5671, true],
    [{ protocol: 'tcp', fromPort: 5671, toPort: 5671 }, 5672, false],
    [{ protocol: 'tcp', fromPort: 8000, toPort: 9000 }, 8883, true],
    [{ protocol: 'tcp', fromPort: 8000, toPort: 9000 }, 8162, true],
    [{ protocol: 'tcp', fromPort: 8000, toPort: 9000 }, 61617, false],
    [{ protocol: '6', fromPort: 61617, toPort: 61617 }, 61617, true],
    [{ protocol: 'TCP', fromPort: 443, toPort: 443 }, 443, true],
    [{ protocol: 'udp', fromPort: 0, toPort: 65535 }, 5671, false],
    [{ protocol: 'icmp', fromPort: -1, toPort: -1 }, 5671, false],
  ])('rule %j reaches port %s: %s', (overrides, port, expected) => {
    expect(portInRule(rule(overrides), port)).toBe(expected);
  });
});

describe('Function: allPortsRule', () => {
  it.each([
    [{ protocol: '-1', fromPort: undefined, toPort: undefined }, true],
    [{ protocol: 'all' }, true],
    [{ protocol: 'tcp', fromPort: 0, toPort: 65535 }, true],
    [{ protocol: 'tcp', fromPort: 1, toPort: 65535 }, true],
    [{ protocol: 'tcp', fromPort: 1024, toPort: 65535 }, false],
    [{ protocol: 'udp', fromPort: 0, toPort: 65535 }, false],
    [{ protocol: 'tcp', fromPort: 5671, toPort: 5671 }, false],
  ])('rule %j opens all ports: %s', (overrides, expected) => {
    expect(allPortsRule(rule(overrides))).toBe(expected);
  });
});

describe('Function: describe helpers', () => {
  it('puts rules, groups and ports in words', () => {
    expect(describeRule(rule({ protocol: '-1', fromPort: undefined, toPort: undefined }))).toBe(
      'all traffic',
    );
    expect(describeRule(rule({ fromPort: 0, toPort: 65535 }))).toBe('tcp 0-65535');
    expect(describeRule(rule())).toBe('tcp 5671');
    expect(protocolOf({ protocol: '17' })).toBe('udp');
    expect(groupLabel({ id: 'sg-1', name: 'mq' })).toBe('sg-1 (mq)');
    expect(groupLabel({ id: 'sg-1' })).toBe('sg-1');
    expect(describePorts(brokerPorts('RABBITMQ'))).toBe('5671 (AMQPS), 443 (management console)');
  });
});
