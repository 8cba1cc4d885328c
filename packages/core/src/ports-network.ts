import type { IngressRule } from './facts';
import type { Engine } from './model';

/**
 * Network helpers shared by the security-group checks: which TCP ports a broker listens on, which CIDR blocks are
 * the whole internet, and whether an ingress rule reaches a port. Pure functions over the normalised facts.
 */

/** One port a broker listens on, with what it is for. */
export interface BrokerPort {
  port: number;
  name: string;
}

/** The TCP ports Amazon MQ brokers listen on, by engine (wire protocols and the web console). */
export const BROKER_PORTS: Readonly<Record<Engine, readonly BrokerPort[]>> = {
  ACTIVEMQ: [
    { port: 61617, name: 'OpenWire' },
    { port: 5671, name: 'AMQP' },
    { port: 61614, name: 'STOMP' },
    { port: 8883, name: 'MQTT' },
    { port: 61619, name: 'WSS' },
    { port: 8162, name: 'web console' },
  ],
  RABBITMQ: [
    { port: 5671, name: 'AMQPS' },
    { port: 443, name: 'management console' },
  ],
};

/** The ports a broker of this engine listens on. */
export function brokerPorts(engine: Engine): readonly BrokerPort[] {
  return BROKER_PORTS[engine];
}

/** Protocol numbers EC2 may answer instead of names. */
const PROTOCOL_NAMES: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '1': 'icmp', all: '-1' };

/** The rule's protocol as a lower-case name (`tcp`, `udp`, `icmp`, `-1` for all traffic). */
export function protocolOf(rule: Pick<IngressRule, 'protocol'>): string {
  const protocol = rule.protocol.toLowerCase();
  return PROTOCOL_NAMES[protocol] ?? protocol;
}

/** The prefix length of a CIDR block (`10.0.0.0/8` → 8), or undefined when it has none or is malformed. */
export function cidrPrefix(cidr: string): number | undefined {
  const slash = cidr.lastIndexOf('/');
  if (slash < 0) return undefined;
  const text = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(text)) return undefined;
  const prefix = Number(text);
  const max = cidr.includes(':') ? 128 : 32;
  return prefix <= max ? prefix : undefined;
}

/** True when the block is the whole address space of its family: `0.0.0.0/0` or `::/0` (any `/0`). */
export function cidrIsOpen(cidr: string): boolean {
  return cidrPrefix(cidr.trim()) === 0;
}

/** Widest prefixes still called broad (not open): IPv4 /1–/8 (16 million addresses and more), IPv6 /1–/32. */
export const BROAD_PREFIX = { ipv4: 8, ipv6: 32 } as const;

/** True for a block that is not the whole internet but very wide: IPv4 /1–/8, IPv6 /1–/32. */
export function cidrIsBroad(cidr: string): boolean {
  const prefix = cidrPrefix(cidr.trim());
  if (prefix === undefined || prefix === 0) return false;
  return prefix <= (cidr.includes(':') ? BROAD_PREFIX.ipv6 : BROAD_PREFIX.ipv4);
}

/** The rule's IPv4 and IPv6 sources, in that order. */
export function cidrsOf(rule: IngressRule): string[] {
  return [...rule.ipv4, ...rule.ipv6];
}

/** The rule's sources that are the whole internet (`0.0.0.0/0`, `::/0`). */
export function openCidrs(rule: IngressRule): string[] {
  return cidrsOf(rule).filter(cidrIsOpen);
}

/** The rule's sources that are broad but not open. */
export function broadCidrs(rule: IngressRule): string[] {
  return cidrsOf(rule).filter(cidrIsBroad);
}

/**
 * True when the rule lets TCP traffic reach `port`: all traffic (`-1`), or TCP with a port range that covers it.
 * Broker ports are TCP only, so UDP and ICMP rules never count.
 */
export function portInRule(rule: IngressRule, port: number): boolean {
  const protocol = protocolOf(rule);
  if (protocol === '-1') return true;
  if (protocol !== 'tcp') return false;
  // A TCP rule without ports would be malformed; EC2 always answers both. Treat it as all ports.
  const from = rule.fromPort ?? 0;
  const to = rule.toPort ?? 65535;
  return from <= port && port <= to;
}

/** True when the rule opens every port: all traffic (`-1`), or TCP 0–65535 (the console's "All TCP"). */
export function allPortsRule(rule: IngressRule): boolean {
  const protocol = protocolOf(rule);
  if (protocol === '-1') return true;
  return protocol === 'tcp' && (rule.fromPort ?? 0) <= 1 && (rule.toPort ?? 65535) >= 65535;
}

/** A rule in words: `all traffic`, `tcp 0-65535`, `tcp 5671`. */
export function describeRule(rule: IngressRule): string {
  const protocol = protocolOf(rule);
  if (protocol === '-1') return 'all traffic';
  if (rule.fromPort === undefined) return protocol;
  return rule.fromPort === rule.toPort || rule.toPort === undefined
    ? `${protocol} ${rule.fromPort}`
    : `${protocol} ${rule.fromPort}-${rule.toPort}`;
}

/** A security group in words: `sg-1 (mq-private)`, or the id alone when it has no name. */
export function groupLabel(group: { id: string; name?: string }): string {
  return group.name ? `${group.id} (${group.name})` : group.id;
}

/** A list of ports in words: `5671 (AMQP), 8162 (web console)`. */
export function describePorts(ports: readonly BrokerPort[]): string {
  return ports.map((p) => `${p.port} (${p.name})`).join(', ');
}
