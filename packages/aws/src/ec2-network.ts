import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  type EC2ClientConfig,
  type IpPermission,
  type SecurityGroup,
  type Subnet,
} from '@aws-sdk/client-ec2';
import type { FactSources, IngressRule, SecurityGroupFacts, SubnetFacts } from '@mqops/core';

/** Protocol numbers EC2 can answer instead of names. */
const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  '6': 'tcp',
  '17': 'udp',
  '1': 'icmp',
  '58': 'icmpv6',
};

/** Turns one EC2 IpPermission into an ingress rule; all-traffic rules (`-1`) keep no ports. */
export function toIngressRule(p: IpPermission): IngressRule {
  const raw = (p.IpProtocol ?? '-1').toLowerCase();
  const protocol = PROTOCOL_NAMES[raw] ?? raw;
  const ports =
    protocol === '-1'
      ? {}
      : {
          ...(p.FromPort !== undefined ? { fromPort: p.FromPort } : {}),
          ...(p.ToPort !== undefined ? { toPort: p.ToPort } : {}),
        };
  return {
    protocol,
    ...ports,
    ipv4: (p.IpRanges ?? []).map((r) => r.CidrIp ?? '').filter(Boolean),
    ipv6: (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6 ?? '').filter(Boolean),
    groups: (p.UserIdGroupPairs ?? []).map((g) => g.GroupId ?? '').filter(Boolean),
    prefixLists: (p.PrefixListIds ?? []).map((l) => l.PrefixListId ?? '').filter(Boolean),
  };
}

/** Turns an EC2 SecurityGroup into security-group facts (ingress rules only). */
export function toSecurityGroupFacts(g: SecurityGroup): SecurityGroupFacts {
  return {
    id: g.GroupId ?? '',
    ...(g.GroupName !== undefined ? { name: g.GroupName } : {}),
    ...(g.VpcId !== undefined ? { vpcId: g.VpcId } : {}),
    ingress: (g.IpPermissions ?? []).map(toIngressRule),
  };
}

/** Turns an EC2 Subnet into subnet facts. */
export function toSubnetFacts(s: Subnet): SubnetFacts {
  return {
    id: s.SubnetId ?? '',
    availabilityZone: s.AvailabilityZone ?? '',
    ...(s.VpcId !== undefined ? { vpcId: s.VpcId } : {}),
  };
}

const unique = (ids: readonly string[]) => [...new Set(ids)];

/**
 * The broker's network facts, read through the EC2 API: its security groups (DescribeSecurityGroups) and subnets
 * (DescribeSubnets), by id. An id that does not exist fails the whole call (EC2 answers InvalidGroup.NotFound /
 * InvalidSubnetID.NotFound), so the facts become a gap and their checks report UNKNOWN instead of guessing.
 *
 * @example
 * const network = new Ec2NetworkSource({ region: 'eu-west-1' });
 * const groups = await network.securityGroups(['sg-0a1b2c3d4e5f60001']);
 */
export class Ec2NetworkSource implements NonNullable<FactSources['network']> {
  private readonly client: EC2Client;

  constructor(client: EC2Client | EC2ClientConfig = {}) {
    this.client = client instanceof EC2Client ? client : new EC2Client(client);
  }

  async securityGroups(ids: readonly string[]): Promise<SecurityGroupFacts[]> {
    const wanted = unique(ids);
    if (wanted.length === 0) return [];
    const out: SecurityGroupFacts[] = [];
    let token: string | undefined;
    // EC2 refuses MaxResults together with GroupIds, so page on NextToken alone.
    do {
      const page = await this.client.send(
        new DescribeSecurityGroupsCommand({ GroupIds: wanted, NextToken: token }),
      );
      out.push(...(page.SecurityGroups ?? []).map(toSecurityGroupFacts));
      token = page.NextToken;
    } while (token);
    return out;
  }

  async subnets(ids: readonly string[]): Promise<SubnetFacts[]> {
    const wanted = unique(ids);
    if (wanted.length === 0) return [];
    const out: SubnetFacts[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new DescribeSubnetsCommand({ SubnetIds: wanted, NextToken: token }),
      );
      out.push(...(page.Subnets ?? []).map(toSubnetFacts));
      token = page.NextToken;
    } while (token);
    return out;
  }
}
