import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { describeBrokerLocator, RabbitCredentialTarget } from '@mqops/aws/rabbitmq-credentials';
import { SecretsRotationStore } from '@mqops/aws/secrets-rotation';
import { ROTATION_STEPS } from '@mqops/core/rotation/index';
import {
  ActiveMqBacking,
  activeMqInfo,
  amqpLogin,
  type LocalCloud,
  RabbitMqBacking,
  type Scenario,
  startLocalCloud,
} from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotate } from '../../functions/rotate';
import { type ProcessRun, runNode } from '../helpers/process';
import { ROTATION_LAMBDA } from '../helpers/rotation';

// Real brokers outlive test runs: names are unique to this run.
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const RABBIT = `enable-rmq-${RUN}`;
const AMQ = `enable-amq-${RUN}`;
const pw = () => `Pw-${randomBytes(12).toString('base64url')}`;
const ADMIN = { username: `admin-${RUN}`, password: pw() };
const APP = { username: `app-${RUN}`, password: pw() };
const AMQ_APP = { username: `amqapp-${RUN}`, password: pw() };

const scenario: Scenario = {
  accountId: '123456789012',
  region: 'us-east-1',
  brokers: [
    {
      BrokerName: RABBIT,
      EngineType: 'RABBITMQ',
      EngineVersion: '3.13',
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: 'mq.m5.large',
      Users: [ADMIN, APP].map((u) => ({ Username: u.username, Password: u.password })),
    },
    {
      BrokerName: AMQ,
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: 'mq.m5.large',
      Users: [{ Username: AMQ_APP.username, Password: AMQ_APP.password, Groups: ['apps'] }],
    },
  ],
};

describe('mqops rotation enable / list (a fresh CLI process, the SDK pointed at the local cloud by AWS_* variables)', () => {
  let cloud: LocalCloud;
  let sm: SecretsManagerClient;
  let rabbit: RabbitMqBacking;
  let activemq: ActiveMqBacking;
  let adminArn: string;
  const outputs: string[] = [];

  /** Runs the real binary with the cloud's AWS_* environment and `stdin` piped in. */
  async function mqops(args: string[], stdin = ''): Promise<ProcessRun> {
    const run = await runNode(cloud, ['packages/cli/bin/mqops.mjs', 'rotation', ...args], { stdin });
    outputs.push(run.stdout, run.stderr);
    return run;
  }

  const brokerId = (name: string) =>
    [...cloud.world.mq.brokers.values()].find((b) => b.BrokerName === name)?.BrokerId as string;

  beforeAll(async () => {
    rabbit = new RabbitMqBacking();
    activemq = new ActiveMqBacking(activeMqInfo());
    cloud = await startLocalCloud({ scenario, backings: [rabbit, activemq] });
    sm = new SecretsManagerClient(cloud.clientConfig());
    adminArn = (
      await sm.send(
        new CreateSecretCommand({ Name: `mqops/${RABBIT}/admin`, SecretString: JSON.stringify(ADMIN) }),
      )
    ).ARN as string;
  });

  afterAll(async () => {
    await cloud?.stop();
    for (const b of cloud?.world.mq.brokers.values() ?? []) {
      await rabbit?.remove(b.BrokerId, b.BrokerName).catch(() => undefined);
      await activemq?.remove(b.BrokerId, '').catch(() => undefined);
    }
    await rabbit?.close();
    sm?.destroy();
  });

  it('proves the password, stores the secret and turns rotation on; the first rotation then works (RabbitMQ)', async () => {
    const run = await mqops(
      [
        'enable',
        '--broker',
        RABBIT,
        '--user',
        APP.username,
        '--function',
        ROTATION_LAMBDA,
        '--password-stdin',
        '--masterarn',
        adminArn,
        '--vhost',
        RABBIT,
        '--schedule',
        'rate(10 days)',
        '--window',
        '4h',
        '--rotate-now',
        '--output',
        'json',
      ],
      `${APP.password}\n`,
    );
    expect(run.stderr).toContain(`${APP.username} logs in to ${RABBIT}`);
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      secret: `mqops/${RABBIT}/${APP.username}`,
      created: true,
      engine: 'rabbitmq',
      brokerId: brokerId(RABBIT),
      rotationEnabled: true,
      schedule: 'rate(10 days)',
    });
    const arn = summary.arn as string;
    const described = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(described.RotationEnabled).toBe(true);
    expect(described.RotationLambdaARN).toBe(ROTATION_LAMBDA);
    expect(described.RotationRules).toMatchObject({ ScheduleExpression: 'rate(10 days)', Duration: '4h' });
    const stored = JSON.parse(
      (await sm.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString ?? '{}',
    ) as Record<string, unknown>;
    expect(stored).toEqual({
      engine: 'rabbitmq',
      brokerId: brokerId(RABBIT),
      username: APP.username,
      password: APP.password,
      strategy: 'single-user',
      masterarn: adminArn,
      vhost: RABBIT,
    });

    // --rotate-now started a rotation: Secrets Manager's steps complete it with the stored secret as it is.
    const token = cloud.world.secrets.pendingRotations.get(arn)?.token as string;
    expect(token).toBeTruthy();
    const deps = {
      store: new SecretsRotationStore(sm),
      targets: {
        rabbitmq: new RabbitCredentialTarget({ locate: describeBrokerLocator(cloud.clientConfig()) }),
      },
    };
    for (const step of ROTATION_STEPS)
      await rotate({ Step: step, SecretId: arn, ClientRequestToken: token }, deps);
    const now = JSON.parse(
      (await sm.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString ?? '{}',
    ) as { password: string };
    expect(now.password).not.toBe(APP.password);
    expect(
      await amqpLogin({ port: 5672, username: APP.username, password: now.password, vhost: RABBIT }),
    ).toBe(true);
    expect(
      await amqpLogin({ port: 5672, username: APP.username, password: APP.password, vhost: RABBIT }),
    ).toBe(false);
  });

  it('refuses a password that does not log in, and stores nothing', async () => {
    const run = await mqops(
      [
        'enable',
        '--broker',
        RABBIT,
        '--user',
        ADMIN.username,
        '--function',
        ROTATION_LAMBDA,
        '--password-stdin',
        '--vhost',
        RABBIT,
      ],
      'not-the-password',
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/does not log in to broker .*: nothing was stored/);
    await expect(
      sm.send(new DescribeSecretCommand({ SecretId: `mqops/${RABBIT}/${ADMIN.username}` })),
    ).rejects.toThrow(/can't find|not find|ResourceNotFound/i);
  });

  it('creates an ActiveMQ secret without a schedule (STOMP login check); an unknown user is refused', async () => {
    const run = await mqops(
      [
        'enable',
        '--broker',
        brokerId(AMQ),
        '--user',
        AMQ_APP.username,
        '--function',
        ROTATION_LAMBDA,
        '--password-stdin',
        '--strategy',
        'alternating-users',
        '--no-schedule',
      ],
      AMQ_APP.password,
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Created secret mqops/${AMQ}/${AMQ_APP.username} for activemq user`);
    expect(run.stdout).toContain('Rotation not turned on');
    const described = await sm.send(
      new DescribeSecretCommand({ SecretId: `mqops/${AMQ}/${AMQ_APP.username}` }),
    );
    expect(described.RotationEnabled ?? false).toBe(false);

    const unknown = await mqops(
      ['enable', '--broker', AMQ, '--user', 'nobody', '--function', ROTATION_LAMBDA, '--password-stdin'],
      'whatever-password',
    );
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain(`broker ${AMQ} has no ActiveMQ user nobody`);
  });

  it('refuses bad usage before reading anything: no password flag, a bad schedule, a secret outside mqops/', async () => {
    const base = ['enable', '--broker', RABBIT, '--user', APP.username, '--function', ROTATION_LAMBDA];
    const cases: [string[], RegExp][] = [
      [base, /--password-stdin is required/],
      [[...base, '--password-stdin', '--schedule', 'rate(1 hours)'], /at most every 4 hours/],
      [[...base, '--password-stdin', '--secret-name', 'prod/app'], /must start with mqops\//],
      [
        [...base.slice(0, 5), '--function', 'nope', '--password-stdin'],
        /--function must be a Lambda function ARN/,
      ],
      [['enable', '--user', 'x'], /--broker is required/],
    ];
    for (const [args, message] of cases) {
      const run = await mqops(args, 'pw');
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
    }
  });

  it('lists the rotated secrets with their state; no password is ever printed', async () => {
    const run = await mqops(['list', '--output', 'json']);
    expect(run.status).toBe(0);
    const rows = JSON.parse(run.stdout) as { name: string; rotationEnabled: boolean; schedule?: string }[];
    expect(rows.find((r) => r.name === `mqops/${RABBIT}/${APP.username}`)).toMatchObject({
      rotationEnabled: true,
      schedule: 'rate(10 days)',
    });
    expect(rows.find((r) => r.name === `mqops/${AMQ}/${AMQ_APP.username}`)).toMatchObject({
      rotationEnabled: false,
    });
    const table = await mqops(['list']);
    expect(table.stdout).toMatch(new RegExp(`mqops/${RABBIT}/${APP.username}\\s+on\\s+rate\\(10 days\\)`));
    const all = outputs.join('\n');
    for (const p of [APP.password, AMQ_APP.password, ADMIN.password]) expect(all.includes(p)).toBe(false);
  });
});
