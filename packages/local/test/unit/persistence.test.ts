import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControllableClock } from '../../src/clock';
import { decodeState, encodeState, LocalStateDir, LocalStateError } from '../../src/persistence';
import { loadScenario, type Scenario } from '../../src/scenario';
import { World } from '../../src/world';

/** A process id no process has (beyond Linux's pid_max, or just unused): its lock is stale. */
function unusedPid(): number {
  for (let pid = 4_194_400; ; pid++) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
}

const tmp = () => join(mkdtempSync(join(tmpdir(), 'mqops-persist-')), 'local');

const demo = (): Scenario => loadScenario('demo');

function worldOf(scenario: Scenario, at = '2025-04-01T09:00:00.000Z'): World {
  const clock = new ControllableClock(at, { frozen: true });
  return new World(scenario, { accountId: '123456789012', region: 'us-east-1', clock });
}

/** What a save then a load in another process does to a world: JSON text in between. */
const throughDisk = (world: World) => decodeState(JSON.parse(JSON.stringify(encodeState(world.snapshot()))));

const kept = (world: World, clock = '2025-04-01T09:00:00.000Z') => ({
  scenario: { label: 'demo', digest: 'd', value: demo() },
  clock,
  world: world.snapshot(),
});

describe('encodeState / decodeState', () => {
  it('keeps Maps, Sets, Dates, bigints, bytes, odd numbers and $ keys through JSON text', () => {
    const value = {
      map: new Map<string, unknown>([
        ['a', { at: new Date('2025-04-01T09:00:00.000Z') }],
        ['b', new Set([1, 2])],
      ]),
      big: 10_000_000_000_000_000_001n,
      bytes: new Uint8Array([0, 1, 254, 255]),
      odd: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, undefined, null],
      dollars: { $map: 'not a tag', plain: 1 },
      left: undefined,
    };
    const back = decodeState(JSON.parse(JSON.stringify(encodeState(value)))) as typeof value;
    expect(back.map).toBeInstanceOf(Map);
    expect((back.map.get('a') as { at: Date }).at).toEqual(new Date('2025-04-01T09:00:00.000Z'));
    expect(back.map.get('b')).toEqual(new Set([1, 2]));
    expect(back.big).toBe(10_000_000_000_000_000_001n);
    expect(back.bytes).toEqual(new Uint8Array([0, 1, 254, 255]));
    expect(back.odd).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      undefined,
      null,
    ]);
    expect(back.dollars).toEqual({ $map: 'not a tag', plain: 1 });
    expect('left' in back).toBe(false);
  });

  it('refuses what it cannot keep (a function, a class instance) and names where it is', () => {
    expect(() => encodeState({ brokers: [{ valueAt: () => 1 }] })).toThrow(
      /\$\.brokers\[0\]\.valueAt: a function/,
    );
    expect(() => encodeState({ clock: new ControllableClock() })).toThrow(/ControllableClock instance/);
    expect(() => decodeState({ $nope: 1 })).toThrow(/unknown tag \$nope/);
  });
});

describe('World snapshot / restore', () => {
  it('brings back every service as it was, with the ids, ARNs and version ids made at random', async () => {
    const world = worldOf(demo());
    const orders = world.mq.broker('orders-prod');
    world.mq.updateBroker(orders.BrokerId, { HostInstanceType: 'mq.m5.xlarge' });
    world.mq.createUser(orders.BrokerId, 'late-user', { Password: 'late-user-Pass-1', Groups: ['apps'] });
    const created = (await world.mq.createBroker({
      BrokerName: 'made-later',
      DeploymentMode: 'SINGLE_INSTANCE',
      EngineType: 'RABBITMQ',
      HostInstanceType: 'mq.m5.large',
      PubliclyAccessible: false,
      Users: [{ Username: 'admin', Password: 'admin-Pass-1234' }],
    })) as { BrokerId: string };
    const secret = world.secrets.createSecret({ Name: 'mqops/made-later/admin', SecretString: '{"a":1}' });
    const rotation = world.secrets.rotateSecret({
      SecretId: 'mqops/made-later/admin',
      RotationLambdaARN: 'arn:aws:lambda:us-east-1:123456789012:function:f',
    });
    world.cloudwatch.putAlarm({
      AlarmName: 'made-later-cpu',
      MetricName: 'SystemCpuUtilization',
      Namespace: 'AWS/AmazonMQ',
      Statistic: 'Average',
      Dimensions: [{ Name: 'Broker', Value: 'made-later' }],
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 80,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const topic = world.sns.createTopic('made-later-topic', {}, []);
    world.sns.publish({ topicArn: topic.arn, message: 'hello' });
    world.sts.setCaller('arn:aws:iam::123456789012:user/someone');

    const again = worldOf(demo(), '2025-04-02T00:00:00.000Z');
    again.restore(throughDisk(world) as ReturnType<World['snapshot']>);

    expect(JSON.stringify(encodeState(again.snapshot()))).toBe(JSON.stringify(encodeState(world.snapshot())));
    expect(again.mq.broker('orders-prod').pending.HostInstanceType).toBe('mq.m5.xlarge');
    expect(again.mq.broker('orders-prod').users.get('late-user')?.pending?.change).toBe('CREATE');
    expect(again.mq.broker('made-later').BrokerId).toBe(created.BrokerId);
    expect(again.secrets.find('mqops/made-later/admin').arn).toBe(secret.ARN);
    expect(again.secrets.pendingRotations.get(secret.ARN as string)?.token).toBe(rotation.VersionId);
    expect(
      again.secrets.find('mqops/made-later/admin').versions.get(rotation.VersionId as string)?.stages,
    ).toEqual(['AWSPENDING']);
    expect(again.cloudwatch.alarms.get('made-later-cpu')?.Threshold).toBe(80);
    expect(again.sns.published.map((m) => m.message)).toEqual(['hello']);
    expect(again.sts.caller.Arn).toBe('arn:aws:iam::123456789012:user/someone');
    // The metrics of a broker made through CreateBroker come back with it (they are functions, made again).
    expect(
      again.cloudwatch.findSeries('AWS/AmazonMQ', 'SystemCpuUtilization', [
        { Name: 'Broker', Value: 'made-later' },
      ]),
    ).toBeDefined();
  });

  it('keeps the demo secrets with rotation on tied to a rotation function (rotate-now has one to call)', () => {
    const world = worldOf(demo());
    const on = [...world.secrets.secrets.values()].filter((s) => s.rotationEnabled);
    expect(on.length).toBeGreaterThan(0);
    for (const secret of on)
      expect(secret.rotationLambdaArn).toMatch(/^arn:aws:lambda:us-east-1:\d{12}:function:/);
    // A scenario that turns rotation on without naming a function gets the local one, as AWS never has neither.
    const bare = worldOf({
      secrets: [{ Name: 'mqops/x/y', SecretString: '{}', RotationEnabled: true }],
    });
    expect(bare.secrets.find('mqops/x/y').rotationLambdaArn).toBe(
      'arn:aws:lambda:us-east-1:123456789012:function:mqops-local-Rotate',
    );
  });
});

describe('LocalStateDir', () => {
  it('saves and loads the state: a second open finds what the first saved, with the next generation', async () => {
    const dir = tmp();
    const first = await LocalStateDir.open({ dir });
    expect(first.saved).toBeUndefined();
    const world = worldOf(demo());
    world.mq.updateBroker('orders-prod', { HostInstanceType: 'mq.m5.xlarge' });
    await first.save(kept(world, '2025-04-01T09:05:00.000Z'));
    await first.release();
    expect(existsSync(join(dir, 'lock'))).toBe(false);

    const second = await LocalStateDir.open({ dir });
    expect(second.saved).toMatchObject({ format: 1, generation: 1, clock: '2025-04-01T09:05:00.000Z' });
    const again = worldOf(demo());
    again.restore(second.saved?.world as ReturnType<World['snapshot']>);
    expect(again.mq.broker('orders-prod').pending.HostInstanceType).toBe('mq.m5.xlarge');
    await second.save(kept(again));
    await second.save(kept(again));
    await second.release();
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).generation).toBe(3);
  });

  it('starts over with reset: the state, DynamoDB and S3 data are gone', async () => {
    const dir = tmp();
    const first = await LocalStateDir.open({ dir });
    await first.save(kept(worldOf(demo())));
    mkdirSync(first.dynamodbPath, { recursive: true });
    writeFileSync(join(first.dynamodbPath, 'CURRENT'), 'x');
    mkdirSync(join(first.s3Directory, 'bucket'), { recursive: true });
    await first.release();

    const kept_ = await LocalStateDir.open({ dir });
    expect(kept_.saved).toBeDefined();
    await kept_.release();
    const reset = await LocalStateDir.open({ dir, reset: true });
    expect(reset.saved).toBeUndefined();
    expect(existsSync(join(dir, 'state.json'))).toBe(false);
    expect(existsSync(reset.dynamodbPath)).toBe(false);
    expect(existsSync(reset.s3Directory)).toBe(false);
    await reset.release();
  });

  it.each([
    ['not JSON', '{"format": 1, "generation": ', /state\.json is not JSON/],
    ['another format', '{"format": 99}', /format 99, this version reads 1/],
    ['no world', '{"format": 1, "generation": 1, "clock": "2025-04-01T09:00:00.000Z"}', /lacks/],
  ])(
    'refuses a state.json that is %s, naming the directory and --reset, and gives the lock back',
    async (_, text, detail) => {
      const dir = tmp();
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'state.json'), text);
      const error = await LocalStateDir.open({ dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LocalStateError);
      expect(error).toMatchObject({ kind: 'corrupt', dir });
      expect((error as Error).message).toMatch(detail);
      expect((error as Error).message).toContain(`the local cloud state in ${dir} is unreadable`);
      expect((error as Error).message).toContain('--reset');
      expect(existsSync(join(dir, 'lock'))).toBe(false);
      // --reset gets past it.
      const reset = await LocalStateDir.open({ dir, reset: true });
      expect(reset.saved).toBeUndefined();
      await reset.release();
    },
  );

  it('lets one writer in at a time: a second is refused while the first holds it, then finds its save', async () => {
    const dir = tmp();
    const first = await LocalStateDir.open({ dir });
    const refused = await LocalStateDir.open({ dir, lockWaitMs: 0 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: 'busy', dir });
    expect((refused as Error).message).toMatch(
      new RegExp(
        `in use by another command \\(process ${process.pid} on .*run one --local command at a time`,
      ),
    );
    // A waiting second writer gets in once the first is done, and sees what it saved: no lost update.
    const waiting = LocalStateDir.open({ dir, lockWaitMs: 5_000 });
    const world = worldOf(demo());
    world.mq.updateBroker('orders-prod', { HostInstanceType: 'mq.m5.xlarge' });
    await first.save(kept(world));
    await first.release();
    const second = await waiting;
    expect(second.saved?.generation).toBe(1);
    await second.release();
  });

  it('refuses to save over a state another process wrote meanwhile (a broken lock), and keeps that state', async () => {
    const dir = tmp();
    const first = await LocalStateDir.open({ dir });
    await first.save(kept(worldOf(demo())));
    // Someone ignores the lock and writes generation 7.
    const other = { ...JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')), generation: 7 };
    writeFileSync(join(dir, 'state.json'), JSON.stringify(other));
    const error = await first.save(kept(worldOf(demo()))).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'conflict', dir });
    expect((error as Error).message).toMatch(
      /changed by another process.*generation 7, expected 1.*not saved/,
    );
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).generation).toBe(7);
    await first.release();
  });

  it('takes over the lock of a process that is gone, not the lock of a live one', async () => {
    const dir = tmp();
    mkdirSync(dir, { recursive: true });
    const deadPid = unusedPid();
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: deadPid, host: hostname(), since: 'earlier' }));
    const taken = await LocalStateDir.open({ dir, lockWaitMs: 0 });
    expect(JSON.parse(readFileSync(join(dir, 'lock'), 'utf8')).pid).toBe(process.pid);
    await taken.release();

    // The parent of this process is alive: its lock is respected.
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: process.ppid, host: hostname(), since: 'now' }));
    await expect(LocalStateDir.open({ dir, lockWaitMs: 0 })).rejects.toMatchObject({ kind: 'busy' });
  });

  it.each([
    ['empty', ''],
    ['cut short', '{"pid": 12'],
  ])(
    'takes over a lock file that names no holder (%s) once it is a few seconds old, not while it is new',
    async (_, text) => {
      const dir = tmp();
      mkdirSync(dir, { recursive: true });
      const lock = join(dir, 'lock');
      // A process of an earlier version made the file and had not written it yet (or died before it did).
      writeFileSync(lock, text);
      await expect(LocalStateDir.open({ dir, lockWaitMs: 0 })).rejects.toMatchObject({ kind: 'busy' });
      // It died: the file stays as it was.
      const aMinuteAgo = new Date(Date.now() - 60_000);
      utimesSync(lock, aMinuteAgo, aMinuteAgo);
      const taken = await LocalStateDir.open({ dir, lockWaitMs: 0 });
      expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
      await taken.release();
      expect(existsSync(lock)).toBe(false);
    },
  );

  it('takes over a stale lock only through a claim: a live claimer is waited for, a dead one is claimed over', async () => {
    const dir = tmp();
    mkdirSync(dir, { recursive: true });
    const lock = join(dir, 'lock');
    writeFileSync(lock, JSON.stringify({ pid: unusedPid(), host: hostname(), since: 'earlier', token: 't' }));
    // How persistence.ts names the claim on this very lock file (its inode, its time and its text).
    const stat = statSync(lock, { bigint: true });
    const id = createHash('sha256')
      .update(`${stat.dev}:${stat.ino}:${stat.mtimeNs}\n${readFileSync(lock, 'utf8')}`)
      .digest('hex')
      .slice(0, 32);
    const claim = join(dir, `lock.claim.${id}`);
    // Another process (alive: the parent of this one) is taking it over: it is left to it.
    writeFileSync(claim, JSON.stringify({ pid: process.ppid, host: hostname(), since: 'now', token: 'c' }));
    await expect(LocalStateDir.open({ dir, lockWaitMs: 0 })).rejects.toMatchObject({ kind: 'busy' });
    expect(JSON.parse(readFileSync(lock, 'utf8')).token).toBe('t');
    // It died while doing so: its claim is claimed in turn, and the stale lock taken over.
    writeFileSync(claim, JSON.stringify({ pid: unusedPid(), host: hostname(), since: 'now', token: 'c' }));
    const taken = await LocalStateDir.open({ dir, lockWaitMs: 0 });
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(process.pid);
    expect(readdirSync(dir).filter((name) => name.startsWith('lock.'))).toEqual([]);
    await taken.release();
  });

  it('gives back only its own lock: not one another holder made meanwhile (even with the same pid)', async () => {
    const dir = tmp();
    const first = await LocalStateDir.open({ dir });
    const other = JSON.stringify({ pid: process.pid, host: hostname(), since: 'now', token: 'another' });
    writeFileSync(join(dir, 'lock'), other);
    await first.release();
    expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(other);
  });

  it('keeps the state for its owner only: the directory 0700, state.json and the lock 0600', async () => {
    const dir = join(tmp(), 'nested');
    const state = await LocalStateDir.open({ dir });
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, '..'))).toBe(0o700);
    expect(mode(join(dir, 'lock'))).toBe(0o600);
    await state.save(kept(worldOf(demo())));
    expect(mode(join(dir, 'state.json'))).toBe(0o600);
    await state.save(kept(worldOf(demo())));
    expect(mode(join(dir, 'state.json'))).toBe(0o600);
    await state.release();
  });
});
