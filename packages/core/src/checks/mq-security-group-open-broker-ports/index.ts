import { defineCheck, fail, pass } from '../../check';
import type { SecurityGroupFacts } from '../../facts';
import type { Engine } from '../../model';
import {
  type BrokerPort,
  broadCidrs,
  brokerPorts,
  describePorts,
  groupLabel,
  openCidrs,
  portInRule,
} from '../../ports-network';

/** One (group, source) pair that reaches some broker ports. */
interface Exposure {
  group: string;
  cidr: string;
  ports: BrokerPort[];
}

/** Every (group, CIDR) whose rules reach broker ports, with the ports merged over the group's rules. */
function exposures(
  groups: readonly SecurityGroupFacts[],
  engine: Engine,
  pick: (rule: SecurityGroupFacts['ingress'][number]) => string[],
): Exposure[] {
  const found = new Map<string, Exposure>();
  for (const group of groups) {
    for (const rule of group.ingress) {
      const ports = brokerPorts(engine).filter((p) => portInRule(rule, p.port));
      if (ports.length === 0) continue;
      for (const cidr of pick(rule)) {
        const key = `${group.id}|${cidr}`;
        const entry = found.get(key) ?? { group: groupLabel(group), cidr, ports: [] };
        for (const port of ports) if (!entry.ports.includes(port)) entry.ports.push(port);
        found.set(key, entry);
      }
    }
  }
  return [...found.values()].map((e) => ({ ...e, ports: [...e.ports].sort((a, b) => a.port - b.port) }));
}

const inWords = (list: readonly Exposure[]) =>
  list.map((e) => `${e.group} allows ${e.cidr} on ${describePorts(e.ports)}`).join('; ');

/**
 * A broker port open to 0.0.0.0/0 or ::/0 lets anyone who can route to the broker try its credentials (and the web
 * console). Wide but not open ranges (/1–/8) are named in the message without failing.
 */
export const mqSecurityGroupOpenBrokerPorts = defineCheck({
  id: 'mq-security-group-open-broker-ports',
  title: "Broker ports are not open to the whole internet in the broker's security groups",
  severity: 'HIGH',
  rationale:
    'A security group rule from 0.0.0.0/0 or ::/0 on a broker port (ActiveMQ OpenWire 61617, AMQP 5671, STOMP ' +
    '61614, MQTT 8883, WSS 61619, console 8162; RabbitMQ AMQPS 5671, management 443) leaves only the broker ' +
    'passwords between any client and the messages. On a publicly accessible broker the rule is reachable from ' +
    'the internet itself, which makes the finding critical; AWS Security Hub EC2.18 flags such rules too.',
  remediation:
    'Narrow the source to the clients: remove the rule with `aws ec2 revoke-security-group-ingress --group-id SG ' +
    '--ip-permissions IpProtocol=tcp,FromPort=5671,ToPort=5671,IpRanges=[{CidrIp=0.0.0.0/0}]` and allow the ' +
    "application subnets' CIDR or their security group (`SourceSecurityGroupId` in CloudFormation, " +
    '`referenced_security_group_id` of `aws_vpc_security_group_ingress_rule` in Terraform). Rule changes apply at ' +
    'once. A publicly accessible broker cannot be made private: create a private broker and move the clients.',
  needs: ['securityGroups'],
  controls: { securityHub: 'EC2.18', awsConfig: 'vpc-sg-open-only-to-authorized-ports' },
  evaluate: ({ broker, securityGroups = [] }) => {
    const open = exposures(securityGroups, broker.engine, openCidrs);
    const broad = exposures(securityGroups, broker.engine, broadCidrs);
    const broadNote = broad.length ? ` (broad but not open: ${inWords(broad)})` : '';
    if (open.length === 0) {
      return pass(
        `Broker ${broker.name} has no security group rule open to 0.0.0.0/0 or ::/0 on its broker ports${broadNote}.`,
      );
    }
    const reach = broker.publiclyAccessible
      ? 'the broker is also publicly accessible, so anyone on the internet can reach these ports (treat as critical)'
      : 'the broker is not publicly accessible, so only networks routed into its VPC can use these rules';
    return fail(
      `Broker ${broker.name} has security group rules open on broker ports: ${inWords(open)}; ${reach}${broadNote}.`,
    );
  },
});
