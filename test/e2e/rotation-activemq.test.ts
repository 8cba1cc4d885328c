import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import {
  DescribeBrokerCommand,
  DescribeUserCommand,
  type DescribeUserCommandOutput,
  MqClient,
  RebootBrokerCommand,
} from '@aws-sdk/client-mq';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ActiveMqCredentialTarget, PENDING_UNTIL_REBOOT } from '@mqops/aws/activemq-credentials';
import { SlackNoticeSink, SnsNoticeSink } from '@mqops/aws/notice-sinks';
import { SecretsRotationStore } from '@mqops/aws/secrets-rotation';
import { MemoryKeyValueStore } from '@mqops/core';
import { type CredentialTarget, ROTATION_STEPS, type RotationStepName } from '@mqops/core/rotation/index';
import {
  ActiveMqBacking,
  activeMqInfo,
  type LocalCloud,
  type Scenario,
  type ScenarioUser,
  startLocalCloud,
  stompLogin,
} from '@mqops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RotateDeps, rotate } from '../../functions/rotate';
import { capturingOutput } from '../helpers/process';
import { startRotation as startRotationFor } from '../helpers/rotation';
import { SlackReceiver } from '../helpers/slack-receiver';

// The real ActiveMQ outlives test runs and is shared by every emulated broker: every user name is unique to this run.
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const SINGLE = `rot-amq-${RUN}`;
const MULTI = `rot-amq-ha-${RUN}`;
const pw = () => `Pw-${randomBytes(12).toString('base64url')}`;
/** Every password this file ever sees or makes: none may appear in a log line. */
const seen = new Set<string>();
const PENDING = new RegExp(PENDING_UNTIL_REBOOT);

type Strategy = 'single-user' | 'alternating-users';
const STRATEGIES: Strategy[] = ['single-user', 'alternating-users'];
const CRASHES = [0, 1, 2, 3];
/** Faults of the matrix besides crashes and duplicates: the broker down during a step, the MQ API throttled. */
const FAULTS = ['down-setSecret', 'down-testSecret', 'throttled-setSecret', 'throttled-testSecret'] as const;
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:mqops-alerts';

/** The users each test rotates, made live on the broker at start (the scenario's users are live at once). */
const users = new Map<string, string>();
const user = (name: string): ScenarioUser => {
  const password = pw();
  seen.add(password);
  users.set(`${name}-${RUN}`, password);
  return { Username: `${name}-${RUN}`, Password: password, Groups: ['apps', 'orders'], ConsoleAccess: false };
};

const scenario: Scenario = {
  accountId: '123456789012',
  region: 'us-east-1',
  topics: [{ Name: 'mqops-alerts' }],
  brokers: [
    {
      BrokerName: SINGLE,
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: 'mq.m5.large',
      Users: [
        user('alt'),
        user('single'),
        user('refuse'),
        user('notice'),
        ...STRATEGIES.flatMap((s) => [
          ...FAULTS.map((f) => user(`${f}-${s}`)),
          ...CRASHES.map((k) => user(`crash${k}-${s}`)),
          ...ROTATION_STEPS.map((step) => user(`dup-${step}-${s}`)),
        ]),
      ],
    },
    {
      BrokerName: MULTI,
      EngineType: 'ACTIVEMQ',
      EngineVersion: '5.18',
      DeploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
      HostInstanceType: 'mq.m5.large',
      Users: [user('now')],
    },
  ],
};

/** Polls until the probe answers `want` (the real ActiveMQ reloads its users files on the next login). */
async function eventually(probe: () => Promise<boolean>, want: boolean, timeoutMs = 8_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  let last = await probe();
  while (last !== want && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
    last = await probe();
  }
  return last;
}

describe('rotation of ActiveMQ users, end to end (local Secrets Manager + MQ API, real ActiveMQ over STOMP)', () => {
  let backing: ActiveMqBacking;
  let cloud: LocalCloud;
  let sm: SecretsManagerClient;
  let mq: MqClient;
  const brokerIds: Record<string, string> = {};
  let deps: RotateDeps;
  let closedPort: number;
  const logs: string[] = [];
  const slack = new SlackReceiver();

  /** Runs the handler with stdout/stderr captured (Powertools writes its JSON lines there). */
  function invoke(step: RotationStepName, secretId: string, token: string, d: RotateDeps = deps) {
    return capturingOutput(logs, () =>
      rotate({ Step: step, SecretId: secretId, ClientRequestToken: token }, d),
    );
  }

  const login = (username: string, password: string) =>
    stompLogin({ port: activeMqInfo().stompPort, login: username, passcode: password });
  const logsIn = (username: string, password: string) => eventually(() => login(username, password), true);
  const refused = async (username: string, password: string) =>
    !(await eventually(() => login(username, password), false));

  /** A reboot as Amazon MQ does it: RebootBroker, the reboot time passes, the next MQ call settles the broker. */
  async function reboot(broker = SINGLE) {
    await mq.send(new RebootBrokerCommand({ BrokerId: brokerIds[broker] }));
    cloud.clock.advance(60_000);
    await mq.send(new DescribeBrokerCommand({ BrokerId: brokerIds[broker] }));
  }

  const describeUser = (username: string, broker = SINGLE): Promise<DescribeUserCommandOutput> =>
    mq.send(new DescribeUserCommand({ BrokerId: brokerIds[broker], Username: username }));

  /** A secret for a user of the scenario, rotation turned on later by {@link startRotation}. */
  async function secretFor(name: string, strategy: Strategy, extra: object = {}, broker = SINGLE) {
    const username = `${name}-${RUN}`;
    const password = users.get(username) as string;
    const { ARN } = await sm.send(
      new CreateSecretCommand({
        Name: `mqops/${broker}/${name}`,
        // The Rotate function rotates only secrets it owns: named mqops/… and tagged mqops:broker.
        Tags: [{ Key: 'mqops:broker', Value: brokerIds[broker] as string }],
        SecretString: JSON.stringify({
          engine: 'activemq',
          brokerId: brokerIds[broker],
          username,
          password,
          strategy,
          ...extra,
        }),
      }),
    );
    return { arn: ARN as string, username, password };
  }

  const startRotation = (arn: string) => startRotationFor(sm, cloud, arn);

  /** testSecret, retried while the real broker reloads its users (it must pass once the change is live). */
  async function testPasses(arn: string, token: string) {
    const until = Date.now() + 8_000;
    for (;;) {
      try {
        return await invoke('testSecret', arn, token);
      } catch (error) {
        if (Date.now() > until || PENDING.test((error as Error).message)) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** A whole rotation the way it goes for ActiveMQ: testSecret fails "pending" until the broker reboots. */
  async function rotateWithReboot(arn: string, token?: string) {
    const t = token ?? (await startRotation(arn));
    await invoke('createSecret', arn, t);
    await invoke('setSecret', arn, t);
    await expect(invoke('testSecret', arn, t)).rejects.toThrow(PENDING);
    await reboot();
    await testPasses(arn, t);
    await invoke('finishSecret', arn, t);
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
    return logsIn(c.username, c.password);
  };

  async function collectPasswords() {
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
  }

  beforeAll(async () => {
    backing = new ActiveMqBacking(activeMqInfo());
    cloud = await startLocalCloud({ scenario, backings: [backing] });
    for (const b of cloud.world.mq.brokers.values()) brokerIds[b.BrokerName] = b.BrokerId;
    sm = new SecretsManagerClient({ ...cloud.clientConfig(), maxAttempts: 1 });
    mq = new MqClient(cloud.clientConfig());
    await slack.start();
    deps = {
      store: new SecretsRotationStore(sm),
      targets: { activemq: new ActiveMqCredentialTarget({ mq: cloud.clientConfig() }) },
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
    await collectPasswords().catch(() => undefined);
    await cloud?.stop();
    await slack.stop();
    // The users of this run leave the shared real ActiveMQ with their brokers.
    for (const id of Object.values(brokerIds)) await backing?.remove(id, '').catch(() => undefined);
    sm?.destroy();
    mq?.destroy();
  });

  describe('alternating-users', () => {
    it('AWSCURRENT logs in throughout; testSecret waits for the reboot; the previous user works until the next rotation', async () => {
      const { arn, username, password } = await secretFor('alt', 'alternating-users');
      const clone = `${username}_clone`;
      expect(await logsIn(username, password)).toBe(true);
      const token = await startRotation(arn);
      await invoke('createSecret', arn, token);
      expect((await invoke('setSecret', arn, token)).outcome).toBe('set');
      const pending = await value(arn, 'AWSPENDING');
      expect(pending.username).toBe(clone);
      // The clone is created PENDING, with the groups of the user it copies; AWSCURRENT still logs in.
      const made = await describeUser(clone);
      expect(made.Pending?.PendingChange).toBe('CREATE');
      expect(made.Pending?.Groups).toEqual(['apps', 'orders']);
      expect(made.Pending?.ConsoleAccess).toBe(false);
      expect(await login(clone, pending.password)).toBe(false);
      expect(await currentLogsIn(arn)).toBe(true);
      await expect(invoke('testSecret', arn, token)).rejects.toThrow(
        new RegExp(`user ${clone} of broker .*${PENDING_UNTIL_REBOOT}.*PendingChange CREATE`),
      );
      // Still pending on a retry; AWSCURRENT did not move.
      await expect(invoke('testSecret', arn, token)).rejects.toThrow(PENDING);
      expect((await value(arn)).username).toBe(username);

      await reboot();
      expect((await describeUser(clone)).Pending).toBeUndefined();
      expect((await testPasses(arn, token)).outcome).toBe('tested');
      await invoke('finishSecret', arn, token);
      const first = await value(arn);
      expect(first.username).toBe(clone);
      expect(await logsIn(clone, first.password)).toBe(true);
      expect(await logsIn(username, password)).toBe(true);

      // Second rotation: back to the original user, a new password; the clone (now AWSPREVIOUS) keeps working.
      await rotateWithReboot(arn);
      const second = await value(arn);
      expect(second.username).toBe(username);
      expect(await logsIn(username, second.password)).toBe(true);
      expect(await refused(username, password)).toBe(true);
      expect(await logsIn(clone, first.password)).toBe(true);
      // ...and not after the next one.
      await rotateWithReboot(arn);
      expect(await refused(clone, first.password)).toBe(true);
      expect(await currentLogsIn(arn)).toBe(true);
    });
  });

  describe('single-user', () => {
    it('the old password works until the reboot, the new one only after it', async () => {
      const { arn, username, password } = await secretFor('single', 'single-user');
      const token = await startRotation(arn);
      await invoke('createSecret', arn, token);
      await invoke('setSecret', arn, token);
      const next = await value(arn, 'AWSPENDING');
      expect(next.username).toBe(username);
      expect((await describeUser(username)).Pending?.PendingChange).toBe('UPDATE');
      expect(await logsIn(username, password)).toBe(true);
      expect(await login(username, next.password)).toBe(false);
      await expect(invoke('testSecret', arn, token)).rejects.toThrow(PENDING);
      // A re-run of setSecret before the reboot re-applies the same change (still pending).
      expect((await invoke('setSecret', arn, token)).outcome).toBe('set');

      await reboot();
      expect(await logsIn(username, next.password)).toBe(true);
      expect(await refused(username, password)).toBe(true);
      expect((await testPasses(arn, token)).outcome).toBe('tested');
      await invoke('finishSecret', arn, token);
      const now = await value(arn);
      expect(now.password).toBe(next.password);
      expect(await currentLogsIn(arn)).toBe(true);
      const stages = (await sm.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages ?? {};
      expect(stages[token]).toEqual(['AWSCURRENT']);
    });
  });

  describe('applyNow: reboot', () => {
    it('reboots an active/standby broker in setSecret; the rotation completes after the reboot time', async () => {
      const { arn, username, password } = await secretFor(
        'now',
        'alternating-users',
        { applyNow: 'reboot' },
        MULTI,
      );
      const token = await startRotation(arn);
      await invoke('createSecret', arn, token);
      await invoke('setSecret', arn, token);
      const state = await mq.send(new DescribeBrokerCommand({ BrokerId: brokerIds[MULTI] }));
      expect(state.BrokerState).toBe('REBOOT_IN_PROGRESS');
      cloud.clock.advance(60_000);
      await mq.send(new DescribeBrokerCommand({ BrokerId: brokerIds[MULTI] }));
      await testPasses(arn, token);
      await invoke('finishSecret', arn, token);
      const now = await value(arn);
      expect(now.username).toBe(`${username}_clone`);
      expect(await logsIn(now.username, now.password)).toBe(true);
      expect(await logsIn(username, password)).toBe(true);
    });

    it('refuses to reboot a single-instance broker: the change stays pending, AWSCURRENT logs in', async () => {
      const { arn, username } = await secretFor('refuse', 'single-user', { applyNow: 'reboot' });
      const token = await startRotation(arn);
      await invoke('createSecret', arn, token);
      await expect(invoke('setSecret', arn, token)).rejects.toThrow(
        new RegExp(`applyNow "reboot" refused: broker \\S+ is SINGLE_INSTANCE.*${PENDING_UNTIL_REBOOT}`),
      );
      const state = await mq.send(new DescribeBrokerCommand({ BrokerId: brokerIds[SINGLE] }));
      expect(state.BrokerState).toBe('RUNNING');
      expect((await describeUser(username)).Pending?.PendingChange).toBe('UPDATE');
      expect(await currentLogsIn(arn)).toBe(true);
      // The maintenance window (here: a reboot) makes it live; the re-run then completes.
      await reboot();
      for (const step of ROTATION_STEPS) await invoke(step, arn, token);
      expect(await currentLogsIn(arn)).toBe(true);
    });
  });

  describe('notices', () => {
    it('a change waiting for the reboot notifies once however often testSecret is retried; then one "rotated"', async () => {
      const { arn, username } = await secretFor('notice', 'single-user');
      const about = () => ({
        slack: slack.messages.filter((m) => JSON.stringify(m.body).includes(`mqops/${SINGLE}/notice`)),
        sns: cloud.world.sns.published.filter((m) => m.message.includes(`mqops/${SINGLE}/notice`)),
      });
      const token = await startRotation(arn);
      await invoke('createSecret', arn, token);
      await invoke('setSecret', arn, token);
      for (let i = 0; i < 3; i++) await expect(invoke('testSecret', arn, token)).rejects.toThrow(PENDING);
      expect(about().slack).toHaveLength(1);
      expect(about().sns).toHaveLength(1);
      const waiting = SlackReceiver.text(about().slack[0] as (typeof slack.messages)[number]);
      expect(waiting).toContain('waits for the broker to reboot');
      expect(waiting).toContain(username);
      await reboot();
      await testPasses(arn, token);
      await invoke('finishSecret', arn, token);
      expect(about().slack).toHaveLength(2);
      expect(SlackReceiver.text(about().slack[1] as (typeof slack.messages)[number])).toContain(
        `rotated ${username}`,
      );
    });
  });

  describe.each(STRATEGIES)('fault matrix (%s)', (strategy) => {
    it.each(['setSecret', 'testSecret'] as const)(
      'the broker down during %s fails clearly; AWSCURRENT still logs in; the re-run completes',
      async (downAt) => {
        const { arn } = await secretFor(`down-${downAt}-${strategy}`, strategy);
        const real = deps.targets.activemq as CredentialTarget;
        // The broker unreachable: its STOMP endpoint is a closed port (the MQ API still answers, as in AWS).
        const down: CredentialTarget = {
          verify: (s, c) => real.verify({ ...s, endpoints: [`stomp://127.0.0.1:${closedPort}`] }, c),
          apply: (s, ch, a) => real.apply(s, ch, a),
          pendingChange: (s, u) => real.pendingChange?.(s, u) ?? Promise.resolve(undefined),
        };
        const downDeps = { ...deps, targets: { activemq: down } };
        const token = await startRotation(arn);
        await invoke('createSecret', arn, token);
        if (downAt === 'testSecret') await invoke('setSecret', arn, token);
        await expect(invoke(downAt, arn, token, downDeps)).rejects.toThrow(
          new RegExp(`127\\.0\\.0\\.1:${closedPort}.*ECONNREFUSED`),
        );
        // Nothing went live and AWSCURRENT did not move: it logs in.
        expect(await currentLogsIn(arn)).toBe(true);
        await rotateWithReboot(arn, token);
        expect(await currentLogsIn(arn)).toBe(true);
        expect(cloud.world.secrets.pendingRotations.has(arn)).toBe(false);
      },
    );

    it.each(['setSecret', 'testSecret'] as const)(
      'the MQ API throttled during %s fails clearly after the retries; AWSCURRENT still logs in; the re-run completes',
      async (at) => {
        const { arn, username } = await secretFor(`throttled-${at}-${strategy}`, strategy);
        const token = await startRotation(arn);
        await invoke('createSecret', arn, token);
        if (at === 'testSecret') await invoke('setSecret', arn, token);
        // Secrets Manager answers; every MQ call is throttled (a frozen bucket never refills).
        const stop = cloud.faults.add({ service: 'mq', throttle: { rate: 0, burst: 0 } });
        try {
          await expect(invoke(at, arn, token)).rejects.toThrow(
            /^MQ \w+ of .*failed: TooManyRequestsException: Rate exceeded/,
          );
        } finally {
          stop();
        }
        expect(await currentLogsIn(arn)).toBe(true);
        if (at === 'setSecret') {
          // The change was not made: no user of the pair has a pending change.
          const pending = await value(arn, 'AWSPENDING');
          const u = await describeUser(pending.username).catch(() => undefined);
          expect(u?.Pending?.PendingChange === 'UPDATE' && pending.username === username).toBe(false);
        }
        await rotateWithReboot(arn, token);
        expect(await currentLogsIn(arn)).toBe(true);
      },
    );

    it.each(CRASHES)('a crash after step %i, then a re-run of the rotation, completes it', async (k) => {
      const { arn } = await secretFor(`crash${k}-${strategy}`, strategy);
      const token = await startRotation(arn);
      for (const step of ROTATION_STEPS.slice(0, Math.min(k, 1) + 1)) await invoke(step, arn, token);
      if (k >= 2) {
        await expect(invoke('testSecret', arn, token)).rejects.toThrow(PENDING);
        await reboot();
        await testPasses(arn, token);
      }
      if (k === 3) await invoke('finishSecret', arn, token);
      // Before the reboot AWSCURRENT logs in with either strategy (the change is not live yet).
      if (k <= 1) expect(await currentLogsIn(arn)).toBe(true);
      // Re-run the whole rotation: re-applies (still pending) or finds it live, then completes.
      if (k <= 1) await rotateWithReboot(arn, token);
      else for (const step of ROTATION_STEPS) await invoke(step, arn, token);
      expect(await currentLogsIn(arn)).toBe(true);
      expect((await value(arn)).password).not.toBe(users.get(`crash${k}-${strategy}-${RUN}`));
      expect(cloud.world.secrets.pendingRotations.has(arn)).toBe(false);
    });

    it.each(ROTATION_STEPS)('a duplicate invocation of %s is harmless', async (dup) => {
      const { arn } = await secretFor(`dup-${dup}-${strategy}`, strategy);
      const token = await startRotation(arn);
      const outcomes: string[] = [];
      const run = async (step: RotationStepName) => {
        const once = async () =>
          step === 'testSecret' ? await testPasses(arn, token) : await invoke(step, arn, token);
        outcomes.push((await once()).outcome);
        if (step === dup) outcomes.push((await once()).outcome);
      };
      await run('createSecret');
      await run('setSecret');
      await expect(invoke('testSecret', arn, token)).rejects.toThrow(PENDING);
      await reboot();
      await run('testSecret');
      await run('finishSecret');
      const second = { createSecret: 'pending-exists', setSecret: 'set', testSecret: 'tested' }[
        dup as string
      ];
      expect(outcomes.filter((o) => o === (second ?? 'already-current')).length).toBeGreaterThanOrEqual(
        second === 'pending-exists' || second === undefined ? 1 : 2,
      );
      expect(await currentLogsIn(arn)).toBe(true);
      expect(
        Object.keys((await sm.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages ?? {}),
      ).toHaveLength(2);
    });
  });

  it('no password appears in any log line', async () => {
    // Runs last (vitest keeps file order): every rotation above has logged by now.
    expect(logs.some((l) => l.includes('rotation step done'))).toBe(true);
    expect(logs.some((l) => l.includes('rotation step failed') && l.includes(PENDING_UNTIL_REBOOT))).toBe(
      true,
    );
    await collectPasswords();
    expect(seen.size).toBeGreaterThan(30);
    const text = logs.join('') + JSON.stringify(slack.messages) + JSON.stringify(cloud.world.sns.published);
    expect(slack.messages.length).toBeGreaterThan(10);
    for (const password of seen)
      expect(text.includes(password), 'a password is in the logs or a message').toBe(false);
  });
});
