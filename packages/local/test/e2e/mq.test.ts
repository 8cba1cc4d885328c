import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  BadRequestException,
  ConflictException,
  CreateBrokerCommand,
  CreateConfigurationCommand,
  CreateTagsCommand,
  CreateUserCommand,
  DeleteTagsCommand,
  DeleteUserCommand,
  DescribeBrokerCommand,
  DescribeBrokerEngineTypesCommand,
  DescribeBrokerInstanceOptionsCommand,
  type DescribeBrokerResponse,
  DescribeConfigurationRevisionCommand,
  DescribeUserCommand,
  ForbiddenException,
  ListBrokersCommand,
  ListTagsCommand,
  ListUsersCommand,
  MqClient,
  NotFoundException,
  paginateListBrokers,
  RebootBrokerCommand,
  UpdateBrokerCommand,
  UpdateConfigurationCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-mq';
import { afterEach, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/scenario';
import { type LocalCloud, startLocalCloud } from '../../src/server';

const ACTIVE_ID = 'b-11111111-2222-3333-4444-555555555555';
const RABBIT_ID = 'b-66666666-7777-8888-9999-000000000000';
const CONFIG_ID = 'c-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const CREATED = '2026-03-04T05:06:07.000Z';

const ldap = {
  Hosts: ['ldap.example.test:636', 'ldap2.example.test:636'],
  RoleBase: 'ou=groups,dc=example,dc=test',
  RoleSearchMatching: '(member={0})',
  ServiceAccountUsername: 'cn=mq,dc=example,dc=test',
  UserBase: 'ou=users,dc=example,dc=test',
  UserSearchMatching: '(uid={0})',
  RoleName: 'cn',
  RoleSearchSubtree: true,
  UserRoleName: 'memberOf',
  UserSearchSubtree: false,
};

const scenario: Scenario = {
  accountId: '210987654321',
  region: 'eu-west-1',
  now: '2026-11-25T10:00:00.000Z',
  configurations: [
    {
      Id: CONFIG_ID,
      Name: 'orders-config',
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      Revisions: [{ Data: '<broker xmlns="http://activemq.apache.org/schema/core"/>', Created: CREATED }],
    },
  ],
  brokers: [
    {
      BrokerName: 'orders',
      BrokerId: ACTIVE_ID,
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
      HostInstanceType: 'mq.m5.large',
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: true,
      AuthenticationStrategy: 'LDAP',
      LdapServerMetadata: ldap,
      EncryptionOptions: { UseAwsOwnedKey: false, KmsKeyId: 'arn:aws:kms:eu-west-1:210987654321:key/k-1' },
      Logs: { General: true, Audit: true },
      MaintenanceWindowStartTime: { DayOfWeek: 'TUESDAY', TimeOfDay: '02:30', TimeZone: 'Europe/Dublin' },
      SecurityGroups: ['sg-1', 'sg-2'],
      SubnetIds: ['subnet-a', 'subnet-b'],
      StorageType: 'EFS',
      Tags: { env: 'production', 'cost-center': 'CC-7' },
      Users: [
        { Username: 'admin', Password: 'admin-Password-1', ConsoleAccess: true, Groups: ['admins'] },
        { Username: 'app', Password: 'app-Password-123', Groups: ['apps'] },
      ],
      Configuration: { Id: CONFIG_ID, Revision: 1 },
      Created: CREATED,
      Backing: 'none',
    },
    {
      BrokerName: 'events',
      BrokerId: RABBIT_ID,
      EngineType: 'RABBITMQ',
      EngineVersion: '3.13',
      DeploymentMode: 'CLUSTER_MULTI_AZ',
      HostInstanceType: 'mq.m5.large',
      PubliclyAccessible: true,
      EncryptionOptions: { UseAwsOwnedKey: true },
      Logs: { General: false },
      SecurityGroups: ['sg-3'],
      SubnetIds: ['subnet-a', 'subnet-b', 'subnet-c'],
      Users: [{ Username: 'events-admin', Password: 'events-Password-1' }],
      BrokerState: 'CRITICAL_ACTION_REQUIRED',
      ActionsRequired: [{ ActionRequiredCode: 'RABBITMQ_MEMORY_ALARM', ActionRequiredInfo: 'memory alarm' }],
      Created: CREATED,
      Pending: { HostInstanceType: 'mq.m5.xlarge', EngineVersion: '4.2' },
      Backing: 'none',
    },
    {
      BrokerName: 'tiny',
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.19',
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: 'mq.t3.micro',
      Users: [{ Username: 'tiny-admin', Password: 'tiny-Password-12' }],
      Backing: 'none',
    },
  ],
};

let cloud: LocalCloud;
let mq: MqClient;

async function start(s: Scenario = scenario, maxAttempts = 3) {
  cloud = await startLocalCloud({ scenario: s });
  mq = new MqClient({ ...cloud.clientConfig(), maxAttempts });
}

afterEach(async () => {
  mq?.destroy();
  await cloud?.stop();
});

describe('Amazon MQ emulation through the real SDK client', () => {
  it('round-trips every DescribeBroker field of an active/standby ActiveMQ broker', async () => {
    await start();
    const { $metadata, ...got } = await mq.send(new DescribeBrokerCommand({ BrokerId: ACTIVE_ID }));
    expect($metadata.httpStatusCode).toBe(200);
    const host = (i: number) => `${ACTIVE_ID}-${i}.mq.eu-west-1.amazonaws.com`;
    const expected: DescribeBrokerResponse = {
      AuthenticationStrategy: 'LDAP',
      AutoMinorVersionUpgrade: true,
      BrokerArn: `arn:aws:mq:eu-west-1:210987654321:broker:orders:${ACTIVE_ID}`,
      BrokerId: ACTIVE_ID,
      BrokerInstances: [1, 2].map((i) => ({
        ConsoleURL: `https://${host(i)}:8162`,
        Endpoints: [
          `ssl://${host(i)}:61617`,
          `amqp+ssl://${host(i)}:5671`,
          `stomp+ssl://${host(i)}:61614`,
          `mqtt+ssl://${host(i)}:8883`,
          `wss://${host(i)}:61619`,
        ],
        IpAddress: expect.stringMatching(/^10\.0\.\d+\.\d+$/) as unknown as string,
      })),
      BrokerName: 'orders',
      BrokerState: 'RUNNING',
      Configurations: {
        Current: { Id: CONFIG_ID, Revision: 1 },
        History: [],
        Pending: { Id: CONFIG_ID, Revision: 1 },
      },
      Created: new Date(CREATED),
      DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
      EncryptionOptions: { UseAwsOwnedKey: false, KmsKeyId: 'arn:aws:kms:eu-west-1:210987654321:key/k-1' },
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      HostInstanceType: 'mq.m5.large',
      LdapServerMetadata: ldap,
      Logs: {
        General: true,
        GeneralLogGroup: `/aws/amazonmq/broker/${ACTIVE_ID}/general`,
        Audit: true,
        AuditLogGroup: `/aws/amazonmq/broker/${ACTIVE_ID}/audit`,
      },
      MaintenanceWindowStartTime: { DayOfWeek: 'TUESDAY', TimeOfDay: '02:30', TimeZone: 'Europe/Dublin' },
      PubliclyAccessible: false,
      SecurityGroups: ['sg-1', 'sg-2'],
      StorageType: 'EFS',
      SubnetIds: ['subnet-a', 'subnet-b'],
      Tags: { env: 'production', 'cost-center': 'CC-7' },
      Users: [{ Username: 'admin' }, { Username: 'app' }],
      DataReplicationMode: 'NONE',
    };
    expect(got).toEqual(expected);
  });

  it('round-trips a RabbitMQ cluster with pending changes and actions required', async () => {
    await start();
    const got = await mq.send(new DescribeBrokerCommand({ BrokerId: RABBIT_ID }));
    expect(got).toMatchObject({
      BrokerState: 'CRITICAL_ACTION_REQUIRED',
      ActionsRequired: [{ ActionRequiredCode: 'RABBITMQ_MEMORY_ALARM', ActionRequiredInfo: 'memory alarm' }],
      EngineType: 'RABBITMQ',
      DeploymentMode: 'CLUSTER_MULTI_AZ',
      PendingHostInstanceType: 'mq.m5.xlarge',
      PendingEngineVersion: '4.2',
      PubliclyAccessible: true,
      EncryptionOptions: { UseAwsOwnedKey: true },
      Logs: { General: false, GeneralLogGroup: `/aws/amazonmq/broker/${RABBIT_ID}/general` },
      BrokerInstances: [
        {
          ConsoleURL: `https://${RABBIT_ID}.mq.eu-west-1.amazonaws.com`,
          Endpoints: [`amqps://${RABBIT_ID}.mq.eu-west-1.amazonaws.com:5671`],
        },
      ],
      Users: [],
      Tags: {},
    });
    expect(got.Logs?.Audit).toBeUndefined();
    expect(got.Configurations).toBeUndefined();
  });

  it('fills in Amazon MQ defaults for a minimal single-instance broker', async () => {
    await start();
    const [summary] =
      (await mq.send(new ListBrokersCommand({ MaxResults: 5 }))).BrokerSummaries?.filter(
        (b) => b.BrokerName === 'tiny',
      ) ?? [];
    const got = await mq.send(new DescribeBrokerCommand({ BrokerId: summary?.BrokerId }));
    expect(got).toMatchObject({
      BrokerId: expect.stringMatching(/^b-[0-9a-f]{8}-[0-9a-f]{4}-/),
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: true,
      AuthenticationStrategy: 'SIMPLE',
      EncryptionOptions: { UseAwsOwnedKey: true },
      StorageType: 'EFS',
      MaintenanceWindowStartTime: { DayOfWeek: 'SUNDAY', TimeOfDay: '03:00', TimeZone: 'UTC' },
      Configurations: { Current: { Revision: 1 } },
    });
    expect(got.BrokerInstances).toHaveLength(1);
    expect(got.SubnetIds).toHaveLength(1);
  });

  it('pages ListBrokers with MaxResults and NextToken', async () => {
    const many: Scenario = {
      brokers: Array.from({ length: 12 }, (_, i) => ({
        BrokerName: `broker-${String(i).padStart(2, '0')}`,
        EngineType: 'RABBITMQ' as const,
        EngineVersion: '3.13',
        DeploymentMode: 'SINGLE_INSTANCE' as const,
        HostInstanceType: 'mq.m5.large',
        Backing: 'none' as const,
      })),
    };
    await start(many);
    const first = await mq.send(new ListBrokersCommand({ MaxResults: 5 }));
    expect(first.BrokerSummaries).toHaveLength(5);
    expect(first.NextToken).toBeTruthy();
    expect(first.BrokerSummaries?.[0]).toEqual({
      BrokerArn: expect.stringContaining(':broker:broker-00:'),
      BrokerId: expect.any(String),
      BrokerName: 'broker-00',
      BrokerState: 'RUNNING',
      Created: expect.any(Date),
      DeploymentMode: 'SINGLE_INSTANCE',
      EngineType: 'RABBITMQ',
      HostInstanceType: 'mq.m5.large',
    });
    const names: string[] = [];
    for await (const page of paginateListBrokers({ client: mq, pageSize: 5 }, {})) {
      names.push(...(page.BrokerSummaries ?? []).map((b) => b.BrokerName ?? ''));
    }
    expect(names).toEqual(many.brokers?.map((b) => b.BrokerName));
    await expect(mq.send(new ListBrokersCommand({ NextToken: 'garbage!' }))).rejects.toBeInstanceOf(
      BadRequestException,
    );
  });

  it('maps errors to the SDK exceptions', async () => {
    await start();
    const missing = await mq.send(new DescribeBrokerCommand({ BrokerId: 'b-nope' })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundException);
    expect((missing as NotFoundException).ErrorAttribute).toBe('broker-id');
    expect((missing as NotFoundException).$metadata.httpStatusCode).toBe(404);

    await expect(
      mq.send(new CreateUserCommand({ BrokerId: ACTIVE_ID, Username: 'weak', Password: 'short' })),
    ).rejects.toBeInstanceOf(BadRequestException);
    await expect(
      mq.send(
        new CreateUserCommand({ BrokerId: ACTIVE_ID, Username: 'admin', Password: 'another-Password-1' }),
      ),
    ).rejects.toBeInstanceOf(ConflictException);
    await expect(mq.send(new ListUsersCommand({ BrokerId: RABBIT_ID }))).rejects.toBeInstanceOf(
      BadRequestException,
    );

    cloud.faults.add({ service: 'mq', operation: 'RebootBroker', deny: true });
    await expect(mq.send(new RebootBrokerCommand({ BrokerId: ACTIVE_ID }))).rejects.toBeInstanceOf(
      ForbiddenException,
    );
    expect((await mq.send(new DescribeBrokerCommand({ BrokerId: ACTIVE_ID }))).BrokerState).toBe('RUNNING');
  });

  it('keeps UpdateBroker changes pending until a reboot, through REBOOT_IN_PROGRESS', async () => {
    await start();
    await mq.send(
      new UpdateBrokerCommand({
        BrokerId: ACTIVE_ID,
        HostInstanceType: 'mq.m5.xlarge',
        SecurityGroups: ['sg-9'],
        Logs: { General: true, Audit: false },
        AutoMinorVersionUpgrade: false,
        MaintenanceWindowStartTime: { DayOfWeek: 'FRIDAY', TimeOfDay: '23:00', TimeZone: 'UTC' },
      }),
    );
    const pending = await mq.send(new DescribeBrokerCommand({ BrokerId: ACTIVE_ID }));
    expect(pending).toMatchObject({
      HostInstanceType: 'mq.m5.large',
      PendingHostInstanceType: 'mq.m5.xlarge',
      SecurityGroups: ['sg-1', 'sg-2'],
      PendingSecurityGroups: ['sg-9'],
      Logs: { Audit: true, Pending: { General: true, Audit: false } },
      // These two apply at once.
      AutoMinorVersionUpgrade: false,
      MaintenanceWindowStartTime: { DayOfWeek: 'FRIDAY', TimeOfDay: '23:00', TimeZone: 'UTC' },
    });

    await mq.send(new RebootBrokerCommand({ BrokerId: ACTIVE_ID }));
    expect((await mq.send(new DescribeBrokerCommand({ BrokerId: ACTIVE_ID }))).BrokerState).toBe(
      'REBOOT_IN_PROGRESS',
    );
    await expect(
      mq.send(new UpdateBrokerCommand({ BrokerId: ACTIVE_ID, HostInstanceType: 'mq.m5.2xlarge' })),
    ).rejects.toBeInstanceOf(ConflictException);
    cloud.clock.advance(60_000);
    const after = await mq.send(new DescribeBrokerCommand({ BrokerId: ACTIVE_ID }));
    expect(after).toMatchObject({
      BrokerState: 'RUNNING',
      HostInstanceType: 'mq.m5.xlarge',
      SecurityGroups: ['sg-9'],
      Logs: { General: true, Audit: false },
    });
    expect(after.PendingHostInstanceType).toBeUndefined();
    expect(after.PendingSecurityGroups).toBeUndefined();
    expect(after.Logs?.Pending).toBeUndefined();
  });

  it('refuses a downgrade to a micro instance and an unsupported engine version', async () => {
    await start();
    await expect(
      mq.send(new UpdateBrokerCommand({ BrokerId: ACTIVE_ID, HostInstanceType: 'mq.t3.micro' })),
    ).rejects.toBeInstanceOf(BadRequestException);
    await expect(
      mq.send(new UpdateBrokerCommand({ BrokerId: ACTIVE_ID, EngineVersion: '5.15' })),
    ).rejects.toBeInstanceOf(BadRequestException);
  });

  it('applies pending engine versions and user changes in the maintenance window', async () => {
    await start();
    // The window is Tuesday 02:30 Europe/Dublin (UTC+0 in November); the clock starts on Wednesday 10:00 UTC.
    await mq.send(new UpdateBrokerCommand({ BrokerId: ACTIVE_ID, EngineVersion: '5.19' }));
    await mq.send(
      new CreateUserCommand({ BrokerId: ACTIVE_ID, Username: 'late', Password: 'late-Password-12' }),
    );
    cloud.clock.set('2026-12-01T02:29:00.000Z');
    expect((await mq.send(new DescribeBrokerCommand({ BrokerId: ACTIVE_ID }))).PendingEngineVersion).toBe(
      '5.19',
    );
    cloud.clock.set('2026-12-01T02:45:00.000Z');
    const after = await mq.send(new DescribeBrokerCommand({ BrokerId: ACTIVE_ID }));
    expect(after).toMatchObject({ EngineVersion: '5.19', BrokerState: 'RUNNING' });
    expect(after.PendingEngineVersion).toBeUndefined();
    expect(after.Users).toContainEqual({ Username: 'late' });
  });

  it('keeps ActiveMQ user changes pending until a reboot', async () => {
    await start();
    await mq.send(
      new CreateUserCommand({
        BrokerId: ACTIVE_ID,
        Username: 'new-app',
        Password: 'new-App-Password-1',
        Groups: ['apps'],
      }),
    );
    await mq.send(new UpdateUserCommand({ BrokerId: ACTIVE_ID, Username: 'app', ConsoleAccess: true }));
    await mq.send(new DeleteUserCommand({ BrokerId: ACTIVE_ID, Username: 'admin' }));
    const listed = await mq.send(new ListUsersCommand({ BrokerId: ACTIVE_ID }));
    expect(listed.Users).toEqual([
      { Username: 'admin', PendingChange: 'DELETE' },
      { Username: 'app', PendingChange: 'UPDATE' },
      { Username: 'new-app', PendingChange: 'CREATE' },
    ]);
    const app = await mq.send(new DescribeUserCommand({ BrokerId: ACTIVE_ID, Username: 'app' }));
    expect(app).toMatchObject({
      Username: 'app',
      ConsoleAccess: false,
      Groups: ['apps'],
      Pending: { PendingChange: 'UPDATE', ConsoleAccess: true, Groups: ['apps'] },
    });
    await mq.send(new RebootBrokerCommand({ BrokerId: ACTIVE_ID }));
    cloud.clock.advance(60_000);
    const after = await mq.send(new ListUsersCommand({ BrokerId: ACTIVE_ID }));
    expect(after.Users).toEqual([{ Username: 'app' }, { Username: 'new-app' }]);
    expect(
      (await mq.send(new DescribeUserCommand({ BrokerId: ACTIVE_ID, Username: 'app' }))).ConsoleAccess,
    ).toBe(true);
    await expect(
      mq.send(new DescribeUserCommand({ BrokerId: ACTIVE_ID, Username: 'admin' })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('creates configurations, adds revisions and returns the data base64-encoded', async () => {
    await start();
    const created = await mq.send(
      new CreateConfigurationCommand({ Name: 'new-config', EngineType: 'ACTIVEMQ', EngineVersion: '5.18' }),
    );
    expect(created).toMatchObject({
      Name: 'new-config',
      LatestRevision: { Revision: 1 },
      AuthenticationStrategy: 'SIMPLE',
    });
    const xml = '<broker xmlns="http://activemq.apache.org/schema/core"><destinationPolicy/></broker>';
    const updated = await mq.send(
      new UpdateConfigurationCommand({
        ConfigurationId: created.Id,
        Data: Buffer.from(xml).toString('base64'),
        Description: 'add policy',
      }),
    );
    expect(updated.LatestRevision).toMatchObject({ Revision: 2, Description: 'add policy' });
    expect(updated.Warnings).toEqual([]);
    const revision = await mq.send(
      new DescribeConfigurationRevisionCommand({ ConfigurationId: created.Id, ConfigurationRevision: '2' }),
    );
    expect(Buffer.from(revision.Data ?? '', 'base64').toString()).toBe(xml);

    await mq.send(
      new UpdateBrokerCommand({ BrokerId: ACTIVE_ID, Configuration: { Id: created.Id, Revision: 2 } }),
    );
    const pending = await mq.send(new DescribeBrokerCommand({ BrokerId: ACTIVE_ID }));
    expect(pending.Configurations).toMatchObject({
      Current: { Id: CONFIG_ID, Revision: 1 },
      Pending: { Id: created.Id, Revision: 2 },
    });
  });

  it('creates a broker that is CREATION_IN_PROGRESS, then RUNNING, and validates the request', async () => {
    await start();
    const base = {
      BrokerName: 'fresh',
      EngineType: 'RABBITMQ' as const,
      EngineVersion: '3.13',
      DeploymentMode: 'SINGLE_INSTANCE' as const,
      HostInstanceType: 'mq.m5.large',
      PubliclyAccessible: false,
      Users: [{ Username: 'fresh-admin', Password: 'fresh-Password-1' }],
    };
    const { BrokerId } = await mq.send(new CreateBrokerCommand(base));
    expect((await mq.send(new DescribeBrokerCommand({ BrokerId }))).BrokerState).toBe('CREATION_IN_PROGRESS');
    cloud.clock.advance(120_000);
    expect((await mq.send(new DescribeBrokerCommand({ BrokerId }))).BrokerState).toBe('RUNNING');
    await expect(mq.send(new CreateBrokerCommand(base))).rejects.toBeInstanceOf(ConflictException);
    await expect(
      mq.send(
        new CreateBrokerCommand({
          ...base,
          BrokerName: 'bad',
          HostInstanceType: 'mq.t3.micro',
          DeploymentMode: 'CLUSTER_MULTI_AZ',
        }),
      ),
    ).rejects.toBeInstanceOf(BadRequestException);
    await expect(
      mq.send(
        new CreateBrokerCommand({
          ...base,
          BrokerName: 'guest',
          Users: [{ Username: 'guest', Password: 'guest-Password-1' }],
        }),
      ),
    ).rejects.toBeInstanceOf(BadRequestException);
  });

  it('manages tags by ARN', async () => {
    await start();
    const arn = `arn:aws:mq:eu-west-1:210987654321:broker:orders:${ACTIVE_ID}`;
    await mq.send(new CreateTagsCommand({ ResourceArn: arn, Tags: { owner: 'sre' } }));
    await mq.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: ['cost-center'] }));
    expect((await mq.send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toEqual({
      env: 'production',
      owner: 'sre',
    });
  });

  it('describes instance options and engine types', async () => {
    await start();
    const options = await mq.send(
      new DescribeBrokerInstanceOptionsCommand({ EngineType: 'RABBITMQ', HostInstanceType: 'mq.m7g.large' }),
    );
    expect(options.BrokerInstanceOptions).toEqual([
      {
        AvailabilityZones: expect.arrayContaining([{ Name: 'eu-west-1a' }]),
        EngineType: 'RABBITMQ',
        HostInstanceType: 'mq.m7g.large',
        StorageType: 'EBS',
        SupportedDeploymentModes: ['SINGLE_INSTANCE', 'CLUSTER_MULTI_AZ'],
        SupportedEngineVersions: ['3.13', '4.2'],
      },
    ]);
    const engines = await mq.send(new DescribeBrokerEngineTypesCommand({}));
    expect(engines.BrokerEngineTypes?.map((e) => e.EngineType)).toEqual(['ACTIVEMQ', 'RABBITMQ']);
  });
});

describe('Services that know about brokers', () => {
  it('makes a created broker visible to EC2 (its subnets) and CloudWatch (its metrics)', async () => {
    await start();
    const { BrokerId } = await mq.send(
      new CreateBrokerCommand({
        BrokerName: 'visible',
        EngineType: 'ACTIVEMQ',
        EngineVersion: '5.18',
        DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
        HostInstanceType: 'mq.m5.large',
        PubliclyAccessible: false,
        SubnetIds: ['subnet-0aaa0000000000001', 'subnet-0aaa0000000000002'],
        Users: [{ Username: 'visible-admin', Password: 'visible-Password-1' }],
      }),
    );
    const broker = await mq.send(new DescribeBrokerCommand({ BrokerId }));
    const ec2 = new EC2Client(cloud.clientConfig());
    const subnets = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: broker.SubnetIds }));
    const zones = new Set(subnets.Subnets?.map((s) => s.AvailabilityZone));
    expect(zones.size).toBe(2);
    cloud.clock.advance(5 * 60_000);
    const cw = new CloudWatchClient(cloud.clientConfig());
    const metrics = await cw.send(
      new ListMetricsCommand({
        Namespace: 'AWS/AmazonMQ',
        Dimensions: [{ Name: 'Broker', Value: 'visible-1' }],
      }),
    );
    expect(metrics.Metrics?.map((m) => m.MetricName)).toContain('CpuUtilization');
    ec2.destroy();
    cw.destroy();
  });
});

describe('Fault injection through the real SDK client', () => {
  it('answers an injected throttle with the throttling error the SDK retries', async () => {
    await start(scenario, 4);
    // A bucket of 1 that refills in ~50 ms: the second call is throttled once or twice, then passes.
    cloud.faults.add({ service: 'mq', operation: 'DescribeBroker', throttle: { rate: 20, burst: 1 } });
    await mq.send(new DescribeBrokerCommand({ BrokerId: ACTIVE_ID }));
    const second = await mq.send(new DescribeBrokerCommand({ BrokerId: ACTIVE_ID }));
    expect(second.BrokerId).toBe(ACTIVE_ID);
    expect(second.$metadata.attempts).toBeGreaterThan(1);
    const throttled = cloud.requests.filter((r) => r.operation === 'DescribeBroker' && r.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(1);
  });

  it('surfaces a throttle that never clears as a throttling error after the last attempt', async () => {
    await start(scenario, 2);
    cloud.faults.add({ service: 'mq', throttle: { rate: 0.0001, burst: 0 } });
    const error = (await mq.send(new ListBrokersCommand({})).catch((e: unknown) => e)) as {
      name: string;
      $retryable?: { throttling?: boolean };
      $metadata: { attempts?: number; httpStatusCode?: number };
    };
    expect(error.name).toBe('TooManyRequestsException');
    expect(error.$metadata.httpStatusCode).toBe(429);
    expect(error.$metadata.attempts).toBe(2);
    expect(cloud.requests.filter((r) => r.operation === 'ListBrokers')).toHaveLength(2);
  });

  it('fails the next N calls with a server error, which the SDK retries', async () => {
    await start(scenario, 3);
    cloud.faults.add({ service: 'mq', operation: 'ListBrokers', failTimes: 2 });
    const ok = await mq.send(new ListBrokersCommand({}));
    expect(ok.$metadata.attempts).toBe(3);
  });

  it('adds latency', async () => {
    await start();
    cloud.faults.add({ service: 'mq', operation: 'ListBrokers', latencyMs: 150 });
    const started = Date.now();
    await mq.send(new ListBrokersCommand({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
