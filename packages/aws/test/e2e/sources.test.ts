import {
  type BrokerFacts,
  collectFacts,
  DEFAULT_POLICY,
  evaluateBroker,
  type FactKind,
  type FactSources,
} from '@mqops/core';
import { NETWORK_IDENTITY_CHECKS } from '@mqops/core/checks/network-identity';
import { type LocalCloud, type Scenario, startLocalCloud } from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ec2NetworkSource } from '../../src/ec2-network';
import { MqConfigurationSource, MqUserSource } from '../../src/mq-details';
import { MqBrokerInventory } from '../../src/mq-inventory';
import { SecretsCredentialSource } from '../../src/secrets-credentials';

const NOW = '2026-11-25T12:00:00.000Z';
const VPC = 'vpc-0a1b2c3d4e5f60718';
const OPEN_SG = 'sg-0e0e0e0e0e0e0e0e1';
const DEFAULT_SG = 'sg-0d0d0d0d0d0d0d0d1';
const PRIVATE_SG = 'sg-0c0c0c0c0c0c0c0c1';
const RISKY_ID = 'b-0a1b2c3d-1111-4000-8000-000000000001';
const TIDY_ID = 'b-0a1b2c3d-2222-4000-8000-000000000002';
const CONFIG_ID = 'c-0a1b2c3d-3333-4000-8000-000000000003';
const XML_REV2 =
  '<broker xmlns="http://activemq.apache.org/schema/core" schedulePeriodForDestinationPurge="10000">' +
  '<plugins><forcePersistencyModeBrokerPlugin persistenceFlag="true"/></plugins></broker>';
const PASSWORD = 'e2e-Audit-Password-77';

const daysAgo = (days: number) => new Date(Date.parse(NOW) - days * 86_400_000).toISOString();
const tags = (broker: string, username: string, role?: string) => [
  { Key: 'mqops:broker', Value: broker },
  { Key: 'mqops:username', Value: username },
  ...(role ? [{ Key: 'mqops:role', Value: role }] : []),
];

/**
 * `risky-amq` trips every network and identity check; `tidy-rabbit` trips none that apply to it.
 */
const scenario: Scenario = {
  accountId: '123456789012',
  region: 'us-east-1',
  now: NOW,
  securityGroups: [
    {
      GroupId: OPEN_SG,
      GroupName: 'mq-open',
      Description: 'Broker ports and everything from anywhere',
      VpcId: VPC,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 8162,
          ToPort: 8162,
          IpRanges: [{ CidrIp: '0.0.0.0/0' }],
          Ipv6Ranges: [{ CidrIpv6: '::/0' }],
        },
        { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        { IpProtocol: 'tcp', FromPort: 61617, ToPort: 61617, UserIdGroupPairs: [{ GroupId: PRIVATE_SG }] },
        { IpProtocol: 'tcp', FromPort: 5671, ToPort: 5671, PrefixListIds: [{ PrefixListId: 'pl-0123abcd' }] },
      ],
    },
    {
      GroupId: DEFAULT_SG,
      GroupName: 'default',
      Description: 'default VPC security group',
      VpcId: VPC,
      IpPermissions: [],
    },
    {
      GroupId: PRIVATE_SG,
      GroupName: 'mq-private',
      Description: 'Brokers reachable from the application subnets only',
      VpcId: VPC,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 5671, ToPort: 5671, IpRanges: [{ CidrIp: '10.20.0.0/16' }] },
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.20.0.0/16' }] },
      ],
    },
  ],
  subnets: [
    {
      SubnetId: 'subnet-0aaaaaaaaaaaaaaa1',
      VpcId: VPC,
      AvailabilityZone: 'us-east-1a',
      CidrBlock: '10.20.1.0/24',
    },
    {
      SubnetId: 'subnet-0aaaaaaaaaaaaaaa2',
      VpcId: VPC,
      AvailabilityZone: 'us-east-1a',
      CidrBlock: '10.20.2.0/24',
    },
  ],
  configurations: [
    {
      Id: CONFIG_ID,
      Name: 'risky-amq-configuration',
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      Revisions: [{ Data: '<broker xmlns="http://activemq.apache.org/schema/core"/>' }, { Data: XML_REV2 }],
    },
  ],
  brokers: [
    {
      BrokerName: 'risky-amq',
      BrokerId: RISKY_ID,
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
      HostInstanceType: 'mq.m5.large',
      PubliclyAccessible: true,
      SecurityGroups: [OPEN_SG, DEFAULT_SG],
      SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
      Configuration: { Id: CONFIG_ID, Revision: 2 },
      Users: [
        { Username: 'ops-1', Password: 'e2e-Ops-One-Pass-1', ConsoleAccess: true, Groups: ['admins'] },
        { Username: 'ops-2', Password: 'e2e-Ops-Two-Pass-2', Groups: ['admins'] },
        { Username: 'app', Password: 'e2e-App-Pass-3333', ConsoleAccess: true, Groups: ['apps'] },
        { Username: 'batch', Password: 'e2e-Batch-Pass-44', Groups: ['apps'] },
      ],
      Tags: { env: 'production' },
      Backing: 'none',
    },
    {
      BrokerName: 'tidy-rabbit',
      BrokerId: TIDY_ID,
      EngineType: 'RABBITMQ',
      EngineVersion: '3.13',
      DeploymentMode: 'CLUSTER_MULTI_AZ',
      HostInstanceType: 'mq.m5.large',
      SecurityGroups: [PRIVATE_SG],
      // Not declared: the local cloud makes them up in three distinct zones.
      SubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2', 'subnet-0bbbbbbbbbbbbbbb3'],
      Users: [{ Username: 'rabbit-admin', Password: 'e2e-Rabbit-Admin-5' }],
      Backing: 'none',
    },
  ],
  secrets: [
    // risky-amq, tagged by name: rotation off and changed 120 days ago.
    {
      Name: 'mq/risky-amq/ops-1',
      SecretString: JSON.stringify({ username: 'ops-1', password: 'e2e-Ops-One-Pass-1' }),
      Tags: tags('risky-amq', 'ops-1'),
      CreatedDate: daysAgo(300),
      LastChangedDate: daysAgo(120),
    },
    // risky-amq, tagged by id: rotates every 30 days, rotated 10 days ago.
    {
      Name: 'mq/risky-amq/ops-2',
      SecretString: JSON.stringify({ username: 'ops-2', password: 'e2e-Ops-Two-Pass-2' }),
      Tags: tags(RISKY_ID, 'ops-2'),
      RotationEnabled: true,
      RotationRules: { AutomaticallyAfterDays: 30 },
      CreatedDate: daysAgo(300),
      LastRotatedDate: daysAgo(10),
      LastChangedDate: daysAgo(10),
    },
    // risky-amq, tagged by ARN, on a rate() schedule.
    {
      Name: 'mq/risky-amq/app',
      SecretString: JSON.stringify({ username: 'app', password: 'e2e-App-Pass-3333' }),
      Tags: tags(`arn:aws:mq:us-east-1:123456789012:broker:risky-amq:${RISKY_ID}`, 'app'),
      RotationEnabled: true,
      RotationRules: { ScheduleExpression: 'rate(7 days)' },
      CreatedDate: daysAgo(20),
      LastRotatedDate: daysAgo(3),
    },
    // tidy-rabbit's audit credential.
    {
      Name: 'mq/tidy-rabbit/audit',
      SecretString: JSON.stringify({ username: 'mqops-audit', password: PASSWORD }),
      Tags: tags('tidy-rabbit', 'mqops-audit', 'audit'),
      RotationEnabled: true,
      RotationRules: { AutomaticallyAfterDays: 30 },
      CreatedDate: daysAgo(100),
      LastRotatedDate: daysAgo(5),
    },
    // Not mqops's: no mqops:broker tag.
    {
      Name: 'unrelated/db',
      SecretString: '{"username":"db","password":"x"}',
      Tags: [{ Key: 'team', Value: 'db' }],
    },
  ],
};

const KINDS = new Set<FactKind>([
  'securityGroups',
  'subnets',
  'configuration',
  'activeMqUsers',
  'credentials',
]);

let cloud: LocalCloud;
let sources: FactSources & { credentials: SecretsCredentialSource };
let risky: BrokerFacts;
let tidy: BrokerFacts;

beforeAll(async () => {
  cloud = await startLocalCloud({ scenario });
  const config = cloud.clientConfig();
  sources = {
    network: new Ec2NetworkSource(config),
    configurations: new MqConfigurationSource(config),
    activeMqUsers: new MqUserSource(config),
    credentials: new SecretsCredentialSource(config),
  };
  const inventory = new MqBrokerInventory(config);
  const collect = async (id: string) => collectFacts(await inventory.describe(id), KINDS, sources);
  [risky, tidy] = await Promise.all([collect(RISKY_ID), collect(TIDY_ID)]);
});

afterAll(async () => {
  await cloud?.stop();
});

describe('Fact sources against the local cloud', () => {
  it('collects every kind without gaps', () => {
    expect(risky.gaps).toEqual({});
    expect(tidy.gaps).toEqual({});
  });

  it('reads the security groups through DescribeSecurityGroups', () => {
    const open = risky.securityGroups?.find((g) => g.id === OPEN_SG);
    expect(risky.securityGroups?.map((g) => g.id).sort()).toEqual([DEFAULT_SG, OPEN_SG].sort());
    expect(open).toEqual({
      id: OPEN_SG,
      name: 'mq-open',
      vpcId: VPC,
      ingress: [
        {
          protocol: 'tcp',
          fromPort: 8162,
          toPort: 8162,
          ipv4: ['0.0.0.0/0'],
          ipv6: ['::/0'],
          groups: [],
          prefixLists: [],
        },
        { protocol: '-1', ipv4: ['0.0.0.0/0'], ipv6: [], groups: [], prefixLists: [] },
        {
          protocol: 'tcp',
          fromPort: 61617,
          toPort: 61617,
          ipv4: [],
          ipv6: [],
          groups: [PRIVATE_SG],
          prefixLists: [],
        },
        {
          protocol: 'tcp',
          fromPort: 5671,
          toPort: 5671,
          ipv4: [],
          ipv6: [],
          groups: [],
          prefixLists: ['pl-0123abcd'],
        },
      ],
    });
    expect(risky.securityGroups?.find((g) => g.id === DEFAULT_SG)?.name).toBe('default');
  });

  it('reads the subnets and their zones through DescribeSubnets', () => {
    expect(risky.subnets).toEqual([
      { id: 'subnet-0aaaaaaaaaaaaaaa1', availabilityZone: 'us-east-1a', vpcId: VPC },
      { id: 'subnet-0aaaaaaaaaaaaaaa2', availabilityZone: 'us-east-1a', vpcId: VPC },
    ]);
    expect(new Set(tidy.subnets?.map((s) => s.availabilityZone)).size).toBe(3);
  });

  it('decodes the configuration revision the broker runs', () => {
    expect(risky.configuration).toEqual({ id: CONFIG_ID, revision: 2, data: XML_REV2 });
    // RabbitMQ brokers of the scenario run no configuration.
    expect(tidy.configuration).toBeUndefined();
  });

  it('describes each ActiveMQ user', () => {
    expect(risky.activeMqUsers).toEqual([
      { username: 'ops-1', consoleAccess: true, groups: ['admins'], replicationUser: false },
      { username: 'ops-2', consoleAccess: false, groups: ['admins'], replicationUser: false },
      { username: 'app', consoleAccess: true, groups: ['apps'], replicationUser: false },
      { username: 'batch', consoleAccess: false, groups: ['apps'], replicationUser: false },
    ]);
    expect(tidy.activeMqUsers).toEqual([]);
  });

  it("keeps each broker's tagged secrets (by name, id or ARN), with rotation and dates", () => {
    const byName = Object.fromEntries((risky.credentials ?? []).map((c) => [c.name, c]));
    expect(Object.keys(byName).sort()).toEqual([
      'mq/risky-amq/app',
      'mq/risky-amq/ops-1',
      'mq/risky-amq/ops-2',
    ]);
    expect(byName['mq/risky-amq/ops-1']).toMatchObject({
      username: 'ops-1',
      rotationEnabled: false,
      lastChanged: new Date(daysAgo(120)),
      created: new Date(daysAgo(300)),
    });
    expect(byName['mq/risky-amq/ops-1']?.secretArn).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:mq\/risky-amq\/ops-1-/,
    );
    expect(byName['mq/risky-amq/ops-2']).toMatchObject({
      rotationEnabled: true,
      rotationDays: 30,
      lastRotated: new Date(daysAgo(10)),
    });
    expect(byName['mq/risky-amq/app']).toMatchObject({ rotationEnabled: true, rotationDays: 7 });
    expect(tidy.credentials).toEqual([
      expect.objectContaining({ name: 'mq/tidy-rabbit/audit', role: 'audit' }),
    ]);
  });

  it('lists the secrets once for the whole audit', () => {
    expect(cloud.requests.filter((r) => r.operation === 'ListSecrets')).toHaveLength(1);
  });

  it('reads the audit credential', async () => {
    const audit = tidy.credentials?.find((c) => c.role === 'audit');
    expect(await sources.credentials.read(audit?.secretArn ?? '')).toEqual({
      username: 'mqops-audit',
      password: PASSWORD,
    });
  });

  it('reports an unknown security group as a gap, not a crash', async () => {
    const inventory = new MqBrokerInventory(cloud.clientConfig());
    const broker = { ...(await inventory.describe(TIDY_ID)), securityGroups: ['sg-0f0f0f0f0f0f0f0f9'] };
    const facts = await collectFacts(broker, new Set<FactKind>(['securityGroups']), sources);
    expect(facts.gaps.securityGroups).toMatch(/sg-0f0f0f0f0f0f0f0f9/);
  });

  it('gives the network and identity checks what they need to tell the brokers apart', () => {
    const now = new Date(NOW);
    const status = (facts: BrokerFacts) =>
      Object.fromEntries(
        evaluateBroker(facts, NETWORK_IDENTITY_CHECKS, DEFAULT_POLICY, now).map((f) => [f.checkId, f.status]),
      );
    expect(status(risky)).toEqual({
      'mq-security-group-open-broker-ports': 'FAIL',
      'mq-security-group-open-all-ports': 'FAIL',
      'mq-default-security-group': 'FAIL',
      'mq-subnets-single-az': 'FAIL',
      'mq-too-many-admins': 'FAIL',
      'mq-console-access-users': 'FAIL',
      'mq-credential-rotation': 'FAIL',
      'mq-credentials-untracked': 'FAIL',
    });
    expect(status(tidy)).toEqual({
      'mq-security-group-open-broker-ports': 'PASS',
      'mq-security-group-open-all-ports': 'PASS',
      'mq-default-security-group': 'PASS',
      'mq-subnets-single-az': 'PASS',
      'mq-credential-rotation': 'PASS',
    });
  });
});
