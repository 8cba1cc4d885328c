import { describe, expect, it, vi } from 'vitest';
import { InvalidInputError } from '../../../src/errors';
import type { KeyValueStore } from '../../../src/kv';
import type { Notice, NoticeSink } from '../../../src/notices';
import {
  admitRotation,
  type Credential,
  type CredentialTarget,
  clip,
  ownsSecretId,
  parseRotationEvent,
  ROTATION_EVENT_LIMITS,
  ROTATION_STEPS,
  type RotationEvent,
  RotationRefusedError,
  type RotationSecret,
  rotateAndNotify,
  runRotationStep,
  secretNameOf,
} from '../../../src/rotation/index';
import { ARN, MASTER, MemorySecretStore, NAME, token } from '../../helpers/rotation';

const ACCOUNT = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:';
const single = { engine: 'rabbitmq', brokerId: 'b-1', username: 'app', password: 'old-Secret-Pa55' };

/** A broker that records every call: a refused invocation reaches no broker. */
class RecordingBroker implements CredentialTarget {
  readonly calls: string[] = [];
  readonly users = new Map([
    ['app', 'old-Secret-Pa55'],
    ['admin', 'admin-Secret-Pa55'],
  ]);
  async verify(_s: RotationSecret, c: Credential) {
    this.calls.push(`verify ${c.username}`);
    return this.users.get(c.username) === c.password;
  }
  async apply(_s: RotationSecret, change: { username: string; password: string }) {
    this.calls.push(`apply ${change.username}`);
    this.users.set(change.username, change.password);
  }
}

/** Every side effect the rotation use case can have, recorded. */
function setup(initial: object = single) {
  const store = new MemorySecretStore(initial);
  store.others.set(MASTER, JSON.stringify({ username: 'admin', password: 'admin-Secret-Pa55' }));
  const broker = new RecordingBroker();
  const sink: NoticeSink & { send: ReturnType<typeof vi.fn> } = {
    channel: 'rec',
    send: vi.fn(async (_n: Notice) => undefined),
  };
  const kv: KeyValueStore = {
    get: vi.fn(async () => undefined),
    put: vi.fn(async () => true),
    delete: vi.fn(async () => undefined),
    list: vi.fn(async () => []),
  };
  const deps = { store, targets: { rabbitmq: broker }, notices: { sinks: [sink], store: kv } };
  const pending = store.startRotation();
  /** What the invocation did besides Secrets Manager reads of its decision. */
  const effects = () => ({
    secretsManager: [...store.calls],
    broker: [...broker.calls],
    notices: sink.send.mock.calls.length,
    stateReads: vi.mocked(kv.get).mock.calls.length,
    stateWrites: vi.mocked(kv.put).mock.calls.length + vi.mocked(kv.delete).mock.calls.length,
  });
  return { store, broker, sink, kv, deps, pending, effects };
}

const NOTHING = { broker: [], notices: 0, stateReads: 0, stateWrites: 0 };

describe('Function: secretNameOf / ownsSecretId', () => {
  it.each([
    [NAME, NAME, true],
    [ARN, `${NAME}-AbCdEf`, true],
    [`${ACCOUNT}mqops/orders/app`, 'mqops/orders/app', true],
    [
      'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:mqops/a-AbCdEf',
      'mqops/a-AbCdEf',
      true,
    ],
    ['prod/db-password', 'prod/db-password', false],
    [`${ACCOUNT}prod/db-password-AbCdEf`, 'prod/db-password-AbCdEf', false],
    ['prod/mqops/db', 'prod/mqops/db', false],
    ['MQOPS/app', 'MQOPS/app', false],
    ['mqops/', 'mqops/', false],
    ['arn:aws:ssm:us-east-1:123456789012:parameter/mqops/x', undefined, false],
    [`${ACCOUNT.replace('123456789012', '1234')}mqops/x`, undefined, false],
    ['mqops/a b', undefined, false],
    ['mqops/a\nprod/b', undefined, false],
    ['', undefined, false],
  ])('%j names %j (owned: %s)', (secretId, name, owned) => {
    expect(secretNameOf(secretId)).toBe(name);
    expect(ownsSecretId(secretId)).toBe(owned);
  });
});

describe('Function: clip', () => {
  it('keeps a short value and cuts a long one, saying how long it was', () => {
    expect(clip('abc')).toBe('abc');
    expect(clip('x'.repeat(1 << 20))).toBe(`${'x'.repeat(64)}…(1048576 chars)`);
    expect(clip('x'.repeat(101), 100)).toBe(`${'x'.repeat(100)}…(101 chars)`);
  });
});

describe('Function: rotateAndNotify (refused invocations)', () => {
  const event = (over: Partial<RotationEvent>, pending: string): RotationEvent => ({
    Step: 'createSecret',
    SecretId: ARN,
    ClientRequestToken: pending,
    ...over,
  });

  it.each([
    ['a foreign name', { SecretId: 'prod/db-password' }],
    ['a foreign ARN', { SecretId: `${ACCOUNT}prod/db-password-AbCdEf` }],
    ['a 1 MB SecretId', { SecretId: `mqops/${'a'.repeat(1 << 20)}` }],
    ['a SecretId with a newline', { SecretId: `mqops/x\nprod/db-password` }],
  ])('%s: refused before any call', async (_name, over) => {
    const { deps, pending, effects } = setup();
    const error = await rotateAndNotify(event(over, pending), deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RotationRefusedError);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/refused: not an mqops\/… secret/);
    expect((error as Error).message.length).toBeLessThanOrEqual(300);
    expect(effects()).toEqual({ ...NOTHING, secretsManager: [] });
  });

  /** An owned secret in a state (or an event) the guard refuses. */
  interface Refusal {
    name: string;
    prepare?: (store: MemorySecretStore) => void;
    over?: Partial<RotationEvent>;
    reason: RegExp;
  }
  const refusals: Refusal[] = [
    {
      name: 'rotation not enabled',
      prepare: (s) => {
        s.rotationEnabled = false;
      },
      reason: /rotation is not enabled/,
    },
    {
      name: 'no mqops:broker tag (an untagged mqops/ secret)',
      prepare: (s) => {
        s.tags = { 'mqops:engine': 'rabbitmq' };
      },
      reason: /no mqops:broker tag/,
    },
    {
      name: 'a secret that does not exist',
      over: { SecretId: 'mqops/orders/gone' },
      reason: /no such secret/,
    },
    {
      name: 'a token that is not a version',
      over: { ClientRequestToken: token(99) },
      reason: /not a version/,
    },
    {
      name: 'the AWSPREVIOUS version',
      prepare: (s) => {
        s.versions.set('old', { value: '{}', stages: ['AWSPREVIOUS'] });
      },
      over: { ClientRequestToken: 'old' },
      reason: /not labelled AWSPENDING/,
    },
    {
      name: 'a version with no label',
      prepare: (s) => {
        s.versions.set('stray', { value: '{}', stages: [] });
      },
      over: { ClientRequestToken: 'stray' },
      reason: /not labelled AWSPENDING/,
    },
  ];

  it.each(refusals)('$name: refused after DescribeSecret alone', async ({ prepare, over, reason }) => {
    // Prepare
    const { store, deps, pending, effects } = setup();
    prepare?.(store);

    // Act
    const errors = [];
    for (const Step of ROTATION_STEPS)
      errors.push(await rotateAndNotify(event({ Step, ...over }, pending), deps).catch((e: unknown) => e));

    // Assess
    for (const error of errors) {
      expect(error).toBeInstanceOf(RotationRefusedError);
      expect((error as Error).message).toMatch(reason);
    }
    expect(effects()).toEqual({ ...NOTHING, secretsManager: ROTATION_STEPS.map(() => 'DescribeSecret') });
    expect(store.puts).toBe(0);
  });

  it('refuses a secret whose ARN (as Secrets Manager resolves it) is not mqops/', async () => {
    const { store, deps, pending, effects } = setup();
    store.describe = async () => ({
      arn: `${ACCOUNT}prod/db-password-AbCdEf`,
      rotationEnabled: true,
      versions: { [pending]: ['AWSPENDING'] },
      tags: { 'mqops:broker': 'b-1' },
    });
    await expect(rotateAndNotify(event({}, pending), deps)).rejects.toThrow(/ARN is not an mqops/);
    expect(effects()).toMatchObject(NOTHING);
  });

  it('acts on, and notifies about, an owned secret in rotation (the checks above can fail)', async () => {
    const { deps, pending, effects } = setup();
    for (const Step of ROTATION_STEPS) await rotateAndNotify(event({ Step }, pending), deps);
    const done = effects();
    expect(done.secretsManager).toContain('PutSecretValue');
    expect(done.broker).toContain('apply app');
    expect(done.notices).toBe(1);
    expect(done.stateWrites).toBeGreaterThan(0);
  });

  it('accepts the secret by name as well as by ARN', async () => {
    const { deps, pending } = setup();
    await expect(rotateAndNotify(event({ SecretId: NAME }, pending), deps)).resolves.toMatchObject({
      result: { outcome: 'pending-created' },
    });
  });

  it('still notifies a failure after the guard admitted the invocation', async () => {
    const { deps, pending, effects } = setup();
    // setSecret before createSecret: a real failure of an owned rotation.
    await expect(rotateAndNotify(event({ Step: 'setSecret' }, pending), deps)).rejects.toThrow(
      /no AWSPENDING value/,
    );
    expect(effects().notices).toBe(1);
  });

  it('leaves a DescribeSecret failure unnotified (it cannot tell the secret is its own)', async () => {
    const { store, deps, pending, effects } = setup();
    store.describe = async () => {
      throw new Error('ThrottlingException: Rate exceeded');
    };
    await expect(rotateAndNotify(event({}, pending), deps)).rejects.toThrow(/Rate exceeded/);
    expect(effects()).toMatchObject(NOTHING);
  });
});

describe('Function: admitRotation', () => {
  it('returns the description for the AWSPENDING and the AWSCURRENT version', async () => {
    const { store, pending } = setup();
    const request = { Step: 'createSecret', SecretId: ARN };
    await expect(admitRotation({ ...request, ClientRequestToken: pending }, store)).resolves.toMatchObject({
      arn: ARN,
      versions: { [pending]: ['AWSPENDING'] },
    });
    await expect(admitRotation({ ...request, ClientRequestToken: 'v0' }, store)).resolves.toMatchObject({
      arn: ARN,
    });
  });

  it('keeps its message within 300 characters whatever it is given', async () => {
    const { store } = setup();
    const huge = 'q'.repeat(1 << 20);
    const error = await admitRotation({ Step: huge, SecretId: huge, ClientRequestToken: huge }, store).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(RotationRefusedError);
    expect(error?.message.length).toBeLessThanOrEqual(300);
    expect(error?.message).toContain('…(1048576 chars)');
  });
});

describe('Function: runRotationStep (the admin secret)', () => {
  it('refuses a masterarn outside mqops/ before reading it or changing the broker', async () => {
    // Prepare
    const foreign = `${ACCOUNT}prod/root-AbCdEf`;
    const { store, broker, pending } = setup({ ...single, masterarn: foreign });
    store.others.set(foreign, JSON.stringify({ username: 'admin', password: 'admin-Secret-Pa55' }));
    const deps = { store, targets: { rabbitmq: broker } };
    const run = (Step: (typeof ROTATION_STEPS)[number]) =>
      runRotationStep({ Step, SecretId: ARN, ClientRequestToken: pending }, deps);
    await run('createSecret');
    const before = store.calls.length;

    // Act
    const error = await run('setSecret').then(
      () => undefined,
      (e: unknown) => e as Error,
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error?.message).toMatch(/masterarn .*prod\/root.* is not an mqops\/… secret/);
    // AWSCURRENT and AWSPENDING were read; the foreign secret was not, and the broker was not touched.
    expect(store.calls.slice(before)).toEqual(['DescribeSecret', 'GetSecretValue', 'GetSecretValue']);
    expect(broker.calls).toEqual([]);
  });

  it('reads an mqops/ masterarn and changes the user as that admin', async () => {
    const { store, broker, pending } = setup({ ...single, masterarn: MASTER });
    const deps = { store, targets: { rabbitmq: broker } };
    for (const Step of ROTATION_STEPS)
      await runRotationStep({ Step, SecretId: ARN, ClientRequestToken: pending }, deps);
    expect(broker.calls).toContain('apply app');
    expect(store.current().password).not.toBe(single.password);
  });
});

describe('Function: parseRotationEvent (AWS limits)', () => {
  const L = ROTATION_EVENT_LIMITS;
  const valid = { Step: 'createSecret', SecretId: ARN, ClientRequestToken: token(1) };

  it.each([
    ['a SecretId of 2,048 characters', { SecretId: `mqops/${'a'.repeat(L.secretId - 6)}` }],
    ['a token of 32 characters', { ClientRequestToken: 't'.repeat(L.tokenMin) }],
    ['a token of 64 characters', { ClientRequestToken: 't'.repeat(L.tokenMax) }],
    ['a RotationToken of 256 characters', { RotationToken: 'r'.repeat(L.rotationToken) }],
  ])('accepts %s', (_name, over) => {
    expect(parseRotationEvent({ ...valid, ...over })).toEqual({ ...valid, ...over });
  });

  it.each([
    [
      'a SecretId of 2,049 characters',
      { SecretId: `mqops/${'a'.repeat(L.secretId - 5)}` },
      /SecretId: longer than 2048/,
    ],
    ['an empty SecretId', { SecretId: '' }, /SecretId: empty/],
    [
      'a token of 31 characters',
      { ClientRequestToken: 't'.repeat(L.tokenMin - 1) },
      /ClientRequestToken: not 32 to 64/,
    ],
    [
      'a token of 65 characters',
      { ClientRequestToken: 't'.repeat(L.tokenMax + 1) },
      /ClientRequestToken: not 32 to 64/,
    ],
    [
      'a RotationToken of 257 characters',
      { RotationToken: 'r'.repeat(L.rotationToken + 1) },
      /RotationToken: longer/,
    ],
    ['an unknown step', { Step: 'deleteSecret' }, /Step: not one of createSecret, setSecret/],
    ['a step in another case', { Step: 'CreateSecret' }, /Step: not one of/],
  ])('refuses %s', (_name, over, pattern) => {
    expect(() => parseRotationEvent({ ...valid, ...over })).toThrow(pattern);
  });

  it('refuses an event wrong in every field in at most 300 characters, repeating none of them', () => {
    const huge = (c: string) => c.repeat(1 << 20);
    const error = (() => {
      try {
        parseRotationEvent({
          Step: huge('s'),
          SecretId: huge('i'),
          ClientRequestToken: huge('c'),
          RotationToken: huge('r'),
        });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error?.message.length).toBeLessThanOrEqual(300);
    for (const c of 'sicr') expect(error?.message).not.toContain(c.repeat(20));
    expect(error?.message).toMatch(/Step.*SecretId.*ClientRequestToken.*RotationToken/);
  });

  it.each([
    ['null', null],
    ['an array', [valid]],
    ['a string', JSON.stringify(valid)],
    ['numbers for strings', { Step: 'createSecret', SecretId: 7, ClientRequestToken: 8 }],
  ])('refuses %s', (_name, input) => {
    expect(() => parseRotationEvent(input)).toThrow(InvalidInputError);
  });

  it('refuses an object whose fields throw when read, as an InvalidInputError', () => {
    const hostile = {
      get Step(): string {
        throw new Error('boom');
      },
    };
    expect(() => parseRotationEvent(hostile)).toThrow(InvalidInputError);
  });
});
