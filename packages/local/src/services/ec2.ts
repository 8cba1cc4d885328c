/**
 * Emulated Amazon EC2 (signing name `ec2`), the part mqops reads: DescribeSecurityGroups and DescribeSubnets, on
 * EC2's own protocol (ec2Query): form-encoded POSTs (`GroupId.1`, `Filter.1.Name`, `Filter.1.Value.1`), XML answers
 * in the `http://ec2.amazonaws.com/doc/2016-11-15/` namespace with lowerCamel member names and lists of `<item>`,
 * errors as `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`.
 *
 * Security groups come from the scenario (the SDK's SecurityGroup shape, PascalCase). Subnets come from the scenario's
 * `subnets` and, for every subnet a scenario broker names in SubnetIds that is not declared, a synthesized one: in the
 * VPC of the broker's first known security group (else the scenario's first VPC, else a stable default VPC), in
 * availability zones a, b, c… by the subnet's position in the broker's SubnetIds (so a broker's subnets never share
 * an AZ), with a 10.0.N.0/24 CIDR block.
 */
import { ApiError, decodeToken, encodeToken, stableHex } from '../protocols/json';
import {
  ec2Error,
  ec2Response,
  type FormObject,
  formInt,
  formObjectList,
  formStringList,
  queryAction,
  requestForm,
  wildcardMatch,
  type XmlStruct,
} from '../protocols/query';
import type { Scenario } from '../scenario';
import type { LocalRequest, LocalResponse, ServiceContext, ServiceEmulator } from '../types';
import type { WorldOptions } from '../world';

export interface Ec2Tag {
  Key: string;
  Value: string;
}

export interface IpRange {
  CidrIp: string;
  Description?: string;
}
export interface Ipv6Range {
  CidrIpv6: string;
  Description?: string;
}
export interface UserIdGroupPair {
  GroupId: string;
  /** Default: the scenario's account. */
  UserId?: string;
  Description?: string;
  GroupName?: string;
  VpcId?: string;
  VpcPeeringConnectionId?: string;
  PeeringStatus?: string;
}
export interface PrefixListId {
  PrefixListId: string;
  Description?: string;
}

/** One rule, as the SDK's IpPermission. `IpProtocol` `-1` is all traffic (no ports). */
export interface IpPermission {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: IpRange[];
  Ipv6Ranges?: Ipv6Range[];
  UserIdGroupPairs?: UserIdGroupPair[];
  PrefixListIds?: PrefixListId[];
}

/** A security group as a scenario declares it: the SDK's SecurityGroup shape. */
export interface ScenarioSecurityGroup {
  GroupId: string;
  GroupName: string;
  Description: string;
  VpcId: string;
  /** Default: the scenario's account. */
  OwnerId?: string;
  IpPermissions: IpPermission[];
  /** Default: EC2's default egress rule (all traffic to 0.0.0.0/0). */
  IpPermissionsEgress?: IpPermission[];
  Tags?: Ec2Tag[];
}

/** A subnet as a scenario declares it (the SDK's Subnet shape, the fields mqops reads). */
export interface ScenarioSubnet {
  SubnetId: string;
  VpcId: string;
  AvailabilityZone: string;
  /** Default: derived from the zone (`use1-az1` for us-east-1a). */
  AvailabilityZoneId?: string;
  CidrBlock: string;
  AvailableIpAddressCount?: number;
  DefaultForAz?: boolean;
  MapPublicIpOnLaunch?: boolean;
  State?: 'pending' | 'available' | 'unavailable';
  Tags?: Ec2Tag[];
}

/** A stored security group, complete (every list present), as DescribeSecurityGroups answers it. */
export interface SecurityGroupRecord {
  GroupId: string;
  GroupName: string;
  Description: string;
  VpcId: string;
  OwnerId: string;
  SecurityGroupArn: string;
  /** Every rule has all four lists (empty when unused), as EC2 answers. */
  IpPermissions: IpPermission[];
  IpPermissionsEgress: IpPermission[];
  Tags: Ec2Tag[];
}

/** A stored subnet, complete, as DescribeSubnets answers it. */
export interface SubnetRecord {
  SubnetId: string;
  SubnetArn: string;
  VpcId: string;
  OwnerId: string;
  AvailabilityZone: string;
  AvailabilityZoneId: string;
  CidrBlock: string;
  AvailableIpAddressCount: number;
  DefaultForAz: boolean;
  MapPublicIpOnLaunch: boolean;
  State: string;
  Tags: Ec2Tag[];
}

const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const GROUP_ID = /^sg-[0-9a-f]{8}([0-9a-f]{9})?$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/;

const ec2Err = (code: string, message: string, status = 400) => new ApiError(status, code, message);

/** `us-east-1` → `use1`, `ap-southeast-2` → `apse2` (the prefix of AWS availability-zone ids). */
export function regionShortName(region: string): string {
  const [area = '', direction = '', number = ''] = region.split('-');
  const dir = direction
    .replace('northeast', 'ne')
    .replace('northwest', 'nw')
    .replace('southeast', 'se')
    .replace('southwest', 'sw')
    .replace('central', 'c')
    .replace('north', 'n')
    .replace('south', 's')
    .replace('east', 'e')
    .replace('west', 'w');
  return `${area}${dir}${number}`;
}

function completePermission(p: IpPermission, accountId: string): IpPermission {
  const out: IpPermission = { IpProtocol: p.IpProtocol };
  if (p.FromPort !== undefined) out.FromPort = p.FromPort;
  if (p.ToPort !== undefined) out.ToPort = p.ToPort;
  out.UserIdGroupPairs = (p.UserIdGroupPairs ?? []).map((g) => ({ ...g, UserId: g.UserId ?? accountId }));
  out.IpRanges = (p.IpRanges ?? []).map((r) => ({ ...r }));
  out.Ipv6Ranges = (p.Ipv6Ranges ?? []).map((r) => ({ ...r }));
  out.PrefixListIds = (p.PrefixListIds ?? []).map((r) => ({ ...r }));
  return out;
}

/** The EC2 state that persists (see {@link Ec2State.snapshot}). */
export interface Ec2Snapshot {
  securityGroups: SecurityGroupRecord[];
  subnets: SubnetRecord[];
}

/** State of the emulated EC2: security groups and subnets. */
export class Ec2State {
  readonly accountId: string;
  readonly region: string;
  /** Security groups by id, in scenario order. */
  readonly securityGroups = new Map<string, SecurityGroupRecord>();
  /** Subnets by id, in scenario order (declared first, then synthesized). */
  readonly subnets = new Map<string, SubnetRecord>();
  /** The VPC synthesized subnets go to when nothing better is known. */
  readonly defaultVpcId: string;

  constructor(scenario: Scenario, options: WorldOptions) {
    this.accountId = options.accountId;
    this.region = options.region;
    for (const group of scenario.securityGroups ?? []) this.addSecurityGroup(group);
    const declared = scenario.subnets ?? [];
    for (const subnet of declared) this.addSubnet(subnet);
    this.defaultVpcId =
      scenario.securityGroups?.[0]?.VpcId ??
      declared[0]?.VpcId ??
      `vpc-${stableHex(`vpc|${options.accountId}`, 17)}`;
    for (const broker of scenario.brokers ?? []) {
      const vpcId =
        (broker.SecurityGroups ?? []).map((id) => this.securityGroups.get(id)?.VpcId).find(Boolean) ??
        undefined;
      this.ensureSubnets(broker.SubnetIds ?? [], vpcId);
    }
  }

  /** What outlives the process (../persistence.ts): the security groups and subnets. */
  snapshot(): Ec2Snapshot {
    return { securityGroups: [...this.securityGroups.values()], subnets: [...this.subnets.values()] };
  }

  /** Puts back what {@link snapshot} kept. */
  restore(saved: Ec2Snapshot): void {
    this.securityGroups.clear();
    for (const g of saved.securityGroups) this.securityGroups.set(g.GroupId, g);
    this.subnets.clear();
    for (const s of saved.subnets) this.subnets.set(s.SubnetId, s);
  }

  /** Adds (or replaces) a security group. */
  addSecurityGroup(group: ScenarioSecurityGroup): SecurityGroupRecord {
    const owner = group.OwnerId ?? this.accountId;
    const record: SecurityGroupRecord = {
      GroupId: group.GroupId,
      GroupName: group.GroupName,
      Description: group.Description,
      VpcId: group.VpcId,
      OwnerId: owner,
      SecurityGroupArn: `arn:aws:ec2:${this.region}:${owner}:security-group/${group.GroupId}`,
      IpPermissions: group.IpPermissions.map((p) => completePermission(p, this.accountId)),
      IpPermissionsEgress: (
        group.IpPermissionsEgress ?? [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]
      ).map((p) => completePermission(p, this.accountId)),
      Tags: (group.Tags ?? []).map((t) => ({ ...t })),
    };
    this.securityGroups.set(group.GroupId, record);
    return record;
  }

  /** Adds (or replaces) a subnet. */
  addSubnet(subnet: ScenarioSubnet): SubnetRecord {
    const letter = subnet.AvailabilityZone.slice(-1);
    const record: SubnetRecord = {
      SubnetId: subnet.SubnetId,
      SubnetArn: `arn:aws:ec2:${this.region}:${this.accountId}:subnet/${subnet.SubnetId}`,
      VpcId: subnet.VpcId,
      OwnerId: this.accountId,
      AvailabilityZone: subnet.AvailabilityZone,
      AvailabilityZoneId:
        subnet.AvailabilityZoneId ??
        `${regionShortName(this.region)}-az${Math.max(1, letter.charCodeAt(0) - 96)}`,
      CidrBlock: subnet.CidrBlock,
      AvailableIpAddressCount: subnet.AvailableIpAddressCount ?? availableIps(subnet.CidrBlock),
      DefaultForAz: subnet.DefaultForAz ?? false,
      MapPublicIpOnLaunch: subnet.MapPublicIpOnLaunch ?? false,
      State: subnet.State ?? 'available',
      Tags: (subnet.Tags ?? []).map((t) => ({ ...t })),
    };
    this.subnets.set(subnet.SubnetId, record);
    return record;
  }

  /**
   * Makes sure every subnet of one broker exists, synthesizing missing ones in distinct AZs (a, b, c… by position).
   * The MQ emulation can call this for brokers created through the API.
   */
  ensureSubnets(subnetIds: readonly string[], vpcId?: string): SubnetRecord[] {
    const used = new Set(subnetIds.map((id) => this.subnets.get(id)?.AvailabilityZone).filter(Boolean));
    return subnetIds.map((id, index) => {
      const existing = this.subnets.get(id);
      if (existing) return existing;
      let zoneIndex = index;
      while (used.has(`${this.region}${String.fromCharCode(97 + (zoneIndex % 26))}`)) zoneIndex++;
      const zone = `${this.region}${String.fromCharCode(97 + (zoneIndex % 26))}`;
      used.add(zone);
      const vpc = vpcId ?? this.defaultVpcId;
      const taken = new Set(
        [...this.subnets.values()].filter((s) => s.VpcId === vpc).map((s) => s.CidrBlock),
      );
      let n = 0;
      while (taken.has(`10.0.${n}.0/24`)) n++;
      return this.addSubnet({
        SubnetId: id,
        VpcId: vpc,
        AvailabilityZone: zone,
        AvailabilityZoneId: `${regionShortName(this.region)}-az${(zoneIndex % 26) + 1}`,
        CidrBlock: `10.0.${n}.0/24`,
      });
    });
  }

  /**
   * DescribeSecurityGroups: by GroupIds (each must exist) or GroupNames, then Filters, then MaxResults/NextToken.
   * @throws ApiError InvalidGroup.NotFound, InvalidGroupId.Malformed, InvalidParameterValue, InvalidParameterCombination.
   */
  describeSecurityGroups(form: FormObject): { items: SecurityGroupRecord[]; nextToken?: string } {
    const ids = formStringList(form, 'GroupId') ?? [];
    const names = formStringList(form, 'GroupName') ?? [];
    const maxResults = formInt(form, 'MaxResults');
    if (ids.length > 0 && maxResults !== undefined) {
      throw ec2Err(
        'InvalidParameterCombination',
        'The parameter groupIds cannot be used with the parameter maxResults',
      );
    }
    let groups = [...this.securityGroups.values()];
    if (ids.length > 0) {
      for (const id of ids) {
        if (!GROUP_ID.test(id))
          throw ec2Err('InvalidGroupId.Malformed', `Invalid id: "${id}" (expecting "sg-...")`);
      }
      const missing = ids.find((id) => !this.securityGroups.has(id));
      if (missing) throw ec2Err('InvalidGroup.NotFound', `The security group '${missing}' does not exist`);
      groups = groups.filter((g) => ids.includes(g.GroupId));
    }
    if (names.length > 0) {
      const missing = names.find(
        (n) => !groups.some((g) => g.GroupName === n && g.VpcId === this.defaultVpcId),
      );
      if (missing) {
        throw ec2Err(
          'InvalidGroup.NotFound',
          `The security group '${missing}' does not exist in default VPC '${this.defaultVpcId}'`,
        );
      }
      groups = groups.filter((g) => names.includes(g.GroupName) && g.VpcId === this.defaultVpcId);
    }
    for (const filter of readFilters(form)) {
      groups = groups.filter((g) =>
        filter.values.some((v) => groupFieldValues(g, filter.name).some((f) => wildcardMatch(v, f))),
      );
    }
    return page(groups, form, maxResults, 'security-groups');
  }

  /** DescribeSubnets: by SubnetIds (each must exist), Filters, MaxResults/NextToken. */
  describeSubnets(form: FormObject): { items: SubnetRecord[]; nextToken?: string } {
    const ids = formStringList(form, 'SubnetId') ?? [];
    let subnets = [...this.subnets.values()];
    if (ids.length > 0) {
      for (const id of ids) {
        if (!SUBNET_ID.test(id)) throw ec2Err('InvalidSubnetID.Malformed', `Invalid id: "${id}"`);
      }
      const missing = ids.find((id) => !this.subnets.has(id));
      if (missing) throw ec2Err('InvalidSubnetID.NotFound', `The subnet ID '${missing}' does not exist`);
      subnets = subnets.filter((s) => ids.includes(s.SubnetId));
    }
    for (const filter of readFilters(form)) {
      subnets = subnets.filter((s) =>
        filter.values.some((v) => subnetFieldValues(s, filter.name).some((f) => wildcardMatch(v, f))),
      );
    }
    return page(subnets, form, formInt(form, 'MaxResults'), 'subnets');
  }
}

function availableIps(cidr: string): number {
  const bits = Number(cidr.split('/')[1] ?? 24);
  return Math.max(0, 2 ** (32 - bits) - 5);
}

function readFilters(form: FormObject): { name: string; values: string[] }[] {
  return (formObjectList(form, 'Filter') ?? []).map((f) => {
    const name = typeof f.Name === 'string' ? f.Name : '';
    const raw = f.Value;
    const values = Array.isArray(raw)
      ? raw.filter((v): v is string => typeof v === 'string')
      : typeof raw === 'string'
        ? [raw]
        : [];
    return { name, values };
  });
}

function tagValues(tags: Ec2Tag[], name: string): string[] | undefined {
  if (name.startsWith('tag:')) return tags.filter((t) => t.Key === name.slice(4)).map((t) => t.Value);
  if (name === 'tag-key') return tags.map((t) => t.Key);
  if (name === 'tag-value') return tags.map((t) => t.Value);
  return undefined;
}

const invalidFilter = (name: string) => ec2Err('InvalidParameterValue', `The filter '${name}' is invalid`);

function groupFieldValues(g: SecurityGroupRecord, name: string): string[] {
  const tags = tagValues(g.Tags, name);
  if (tags) return tags;
  const rules = (egress: boolean) => (egress ? g.IpPermissionsEgress : g.IpPermissions);
  const match = /^(egress\.)?ip-permission\.(.+)$/.exec(name);
  if (match) {
    const list = rules(Boolean(match[1]));
    switch (match[2]) {
      case 'cidr':
        return list.flatMap((p) => (p.IpRanges ?? []).map((r) => r.CidrIp));
      case 'ipv6-cidr':
        return list.flatMap((p) => (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6));
      case 'from-port':
        return list.flatMap((p) => (p.FromPort !== undefined ? [String(p.FromPort)] : []));
      case 'to-port':
        return list.flatMap((p) => (p.ToPort !== undefined ? [String(p.ToPort)] : []));
      case 'protocol':
        return list.map((p) => p.IpProtocol);
      case 'group-id':
        return list.flatMap((p) => (p.UserIdGroupPairs ?? []).map((u) => u.GroupId));
      case 'prefix-list-id':
        return list.flatMap((p) => (p.PrefixListIds ?? []).map((u) => u.PrefixListId));
      case 'user-id':
        return list.flatMap((p) => (p.UserIdGroupPairs ?? []).map((u) => u.UserId ?? ''));
    }
    throw invalidFilter(name);
  }
  switch (name) {
    case 'group-id':
      return [g.GroupId];
    case 'group-name':
      return [g.GroupName];
    case 'vpc-id':
      return [g.VpcId];
    case 'description':
      return [g.Description];
    case 'owner-id':
      return [g.OwnerId];
  }
  throw invalidFilter(name);
}

function subnetFieldValues(s: SubnetRecord, name: string): string[] {
  const tags = tagValues(s.Tags, name);
  if (tags) return tags;
  switch (name) {
    case 'subnet-id':
      return [s.SubnetId];
    case 'subnet-arn':
      return [s.SubnetArn];
    case 'vpc-id':
      return [s.VpcId];
    case 'availability-zone':
    case 'availabilityZone':
      return [s.AvailabilityZone];
    case 'availability-zone-id':
    case 'availabilityZoneId':
      return [s.AvailabilityZoneId];
    case 'cidr-block':
    case 'cidr':
    case 'cidrBlock':
      return [s.CidrBlock];
    case 'state':
      return [s.State];
    case 'default-for-az':
    case 'defaultForAz':
      return [String(s.DefaultForAz)];
    case 'owner-id':
      return [s.OwnerId];
    case 'map-public-ip-on-launch':
      return [String(s.MapPublicIpOnLaunch)];
  }
  throw invalidFilter(name);
}

function page<T>(
  items: T[],
  form: FormObject,
  maxResults: number | undefined,
  salt: string,
): { items: T[]; nextToken?: string } {
  if (maxResults !== undefined && (maxResults < 5 || maxResults > 1000)) {
    throw ec2Err(
      'InvalidParameterValue',
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
    );
  }
  const token = typeof form.NextToken === 'string' && form.NextToken !== '' ? form.NextToken : undefined;
  const offset = token === undefined ? 0 : decodeToken(token, salt);
  if (offset === undefined) throw ec2Err('InvalidParameterValue', `Invalid value '${token}' for nextToken`);
  const size = maxResults ?? items.length;
  const slice = items.slice(offset, offset + size);
  const nextToken = offset + size < items.length ? encodeToken(offset + size, salt) : undefined;
  return nextToken ? { items: slice, nextToken } : { items: slice };
}

// ---- XML shapes (EC2 members are lowerCamel; lists of <item>) ----

const tagSetXml = (tags: Ec2Tag[]): XmlStruct[] => tags.map((t) => ({ key: t.Key, value: t.Value }));

function permissionXml(p: IpPermission): XmlStruct {
  return {
    ipProtocol: p.IpProtocol,
    fromPort: p.FromPort,
    toPort: p.ToPort,
    groups: (p.UserIdGroupPairs ?? []).map((g) => ({
      description: g.Description,
      userId: g.UserId,
      groupName: g.GroupName,
      groupId: g.GroupId,
      vpcId: g.VpcId,
      vpcPeeringConnectionId: g.VpcPeeringConnectionId,
      peeringStatus: g.PeeringStatus,
    })),
    ipRanges: (p.IpRanges ?? []).map((r) => ({ cidrIp: r.CidrIp, description: r.Description })),
    ipv6Ranges: (p.Ipv6Ranges ?? []).map((r) => ({ cidrIpv6: r.CidrIpv6, description: r.Description })),
    prefixListIds: (p.PrefixListIds ?? []).map((r) => ({
      prefixListId: r.PrefixListId,
      description: r.Description,
    })),
  };
}

function groupXml(g: SecurityGroupRecord): XmlStruct {
  return {
    ownerId: g.OwnerId,
    groupId: g.GroupId,
    groupName: g.GroupName,
    groupDescription: g.Description,
    vpcId: g.VpcId,
    securityGroupArn: g.SecurityGroupArn,
    ipPermissions: g.IpPermissions.map(permissionXml),
    ipPermissionsEgress: g.IpPermissionsEgress.map(permissionXml),
    tagSet: tagSetXml(g.Tags),
  };
}

function subnetXml(s: SubnetRecord): XmlStruct {
  return {
    subnetId: s.SubnetId,
    subnetArn: s.SubnetArn,
    state: s.State,
    ownerId: s.OwnerId,
    vpcId: s.VpcId,
    cidrBlock: s.CidrBlock,
    ipv6CidrBlockAssociationSet: [],
    availableIpAddressCount: s.AvailableIpAddressCount,
    availabilityZone: s.AvailabilityZone,
    availabilityZoneId: s.AvailabilityZoneId,
    defaultForAz: s.DefaultForAz,
    mapPublicIpOnLaunch: s.MapPublicIpOnLaunch,
    assignIpv6AddressOnCreation: false,
    tagSet: tagSetXml(s.Tags),
  };
}

function handleOperation(action: string, form: FormObject, ctx: ServiceContext): XmlStruct {
  const state = ctx.world.ec2;
  switch (action) {
    case 'DescribeSecurityGroups': {
      const { items, nextToken } = state.describeSecurityGroups(form);
      return { securityGroupInfo: items.map(groupXml), nextToken };
    }
    case 'DescribeSubnets': {
      const { items, nextToken } = state.describeSubnets(form);
      return { subnetSet: items.map(subnetXml), nextToken };
    }
    default:
      throw ec2Err('InvalidAction', `The action ${action} is not valid for this web service.`);
  }
}

/** EC2 on ec2Query. */
export const ec2Emulator: ServiceEmulator = {
  signingNames: ['ec2'],
  operation: (req: LocalRequest) => queryAction(req),
  handle(operation, req, ctx): LocalResponse {
    try {
      return ec2Response(operation, handleOperation(operation, requestForm(req), ctx), XMLNS);
    } catch (error) {
      if (error instanceof ApiError) return ec2Error(error);
      throw error;
    }
  },
  throttled: () => ec2Error(ec2Err('RequestLimitExceeded', 'Request limit exceeded.', 503)),
  failure: (_operation, message) => ec2Error(ec2Err('InternalError', message, 500)),
};
