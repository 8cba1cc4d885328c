import { beforeEach, describe, expect, it } from 'vitest';
import type { AlarmStates, BrokerControl, ConnectionProbe, ProbeResult } from '../../../src/capacity/ports';
import { BrokerNotFoundError, InvalidInputError } from '../../../src/errors';
import { MemoryKeyValueStore } from '../../../src/kv';
import type { Broker } from '../../../src/model';
import type { Notice, NoticeSink } from '../../../src/notices';
import { activeRunbook, markRunbook } from '../../../src/runbook-marker';
import type { RunbookPorts } from '../../../src/runbooks/ports';
import { listRuns, type RunRecord, runRunbook } from '../../../src/runbooks/run';
import {
  advanceSafeReboot,
  advanceSafeReboots,
  decideSafeReboot,
  deploymentModeVerdict,
  listSafeReboots,
  SAFE_REBOOT_TIMING,
  type SafeReboot,
  safeReboot,
  safeRebootKey,
} from '../../../src/runbooks/safe-reboot';
import type { RunContext } from '../../../src/runbooks/types';
import * as v from '../../../src/schema';
import { makeBroker } from '../../helpers/broker';

const T0 = new Date('2026-11-25T12:00:00.000Z');
const ID = 'b-1234';
const MINUTE = 60_000;

const STANDBY_PAIR = [
  {
    consoleUrl: 'https://b-1234-1.mq.us-east-1.amazonaws.com:8162',
    endpoints: ['stomp+ssl://b-1234-1:61614'],
  },
  {
    consoleUrl: 'https://b-1234-2.mq.us-east-1.amazonaws.com:8162',
    endpoints: ['stomp+ssl://b-1234-2:61614'],
  },
];

/** DescribeBroker and RebootBroker over brokers in memory; a reboot leaves the broker in REBOOT_IN_PROGRESS. */
class FakeControl implements BrokerControl {
  readonly brokers = new Map<string, Broker>();
  readonly reboots: string[] = [];
  describeError: unknown;
  rebootError: unknown;
  /** Runs as DescribeBroker starts (a slow call moves the test clock). */
  onDescribe?: () => void;

  add(overrides: Partial<Broker> = {}): Broker {
    const broker = makeBroker({ id: ID, instances: STANDBY_PAIR, ...overrides });
    this.brokers.set(broker.id, broker);
    return broker;
  }

  async describe(brokerId: string): Promise<Broker> {
    this.onDescribe?.();
    await Promise.resolve();
    if (this.describeError !== undefined) throw this.describeError;
    const broker = this.brokers.get(brokerId);
    if (!broker) throw new BrokerNotFoundError(brokerId);
    return structuredClone(broker);
  }

  async updateInstanceType(): Promise<void> {
    throw new Error('not used by safe-reboot');
  }

  async reboot(brokerId: string): Promise<void> {
    await Promise.resolve();
    if (this.rebootError !== undefined) throw this.rebootError;
    this.reboots.push(brokerId);
    this.setState(brokerId, 'REBOOT_IN_PROGRESS');
  }

  setState(brokerId: string, state: string): void {
    const broker = this.brokers.get(brokerId);
    if (broker) broker.state = state;
  }
}

class FakeAlarms implements AlarmStates {
  readonly firing = new Map<string, string[]>();
  error: unknown;
  /** Runs as the read starts (a slow call moves the test clock; something else may happen meanwhile). */
  onRead?: () => Promise<void> | void;
  async inAlarm(broker: Broker): Promise<string[]> {
    await this.onRead?.();
    if (this.error !== undefined) throw this.error;
    return this.firing.get(broker.id) ?? [];
  }
}

class FakeProbe implements ConnectionProbe {
  result: ProbeResult = { ok: true, detail: 'stomp://127.0.0.1:61613 answered the STOMP handshake' };
  thrown: unknown;
  calls = 0;
  async probe(): Promise<ProbeResult> {
    this.calls++;
    if (this.thrown !== undefined) throw this.thrown;
    return this.result;
  }
}

class RecordingSink implements NoticeSink {
  readonly channel = 'test';
  readonly notices: Notice[] = [];
  async send(notice: Notice): Promise<void> {
    await Promise.resolve();
    this.notices.push(notice);
  }
}

let at: Date;
let store: MemoryKeyValueStore;
let control: FakeControl;
let alarms: FakeAlarms;
let probe: FakeProbe;
let sink: RecordingSink;
const now = () => at;
const advance = (minutes: number) => {
  at = new Date(at.getTime() + minutes * MINUTE);
};
const ports = (): RunbookPorts => ({ control, alarms, probe });
const tickDeps = () => ({ store, control, probe, sinks: [sink], now });
const ctx = (overrides: Partial<RunContext> = {}): RunContext => ({
  runId: 'run-1',
  by: 'alice',
  dryRun: true,
  now,
  store,
  sinks: [sink],
  ...overrides,
});
const stateOf = async () => (await store.get<SafeReboot>(safeRebootKey(ID)))?.value;
const execute = (payload: Record<string, unknown> = { brokerId: ID }) =>
  runRunbook(
    { runbook: 'safe-reboot', payload, execute: true, by: 'alice' },
    { runbooks: [safeReboot], ports: ports(), store, sinks: [sink], now, newId: () => 'run-1' },
  );
const endNotices = () => sink.notices.filter((n) => n.key?.startsWith('safe-reboot:'));

beforeEach(() => {
  at = T0;
  store = new MemoryKeyValueStore();
  control = new FakeControl();
  alarms = new FakeAlarms();
  probe = new FakeProbe();
  sink = new RecordingSink();
});

describe('Function: safeReboot (payload)', () => {
  it.each([
    ['a broker name instead of an id', { brokerId: 'orders' }],
    ['an unknown field (no "force")', { brokerId: ID, force: true }],
    ['allowDowntime that is not a boolean', { brokerId: ID, allowDowntime: 'yes' }],
    ['no broker', {}],
  ])('rejects %s', (_case, payload) => {
    expect(v.safeParse(safeReboot.payload, payload).success).toBe(false);
  });

  it('accepts a broker id with or without allowDowntime', () => {
    expect(v.parse(safeReboot.payload, { brokerId: ID })).toEqual({ brokerId: ID });
    expect(v.parse(safeReboot.payload, { brokerId: ID, allowDowntime: true })).toEqual({
      brokerId: ID,
      allowDowntime: true,
    });
  });

  it('fails clearly before any call when the broker control is not wired', async () => {
    control.add();
    await expect(safeReboot.run({ brokerId: ID }, ctx(), { alarms })).rejects.toThrow(InvalidInputError);
    await expect(safeReboot.run({ brokerId: ID }, ctx(), { alarms })).rejects.toThrow(/broker control/);
  });
});

describe('Function: safeReboot (dry run)', () => {
  it('describes the broker, gives every guard its verdict and changes nothing', async () => {
    control.add({ pending: { engineVersion: '5.18.4' } });
    const outcome = await safeReboot.run({ brokerId: ID }, ctx(), ports());
    expect(outcome.status).toBe('dry-run');
    expect(outcome.summary).toMatch(/^would reboot broker orders \(active\/standby: the standby takes over/);
    expect(outcome.summary).toContain('all 5 guards pass');
    expect(outcome.summary).toContain('engine version 5.18 → 5.18.4');
    expect(outcome.brokers).toEqual([ID]);
    expect(outcome.details.guards).toEqual([
      { guard: 'exists', ok: true, detail: 'broker orders (b-1234) exists' },
      { guard: 'running', ok: true, detail: 'broker is RUNNING' },
      { guard: 'no-runbook', ok: true, detail: 'no other runbook is running on the broker' },
      { guard: 'no-alarm', ok: true, detail: 'none of its alarms is in ALARM' },
      expect.objectContaining({ guard: 'deployment-mode', ok: true }),
    ]);
    expect(outcome.details.broker).toMatchObject({ id: ID, deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ' });
    expect(outcome.details.wouldDo).toContain(`RebootBroker ${ID}`);
    expect(outcome.continues).toBeUndefined();
    expect(control.reboots).toEqual([]);
    expect(await activeRunbook(store, ID, at)).toBeUndefined();
    expect(await stateOf()).toBeUndefined();
  });
});

describe('Function: safeReboot (guards)', () => {
  it.each<[string, () => Promise<void> | void, RegExp, string]>([
    ['the broker does not exist', () => undefined, /no broker b-1234 in this account and region/, 'exists'],
    [
      'the broker is not RUNNING',
      () => {
        control.add({ state: 'REBOOT_IN_PROGRESS' });
      },
      /broker is REBOOT_IN_PROGRESS, not RUNNING \(a reboot is already under way\)/,
      'running',
    ],
    [
      'another runbook holds a marker on it',
      async () => {
        control.add();
        await markRunbook(store, ID, 'resize', T0, new Date(T0.getTime() + 30 * MINUTE));
      },
      /runbook resize is running on the broker/,
      'no-runbook',
    ],
    [
      'an alarm is in ALARM',
      () => {
        control.add();
        alarms.firing.set(ID, ['orders-cpu-high', 'orders-heap']);
      },
      /alarms in ALARM: orders-cpu-high, orders-heap/,
      'no-alarm',
    ],
    [
      'its alarm states cannot be read',
      () => {
        control.add();
        alarms.error = new Error('ThrottlingException: Rate exceeded');
      },
      /alarm states could not be read \(ThrottlingException: Rate exceeded\)/,
      'no-alarm',
    ],
    [
      'an active/standby broker reports no standby',
      () => {
        control.add({ instances: [STANDBY_PAIR[0] as Broker['instances'][number]] });
      },
      /active\/standby broker without its standby: 1 instance with endpoints of 1 reported, 2 needed/,
      'deployment-mode',
    ],
    [
      "an active/standby broker's standby has no endpoints",
      () => {
        control.add({ instances: [STANDBY_PAIR[0] as Broker['instances'][number], { endpoints: [] }] });
      },
      /1 instance with endpoints of 2 reported/,
      'deployment-mode',
    ],
    [
      'a single-instance broker without allowDowntime',
      () => {
        control.add({ deploymentMode: 'SINGLE_INSTANCE', instances: [] });
      },
      /single-instance broker: it is offline while it reboots; say "allowDowntime": true/,
      'deployment-mode',
    ],
  ])('refuses when %s, changing nothing (dry run and execute)', async (_case, prepare, reason, guard) => {
    await prepare();
    const markerBefore = await activeRunbook(store, ID, at);
    for (const dryRun of [true, false]) {
      const outcome = await safeReboot.run({ brokerId: ID }, ctx({ dryRun }), ports());
      expect(outcome.status).toBe('refused');
      expect(outcome.summary).toMatch(reason);
      expect(outcome.summary).toMatch(/nothing was changed$/);
      const verdicts = outcome.details.guards as { guard: string; ok: boolean }[];
      expect(verdicts.filter((g) => !g.ok).map((g) => g.guard)).toEqual([guard]);
      expect(outcome.continues).toBeUndefined();
    }
    expect(control.reboots).toEqual([]);
    expect(await activeRunbook(store, ID, at)).toEqual(markerBefore);
    expect(await stateOf()).toBeUndefined();
  });

  it('refuses while a safe-reboot of the broker is still open, even after its marker was cleared', async () => {
    control.add();
    expect((await execute()).status).toBe('started');
    control.setState(ID, 'RUNNING');
    await store.delete(`runbook#${ID}`);
    const again = await safeReboot.run({ brokerId: ID }, ctx({ dryRun: false, runId: 'run-2' }), ports());
    expect(again.status).toBe('refused');
    expect(again.summary).toMatch(/safe-reboot run run-1 of the broker is still rebooting/);
    expect(control.reboots).toEqual([ID]);
  });

  it.each<[string, Partial<Broker>, boolean, boolean]>([
    ['a cluster (rolling restart)', { deploymentMode: 'CLUSTER_MULTI_AZ', engine: 'RABBITMQ' }, false, true],
    ['a single instance with allowDowntime', { deploymentMode: 'SINGLE_INSTANCE' }, true, true],
    ['a single instance without it', { deploymentMode: 'SINGLE_INSTANCE' }, false, false],
    ['an active/standby pair', { instances: STANDBY_PAIR }, false, true],
  ])('deployment mode: %s', (_case, broker, allowDowntime, ok) => {
    expect(deploymentModeVerdict(makeBroker({ instances: STANDBY_PAIR, ...broker }), allowDowntime).ok).toBe(
      ok,
    );
  });

  it('lets a single-instance broker reboot with allowDowntime, saying it is offline meanwhile', async () => {
    control.add({ deploymentMode: 'SINGLE_INSTANCE', instances: [] });
    const outcome = await safeReboot.run({ brokerId: ID, allowDowntime: true }, ctx(), ports());
    expect(outcome.status).toBe('dry-run');
    expect(outcome.summary).toContain('single instance: offline until it runs again');
  });
});

describe('Function: safeReboot (execute)', () => {
  it('marks the runbook, reboots once, persists the run and continues on the tick', async () => {
    control.add();
    const record = await execute();
    expect(record.status).toBe('started');
    expect(record.summary).toMatch(/^rebooting broker orders \(active\/standby/);
    expect(record.continues).toEqual({ kind: 'safe-reboot', key: `safereboot#${ID}` });
    expect(control.reboots).toEqual([ID]);
    expect(await activeRunbook(store, ID, at)).toEqual({
      name: 'safe-reboot',
      startedAt: T0.toISOString(),
      until: new Date(T0.getTime() + SAFE_REBOOT_TIMING.markerMinutes * MINUTE).toISOString(),
    });
    expect(await stateOf()).toMatchObject({
      runId: 'run-1',
      trailKey: `runbookrun#${T0.toISOString()}#run-1`,
      by: 'alice',
      brokerId: ID,
      state: 'rebooting',
      startedAt: T0.toISOString(),
      deadline: new Date(T0.getTime() + SAFE_REBOOT_TIMING.rebootTimeoutMinutes * MINUTE).toISOString(),
      sawRebooting: false,
    });
    // The marker holds alerts off after the deadline too: the run can still end then.
    expect(SAFE_REBOOT_TIMING.markerMinutes).toBeGreaterThan(
      SAFE_REBOOT_TIMING.rebootTimeoutMinutes + SAFE_REBOOT_TIMING.verifyMinutes,
    );
  });

  it('reboots once when the same request runs twice at once', async () => {
    control.add();
    const [a, b] = await Promise.all([
      safeReboot.run({ brokerId: ID }, ctx({ dryRun: false, runId: 'run-a' }), ports()),
      safeReboot.run({ brokerId: ID }, ctx({ dryRun: false, runId: 'run-b' }), ports()),
    ]);
    expect([a.status, b.status].sort()).toEqual(['refused', 'started']);
    expect(control.reboots).toEqual([ID]);
    const started = a.status === 'started' ? 'run-a' : 'run-b';
    expect((await stateOf())?.runId).toBe(started);
  });

  it('reports a failed RebootBroker, clears its marker and leaves nothing open', async () => {
    control.add();
    control.rebootError = new Error('ConflictException: broker is being updated');
    const record = await execute();
    expect(record.status).toBe('failed');
    expect(record.summary).toMatch(/RebootBroker failed: ConflictException: broker is being updated/);
    expect(await activeRunbook(store, ID, at)).toBeUndefined();
    expect(await stateOf()).toMatchObject({ state: 'failed', reportedAt: T0.toISOString() });
    expect(await advanceSafeReboots(tickDeps())).toEqual([]);
  });
});

describe('Function: advanceSafeReboot', () => {
  beforeEach(async () => {
    control.add();
    expect((await execute()).status).toBe('started');
  });

  it('waits while the broker reboots: nothing ends, the marker stays, no notice', async () => {
    advance(1);
    const result = await advanceSafeReboot(tickDeps(), ID);
    expect(result.outcome).toBe('advanced');
    expect(result.action).toEqual({
      kind: 'wait',
      reason: `broker is REBOOT_IN_PROGRESS; waiting for RUNNING until ${new Date(T0.getTime() + 30 * MINUTE).toISOString()}`,
    });
    expect(await stateOf()).toMatchObject({ state: 'rebooting', sawRebooting: true });
    // The same again tells nothing new: no write.
    expect((await advanceSafeReboot(tickDeps(), ID)).outcome).toBe('idle');
    expect(probe.calls).toBe(0);
    expect((await activeRunbook(store, ID, at))?.name).toBe('safe-reboot');
    expect(endNotices()).toEqual([]);
  });

  it('verifies a RUNNING broker with a client connection, ends done once however many ticks run', async () => {
    advance(1);
    await advanceSafeReboot(tickDeps(), ID);
    control.setState(ID, 'RUNNING');
    advance(4);
    const results = await Promise.all([advanceSafeReboots(tickDeps()), advanceSafeReboots(tickDeps())]);
    expect(
      results
        .flat()
        .map((r) => r.outcome)
        .sort(),
    ).toEqual(['advanced', 'busy']);
    expect(await stateOf()).toMatchObject({
      state: 'done',
      outcome:
        'broker orders is RUNNING again and serves clients: stomp://127.0.0.1:61613 answered the STOMP handshake',
      reportedAt: at.toISOString(),
    });
    expect(await activeRunbook(store, ID, at)).toBeUndefined();
    expect(endNotices()).toHaveLength(1);
    expect(endNotices()[0]).toMatchObject({
      kind: 'runbook',
      level: 'info',
      title: 'safe-reboot of broker orders: done',
      broker: { id: ID, name: 'orders' },
      fields: { run: 'run-1', by: 'alice', took: '5 min' },
    });
    // The run's trail record carries the outcome.
    const [run] = await listRuns(store);
    expect(run).toMatchObject({
      id: 'run-1',
      status: 'done',
      summary: expect.stringMatching(/RUNNING again/),
    });
    expect((run as RunRecord).details.completion).toMatchObject({ status: 'done', at: at.toISOString() });
    // Later ticks have nothing to do.
    advance(5);
    expect(await advanceSafeReboots(tickDeps())).toEqual([]);
    expect(endNotices()).toHaveLength(1);
  });

  it('takes a broker seen RUNNING all along as rebooted only after the settle time', async () => {
    control.setState(ID, 'RUNNING');
    advance(1);
    const early = await advanceSafeReboot(tickDeps(), ID);
    expect(early.action?.kind).toBe('wait');
    expect(early.action).toMatchObject({ reason: expect.stringMatching(/waiting for the reboot to show/) });
    expect(probe.calls).toBe(0);
    advance(SAFE_REBOOT_TIMING.settleMinutes);
    expect((await advanceSafeReboot(tickDeps(), ID)).state?.state).toBe('done');
  });

  it('retries a failing connection for verifyMinutes, then fails critically and clears the marker', async () => {
    control.setState(ID, 'RUNNING');
    advance(3);
    probe.result = { ok: false, detail: 'no STOMP endpoint of broker orders answered: ECONNREFUSED' };
    const first = await advanceSafeReboot(tickDeps(), ID);
    expect(first.action?.kind).toBe('retry');
    expect(await stateOf()).toMatchObject({ state: 'verifying', lastProbe: probe.result });
    expect((await activeRunbook(store, ID, at))?.name).toBe('safe-reboot');
    expect(endNotices()).toEqual([]);

    advance(SAFE_REBOOT_TIMING.verifyMinutes);
    const last = await advanceSafeReboot(tickDeps(), ID);
    expect(last.state).toMatchObject({
      state: 'failed',
      outcome:
        'broker orders is RUNNING, but no client could connect for 5 min: no STOMP endpoint of broker orders answered: ECONNREFUSED',
    });
    expect(await activeRunbook(store, ID, at)).toBeUndefined();
    expect(endNotices()).toHaveLength(1);
    expect(endNotices()[0]).toMatchObject({
      level: 'critical',
      title: 'safe-reboot of broker orders: failed',
    });
    expect(endNotices()[0]?.text).toMatch(/needs a person/);
    expect((await listRuns(store))[0]).toMatchObject({ status: 'failed' });
  });

  it('a connection that recovers within verifyMinutes ends done', async () => {
    control.setState(ID, 'RUNNING');
    advance(3);
    probe.thrown = new Error('socket hang up');
    expect((await advanceSafeReboot(tickDeps(), ID)).action).toMatchObject({
      kind: 'retry',
      reason: expect.stringMatching(/the connection probe failed: socket hang up/),
    });
    probe.thrown = undefined;
    advance(2);
    expect((await advanceSafeReboot(tickDeps(), ID)).state?.state).toBe('done');
  });

  it('fails when the broker is not RUNNING by the deadline', async () => {
    advance(SAFE_REBOOT_TIMING.rebootTimeoutMinutes - 1);
    expect((await advanceSafeReboot(tickDeps(), ID)).state?.state).toBe('rebooting');
    advance(1);
    const result = await advanceSafeReboot(tickDeps(), ID);
    expect(result.state).toMatchObject({
      state: 'failed',
      outcome: 'broker orders was not RUNNING within 30 min of the reboot (it is REBOOT_IN_PROGRESS)',
    });
    expect(probe.calls).toBe(0);
    expect(await activeRunbook(store, ID, at)).toBeUndefined();
    expect(endNotices().map((n) => n.level)).toEqual(['critical']);
  });

  it('fails when the broker disappears', async () => {
    control.brokers.delete(ID);
    advance(1);
    expect((await advanceSafeReboot(tickDeps(), ID)).state).toMatchObject({
      state: 'failed',
      outcome: 'broker orders no longer exists (DescribeBroker: not found)',
    });
  });

  it('writes nothing when DescribeBroker fails, and goes on at the next tick', async () => {
    control.describeError = new Error('ThrottlingException');
    advance(1);
    const result = await advanceSafeReboot(tickDeps(), ID);
    expect(result).toMatchObject({
      outcome: 'error',
      error: 'DescribeBroker of orders: ThrottlingException',
    });
    expect((await store.get(safeRebootKey(ID)))?.version).toBe(1);
    control.describeError = undefined;
    expect((await advanceSafeReboot(tickDeps(), ID)).outcome).toBe('advanced');
  });

  it('reports an end that a dead tick left unreported, once', async () => {
    const item = await store.get<SafeReboot>(safeRebootKey(ID));
    if (!item) throw new Error('no state');
    const ended: SafeReboot = { ...item.value, state: 'done', outcome: 'broker orders is RUNNING again' };
    await store.put(safeRebootKey(ID), ended, { expectedVersion: item.version });
    await advanceSafeReboots(tickDeps());
    await advanceSafeReboots(tickDeps());
    expect(endNotices()).toHaveLength(1);
    expect(await activeRunbook(store, ID, at)).toBeUndefined();
    expect((await stateOf())?.reportedAt).toBe(at.toISOString());
    expect((await listSafeReboots(store)).map((s) => s.state)).toEqual(['done']);
  });

  it('says there is no run for a broker without one', async () => {
    expect(await advanceSafeReboot(tickDeps(), 'b-other')).toEqual({
      brokerId: 'b-other',
      outcome: 'no-run',
    });
  });
});

describe('Function: decideSafeReboot', () => {
  const state = (overrides: Partial<SafeReboot> = {}): SafeReboot => ({
    runId: 'run-1',
    by: 'alice',
    brokerId: ID,
    brokerName: 'orders',
    region: 'us-east-1',
    engine: 'ACTIVEMQ',
    deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
    allowDowntime: false,
    applies: [],
    state: 'rebooting',
    startedAt: T0.toISOString(),
    deadline: new Date(T0.getTime() + 30 * MINUTE).toISOString(),
    markerUntil: new Date(T0.getTime() + 45 * MINUTE).toISOString(),
    sawRebooting: true,
    history: [],
    ...overrides,
  });
  const running = { broker: makeBroker({ id: ID }) };

  it.each<[string, SafeReboot, Parameters<typeof decideSafeReboot>[1], Date, string]>([
    ['an ended run', state({ state: 'done' }), running, T0, 'none'],
    ['RUNNING without a probe yet', state(), running, T0, 'probe'],
    ['RUNNING with a good probe', state(), { ...running, probe: { ok: true, detail: 'ok' } }, T0, 'finish'],
    ['RUNNING with a bad probe', state(), { ...running, probe: { ok: false, detail: 'x' } }, T0, 'retry'],
    [
      'a bad probe past verifyUntil',
      state({ state: 'verifying', verifyUntil: T0.toISOString() }),
      { ...running, probe: { ok: false, detail: 'x' } },
      T0,
      'finish',
    ],
    [
      'rebooting before the deadline',
      state(),
      { broker: makeBroker({ id: ID, state: 'REBOOT_IN_PROGRESS' }) },
      T0,
      'wait',
    ],
  ])('%s', (_case, s, observation, when, kind) => {
    expect(decideSafeReboot(s, observation, when).kind).toBe(kind);
  });
});

describe('Function: safeReboot (slow observations: the clock is read after the last one)', () => {
  const seconds = (n: number) => () => {
    at = new Date(at.getTime() + n * 1_000);
  };

  it('counts the start, deadline and marker from the RebootBroker call, not from before a slow DescribeAlarms', async () => {
    // Prepare: DescribeAlarms takes 90 s (retried through throttling).
    control.add();
    alarms.onRead = seconds(90);
    const sent = new Date(T0.getTime() + 90_000);

    // Act
    const record = await execute();

    // Assess
    expect(record.status).toBe('started');
    expect(await stateOf()).toMatchObject({
      startedAt: sent.toISOString(),
      deadline: new Date(sent.getTime() + SAFE_REBOOT_TIMING.rebootTimeoutMinutes * MINUTE).toISOString(),
      markerUntil: new Date(sent.getTime() + SAFE_REBOOT_TIMING.markerMinutes * MINUTE).toISOString(),
    });
    expect(await activeRunbook(store, ID, at)).toMatchObject({ startedAt: sent.toISOString() });
    // A minute after the call, DescribeBroker still shows RUNNING (the reboot has not shown yet): that is no
    // finished reboot, though it is 2.5 minutes after the run began.
    alarms.onRead = undefined;
    control.setState(ID, 'RUNNING');
    advance(1);
    const tick = await advanceSafeReboot(tickDeps(), ID);
    expect(tick.action).toMatchObject({
      kind: 'wait',
      reason: expect.stringMatching(/waiting for the reboot to show/),
    });
    expect(probe.calls).toBe(0);
  });

  it.each<[string, () => void]>([
    ['DescribeBroker', () => (control.onDescribe = seconds(SAFE_REBOOT_TIMING.maxGuardSeconds + 1))],
    ['DescribeAlarms', () => (alarms.onRead = seconds(SAFE_REBOOT_TIMING.maxGuardSeconds + 1))],
  ])('sends no RebootBroker on guard verdicts read too slowly (%s)', async (_what, slowDown) => {
    // Prepare
    control.add();
    slowDown();

    // Act
    const record = await execute();

    // Assess
    expect(record.status).toBe('refused');
    expect(record.summary).toContain(
      'reading the guards took 121 s (more than 120): their verdicts are too old to reboot on; run it again',
    );
    expect(control.reboots).toEqual([]);
    expect(await activeRunbook(store, ID, at)).toBeUndefined();
    expect(await stateOf()).toBeUndefined();
  });

  it('sends no RebootBroker when a resize took the broker while the alarm states were read', async () => {
    // Prepare: the resize tick marks the broker (and sends its UpdateBroker) during the slow DescribeAlarms.
    control.add();
    alarms.onRead = async () => {
      seconds(20)();
      await markRunbook(store, ID, 'resize', at, new Date(at.getTime() + 60 * MINUTE));
    };

    // Act
    const record = await execute();

    // Assess: refused; the resize keeps its marker.
    expect(record.status).toBe('refused');
    expect(record.summary).toMatch(/runbook resize started on the broker while the guards were read/);
    expect(control.reboots).toEqual([]);
    expect((await activeRunbook(store, ID, at))?.name).toBe('resize');
  });

  it('judges the reboot deadline at the time after a slow DescribeBroker', async () => {
    // Prepare: rebooting, never RUNNING again; the tick starts 10 s before the deadline and DescribeBroker takes 20 s.
    control.add();
    await execute();
    at = new Date(T0.getTime() + SAFE_REBOOT_TIMING.rebootTimeoutMinutes * MINUTE - 10_000);
    control.onDescribe = seconds(20);

    // Act
    const result = await advanceSafeReboot(tickDeps(), ID);

    // Assess
    expect(result.state).toMatchObject({
      state: 'failed',
      outcome: 'broker orders was not RUNNING within 30 min of the reboot (it is REBOOT_IN_PROGRESS)',
    });
  });
});
