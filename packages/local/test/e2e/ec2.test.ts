import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  type EC2ClientConfig,
  EC2ServiceException,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { isThrottlingError } from '@smithy/core/retry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControllableClock } from '../../src/clock';
import type { Scenario } from '../../src/scenario';
import { type LocalCloud, startLocalCloud } from '../../src/server';
import type { ScenarioSubnet } from '../../src/services/ec2';

const NOW = '2025-03-10T12:00:00.000Z';
const VPC = 'vpc-0a1b2c3d4e5f60718';
const BROKER_SG = 'sg-0123456789abcdef0';
const APP_SG = 'sg-0fedcba9876543210';

const subnets: ScenarioSubnet[] = [
  {
    SubnetId: 'subnet-0aaaaaaaaaaaaaaa1',
    VpcId: VPC,
    AvailabilityZone: 'us-east-1a',
    CidrBlock: '10.1.0.0/24',
    Tags: [{ Key: 'Name', Value: 'private-a' }],
  },
];

const scenario: Scenario & { subnets: ScenarioSubnet[] } = {
  now: NOW,
  subnets,
  securityGroups: [
    {
      GroupId: BROKER_SG,
      GroupName: 'mq-orders',
      Description: 'Orders broker',
      VpcId: VPC,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 61617,
          ToPort: 61617,
          UserIdGroupPairs: [{ GroupId: APP_SG, Description: 'app servers' }],
        },
        {
          IpProtocol: 'tcp',
          FromPort: 8162,
          ToPort: 8162,
          IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'console from anywhere' }],
          Ipv6Ranges: [{ CidrIpv6: '::/0' }],
          PrefixListIds: [{ PrefixListId: 'pl-12345678', Description: 'corp' }],
        },
      ],
      Tags: [
        { Key: 'Name', Value: 'mq-orders' },
        { Key: 'team', Value: 'platform' },
      ],
    },
    {
      GroupId: APP_SG,
      GroupName: 'app',
      Description: 'Application servers',
      VpcId: VPC,
      IpPermissions: [],
      IpPermissionsEgress: [
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
      ],
    },
    {
      GroupId: 'sg-0000000000000000a',
      GroupName: 'other',
      Description: 'Other VPC',
      VpcId: 'vpc-0999999999999999a',
      IpPermissions: [],
    },
  ],
  brokers: [
    {
      BrokerName: 'orders',
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
      HostInstanceType: 'mq.m5.large',
      SecurityGroups: [BROKER_SG],
      SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
    },
    {
      BrokerName: 'events',
      EngineType: 'RABBITMQ',
      EngineVersion: '3.13',
      DeploymentMode: 'CLUSTER_MULTI_AZ',
      HostInstanceType: 'mq.m5.large',
      // An explicit group: a broker without one gets the VPC default group (tested in mq.test.ts).
      SecurityGroups: [BROKER_SG],
      SubnetIds: ['subnet-0ccccccccccccccc3', 'subnet-0ddddddddddddddd4', 'subnet-0eeeeeeeeeeeeeee5'],
    },
  ],
};

describe('local EC2 through the real SDK client', () => {
  let cloud: LocalCloud;
  let ec2: EC2Client;
  const client = (extra: Partial<EC2ClientConfig> = {}) =>
    new EC2Client({ ...cloud.clientConfig(), ...extra });
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (e: unknown) => e,
    );

  beforeAll(async () => {
    cloud = await startLocalCloud({ scenario, clock: new ControllableClock(NOW, { frozen: true }) });
    ec2 = client({ maxAttempts: 1 });
  });
  afterAll(async () => {
    ec2.destroy();
    await cloud.stop();
  });
  beforeEach(() => cloud.faults.clear());

  it('DescribeSecurityGroups returns the full group shape', async () => {
    const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [BROKER_SG] }));
    const expected: SecurityGroup = {
      GroupId: BROKER_SG,
      IpPermissionsEgress: [
        {
          IpProtocol: '-1',
          UserIdGroupPairs: [],
          IpRanges: [{ CidrIp: '0.0.0.0/0' }],
          Ipv6Ranges: [],
          PrefixListIds: [],
        },
      ],
      Tags: [
        { Key: 'Name', Value: 'mq-orders' },
        { Key: 'team', Value: 'platform' },
      ],
      VpcId: VPC,
      SecurityGroupArn: `arn:aws:ec2:us-east-1:123456789012:security-group/${BROKER_SG}`,
      OwnerId: '123456789012',
      GroupName: 'mq-orders',
      Description: 'Orders broker',
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 61617,
          ToPort: 61617,
          UserIdGroupPairs: [{ Description: 'app servers', UserId: '123456789012', GroupId: APP_SG }],
          IpRanges: [],
          Ipv6Ranges: [],
          PrefixListIds: [],
        },
        {
          IpProtocol: 'tcp',
          FromPort: 8162,
          ToPort: 8162,
          UserIdGroupPairs: [],
          IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'console from anywhere' }],
          Ipv6Ranges: [{ CidrIpv6: '::/0' }],
          PrefixListIds: [{ PrefixListId: 'pl-12345678', Description: 'corp' }],
        },
      ],
    };
    expect(out.SecurityGroups).toEqual([expected]);
    expect(out.NextToken).toBeUndefined();
    const app = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [APP_SG] }));
    expect(app.SecurityGroups?.[0]?.IpPermissions).toEqual([]);
    expect(app.SecurityGroups?.[0]?.Tags).toEqual([]);
    expect(app.SecurityGroups?.[0]?.IpPermissionsEgress).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        UserIdGroupPairs: [],
        IpRanges: [{ CidrIp: '10.0.0.0/8' }],
        Ipv6Ranges: [],
        PrefixListIds: [],
      },
    ]);
  });

  it('an unknown or malformed group id is the EC2 error with its real code and message', async () => {
    const missing = await failure(
      ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [BROKER_SG, 'sg-0badbadbadbadbad0'] })),
    );
    expect(missing).toBeInstanceOf(EC2ServiceException);
    expect(missing).toMatchObject({
      name: 'InvalidGroup.NotFound',
      message: "The security group 'sg-0badbadbadbadbad0' does not exist",
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    const malformed = await failure(
      ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['launch-wizard-1'] })),
    );
    expect(malformed).toMatchObject({
      name: 'InvalidGroupId.Malformed',
      message: 'Invalid id: "launch-wizard-1" (expecting "sg-...")',
    });
    const combo = await failure(
      ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [BROKER_SG], MaxResults: 5 })),
    );
    expect(combo).toMatchObject({ name: 'InvalidParameterCombination' });
  });

  it('filters by vpc-id, group-name (with wildcards), tags and rule CIDRs', async () => {
    const ids = async (filters: { Name: string; Values: string[] }[]) =>
      ((await ec2.send(new DescribeSecurityGroupsCommand({ Filters: filters }))).SecurityGroups ?? []).map(
        (g) => g.GroupId,
      );
    expect(await ids([{ Name: 'vpc-id', Values: [VPC] }])).toEqual([BROKER_SG, APP_SG]);
    expect(await ids([{ Name: 'group-name', Values: ['mq-*'] }])).toEqual([BROKER_SG]);
    expect(await ids([{ Name: 'group-id', Values: [APP_SG, 'sg-0000000000000000a'] }])).toEqual([
      APP_SG,
      'sg-0000000000000000a',
    ]);
    expect(await ids([{ Name: 'tag:team', Values: ['platform'] }])).toEqual([BROKER_SG]);
    expect(await ids([{ Name: 'ip-permission.cidr', Values: ['0.0.0.0/0'] }])).toEqual([BROKER_SG]);
    expect(
      await ids([
        { Name: 'vpc-id', Values: [VPC] },
        { Name: 'group-name', Values: ['app'] },
      ]),
    ).toEqual([APP_SG]);
    const bad = await failure(
      ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] })),
    );
    expect(bad).toMatchObject({ name: 'InvalidParameterValue', message: "The filter 'colour' is invalid" });
  });

  it('pages with MaxResults and NextToken', async () => {
    const seen: string[][] = [];
    let token: string | undefined;
    do {
      const page = await ec2.send(new DescribeSecurityGroupsCommand({ MaxResults: 5, NextToken: token }));
      seen.push((page.SecurityGroups ?? []).map((g) => g.GroupId ?? ''));
      token = page.NextToken;
    } while (token);
    expect(seen).toEqual([[BROKER_SG, APP_SG, 'sg-0000000000000000a']]);
    const tooSmall = await failure(ec2.send(new DescribeSecurityGroupsCommand({ MaxResults: 2 })));
    expect(tooSmall).toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('DescribeSubnets resolves declared subnets and synthesizes the ones brokers name', async () => {
    const out = await ec2.send(
      new DescribeSubnetsCommand({ SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'] }),
    );
    expect(out.Subnets).toEqual([
      {
        AvailabilityZoneId: 'use1-az1',
        OwnerId: '123456789012',
        AssignIpv6AddressOnCreation: false,
        Ipv6CidrBlockAssociationSet: [],
        Tags: [{ Key: 'Name', Value: 'private-a' }],
        SubnetArn: 'arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0aaaaaaaaaaaaaaa1',
        SubnetId: 'subnet-0aaaaaaaaaaaaaaa1',
        State: 'available',
        VpcId: VPC,
        CidrBlock: '10.1.0.0/24',
        AvailableIpAddressCount: 251,
        AvailabilityZone: 'us-east-1a',
        DefaultForAz: false,
        MapPublicIpOnLaunch: false,
      },
      {
        AvailabilityZoneId: 'use1-az2',
        OwnerId: '123456789012',
        AssignIpv6AddressOnCreation: false,
        Ipv6CidrBlockAssociationSet: [],
        Tags: [],
        SubnetArn: 'arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0bbbbbbbbbbbbbbb2',
        SubnetId: 'subnet-0bbbbbbbbbbbbbbb2',
        State: 'available',
        VpcId: VPC,
        CidrBlock: '10.0.0.0/24',
        AvailableIpAddressCount: 251,
        AvailabilityZone: 'us-east-1b',
        DefaultForAz: false,
        MapPublicIpOnLaunch: false,
      },
    ]);
    // The RabbitMQ cluster's three subnets: three distinct zones, in the scenario's VPC, distinct CIDRs.
    const cluster = await ec2.send(
      new DescribeSubnetsCommand({
        SubnetIds: ['subnet-0ccccccccccccccc3', 'subnet-0ddddddddddddddd4', 'subnet-0eeeeeeeeeeeeeee5'],
      }),
    );
    expect(cluster.Subnets?.map((s) => [s.AvailabilityZone, s.VpcId])).toEqual([
      ['us-east-1a', VPC],
      ['us-east-1b', VPC],
      ['us-east-1c', VPC],
    ]);
    expect(new Set(cluster.Subnets?.map((s) => s.CidrBlock)).size).toBe(3);
    const byFilter = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1b'] }] }),
    );
    expect(byFilter.Subnets?.map((s) => s.SubnetId)).toEqual([
      'subnet-0bbbbbbbbbbbbbbb2',
      'subnet-0ddddddddddddddd4',
    ]);
    const missing = await failure(
      ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-0fffffffffffffff9'] })),
    );
    expect(missing).toMatchObject({
      name: 'InvalidSubnetID.NotFound',
      message: "The subnet ID 'subnet-0fffffffffffffff9' does not exist",
    });
  });

  describe('fault injection', () => {
    it('a throttle is RequestLimitExceeded (503), classified as throttling', async () => {
      cloud.faults.add({ service: 'ec2', operation: 'DescribeSubnets', throttle: { rate: 1, burst: 1 } });
      await ec2.send(new DescribeSubnetsCommand({}));
      const error = await failure(ec2.send(new DescribeSubnetsCommand({})));
      expect(error).toMatchObject({
        name: 'RequestLimitExceeded',
        message: 'Request limit exceeded.',
        $metadata: { httpStatusCode: 503, attempts: 1 },
      });
      expect(isThrottlingError(error as Parameters<typeof isThrottlingError>[0])).toBe(true);
    });

    it('the SDK retries throttles until the bucket refills', async () => {
      cloud.faults.add({
        service: 'ec2',
        operation: 'DescribeSecurityGroups',
        throttle: { rate: 1, burst: 1 },
      });
      const retrying = client({ maxAttempts: 10 });
      await retrying.send(new DescribeSecurityGroupsCommand({}));
      const timer = setTimeout(() => cloud.clock.advance(1_000), 150);
      const out = await retrying.send(new DescribeSecurityGroupsCommand({ GroupIds: [APP_SG] }));
      clearTimeout(timer);
      retrying.destroy();
      expect(out.SecurityGroups?.map((g) => g.GroupName)).toEqual(['app']);
      expect(out.$metadata.attempts).toBeGreaterThan(1);
    });

    it('injected failures are InternalError (500), retried by the SDK', async () => {
      cloud.faults.add({ service: 'ec2', operation: 'DescribeSubnets', failTimes: 1 });
      const error = await failure(ec2.send(new DescribeSubnetsCommand({})));
      expect(error).toMatchObject({
        name: 'InternalError',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
      });
      cloud.faults.add({ service: 'ec2', operation: 'DescribeSubnets', failTimes: 2 });
      const retrying = client({ maxAttempts: 3 });
      const out = await retrying.send(
        new DescribeSubnetsCommand({ SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1'] }),
      );
      retrying.destroy();
      expect(out.$metadata.attempts).toBe(3);
      expect(out.Subnets?.[0]?.CidrBlock).toBe('10.1.0.0/24');
    });
  });
});
