import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Ec2NetworkSource, toIngressRule } from '../../src/ec2-network';

const ec2 = mockClient(EC2Client);

const open: SecurityGroup = {
  GroupId: 'sg-2',
  GroupName: 'mq-open',
  VpcId: 'vpc-1',
  IpPermissions: [
    {
      IpProtocol: 'tcp',
      FromPort: 5671,
      ToPort: 5671,
      IpRanges: [{ CidrIp: '0.0.0.0/0' }],
      Ipv6Ranges: [{ CidrIpv6: '::/0' }],
      UserIdGroupPairs: [{ GroupId: 'sg-apps', UserId: '123456789012' }],
      PrefixListIds: [{ PrefixListId: 'pl-1' }],
    },
    { IpProtocol: '-1', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
  ],
  IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
};

describe('Function: toIngressRule', () => {
  it('maps every source list', () => {
    expect(toIngressRule(open.IpPermissions?.[0] ?? {})).toEqual({
      protocol: 'tcp',
      fromPort: 5671,
      toPort: 5671,
      ipv4: ['0.0.0.0/0'],
      ipv6: ['::/0'],
      groups: ['sg-apps'],
      prefixLists: ['pl-1'],
    });
  });

  it('keeps no ports for all traffic', () => {
    expect(toIngressRule({ IpProtocol: '-1', FromPort: -1, ToPort: -1 })).toEqual({
      protocol: '-1',
      ipv4: [],
      ipv6: [],
      groups: [],
      prefixLists: [],
    });
  });

  it.each([
    ['6', 'tcp'],
    ['17', 'udp'],
    ['TCP', 'tcp'],
    ['icmp', 'icmp'],
    [undefined, '-1'],
  ])('reads protocol %s as %s', (raw, protocol) => {
    expect(toIngressRule({ IpProtocol: raw }).protocol).toBe(protocol);
  });
});

describe('Class: Ec2NetworkSource', () => {
  beforeEach(() => ec2.reset());

  it('describes security groups by id, ingress only', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [open] });
    const groups = await new Ec2NetworkSource(new EC2Client({ region: 'us-east-1' })).securityGroups([
      'sg-2',
    ]);
    expect(groups).toEqual([
      {
        id: 'sg-2',
        name: 'mq-open',
        vpcId: 'vpc-1',
        ingress: [
          expect.objectContaining({ protocol: 'tcp', fromPort: 5671, ipv4: ['0.0.0.0/0'] }),
          { protocol: '-1', ipv4: ['10.0.0.0/8'], ipv6: [], groups: [], prefixLists: [] },
        ],
      },
    ]);
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)[0]?.args[0].input).toEqual({
      GroupIds: ['sg-2'],
      NextToken: undefined,
    });
  });

  it('follows NextToken and asks for each id once', async () => {
    ec2
      .on(DescribeSecurityGroupsCommand, { NextToken: undefined })
      .resolves({ SecurityGroups: [{ GroupId: 'sg-1', IpPermissions: [] }], NextToken: 't2' })
      .on(DescribeSecurityGroupsCommand, { NextToken: 't2' })
      .resolves({ SecurityGroups: [{ GroupId: 'sg-2', GroupName: 'b', IpPermissions: [] }] });
    const source = new Ec2NetworkSource(new EC2Client({ region: 'us-east-1' }));
    const groups = await source.securityGroups(['sg-1', 'sg-2', 'sg-1']);
    expect(groups.map((g) => g.id)).toEqual(['sg-1', 'sg-2']);
    expect(groups[0]).toEqual({ id: 'sg-1', ingress: [] });
    const calls = ec2.commandCalls(DescribeSecurityGroupsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input).toEqual({ GroupIds: ['sg-1', 'sg-2'], NextToken: 't2' });
  });

  it('makes no call for no ids', async () => {
    const source = new Ec2NetworkSource(new EC2Client({ region: 'us-east-1' }));
    expect(await source.securityGroups([])).toEqual([]);
    expect(await source.subnets([])).toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('describes subnets across pages', async () => {
    ec2
      .on(DescribeSubnetsCommand, { NextToken: undefined })
      .resolves({
        Subnets: [{ SubnetId: 'subnet-a', AvailabilityZone: 'us-east-1a', VpcId: 'vpc-1' }],
        NextToken: 'n',
      })
      .on(DescribeSubnetsCommand, { NextToken: 'n' })
      .resolves({ Subnets: [{ SubnetId: 'subnet-b', AvailabilityZone: 'us-east-1b' }] });
    const subnets = await new Ec2NetworkSource({ region: 'us-east-1' }).subnets(['subnet-a', 'subnet-b']);
    expect(subnets).toEqual([
      { id: 'subnet-a', availabilityZone: 'us-east-1a', vpcId: 'vpc-1' },
      { id: 'subnet-b', availabilityZone: 'us-east-1b' },
    ]);
    expect(ec2.commandCalls(DescribeSubnetsCommand)[0]?.args[0].input.SubnetIds).toEqual([
      'subnet-a',
      'subnet-b',
    ]);
  });

  it('lets an EC2 error through (it becomes a gap)', async () => {
    ec2.on(DescribeSecurityGroupsCommand).rejects(
      Object.assign(new Error("The security group 'sg-9' does not exist"), {
        name: 'InvalidGroup.NotFound',
      }),
    );
    await expect(new Ec2NetworkSource({ region: 'us-east-1' }).securityGroups(['sg-9'])).rejects.toThrow(
      /sg-9/,
    );
  });
});
