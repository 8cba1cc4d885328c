/**
 * A generated fleet for the audit benchmark: N brokers in the shape of a real account, made from a seeded generator
 * so every run audits the same world.
 *
 * - 55 % ActiveMQ (5.18, 5.17.6, 5.16.7), 45 % RabbitMQ (3.13, 3.12.13, 3.11.28), engines interleaved at random;
 *   single-instance, active/standby and cluster brokers; production, staging and dev environments, one VPC each.
 * - Security groups shared the way teams share them: one group per team and environment, a shared monitoring group
 *   on a fifth of the brokers, a few open or legacy groups.
 * - Subnets: 3 Availability Zones × 2 subnets per VPC; a broker gets 1, 2 or 3 subnets by deployment mode.
 * - ActiveMQ configurations shared by team (two revisions, hardened and risky XML from the demo fleet); some
 *   RabbitMQ 3.13 brokers on a shared RabbitMQ configuration.
 * - 1–3 users per ActiveMQ broker (2 on average), each with a credential secret tagged `mqops:broker` (a few are
 *   missing); one admin secret per RabbitMQ broker, never tagged `mqops:role=audit`, so no management API call is
 *   attempted (and RabbitMQ brokers have no backing).
 */
import { loadScenario, type Scenario, type ScenarioBroker, type ScenarioConfiguration } from '@mqops/local';

type SecurityGroup = NonNullable<Scenario['securityGroups']>[number];
type Subnet = NonNullable<Scenario['subnets']>[number];
type Secret = NonNullable<Scenario['secrets']>[number];

/** mulberry32: a small seeded generator, so the fleet is the same on every run. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks by weight: `[[value, weight], …]`. */
function weighted<T>(random: () => number, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((n, [, w]) => n + w, 0);
  let r = random() * total;
  for (const [value, w] of choices) {
    r -= w;
    if (r < 0) return value;
  }
  return (choices.at(-1) as readonly [T, number])[0];
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

const ENVIRONMENTS = [
  { env: 'production', vpc: 'vpc-0b0e0c0000000000a', cidr: 10 },
  { env: 'staging', vpc: 'vpc-0b0e0c0000000000b', cidr: 20 },
  { env: 'dev', vpc: 'vpc-0b0e0c0000000000c', cidr: 30 },
] as const;
type Environment = (typeof ENVIRONMENTS)[number];

const TEAMS = [
  'orders',
  'billing',
  'payments',
  'shipping',
  'inventory',
  'search',
  'identity',
  'notifications',
  'analytics',
  'pricing',
  'catalog',
  'fraud',
] as const;

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'] as const;

const tcp = (port: number, cidr: string) => ({
  IpProtocol: 'tcp',
  FromPort: port,
  ToPort: port,
  IpRanges: [{ CidrIp: cidr }],
});

/** The benchmark fleet: `size` brokers with their groups, subnets, configurations and secrets. */
export function fleet(size: number, now: string, seed = 1000): Scenario {
  const random = seeded(seed);
  const nowMs = Date.parse(now);
  const daysAgo = (days: number) => new Date(nowMs - days * 86_400_000).toISOString();
  const demo = loadScenario('demo');
  const hardened = demo.configurations?.[0]?.Revisions[0]?.Data ?? '<broker/>';
  const risky = demo.configurations?.[1]?.Revisions[0]?.Data ?? '<broker/>';

  const subnets: Subnet[] = [];
  const securityGroups: SecurityGroup[] = [];
  const subnetsOf = new Map<Environment, string[]>();
  const teamGroup = new Map<string, string>();
  const monitoringGroup = new Map<Environment, string>();
  const openGroups: string[] = [];
  let sg = 0;
  const addGroup = (env: Environment, name: string, rules: SecurityGroup['IpPermissions']) => {
    const id = `sg-0be0c${hex(++sg, 12)}`;
    securityGroups.push({
      GroupId: id,
      GroupName: name,
      Description: `${name} (${env.env})`,
      VpcId: env.vpc,
      IpPermissions: rules,
    });
    return id;
  };
  for (const [e, env] of ENVIRONMENTS.entries()) {
    const ids: string[] = [];
    for (const [z, zone] of ZONES.entries()) {
      for (let k = 0; k < 2; k++) {
        const id = `subnet-0be0c${hex(e * 16 + z * 2 + k, 12)}`;
        subnets.push({
          SubnetId: id,
          VpcId: env.vpc,
          AvailabilityZone: zone,
          CidrBlock: `10.${env.cidr + z * 2 + k}.0.0/20`,
        });
        ids.push(id);
      }
    }
    subnetsOf.set(env, ids);
    const apps = `10.${env.cidr}.0.0/14`;
    for (const team of TEAMS) {
      teamGroup.set(
        `${env.env}/${team}`,
        addGroup(env, `mq-${team}`, [tcp(61617, apps), tcp(5671, apps), tcp(443, apps), tcp(8162, apps)]),
      );
    }
    monitoringGroup.set(
      env,
      addGroup(env, 'mq-monitoring', [
        {
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          UserIdGroupPairs: [{ GroupId: `sg-0be0c${hex(0xfff0 + env.cidr, 12)}` }],
        },
      ]),
    );
    openGroups.push(
      addGroup(env, 'mq-partner-access', [tcp(5671, '0.0.0.0/0'), tcp(61617, '0.0.0.0/0')]),
      addGroup(env, 'mq-legacy', [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]),
    );
  }

  // ActiveMQ configurations: one per team and version, shared by that team's brokers (two revisions each).
  const configurations: ScenarioConfiguration[] = [];
  const configOf = new Map<string, string>();
  let cfg = 0;
  const configuration = (team: string, engine: 'ACTIVEMQ' | 'RABBITMQ', version: string) => {
    const key = `${team}/${engine}/${version}`;
    const known = configOf.get(key);
    if (known) return known;
    const id = `c-0be0c${hex(++cfg, 3)}-0000-4000-8000-${hex(cfg, 12)}`;
    const revisions =
      engine === 'ACTIVEMQ'
        ? [{ Data: random() < 0.5 ? risky : hardened }, { Data: random() < 0.3 ? risky : hardened }]
        : [{ Data: 'consumer_timeout = 1800000\n' }, { Data: 'consumer_timeout = 3600000\n' }];
    configurations.push({
      Id: id,
      Name: `${team}-${engine.toLowerCase()}-${version.replace(/\./g, '-')}`,
      EngineType: engine,
      EngineVersion: version,
      Revisions: revisions.map((r, i) => ({ ...r, Created: daysAgo(400 - i * 200) })),
    });
    configOf.set(key, id);
    return id;
  };

  const brokers: ScenarioBroker[] = [];
  const secrets: Secret[] = [];
  const secret = (broker: string, username: string, password: string) => {
    const rotated = random() < 0.7;
    secrets.push({
      Name: `mqops/${broker}/${username}`,
      SecretString: JSON.stringify({ username, password }),
      Tags: [
        { Key: 'mqops:broker', Value: broker },
        { Key: 'mqops:username', Value: username },
      ],
      CreatedDate: daysAgo(500),
      ...(rotated
        ? {
            RotationEnabled: true,
            RotationRules: { AutomaticallyAfterDays: random() < 0.5 ? 30 : 90 },
            LastRotatedDate: daysAgo(Math.floor(random() * 120)),
          }
        : { LastChangedDate: daysAgo(60 + Math.floor(random() * 600)) }),
    });
  };

  for (let i = 0; i < size; i++) {
    const env = weighted<Environment>(random, [
      [ENVIRONMENTS[0], 40],
      [ENVIRONMENTS[1], 20],
      [ENVIRONMENTS[2], 40],
    ]);
    const team = TEAMS[Math.floor(random() * TEAMS.length)] as string;
    const name = `${team}-${env.env}-${String(i).padStart(4, '0')}`;
    const activemq = random() < 0.55;
    const mode = activemq
      ? weighted(random, [
          ['SINGLE_INSTANCE', 60],
          ['ACTIVE_STANDBY_MULTI_AZ', 40],
        ] as const)
      : weighted(random, [
          ['SINGLE_INSTANCE', 65],
          ['CLUSTER_MULTI_AZ', 35],
        ] as const);
    const version = activemq
      ? weighted(random, [
          ['5.18', 60],
          ['5.17.6', 30],
          ['5.16.7', 10],
        ])
      : weighted(random, [
          ['3.13', 70],
          ['3.12.13', 20],
          ['3.11.28', 10],
        ]);
    const instance =
      mode === 'SINGLE_INSTANCE' && env.env !== 'production' && random() < 0.4
        ? 'mq.t3.micro'
        : weighted(random, [
            ['mq.m5.large', 60],
            ['mq.m5.xlarge', 30],
            ['mq.m5.2xlarge', 10],
          ]);
    // Subnets in distinct zones: 1, 2 or 3 by deployment mode.
    const zoneCount = mode === 'SINGLE_INSTANCE' ? 1 : mode === 'CLUSTER_MULTI_AZ' ? 3 : 2;
    const envSubnets = subnetsOf.get(env) ?? [];
    const firstZone = Math.floor(random() * 3);
    const side = Math.floor(random() * 2);
    const subnetIds = Array.from(
      { length: zoneCount },
      (_, z) => envSubnets[((firstZone + z) % 3) * 2 + side] as string,
    );
    const groups = [
      random() < 0.04 ? (openGroups[Math.floor(random() * openGroups.length)] as string) : undefined,
      teamGroup.get(`${env.env}/${team}`),
      random() < 0.2 ? monitoringGroup.get(env) : undefined,
    ].filter((g): g is string => g !== undefined);

    const broker: ScenarioBroker = {
      BrokerName: name,
      EngineType: activemq ? 'ACTIVEMQ' : 'RABBITMQ',
      EngineVersion: version,
      DeploymentMode: mode,
      HostInstanceType: instance,
      PubliclyAccessible: random() < 0.05,
      AutoMinorVersionUpgrade: random() < 0.7,
      EncryptionOptions:
        random() < 0.3
          ? {
              UseAwsOwnedKey: false,
              KmsKeyId: `arn:aws:kms:us-east-1:123456789012:key/0be0c000-0000-4000-8000-${hex(i, 12)}`,
            }
          : { UseAwsOwnedKey: true },
      Logs: activemq ? { General: random() < 0.8, Audit: random() < 0.5 } : { General: random() < 0.8 },
      MaintenanceWindowStartTime: {
        DayOfWeek: weighted(random, [
          ['SUNDAY', 50],
          ['SATURDAY', 30],
          ['WEDNESDAY', 20],
        ]),
        TimeOfDay: `0${Math.floor(random() * 6)}:00`,
        TimeZone: 'UTC',
      },
      SecurityGroups: groups,
      SubnetIds: subnetIds,
      StorageType: activemq && mode === 'ACTIVE_STANDBY_MULTI_AZ' ? 'EFS' : 'EBS',
      Tags: { env: env.env, team, ...(random() < 0.8 ? { owner: `${team}@example.com` } : {}) },
      Created: daysAgo(30 + Math.floor(random() * 1500)),
      Backing: 'none',
    };
    if (activemq) {
      broker.Configuration = {
        Id: configuration(team, 'ACTIVEMQ', version),
        Revision: random() < 0.6 ? 2 : 1,
      };
      const users = weighted(random, [
        [1, 25],
        [2, 50],
        [3, 25],
      ]);
      broker.Users = Array.from({ length: users }, (_, u) => ({
        Username: u === 0 ? `${team}-admin` : `${team}-app-${u}`,
        Password: `bench-${hex(i, 4)}-${u}-Passw0rd!`,
        ConsoleAccess: u === 0,
        Groups: u === 0 ? ['admins'] : [`${team}-producers`, `${team}-consumers`],
      }));
      for (const user of broker.Users) if (random() < 0.95) secret(name, user.Username, user.Password);
    } else {
      if (version === '3.13' && random() < 0.3)
        broker.Configuration = { Id: configuration(team, 'RABBITMQ', version), Revision: 1 };
      secret(name, `${team}-admin`, `bench-${hex(i, 4)}-Passw0rd!`);
    }
    brokers.push(broker);
  }
  return {
    accountId: '123456789012',
    region: 'us-east-1',
    now,
    brokers,
    configurations,
    securityGroups,
    subnets,
    secrets,
  };
}
