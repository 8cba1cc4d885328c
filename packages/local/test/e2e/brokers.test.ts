import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActiveMqBacking,
  type ActiveMqInfo,
  amqpLogin,
  ensureActiveMq,
  ensureRabbitMq,
  RabbitMqBacking,
  type RabbitMqInfo,
  stompLogin,
} from '../../src/brokers';
import type { BackingUser } from '../../src/types';

// Real brokers (started by test/setup/brokers.ts) outlive test runs: every name is unique to this run.
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const password = (): string => `Pw-${randomBytes(12).toString('base64url')}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it answers `want` (JAAS reloads property files within a couple of seconds). */
async function eventually(
  check: () => Promise<boolean>,
  want: boolean,
  timeoutMs = 15_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await check();
    if (got === want || Date.now() > deadline) return got;
    await sleep(250);
  }
}

function user(username: string, pass: string, extra: Partial<BackingUser> = {}): BackingUser {
  return { username, password: pass, consoleAccess: false, groups: [], ...extra };
}

describe('RabbitMqBacking against the real RabbitMQ', () => {
  let info: RabbitMqInfo;
  let backing: RabbitMqBacking;
  const made: { brokerId: string; brokerName: string }[] = [];
  const broker = (suffix: string) => {
    const b = { brokerId: `b-${RUN}-${suffix}`, brokerName: `mqops-e2e-${RUN}-${suffix}` };
    made.push(b);
    return b;
  };

  beforeAll(async () => {
    info = await ensureRabbitMq();
    backing = new RabbitMqBacking(info);
  });

  afterAll(async () => {
    for (const b of made) await backing.remove(b.brokerId, b.brokerName).catch(() => undefined);
  });

  it('apply creates the vhost and an administrator that logs in over AMQP with its password only', async () => {
    const b = broker('one');
    const admin = user(`admin-${RUN}`, password(), { consoleAccess: true });
    await backing.apply({ ...b, engineType: 'RABBITMQ', users: [admin] });

    expect(await backing.vhostExists(b.brokerName)).toBe(true);
    const listed = (await backing.listUsers()).find((u) => u.name === admin.username);
    expect(listed?.tags).toEqual(['administrator']);
    expect(await backing.userPermissions(admin.username)).toEqual([
      expect.objectContaining({ vhost: b.brokerName, configure: '.*', write: '.*', read: '.*' }),
    ]);

    const login = { port: info.amqpPort, username: admin.username, vhost: b.brokerName };
    expect(await amqpLogin({ ...login, password: admin.password })).toBe(true);
    expect(await amqpLogin({ ...login, password: `${admin.password}x` })).toBe(false);
    // No permissions on the default vhost: the connection is refused there.
    expect(await amqpLogin({ ...login, password: admin.password, vhost: '/' })).toBe(false);

    // Idempotent, and a changed password replaces the old one.
    const newPassword = password();
    await backing.apply({ ...b, engineType: 'RABBITMQ', users: [{ ...admin, password: newPassword }] });
    await backing.apply({ ...b, engineType: 'RABBITMQ', users: [{ ...admin, password: newPassword }] });
    expect(await amqpLogin({ ...login, password: newPassword })).toBe(true);
    expect(await amqpLogin({ ...login, password: admin.password })).toBe(false);

    // The console URL is the broker's own view of the shared server (its vhost only).
    expect(backing.endpoints(b.brokerName)).toEqual({
      consoleURL: backing.viewUrl(b.brokerName),
      endpoints: ['amqp://127.0.0.1:5672'],
      ipAddress: '127.0.0.1',
    });

    await backing.remove(b.brokerId, b.brokerName);
    expect(await backing.vhostExists(b.brokerName)).toBe(false);
    expect((await backing.listUsers()).map((u) => u.name)).not.toContain(admin.username);
    expect(await backing.userPermissions(admin.username)).toEqual([]);
    expect(await amqpLogin({ ...login, password: newPassword })).toBe(false);
    // The management user is never touched.
    expect((await backing.listUsers()).map((u) => u.name)).toContain(info.username);
  });

  it('remove keeps a user another broker still uses, and finds users it did not create', async () => {
    const a = broker('a');
    const b = broker('b');
    const shared = user(`shared-${RUN}`, password());
    const onlyA = user(`only-a-${RUN}`, password());
    await backing.apply({ ...a, engineType: 'RABBITMQ', users: [shared, onlyA] });
    await backing.apply({ ...b, engineType: 'RABBITMQ', users: [shared] });

    // A second backing (as after a restart of the local cloud) has no record of what the first one made.
    const fresh = new RabbitMqBacking(info);
    await fresh.remove(a.brokerId, a.brokerName);
    expect(await fresh.vhostExists(a.brokerName)).toBe(false);
    expect(await fresh.userPermissions(onlyA.username)).toEqual([]);
    expect((await fresh.listUsers()).map((u) => u.name)).not.toContain(onlyA.username);
    expect((await fresh.userPermissions(shared.username)).map((p) => p.vhost)).toEqual([b.brokerName]);
    expect(
      await amqpLogin({
        port: info.amqpPort,
        username: shared.username,
        password: shared.password,
        vhost: b.brokerName,
      }),
    ).toBe(true);

    await backing.remove(b.brokerId, b.brokerName);
    expect((await backing.listUsers()).map((u) => u.name)).not.toContain(shared.username);
  });

  it('amqpLogin reports an unknown user as false and an unreachable broker as an error without the password', async () => {
    const secret = password();
    expect(await amqpLogin({ port: info.amqpPort, username: `nobody-${RUN}`, password: secret })).toBe(false);
    const error = await amqpLogin({ port: 1, username: 'x', password: secret }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toMatch(/AMQP 127\.0\.0\.1:1/);
    expect(error?.message).not.toContain(secret);
  });

  it('management API errors name the status and path but not the password', async () => {
    const secret = password();
    const wrong = new RabbitMqBacking({ ...info, password: secret });
    const error = await wrong.listUsers().then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(error?.message).toMatch(/GET \/api\/users failed: HTTP 401/);
    expect(error?.message).not.toContain(secret);
  });
});

describe('ActiveMqBacking against the real ActiveMQ', () => {
  let info: ActiveMqInfo;
  let backing: ActiveMqBacking;
  const ids = { a: `b-${RUN}-amq-a`, b: `b-${RUN}-amq-b` };
  const names = { a: `amq-e2e-${RUN}-a`, b: `amq-e2e-${RUN}-b` };
  const login = (username: string, passcode: string) => () =>
    stompLogin({ port: info.stompPort, login: username, passcode, timeoutMs: 5_000 });

  beforeAll(async () => {
    info = await ensureActiveMq();
    backing = new ActiveMqBacking(info);
  });

  afterAll(async () => {
    await backing.remove(ids.a, names.a);
    await backing.remove(ids.b, names.b);
  });

  it('a user can log in over STOMP after apply; a changed password takes effect; a removed user is refused', async () => {
    const name = `amq-user-${RUN}`;
    const first = password();
    await backing.apply({
      brokerId: ids.a,
      brokerName: names.a,
      engineType: 'ACTIVEMQ',
      users: [user(name, first)],
    });
    expect(await eventually(login(name, first), true)).toBe(true);
    expect(await login(name, `${first}x`)()).toBe(false);

    const second = password();
    await backing.apply({
      brokerId: ids.a,
      brokerName: names.a,
      engineType: 'ACTIVEMQ',
      users: [user(name, second)],
    });
    expect(await eventually(login(name, second), true)).toBe(true);
    expect(await login(name, first)()).toBe(false);

    await backing.apply({ brokerId: ids.a, brokerName: names.a, engineType: 'ACTIVEMQ', users: [] });
    expect(await eventually(login(name, second), false)).toBe(false);
  });

  it('holds the union of all brokers, later apply winning a shared username; console users are admins', async () => {
    const a = user(`amq-a-${RUN}`, password(), { consoleAccess: true, groups: ['devs'] });
    const b = user(`amq-b-${RUN}`, password(), { groups: ['ops'] });
    const sharedFirst = user(`amq-shared-${RUN}`, `${password()} #=:!`);
    const sharedLater = user(sharedFirst.username, password());
    await backing.apply({
      brokerId: ids.a,
      brokerName: names.a,
      engineType: 'ACTIVEMQ',
      users: [a, sharedFirst],
    });
    await backing.apply({ brokerId: ids.b, brokerName: names.b, engineType: 'ACTIVEMQ', users: [b] });
    expect(await eventually(login(b.username, b.password), true)).toBe(true);
    expect(await eventually(login(a.username, a.password), true)).toBe(true);
    // Properties escaping: a password with a space, `#`, `=`, `:` and `!` works as written.
    expect(await eventually(login(sharedFirst.username, sharedFirst.password), true)).toBe(true);

    const groups = await readFile(backing.groupsFile, 'utf8');
    expect(groups).toMatch(new RegExp(`^admins=${a.username}$`, 'm'));
    expect(groups).toMatch(new RegExp(`^devs=${a.username}$`, 'm'));
    expect(groups).toMatch(new RegExp(`^ops=${b.username}$`, 'm'));

    await backing.apply({
      brokerId: ids.b,
      brokerName: names.b,
      engineType: 'ACTIVEMQ',
      users: [b, sharedLater],
    });
    expect(await eventually(login(sharedLater.username, sharedLater.password), true)).toBe(true);
    expect(await login(sharedFirst.username, sharedFirst.password)()).toBe(false);

    await backing.remove(ids.a, names.a);
    expect(await eventually(login(a.username, a.password), false)).toBe(false);
    expect(await login(b.username, b.password)()).toBe(true);
    expect(await readFile(backing.groupsFile, 'utf8')).not.toMatch(/^admins=/m);

    expect(backing.endpoints(names.b)).toEqual({
      consoleURL: 'http://127.0.0.1:8161',
      endpoints: info.endpoints,
      ipAddress: '127.0.0.1',
    });
    expect(info.endpoints).toEqual(
      expect.arrayContaining(['tcp://127.0.0.1:61616', 'stomp://127.0.0.1:61613']),
    );
  });

  it('stompLogin errors for an unreachable broker do not contain the passcode', async () => {
    const secret = password();
    const error = await stompLogin({ port: 1, login: 'x', passcode: secret }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(error?.message).toMatch(/STOMP 127\.0\.0\.1:1/);
    expect(error?.message).not.toContain(secret);
  });
});
