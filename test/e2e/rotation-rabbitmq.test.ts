import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SlackNoticeSink, SnsNoticeSink } from '@mqops/aws/notice-sinks';
import { describeBrokerLocator, RabbitCredentialTarget } from '@mqops/aws/rabbitmq-credentials';
import { SecretsRotationStore } from '@mqops/aws/secrets-rotation';
import { InvalidInputError, MemoryKeyValueStore } from '@mqops/core';
import { type CredentialTarget, ROTATION_STEPS, type RotationStepName } from '@mqops/core/rotation/index';
import { amqpLogin, type LocalCloud, RabbitMqBacking, type Scenario, startLocalCloud } from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RotateDeps, rotate } from '../../functions/rotate';
import { capturingOutput } from '../helpers/process';
import { startRotation as startRotationFor } from '../helpers/rotation';
import { SlackReceiver } from '../helpers/slack-receiver';

// The real RabbitMQ outlives test runs: every name is unique to this run; the broker's users go with its vhost.
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const BROKER = `rot-${RUN}`;
const pw = () => `Pw-${randomBytes(12).toString('base64url')}`;
const ADMIN = { username: `admin-${RUN}`, password: pw() };
/** Every password this file ever sees or makes: none may appear in a log line. */
const seen = new Set<string>([ADMIN.password]);

const scenario: Scenario = {
  accountId: '123456789012',
  region: 'us-east-1',
  topics: [{ Name: 'mqops-alerts' }],
  brokers: [
    {
      BrokerName: BROKER,
      EngineType: 'RABBITMQ',
      EngineVersion: '3.13',
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: 'mq.m5.large',
      Users: [{ Username: ADMIN.username, Password: ADMIN.password }],
    },
  ],
};

describe('rotation of RabbitMQ users, end to end (local Secrets Manager, real RabbitMQ)', () => {
  let backing: RabbitMqBacking;
  let cloud: LocalCloud;
  let sm: SecretsManagerClient;
  let brokerId: string;
  let adminArn: string;
  let deps: RotateDeps;
  let closedPort: number;
  const slack = new SlackReceiver();
  const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:mqops-alerts';
  /** Notices about one secret (its name is in every one). */
  const noticesAbout = (name: string) => ({
    slack: slack.messages.filter((m) => JSON.stringify(m.body).includes(`mqops/${BROKER}/${name}`)),
    sns: cloud.world.sns.published.filter((m) => JSON.stringify(m).includes(`mqops/${BROKER}/${name}`)),
  });
  const logs: string[] = [];

  /** Runs the handler with stdout/stderr captured (Powertools writes its JSON lines there). */
  function invoke(step: RotationStepName, secretId: string, token: string, d: RotateDeps = deps) {
    return capturingOutput(logs, () =>
      rotate({ Step: step, SecretId: secretId, ClientRequestToken: token }, d),
    );
  }

  const login = (username: string, password: string) =>
    amqpLogin({ port: 5672, username, password, vhost: BROKER });

  /** Adds a user to the broker's vhost through the real management API (as the broker admin would). */
  async function addUser(username: string, password: string, tags = 'management') {
    seen.add(password);
    const base = `http://127.0.0.1:15672/api`;
    const auth = { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` };
    const put = async (path: string, body: object) => {
      const r = await fetch(`${base}${path}`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!r.ok) throw new Error(`PUT ${path}: ${r.status}`);
    };
    await put(`/users/${encodeURIComponent(username)}`, { password, tags });
    await put(`/permissions/${encodeURIComponent(BROKER)}/${encodeURIComponent(username)}`, {
      configure: '^app\\.',
      write: '^app\\.',
      read: '^app\\.',
    });
  }

  /** A secret for a new user, with rotation turned on (RotateSecret, which also starts the first rotation). */
  async function rotatedSecret(
    name: string,
    strategy: 'single-user' | 'alternating-users',
    extra: object = {},
    tags = 'management',
  ) {
    const username = `${name}-${RUN}`;
    const password = pw();
    await addUser(username, password, tags);
    const { ARN } = await sm.send(
      new CreateSecretCommand({
        Name: `mqops/${BROKER}/${name}`,
        // The Rotate function rotates only secrets it owns: named mqops/… and tagged mqops:broker.
        Tags: [{ Key: 'mqops:broker', Value: brokerId }],
        SecretString: JSON.stringify({
          engine: 'rabbitmq',
          brokerId,
          username,
          password,
          strategy,
          vhost: BROKER,
          // Only RabbitMQ administrators may change users: an application user is changed by the broker admin.
          masterarn: adminArn,
          ...extra,
        }),
      }),
    );
    return { arn: ARN as string, username, password };
  }

  const startRotation = (arn: string) => startRotationFor(sm, cloud, arn);

  async function rotateFully(arn: string, token?: string) {
    const t = token ?? (await startRotation(arn));
    for (const step of ROTATION_STEPS) await invoke(step, arn, t);
    return t;
  }

  async function value(arn: string, stage = 'AWSCURRENT') {
    const text = (await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage })))
      .SecretString;
    const parsed = JSON.parse(text ?? '{}') as { username: string; password: string };
    seen.add(parsed.password);
    return parsed;
  }

  const currentLogsIn = async (arn: string) => {
    const c = await value(arn);
    return login(c.username, c.password);
  };

  beforeAll(async () => {
    backing = new RabbitMqBacking();
    cloud = await startLocalCloud({ scenario, backings: [backing] });
    const broker = [...cloud.world.mq.brokers.values()].find((b) => b.BrokerName === BROKER);
    if (!broker) throw new Error('broker not created');
    brokerId = broker.BrokerId;
    sm = new SecretsManagerClient({ ...cloud.clientConfig(), maxAttempts: 1 });
    adminArn = (
      await sm.send(
        new CreateSecretCommand({ Name: `mqops/${BROKER}/admin`, SecretString: JSON.stringify(ADMIN) }),
      )
    ).ARN as string;
    await slack.start();
    deps = {
      store: new SecretsRotationStore(sm),
      targets: {
        rabbitmq: new RabbitCredentialTarget({ locate: describeBrokerLocator(cloud.clientConfig()) }),
      },
      notices: {
        sinks: [
          new SlackNoticeSink({ webhookUrl: slack.url, minIntervalMs: 0 }),
          new SnsNoticeSink(TOPIC_ARN, cloud.clientConfig()),
        ],
        store: new MemoryKeyValueStore(),
      },
    };
    closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const port = (server.address() as { port: number }).port;
        server.close(() => resolve(port));
      });
    });
  });

  afterAll(async () => {
    // Every version of every secret this file made: their passwords must not be in any log line.
    for (const arn of cloud?.world.secrets.secrets.keys() ?? []) {
      const ids = await sm.send(new ListSecretVersionIdsCommand({ SecretId: arn, IncludeDeprecated: true }));
      for (const v of ids.Versions ?? []) {
        const out = await sm
          .send(new GetSecretValueCommand({ SecretId: arn, VersionId: v.VersionId }))
          .catch(() => undefined);
        const password = (JSON.parse(out?.SecretString ?? '{}') as { password?: string }).password;
        if (password) seen.add(password);
      }
    }
    await cloud?.stop();
    await slack.stop();
    for (const b of cloud?.world.mq.brokers.values() ?? []) {
      await backing.remove(b.BrokerId, b.BrokerName).catch(() => undefined);
    }
    await backing?.close();
    sm?.destroy();
  });

  describe('notices', () => {
    it('a finished rotation sends one Slack message and one SNS message naming the user, never a password', async () => {
      const { arn, username, password } = await rotatedSecret('notice-ok', 'single-user');
      const token = await rotateFully(arn);
      // Secrets Manager re-delivers finishSecret: still one notice.
      await invoke('finishSecret', arn, token);
      const { slack: messages, sns } = noticesAbout('notice-ok');
      expect(messages).toHaveLength(1);
      expect(sns).toHaveLength(1);
      const text = SlackReceiver.text(messages[0] as (typeof messages)[number]);
      expect(text).toContain(`rotated ${username}`);
      expect(text).toContain(brokerId);
      expect(sns[0]?.subject).toMatch(/^mqops rotation: rotated /);
      expect(JSON.parse(sns[0]?.message ?? '{}')).toMatchObject({ kind: 'rotation', level: 'info' });
      const all = JSON.stringify([messages, sns]);
      expect(all).not.toContain(password);
      expect(all).not.toContain((await value(arn)).password);
    });

    it('a failing step notifies once however often Secrets Manager retries it; the fix completes silently', async () => {
      const { arn } = await rotatedSecret('notice-fail', 'single-user');
      const real = deps.targets.rabbitmq as CredentialTarget;
      const closed = `127.0.0.1:${closedPort}`;
      const down: CredentialTarget = {
        verify: (s, c) => real.verify({ ...s, endpoints: [`amqp://${closed}`] }, c),
        apply: (s, ch, a) => real.apply({ ...s, host: `http://${closed}` }, ch, a),
      };
      const token = await startRotation(arn);
      await invoke('createSecret', arn, token);
      for (let i = 0; i < 3; i++) {
        await expect(
          invoke('setSecret', arn, token, { ...deps, targets: { rabbitmq: down } }),
        ).rejects.toThrow(/unreachable/);
      }
      let notices = noticesAbout('notice-fail');
      expect(notices.slack).toHaveLength(1);
      expect(notices.sns).toHaveLength(1);
      expect(SlackReceiver.text(notices.slack[0] as (typeof notices.slack)[number])).toMatch(
        /failed at setSecret[\s\S]*AWSCURRENT was not moved/,
      );
      expect(JSON.parse(notices.sns[0]?.message ?? '{}')).toMatchObject({ level: 'warning' });
      // The broker is back: the retried rotation completes and says so once.
      await rotateFully(arn, token);
      notices = noticesAbout('notice-fail');
      expect(notices.slack).toHaveLength(2);
      expect(SlackReceiver.text(notices.slack[1] as (typeof notices.slack)[number])).toContain('rotated');
      expect(await currentLogsIn(arn)).toBe(true);
    });
  });

  describe('single-user', () => {
    it('after a full rotation the new password logs in over AMQP and the old one does not', async () => {
      const { arn, username, password } = await rotatedSecret('single', 'single-user');
      expect(await login(username, password)).toBe(true);
      const token = await rotateFully(arn);
      const now = await value(arn);
      expect(now.username).toBe(username);
      expect(now.password).not.toBe(password);
      expect(await login(username, now.password)).toBe(true);
      expect(await login(username, password)).toBe(false);
      const stages = (await sm.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages ?? {};
      expect(stages[token]).toEqual(['AWSCURRENT']);
      expect(Object.values(stages).flat().sort()).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
    });

    it('an administrator rotates its own password without masterarn', async () => {
      const { arn, username, password } = await rotatedSecret(
        'selfadmin',
        'single-user',
        { masterarn: undefined },
        'administrator',
      );
      await rotateFully(arn);
      const now = await value(arn);
      expect(await login(username, now.password)).toBe(true);
      expect(await login(username, password)).toBe(false);
    });

    it('an application user without masterarn fails clearly at setSecret; AWSCURRENT still logs in', async () => {
      const { arn, username, password } = await rotatedSecret('nomaster', 'single-user', {
        masterarn: undefined,
      });
      const token = await startRotation(arn);
      await invoke('createSecret', arn, token);
      await expect(invoke('setSecret', arn, token)).rejects.toThrow(/HTTP 401.*set the secret's masterarn/);
      expect(await login(username, password)).toBe(true);
      expect(await currentLogsIn(arn)).toBe(true);
    });
  });

  describe('alternating-users', () => {
    it('creates the clone with the same permissions; the previous user works until the next rotation', async () => {
      const { arn, username, password } = await rotatedSecret('alt', 'alternating-users');
      await rotateFully(arn);
      const first = await value(arn);
      expect(first.username).toBe(`${username}_clone`);
      expect(await login(first.username, first.password)).toBe(true);
      expect(await login(username, password)).toBe(true);
      const perms = (await (
        await fetch(`http://127.0.0.1:15672/api/users/${encodeURIComponent(first.username)}/permissions`, {
          headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
        })
      ).json()) as { vhost: string; configure: string }[];
      expect(perms).toEqual([expect.objectContaining({ vhost: BROKER, configure: '^app\\.' })]);

      await rotateFully(arn);
      const second = await value(arn);
      expect(second.username).toBe(username);
      expect(await login(username, second.password)).toBe(true);
      expect(await login(username, password)).toBe(false);
      // The clone (now AWSPREVIOUS) still works until the next rotation...
      expect(await login(first.username, first.password)).toBe(true);
      await rotateFully(arn);
      // ...and not after it.
      expect(await login(first.username, first.password)).toBe(false);
      expect(await currentLogsIn(arn)).toBe(true);
    });
  });

  describe.each(['single-user', 'alternating-users'] as const)('fault matrix (%s)', (strategy) => {
    it.each([0, 1, 2, 3])('a crash after step %i, then a re-run of the rotation, completes it', async (k) => {
      const { arn } = await rotatedSecret(`crash${k}-${strategy}`, strategy);
      const token = await startRotation(arn);
      for (const step of ROTATION_STEPS.slice(0, k + 1)) await invoke(step, arn, token);
      // Single-user between setSecret and finishSecret: only AWSPENDING logs in (the strategy's window).
      const inWindow = strategy === 'single-user' && (k === 1 || k === 2);
      expect(await currentLogsIn(arn)).toBe(!inWindow);
      if (inWindow) {
        const pending = await value(arn, 'AWSPENDING');
        expect(await login(pending.username, pending.password)).toBe(true);
      }
      await rotateFully(arn, token);
      expect(await currentLogsIn(arn)).toBe(true);
      expect(cloud.world.secrets.pendingRotations.has(arn)).toBe(false);
    });

    it.each(ROTATION_STEPS)('a duplicate invocation of %s is harmless', async (dup) => {
      const { arn } = await rotatedSecret(`dup-${dup}-${strategy}`, strategy);
      const token = await startRotation(arn);
      const outcomes: string[] = [];
      for (const step of ROTATION_STEPS) {
        outcomes.push((await invoke(step, arn, token)).outcome);
        if (step === dup) outcomes.push((await invoke(step, arn, token)).outcome);
      }
      const second = { createSecret: 'pending-exists', setSecret: 'already-set', testSecret: 'tested' }[
        dup as string
      ];
      expect(outcomes).toContain(second ?? 'already-current');
      expect(await currentLogsIn(arn)).toBe(true);
      expect(
        Object.keys((await sm.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages ?? {}),
      ).toHaveLength(2);
    });

    it.each(['setSecret', 'testSecret'] as const)(
      'the broker down during %s fails clearly; AWSCURRENT still logs in; the re-run completes',
      async (downAt) => {
        const { arn } = await rotatedSecret(`down-${downAt}-${strategy}`, strategy);
        const real = deps.targets.rabbitmq as CredentialTarget;
        // The broker unreachable: its management API and AMQP endpoint point at a closed port.
        const closed = `127.0.0.1:${closedPort}`;
        const down: CredentialTarget = {
          verify: (s, c) => real.verify({ ...s, endpoints: [`amqp://${closed}`] }, c),
          apply: (s, ch, a) => real.apply({ ...s, host: `http://${closed}` }, ch, a),
        };
        const downDeps = { ...deps, targets: { rabbitmq: down } };
        const token = await startRotation(arn);
        await invoke('createSecret', arn, token);
        if (downAt === 'testSecret') await invoke('setSecret', arn, token);
        await expect(invoke(downAt, arn, token, downDeps)).rejects.toThrow(
          new RegExp(`AMQP amqp://${closed} unreachable: ECONNREFUSED`),
        );
        if (strategy === 'alternating-users' || downAt === 'setSecret')
          expect(await currentLogsIn(arn)).toBe(true);
        await rotateFully(arn, token);
        expect(await currentLogsIn(arn)).toBe(true);
      },
    );
  });

  describe.each(['single-user', 'alternating-users'] as const)('MQ API throttled (%s)', (strategy) => {
    it.each(['setSecret', 'testSecret'] as const)(
      'during %s: fails clearly after the SDK retries; AWSCURRENT still logs in; the re-run completes',
      async (at) => {
        const { arn } = await rotatedSecret(`throttled-${at}-${strategy}`, strategy);
        const token = await startRotation(arn);
        await invoke('createSecret', arn, token);
        if (at === 'testSecret') await invoke('setSecret', arn, token);
        // A cold container (no broker address cached) while every MQ call is throttled: DescribeBroker, which finds
        // the broker's endpoints, never gets through (a frozen bucket never refills).
        const cold: RotateDeps = {
          ...deps,
          targets: {
            rabbitmq: new RabbitCredentialTarget({ locate: describeBrokerLocator(cloud.clientConfig()) }),
          },
        };
        const stop = cloud.faults.add({ service: 'mq', throttle: { rate: 0, burst: 0 } });
        try {
          await expect(invoke(at, arn, token, cold)).rejects.toThrow(
            /^MQ DescribeBroker of .*failed: TooManyRequestsException: Rate exceeded/,
          );
        } finally {
          stop();
        }
        if (strategy === 'alternating-users' || at === 'setSecret')
          expect(await currentLogsIn(arn)).toBe(true);
        await rotateFully(arn, token);
        expect(await currentLogsIn(arn)).toBe(true);
        expect(cloud.world.secrets.pendingRotations.has(arn)).toBe(false);
      },
    );
  });

  it('refuses a malformed event before touching anything', async () => {
    await expect(rotate({ Step: 'rotate', SecretId: 'x', ClientRequestToken: 'y' }, deps)).rejects.toThrow(
      InvalidInputError,
    );
  });

  it('no password appears in any log line', async () => {
    // Runs last (vitest keeps file order): every rotation above has logged by now.
    expect(logs.length).toBeGreaterThan(50);
    expect(logs.some((l) => l.includes('rotation step done'))).toBe(true);
    expect(logs.some((l) => l.includes('rotation step failed'))).toBe(true);
    for (const arn of cloud.world.secrets.secrets.keys()) {
      const ids = await sm.send(new ListSecretVersionIdsCommand({ SecretId: arn, IncludeDeprecated: true }));
      for (const v of ids.Versions ?? []) {
        const out = await sm
          .send(new GetSecretValueCommand({ SecretId: arn, VersionId: v.VersionId }))
          .catch(() => undefined);
        const password = (JSON.parse(out?.SecretString ?? '{}') as { password?: string }).password;
        if (password) seen.add(password);
      }
    }
    expect(seen.size).toBeGreaterThan(20);
    const text = logs.join('') + JSON.stringify(slack.messages) + JSON.stringify(cloud.world.sns.published);
    expect(slack.messages.length).toBeGreaterThan(10);
    for (const password of seen)
      expect(text.includes(password), 'a password is in the logs or a message').toBe(false);
  });
});
