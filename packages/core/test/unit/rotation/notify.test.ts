import { describe, expect, it, vi } from 'vitest';
import { InvalidInputError } from '../../../src/errors';
import { type KeyValueStore, MemoryKeyValueStore } from '../../../src/kv';
import {
  type Notice,
  type NoticeOutcome,
  type NoticeSink,
  slackNotice,
  snsNotice,
} from '../../../src/notices';
import {
  type Credential,
  type CredentialTarget,
  ROTATION_STEPS,
  RotationError,
  type RotationEvent,
  type RotationOutcome,
  type RotationSecret,
  type RotationStepName,
  type RotationStepResult,
  rotateAndNotify,
  rotationNotice,
  runRotationStep,
  secretLabel,
  type UserChange,
} from '../../../src/rotation/index';
import { ARN, MASTER, MemorySecretStore, token } from '../../helpers/rotation';

const T0 = new Date('2026-03-01T10:00:00.000Z');

const OLD_PASSWORD = 'old-Secret-Pa55word';
const ADMIN_PASSWORD = 'admin-Secret-Pa55word';

/** A broker's users, in memory; `live` false keeps changes pending until `reboot()` (like ActiveMQ). */
class FakeBroker implements CredentialTarget {
  readonly users = new Map<string, string>();
  private readonly pending = new Map<string, string>();
  down = false;
  live = true;
  async verify(_s: RotationSecret, c: Credential) {
    if (this.down) throw new Error('broker unreachable: ECONNREFUSED');
    return this.users.get(c.username) === c.password;
  }
  async apply(_s: RotationSecret, change: UserChange, admin: Credential) {
    if (this.down) throw new Error('broker unreachable: ECONNREFUSED');
    if (this.users.get(admin.username) !== admin.password) throw new Error('HTTP 401');
    if (this.live) this.users.set(change.username, change.password);
    else this.pending.set(change.username, change.password);
  }
  async pendingChange(_s: RotationSecret, username: string) {
    return this.pending.has(username)
      ? `user ${username}: change pending until the broker reboots`
      : undefined;
  }
  reboot() {
    for (const [u, p] of this.pending) this.users.set(u, p);
    this.pending.clear();
  }
}

const single = {
  engine: 'activemq',
  brokerId: 'b-1234',
  username: 'app',
  password: OLD_PASSWORD,
  masterarn: MASTER,
};

/** A sink that records what it got; `fail` makes it throw instead. */
function recorder(channel = 'rec', fail?: Error): NoticeSink & { notices: Notice[] } {
  const notices: Notice[] = [];
  return {
    channel,
    notices,
    send: vi.fn(async (n: Notice) => {
      if (fail) throw fail;
      notices.push(n);
    }),
  };
}

function setup(initial: object = single) {
  const store = new MemorySecretStore(initial);
  const broker = new FakeBroker();
  broker.users.set('app', OLD_PASSWORD);
  broker.users.set('admin', ADMIN_PASSWORD);
  store.others.set(MASTER, JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }));
  const sink = recorder();
  const kv = new MemoryKeyValueStore();
  const deps = { store, targets: { activemq: broker }, notices: { sinks: [sink], store: kv, now: () => T0 } };
  const event = (Step: RotationStepName, t: string): RotationEvent => ({
    Step,
    SecretId: ARN,
    ClientRequestToken: t,
  });
  return { store, broker, sink, kv, deps, event };
}

const eventOf = (Step: RotationStepName = 'finishSecret', t = token(1)): RotationEvent => ({
  Step,
  SecretId: ARN,
  ClientRequestToken: t,
});

const finished: RotationStepResult = {
  step: 'finishSecret',
  secretId: ARN,
  token: token(1),
  outcome: 'finished',
  username: 'app_clone',
  brokerId: 'b-1234',
  engine: 'rabbitmq',
};

describe('Function: secretLabel', () => {
  it.each([
    [ARN, 'mqops/orders/app'],
    [
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mqops/orders/app-v2-AbC123',
      'mqops/orders/app-v2',
    ],
    ['arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:orders-Zz9Yy8', 'orders'],
    ['arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:a/b/c-000000', 'a/b/c'],
  ])('strips the 6-character suffix of the ARN %s', (arn, label) => {
    expect(secretLabel(arn)).toBe(label);
  });

  it.each([
    'mqops/x/crash0-single',
    'mqops/orders/app-AbCdEf',
    'orders',
    'mqops/orders/app-v2',
    'arn-like-but-not:secret:x-AbCdEf',
  ])('never strips a plain name: %s', (name) => {
    expect(secretLabel(name)).toBe(name);
  });
});

describe('Function: rotationNotice', () => {
  it('announces a finished rotation (info) with the user, the broker and a …/finished key', () => {
    // Act
    const notice = rotationNotice(eventOf('finishSecret'), { result: finished });

    // Assess
    expect(notice).toMatchObject({
      kind: 'rotation',
      level: 'info',
      title: 'rotated app_clone of secret mqops/orders/app',
      broker: { id: 'b-1234' },
      key: `rotation/${ARN}/${token(1)}/finished`,
    });
    expect(notice?.text).toContain('user app_clone');
    expect(notice?.text).toContain('broker b-1234');
    expect(notice?.text).toContain('AWSCURRENT');
    expect(notice?.fields).toEqual({
      secret: 'mqops/orders/app',
      version: token(1),
      engine: 'rabbitmq',
      user: 'app_clone',
    });
  });

  it('still announces a finished rotation whose result lacks the user and broker', () => {
    const { username: _u, brokerId: _b, engine: _e, ...bare } = finished;
    const notice = rotationNotice(eventOf('finishSecret'), { result: bare });
    expect(notice?.level).toBe('info');
    expect(notice?.title).toBe('rotated the user of secret mqops/orders/app');
    expect(notice).not.toHaveProperty('broker');
    expect(notice?.fields).toEqual({ secret: 'mqops/orders/app', version: token(1) });
  });

  it.each<RotationOutcome>([
    'already-current',
    'pending-exists',
    'pending-created',
    'already-set',
    'set',
    'tested',
  ])('sends no notice for the outcome %s', (outcome) => {
    expect(rotationNotice(eventOf('createSecret'), { result: { ...finished, outcome } })).toBeUndefined();
  });

  it('says a rotation waits for the broker to reboot (info, …/waiting key)', () => {
    // Prepare
    const error = new RotationError(
      `testSecret of secret ${ARN} (version ${token(1)}): user app: change pending until reboot`,
      'testSecret',
      { waiting: true },
    );

    // Act
    const notice = rotationNotice(eventOf('testSecret'), { error });

    // Assess
    expect(notice).toMatchObject({
      kind: 'rotation',
      level: 'info',
      title: 'rotation of secret mqops/orders/app waits for the broker to reboot',
      fields: { secret: 'mqops/orders/app', version: token(1), step: 'testSecret' },
      key: `rotation/${ARN}/${token(1)}/waiting`,
    });
    expect(notice?.text).toContain('user app: change pending until reboot');
    expect(notice?.text).toContain('AWSCURRENT keeps working');
  });

  it.each(ROTATION_STEPS)('reports a RotationError at %s as a warning naming the step', (step) => {
    const error = new RotationError(`${step} of secret ${ARN}: the broker refused`, step);
    const notice = rotationNotice(eventOf(step), { error });
    expect(notice).toMatchObject({
      kind: 'rotation',
      level: 'warning',
      title: `rotation of secret mqops/orders/app failed at ${step}`,
      fields: { secret: 'mqops/orders/app', version: token(1), step, error: 'RotationError' },
      key: `rotation/${ARN}/${token(1)}/failed/${step}`,
    });
    expect(notice?.text).toContain('the broker refused');
    expect(notice?.text).toContain('AWSCURRENT was not moved');
  });

  it('reports an invalid secret (InvalidInputError) as critical', () => {
    const error = new InvalidInputError('AWSCURRENT of secret x is not a valid mqops rotation secret', [
      'engine: Invalid option',
    ]);
    const notice = rotationNotice(eventOf('createSecret'), { error });
    expect(notice).toMatchObject({
      level: 'critical',
      title: 'rotation of secret mqops/orders/app failed at createSecret',
      fields: { step: 'createSecret', error: 'InvalidInputError' },
      key: `rotation/${ARN}/${token(1)}/failed/createSecret`,
    });
  });

  it.each([
    ['an Error', new Error('broker unreachable: ECONNREFUSED'), 'broker unreachable: ECONNREFUSED', 'Error'],
    ['a TypeError', new TypeError('fetch failed'), 'fetch failed', 'TypeError'],
    ['a string', 'boom', 'boom', 'Error'],
    ['null', null, 'null', 'Error'],
  ])('reports %s as a warning', (_name, error, message, name) => {
    const notice = rotationNotice(eventOf('setSecret'), { error });
    expect(notice?.level).toBe('warning');
    expect(notice?.text?.startsWith(message)).toBe(true);
    expect(notice?.fields?.error).toBe(name);
  });

  it('labels a plain secret name as it is', () => {
    const notice = rotationNotice(
      { Step: 'finishSecret', SecretId: 'mqops/x/crash0-single', ClientRequestToken: token(1) },
      { result: finished },
    );
    expect(notice?.title).toBe('rotated app_clone of secret mqops/x/crash0-single');
    expect(notice?.key).toBe(`rotation/mqops/x/crash0-single/${token(1)}/finished`);
  });
});

describe('Function: rotateAndNotify', () => {
  it('rotates through the four steps and notifies once, when finished', async () => {
    // Prepare
    const { store, broker, sink, deps, event } = setup();
    const t = store.startRotation();
    const onNotice = vi.fn();

    // Act
    const steps = [];
    for (const s of ROTATION_STEPS) steps.push(await rotateAndNotify(event(s, t), deps, onNotice));

    // Assess
    expect(steps.map((x) => x.result.outcome)).toEqual(['pending-created', 'set', 'tested', 'finished']);
    expect(steps.slice(0, 3).every((x) => x.notice === undefined)).toBe(true);
    expect(steps[3]?.notice).toEqual({ sent: ['rec'], failed: [], duplicate: false });
    expect(sink.notices).toHaveLength(1);
    expect(sink.notices[0]).toMatchObject({
      level: 'info',
      title: 'rotated app of secret mqops/orders/app',
      broker: { id: 'b-1234' },
      key: `rotation/${ARN}/${t}/finished`,
    });
    expect(onNotice).toHaveBeenCalledTimes(1);
    expect(onNotice).toHaveBeenCalledWith(steps[3]?.notice, sink.notices[0]);
    expect(await broker.verify(store.current(), store.current())).toBe(true);
  });

  it('returns the step result runRotationStep gives', async () => {
    const a = setup();
    const b = setup();
    const [ta, tb] = [a.store.startRotation(), b.store.startRotation()];
    const notified = await rotateAndNotify(a.event('createSecret', ta), a.deps);
    const plain = await runRotationStep(b.event('createSecret', tb), {
      store: b.store,
      targets: b.deps.targets,
    });
    expect(notified).toEqual({ result: plain });
  });

  it('re-throws the step error after its notice went out', async () => {
    // Prepare
    const { store, broker, sink, deps, event } = setup();
    const t = store.startRotation();
    await rotateAndNotify(event('createSecret', t), deps);
    broker.down = true;
    const onNotice = vi.fn();

    // Act
    const error = await rotateAndNotify(event('setSecret', t), deps, onNotice).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('broker unreachable: ECONNREFUSED');
    expect(sink.notices).toHaveLength(1);
    expect(sink.notices[0]).toMatchObject({
      level: 'warning',
      title: 'rotation of secret mqops/orders/app failed at setSecret',
      key: `rotation/${ARN}/${t}/failed/setSecret`,
    });
    expect(onNotice).toHaveBeenCalledWith({ sent: ['rec'], failed: [], duplicate: false }, sink.notices[0]);
  });

  it('re-throws the very error object of the step', async () => {
    const { store, deps, event } = setup();
    const t = store.startRotation();
    // setSecret before createSecret: no AWSPENDING value to set.
    const error = await rotateAndNotify(event('setSecret', t), deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RotationError);
    expect((error as RotationError).step).toBe('setSecret');
    expect((error as Error).message).toMatch(/no AWSPENDING value/);
  });

  it('notifies a change waiting for a reboot once per version, then the finished rotation', async () => {
    // Prepare
    const { store, broker, sink, deps, event } = setup();
    broker.live = false;
    const t = store.startRotation();
    await rotateAndNotify(event('createSecret', t), deps);
    await rotateAndNotify(event('setSecret', t), deps);
    const outcomes: NoticeOutcome[] = [];
    const onNotice = (o: NoticeOutcome) => outcomes.push(o);

    // Act: Secrets Manager retries testSecret until the broker reboots.
    for (let i = 0; i < 3; i++) {
      await expect(rotateAndNotify(event('testSecret', t), deps, onNotice)).rejects.toThrow(/pending until/);
    }
    broker.reboot();
    await rotateAndNotify(event('testSecret', t), deps, onNotice);
    await rotateAndNotify(event('finishSecret', t), deps, onNotice);

    // Assess
    expect(sink.notices.map((n) => n.key)).toEqual([
      `rotation/${ARN}/${t}/waiting`,
      `rotation/${ARN}/${t}/finished`,
    ]);
    expect(sink.notices[0]).toMatchObject({
      level: 'info',
      title: 'rotation of secret mqops/orders/app waits for the broker to reboot',
    });
    expect(outcomes.map((o) => o.duplicate)).toEqual([false, true, true, false]);
  });

  it('notifies a failed step once however often Secrets Manager retries it', async () => {
    const { store, broker, sink, deps, event } = setup();
    const t = store.startRotation();
    await rotateAndNotify(event('createSecret', t), deps);
    broker.down = true;
    for (let i = 0; i < 3; i++) await expect(rotateAndNotify(event('setSecret', t), deps)).rejects.toThrow();
    expect(sink.notices).toHaveLength(1);
  });

  it('reports an invalid AWSCURRENT secret as critical', async () => {
    const { store, sink, deps, event } = setup();
    store.versions.set('v0', {
      value: JSON.stringify({ ...single, engine: 'kafka' }),
      stages: ['AWSCURRENT'],
    });
    const t = store.startRotation();
    await expect(rotateAndNotify(event('createSecret', t), deps)).rejects.toBeInstanceOf(InvalidInputError);
    expect(sink.notices[0]?.level).toBe('critical');
    expect(sink.notices[0]?.fields?.error).toBe('InvalidInputError');
  });

  it('keeps the result when a sink fails, and reports the failure', async () => {
    // Prepare
    const { store, deps, event } = setup();
    const bad = recorder('slack', new Error('HTTP 500'));
    const good = recorder('sns');
    const d = { ...deps, notices: { sinks: [bad, good] } };
    const t = store.startRotation();
    for (const s of ROTATION_STEPS.slice(0, 3)) await rotateAndNotify(event(s, t), d);

    // Act
    const step = await rotateAndNotify(event('finishSecret', t), d);

    // Assess
    expect(step.result.outcome).toBe('finished');
    expect(step.notice).toEqual({
      sent: ['sns'],
      failed: [{ channel: 'slack', error: 'HTTP 500' }],
      duplicate: false,
    });
    expect(good.notices).toHaveLength(1);
  });

  it('keeps the result when every sink fails', async () => {
    const { store, deps, event } = setup();
    const d = { ...deps, notices: { sinks: [recorder('a', new Error('x')), recorder('b', new Error('y'))] } };
    const t = store.startRotation();
    for (const s of ROTATION_STEPS.slice(0, 3)) await rotateAndNotify(event(s, t), d);
    const step = await rotateAndNotify(event('finishSecret', t), d);
    expect(step.result.outcome).toBe('finished');
    expect(step.notice?.sent).toEqual([]);
    expect(step.notice?.failed).toHaveLength(2);
  });

  it('re-throws the step error, not the sink error, when both fail', async () => {
    const { store, deps, event } = setup();
    const sink = recorder('slack', new Error('sink exploded'));
    const d = { ...deps, notices: { sinks: [sink] } };
    await expect(rotateAndNotify(event('setSecret', store.startRotation()), d)).rejects.toThrow(
      /no AWSPENDING value/,
    );
    expect(sink.send).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['an Error', new Error('DynamoDB throttled')],
    ['a non-Error value', { code: 'ProvisionedThroughputExceeded' }],
    ['null', null],
  ])('keeps the result when the dedupe store rejects with %s', async (_name, thrown) => {
    // Prepare
    const { store, deps, event } = setup();
    const failing: KeyValueStore = {
      get: () => Promise.reject(thrown),
      put: () => Promise.reject(thrown),
      delete: () => Promise.reject(thrown),
      list: () => Promise.reject(thrown),
    };
    const d = { ...deps, notices: { ...deps.notices, store: failing } };
    const t = store.startRotation();
    for (const s of ROTATION_STEPS.slice(0, 3)) await rotateAndNotify(event(s, t), d);
    const onNotice = vi.fn();

    // Act
    const step = await rotateAndNotify(event('finishSecret', t), d, onNotice);

    // Assess
    expect(step.result.outcome).toBe('finished');
    expect(step.notice?.sent).toEqual([]);
    expect(step.notice?.failed.map((f) => f.channel)).toEqual(['store']);
    expect(onNotice).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['an Error', new Error('DynamoDB throttled')],
    ['null', null],
  ])('re-throws the step error when the dedupe store rejects with %s', async (_name, thrown) => {
    const { store, deps, event } = setup();
    const failing: KeyValueStore = {
      get: vi.fn(() => Promise.reject(thrown)),
      put: vi.fn(() => Promise.reject(thrown)),
      delete: () => Promise.reject(thrown),
      list: () => Promise.reject(thrown),
    };
    const d = { ...deps, notices: { ...deps.notices, store: failing } };
    await expect(rotateAndNotify(event('setSecret', store.startRotation()), d)).rejects.toThrow(
      /no AWSPENDING value/,
    );
    expect([...vi.mocked(failing.get).mock.calls, ...vi.mocked(failing.put).mock.calls]).not.toEqual([]);
  });

  it.each([
    ['no notices configured', undefined],
    ['no sinks', { sinks: [] }],
  ])('sends nothing and calls no onNotice with %s', async (_name, notices) => {
    const { store, deps, event, kv } = setup();
    const d = { store: deps.store, targets: deps.targets, ...(notices ? { notices } : {}) };
    const onNotice = vi.fn();
    const t = store.startRotation();
    let last: Awaited<ReturnType<typeof rotateAndNotify>> | undefined;
    for (const s of ROTATION_STEPS) last = await rotateAndNotify(event(s, t), d, onNotice);
    expect(last?.result.outcome).toBe('finished');
    expect(last).not.toHaveProperty('notice');
    expect(onNotice).not.toHaveBeenCalled();
    expect(await kv.list('')).toEqual([]);
  });

  it('claims notices in the store with the clock it is given', async () => {
    const { store, deps, event, kv } = setup();
    const t = store.startRotation();
    for (const s of ROTATION_STEPS) await rotateAndNotify(event(s, t), deps);
    const claims = await kv.list<{ sentAt: string }>('notice:');
    expect(claims.map((c) => c.key)).toEqual([`notice:rotation/${ARN}/${t}/finished`]);
    expect(claims[0]?.item.value.sentAt).toBe(T0.toISOString());
  });

  it('never puts a password in any notice', async () => {
    // Prepare: rotations that finish, fail, wait and meet an invalid secret, all through the fakes.
    const { store, broker, sink, deps, event } = setup();
    const run = async (s: RotationStepName, t: string) =>
      rotateAndNotify(event(s, t), deps).catch(() => undefined);

    // A rotation that finishes.
    const t1 = store.startRotation();
    for (const s of ROTATION_STEPS) await run(s, t1);
    // One whose admin credential is wrong (setSecret fails with HTTP 401), then the broker is down.
    const t2 = store.startRotation();
    await run('createSecret', t2);
    store.others.set(MASTER, JSON.stringify({ username: 'admin', password: 'wrong-Admin-Pa55' }));
    await run('setSecret', t2);
    broker.down = true;
    await run('testSecret', t2);
    broker.down = false;
    // One that waits for a reboot, then finishes.
    store.others.set(MASTER, JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }));
    const t3 = store.startRotation();
    broker.live = false;
    for (const s of ROTATION_STEPS.slice(0, 3)) await run(s, t3);
    broker.reboot();
    for (const s of ROTATION_STEPS.slice(2)) await run(s, t3);
    // One whose pending value is for another user.
    const t4 = store.startRotation();
    await store.putPending(
      ARN,
      t4,
      JSON.stringify({ ...single, username: 'root', password: 'root-Secret-Pa55' }),
    );
    await run('setSecret', t4);
    // The rotated password is one the store generated, so the checks below look for the real values.
    expect(store.generated).toContain(store.current().password);
    // And an AWSCURRENT that is not valid.
    const current = [...store.versions.values()].find((v) => v.stages.includes('AWSCURRENT'));
    if (current) current.value = JSON.stringify({ ...store.current(), engine: 'kafka' });
    await run('createSecret', store.startRotation());

    // Assess
    expect(sink.notices.map((n) => `${n.level}:${n.key?.replace(/^.*\/[0-9a-f-]{36}\//, '')}`)).toEqual([
      'info:finished',
      'warning:failed/setSecret',
      'warning:failed/testSecret',
      'info:waiting',
      'info:finished',
      'warning:failed/setSecret',
      'critical:failed/createSecret',
    ]);
    const passwords = [
      OLD_PASSWORD,
      ADMIN_PASSWORD,
      'wrong-Admin-Pa55',
      'root-Secret-Pa55',
      ...store.generated,
    ];
    expect(store.generated.length).toBeGreaterThanOrEqual(3);
    for (const n of sink.notices) {
      const rendered = [JSON.stringify(n), JSON.stringify(slackNotice(n)), JSON.stringify(snsNotice(n))];
      for (const text of rendered) for (const p of passwords) expect(text).not.toContain(p);
    }
  });
});
