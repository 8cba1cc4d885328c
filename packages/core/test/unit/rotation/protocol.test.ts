import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors';
import {
  type Credential,
  type CredentialTarget,
  PASSWORD_EXCLUDE,
  parseRotationEvent,
  parseRotationSecret,
  partnerOf,
  ROTATION_STEPS,
  RotationError,
  RotationRefusedError,
  type RotationSecret,
  type RotationStepName,
  runRotationStep,
  type UserChange,
} from '../../../src/rotation/index';
import { ARN, MASTER, MemorySecretStore, token } from '../../helpers/rotation';

/** A broker's users, in memory. */
class FakeBroker implements CredentialTarget {
  readonly users = new Map<string, { password: string; tags: string[]; perms: string[] }>();
  down = false;
  applies: UserChange[] = [];
  /** Throws right after the change is made (a crash mid-step). */
  crashAfterApply = false;
  async verify(_s: RotationSecret, c: Credential) {
    if (this.down) throw new Error('broker unreachable: ECONNREFUSED');
    return this.users.get(c.username)?.password === c.password;
  }
  async apply(_s: RotationSecret, change: UserChange, admin: Credential) {
    if (this.down) throw new Error('broker unreachable: ECONNREFUSED');
    if (this.users.get(admin.username)?.password !== admin.password) throw new Error('HTTP 401');
    const existing = this.users.get(change.username);
    const from = change.copyFrom ? this.users.get(change.copyFrom) : undefined;
    this.users.set(change.username, {
      password: change.password,
      tags: existing?.tags ?? from?.tags ?? [],
      perms: existing?.perms ?? from?.perms ?? [],
    });
    this.applies.push(change);
    if (this.crashAfterApply) throw new Error('Lambda timed out');
  }
}

const single = {
  engine: 'rabbitmq',
  brokerId: 'b-1',
  username: 'app',
  password: 'old-pass',
  vhost: 'orders',
};
const alternating = { ...single, strategy: 'alternating-users', masterarn: MASTER };

function setup(initial: object = single) {
  const store = new MemorySecretStore(initial);
  const broker = new FakeBroker();
  broker.users.set('app', { password: 'old-pass', tags: ['management'], perms: ['orders:.*'] });
  broker.users.set('admin', { password: 'admin-pass', tags: ['administrator'], perms: [] });
  store.others.set(MASTER, JSON.stringify({ username: 'admin', password: 'admin-pass' }));
  const deps = { store, targets: { rabbitmq: broker } };
  const step = (Step: RotationStepName, t: string, extra: object = {}) =>
    runRotationStep({ Step, SecretId: ARN, ClientRequestToken: t, ...extra }, deps);
  const rotateAll = async (t: string) => {
    for (const s of ROTATION_STEPS) await step(s, t);
  };
  return { store, broker, step, rotateAll };
}

describe('Function: runRotationStep', () => {
  describe('guards (every step)', () => {
    it.each(ROTATION_STEPS)('%s is refused when rotation is not enabled, touching nothing', async (s) => {
      const { store, step } = setup();
      const t = store.startRotation();
      store.rotationEnabled = false;
      await expect(step(s, t)).rejects.toThrow(/rotation is not enabled/);
      await expect(step(s, t)).rejects.toBeInstanceOf(RotationRefusedError);
      expect(store.calls).toEqual(['DescribeSecret', 'DescribeSecret']);
    });

    it.each(ROTATION_STEPS)('%s is refused when the token is not a version of the secret', async (s) => {
      const { store, step } = setup();
      store.startRotation();
      await expect(step(s, token(99))).rejects.toThrow(/not a version of the secret/);
      expect(store.calls).toEqual(['DescribeSecret']);
    });

    it.each(ROTATION_STEPS)('%s returns already-current when the token is AWSCURRENT', async (s) => {
      const { step } = setup();
      await expect(step(s, 'v0')).resolves.toMatchObject({ outcome: 'already-current' });
    });

    it.each(ROTATION_STEPS)('%s is refused when the version is not AWSPENDING', async (s) => {
      const { store, step } = setup();
      store.versions.set('stray', { value: JSON.stringify(single), stages: ['AWSPREVIOUS'] });
      await expect(step(s, 'stray')).rejects.toThrow(/not labelled AWSPENDING/);
      expect(store.calls).toEqual(['DescribeSecret']);
    });

    it('names the step and the secret in errors, as a RotationError', async () => {
      const { store, step } = setup();
      const t = store.startRotation();
      // setSecret before createSecret: no AWSPENDING value to set.
      const error = await step('setSecret', t).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RotationError);
      expect((error as RotationError).message).toContain(`setSecret of secret ${ARN}`);
      expect((error as RotationError).step).toBe('setSecret');
    });
  });

  describe('single-user', () => {
    it('rotates the password in place: the new one logs in, the old one does not', async () => {
      const { store, broker, rotateAll } = setup();
      const t = store.startRotation();
      await rotateAll(t);
      const now = store.current();
      expect(now.username).toBe('app');
      expect(now.password).not.toBe('old-pass');
      expect(await broker.verify(now, { username: 'app', password: now.password })).toBe(true);
      expect(await broker.verify(now, { username: 'app', password: 'old-pass' })).toBe(false);
      expect(store.versions.get(t)?.stages).toEqual(['AWSCURRENT']);
      expect(store.versions.get('v0')?.stages).toEqual(['AWSPREVIOUS']);
      // Other keys survive the rotation; tags are kept.
      expect(now.vhost).toBe('orders');
      expect(broker.users.get('app')?.tags).toEqual(['management']);
    });

    it('reports each step outcome and passes the RotationToken on', async () => {
      const { store, step } = setup();
      const t = store.startRotation();
      expect((await step('createSecret', t, { RotationToken: 'rt-1' })).outcome).toBe('pending-created');
      expect(store.rotationTokens).toEqual(['rt-1']);
      expect((await step('setSecret', t)).outcome).toBe('set');
      expect((await step('testSecret', t)).outcome).toBe('tested');
      expect((await step('finishSecret', t)).outcome).toBe('finished');
    });

    it('logs in with AWSCURRENT before changing anything', async () => {
      const { store, broker, step } = setup();
      const t = store.startRotation();
      await step('createSecret', t);
      broker.users.set('app', { password: 'someone-else-changed-it', tags: [], perms: [] });
      await expect(step('setSecret', t)).rejects.toThrow(/AWSCURRENT credential of user app does not log in/);
      expect(broker.applies).toHaveLength(0);
    });

    it('setSecret returns early when the pending credential already works', async () => {
      const { store, broker, step } = setup();
      const t = store.startRotation();
      await step('createSecret', t);
      await step('setSecret', t);
      expect((await step('setSecret', t)).outcome).toBe('already-set');
      expect(broker.applies).toHaveLength(1);
    });

    it('testSecret fails when the pending credential does not log in', async () => {
      const { store, step } = setup();
      const t = store.startRotation();
      await step('createSecret', t);
      await expect(step('testSecret', t)).rejects.toThrow(
        /AWSPENDING credential of user app does not log in/,
      );
    });

    it('setSecret and testSecret fail clearly before createSecret ran', async () => {
      const { store, step } = setup();
      const t = store.startRotation();
      await expect(step('setSecret', t)).rejects.toThrow(/createSecret has not run/);
    });

    it('fails clearly when the broker is down, and AWSCURRENT still logs in', async () => {
      const { store, broker, step, rotateAll } = setup();
      const t = store.startRotation();
      await step('createSecret', t);
      broker.down = true;
      await expect(step('setSecret', t)).rejects.toThrow(/ECONNREFUSED/);
      await expect(step('testSecret', t)).rejects.toThrow(/ECONNREFUSED/);
      broker.down = false;
      expect(await broker.verify(store.current(), store.current())).toBe(true);
      await rotateAll(t);
      expect(await broker.verify(store.current(), store.current())).toBe(true);
    });

    it('uses the masterarn credential as admin when there is one', async () => {
      const { store, broker, rotateAll } = setup({ ...single, masterarn: MASTER });
      store.others.set(MASTER, JSON.stringify({ username: 'admin', password: 'wrong' }));
      const t = store.startRotation();
      await expect(rotateAll(t)).rejects.toThrow(/401/);
      store.others.set(MASTER, JSON.stringify({ username: 'admin', password: 'admin-pass' }));
      await rotateAll(t);
      expect(broker.applies[0]?.username).toBe('app');
    });

    it('refuses an AWSPENDING value for another user or broker', async () => {
      const { store, step } = setup();
      const t = store.startRotation();
      await store.putPending(ARN, t, JSON.stringify({ ...single, username: 'root', password: 'x' }));
      await expect(step('setSecret', t)).rejects.toThrow(/not the user the single-user strategy rotates/);
      const u = store.startRotation();
      await store.putPending(ARN, u, JSON.stringify({ ...single, brokerId: 'b-2', password: 'x' }));
      await expect(step('setSecret', u)).rejects.toThrow(/another broker/);
    });
  });

  describe('alternating-users', () => {
    it('creates the clone with the user’s tags and permissions, flips AWSCURRENT to it, keeps the user working', async () => {
      const { store, broker, rotateAll } = setup(alternating);
      const t = store.startRotation();
      await rotateAll(t);
      const now = store.current();
      expect(now.username).toBe('app_clone');
      expect(broker.users.get('app_clone')).toMatchObject({ tags: ['management'], perms: ['orders:.*'] });
      expect(await broker.verify(now, now)).toBe(true);
      expect(await broker.verify(now, { username: 'app', password: 'old-pass' })).toBe(true);
      expect(broker.applies[0]?.copyFrom).toBe('app');
    });

    it('the next rotation updates the original user and the clone keeps working until the one after', async () => {
      const { store, broker, rotateAll } = setup(alternating);
      await rotateAll(store.startRotation());
      const clone = store.current();
      await rotateAll(store.startRotation());
      const back = store.current();
      expect(back.username).toBe('app');
      expect(back.password).not.toBe('old-pass');
      expect(await broker.verify(back, back)).toBe(true);
      expect(await broker.verify(clone, clone)).toBe(true);
      expect(await broker.verify(back, { username: 'app', password: 'old-pass' })).toBe(false);
      await rotateAll(store.startRotation());
      expect(await broker.verify(clone, clone)).toBe(false);
    });

    it('needs masterarn', () => {
      expect(() => parseRotationSecret(JSON.stringify({ ...alternating, masterarn: undefined }))).toThrow(
        /masterarn: required/,
      );
    });
  });

  describe.each([
    ['single-user', single],
    ['alternating-users', alternating],
  ])('faults (%s)', (_name, initial) => {
    it.each([0, 1, 2, 3])(
      'a crash after step %i, then Secrets Manager re-running the rotation, completes it',
      async (k) => {
        const { store, broker, step, rotateAll } = setup(initial);
        const t = store.startRotation();
        for (const s of ROTATION_STEPS.slice(0, k + 1)) await step(s, t);
        // Alternating: AWSCURRENT always logs in. Single-user: between setSecret and finishSecret only AWSPENDING
        // does (the strategy's inherent window); the re-run closes it.
        const pending = parseRotationSecret(await store.getValue(ARN, { versionId: t }));
        const inWindow = initial === single && (k === 1 || k === 2);
        expect(await broker.verify(store.current(), store.current())).toBe(!inWindow);
        if (inWindow) expect(await broker.verify(pending, pending)).toBe(true);
        await rotateAll(t);
        const now = store.current();
        expect(store.versions.get(t)?.stages).toEqual(['AWSCURRENT']);
        expect(await broker.verify(now, now)).toBe(true);
        expect(broker.applies).toHaveLength(1);
      },
    );

    it('a crash inside setSecret after the broker changed completes on re-run', async () => {
      const { store, broker, step, rotateAll } = setup(initial);
      const t = store.startRotation();
      await step('createSecret', t);
      broker.crashAfterApply = true;
      await expect(step('setSecret', t)).rejects.toThrow(/timed out/);
      broker.crashAfterApply = false;
      await rotateAll(t);
      expect(await broker.verify(store.current(), store.current())).toBe(true);
    });

    it.each(ROTATION_STEPS)('a duplicate invocation of %s changes nothing more', async (dup) => {
      const { store, broker, step } = setup(initial);
      const t = store.startRotation();
      for (const s of ROTATION_STEPS) {
        await step(s, t);
        if (s === dup) await step(s, t);
      }
      expect(store.puts).toBe(1);
      expect(broker.applies).toHaveLength(1);
      expect(await broker.verify(store.current(), store.current())).toBe(true);
    });
  });
});

describe('Function: runRotationStep (a change the broker applies later)', () => {
  it('fails testSecret with the target\'s "pending" reason until the change is live, then completes', async () => {
    const { store, broker } = setup();
    // Like ActiveMQ: the change is accepted but not live until the broker reboots.
    const live = new Map(broker.users);
    let pending: string | undefined;
    const delayed: CredentialTarget = {
      verify: async (_s, c) => live.get(c.username)?.password === c.password,
      apply: async (secret, change, admin) => {
        await broker.apply(secret, change, admin);
        pending = change.username;
      },
      pendingChange: async (_s, username) =>
        pending === username ? `user ${username}: change pending until reboot` : undefined,
    };
    const deps = { store, targets: { rabbitmq: delayed } };
    const t = store.startRotation();
    const run = (Step: RotationStepName) =>
      runRotationStep({ Step, SecretId: ARN, ClientRequestToken: t }, deps);
    await run('createSecret');
    await run('setSecret');
    await expect(run('testSecret')).rejects.toThrow(/user app: change pending until reboot/);
    // The reboot applies it.
    for (const [name, user] of broker.users) live.set(name, user);
    pending = undefined;
    await run('testSecret');
    await run('finishSecret');
    expect(store.versions.get(t)?.stages).toEqual(['AWSCURRENT']);
    expect(store.current().password).not.toBe('old-pass');
  });
});

describe('Function: parseRotationSecret', () => {
  it('defaults the strategy and the clone suffix, keeps unknown keys', () => {
    expect(parseRotationSecret(JSON.stringify({ ...single, extra: 1 }))).toMatchObject({
      strategy: 'single-user',
      cloneSuffix: '_clone',
      extra: 1,
    });
  });

  it.each([
    ['not json {"password":"hunter2-secret"', /is not JSON/],
    [JSON.stringify({ ...single, engine: 'kafka', password: 'hunter2-secret' }), /engine/],
    [JSON.stringify({ ...single, password: undefined }), /password/],
    [JSON.stringify({ ...single, password: 'hunter2-secret', host: 'not a url' }), /host/],
  ])('refuses %s with a clear error that never echoes the password', (text, pattern) => {
    const error = (() => {
      try {
        parseRotationSecret(text);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error?.message).toMatch(pattern);
    expect(error?.message).not.toContain('hunter2');
  });

  it.each([
    ['app', 'app_clone'],
    ['app_clone', 'app'],
    ['_clone', '_clone_clone'],
  ])('partnerOf(%s) is %s', (a, b) => {
    expect(partnerOf(a)).toBe(b);
  });

  it('excludes the characters Amazon MQ and URIs refuse', () => {
    for (const c of [',', ':', '=', '@', '/', '%']) expect(PASSWORD_EXCLUDE.activemq).toContain(c);
    for (const c of [':', '@', '/', '%', '?', '#']) expect(PASSWORD_EXCLUDE.rabbitmq).toContain(c);
  });
});

describe('Function: parseRotationEvent', () => {
  it('accepts a Secrets Manager event', () => {
    const event = { Step: 'createSecret', SecretId: ARN, ClientRequestToken: token(1), RotationToken: 'rt' };
    expect(parseRotationEvent(event)).toEqual(event);
  });

  it.each([
    [null],
    [{ Step: 'CreateSecret', SecretId: ARN, ClientRequestToken: token(1) }],
    [{ Step: 'createSecret', ClientRequestToken: token(1) }],
    [{ Step: 'createSecret', SecretId: ARN, ClientRequestToken: 'short' }],
  ])('refuses %j with InvalidInputError', (event) => {
    expect(() => parseRotationEvent(event)).toThrow(InvalidInputError);
  });
});
