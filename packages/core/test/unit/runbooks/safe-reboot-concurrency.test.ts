import { describe, expect, it } from 'vitest';
import {
  acceptPlan,
  advancePlan,
  type CapacityPlan,
  type PlanDeps,
  planFromRecommendation,
  planKey,
  RESIZE_RUNBOOK,
} from '../../../src/capacity/plan';
import type { AlarmStates, BrokerControl, ConnectionProbe } from '../../../src/capacity/ports';
import { BrokerNotFoundError } from '../../../src/errors';
import { MemoryKeyValueStore } from '../../../src/kv';
import type { Broker } from '../../../src/model';
import type { Notice, NoticeSink } from '../../../src/notices';
import { activeRunbook } from '../../../src/runbook-marker';
import { runRunbook } from '../../../src/runbooks/run';
import {
  advanceSafeReboot,
  SAFE_REBOOT_RUNBOOK,
  type SafeReboot,
  safeReboot,
  safeRebootKey,
} from '../../../src/runbooks/safe-reboot';
import { makeBroker } from '../../helpers/broker';
import { InterleavingStore, seeded, yieldTurns } from '../../helpers/interleaving-store';

/**
 * A safe-reboot and a resize on the same broker at the same moment, with real concurrency (Promise.all): the
 * runbook marker is taken in one compare-and-swap, so exactly one of them acts on the broker.
 */

const ID = 'b-1234';
const ACCEPTED = new Date('2026-11-25T12:00:00Z');
/** Inside the broker's window (Sunday 03:00 UTC). */
const IN_WINDOW = new Date('2026-11-29T03:05:00Z');
const MINUTE = 60_000;

const STANDBY_PAIR = [
  { consoleUrl: 'https://b-1234-1.mq.us-east-1.amazonaws.com:8162', endpoints: ['ssl://b-1234-1:61617'] },
  { consoleUrl: 'https://b-1234-2.mq.us-east-1.amazonaws.com:8162', endpoints: ['ssl://b-1234-2:61617'] },
];

/** DescribeBroker, UpdateBroker and RebootBroker over one broker in memory; every call that changes it is listed. */
class FakeMq implements BrokerControl {
  readonly calls: string[] = [];
  /** Runs as RebootBroker is called (a test makes it wait, or fail). */
  onReboot?: () => Promise<void>;

  constructor(public broker: Broker) {}

  async describe(brokerId: string): Promise<Broker> {
    await Promise.resolve();
    if (brokerId !== this.broker.id) throw new BrokerNotFoundError(brokerId);
    return structuredClone(this.broker);
  }

  async updateInstanceType(_brokerId: string, instanceType: string): Promise<void> {
    this.calls.push(`update ${instanceType}`);
    this.broker.pending = { ...this.broker.pending, instanceType };
  }

  async reboot(_brokerId: string): Promise<void> {
    await this.onReboot?.();
    this.calls.push('reboot');
    this.broker.state = 'REBOOT_IN_PROGRESS';
  }
}

/**
 * Alarm states: none in ALARM. The first `parties` reads wait for each other (both guards are read before either
 * runbook writes anything), then each goes on after a (seeded) random number of turns.
 */
class BarrierAlarms implements AlarmStates {
  private waiting: (() => void)[] = [];
  constructor(
    private parties: number,
    private readonly random: () => number = () => 0,
  ) {}
  async inAlarm(): Promise<string[]> {
    if (this.parties > 0) {
      this.parties--;
      if (this.parties === 0) for (const release of this.waiting.splice(0)) release();
      else await new Promise<void>((resolve) => this.waiting.push(resolve));
      await yieldTurns(this.random, 24);
    }
    return [];
  }
}

const probe: ConnectionProbe = { probe: async () => ({ ok: true, detail: 'STOMP handshake answered' }) };

class RecordingSink implements NoticeSink {
  readonly channel = 'test';
  readonly notices: Notice[] = [];
  async send(notice: Notice): Promise<void> {
    this.notices.push(notice);
  }
}

const resizePlan = (): CapacityPlan =>
  planFromRecommendation(
    {
      brokerId: ID,
      brokerName: 'orders',
      region: 'us-east-1',
      engine: 'ACTIVEMQ',
      deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
      action: 'upsize',
      from: 'mq.m5.large',
      to: 'mq.m5.xlarge',
      reasons: ['CPU p95 82% over 14 days is above 70%'],
      metrics: {},
    },
    { source: 'cli', now: ACCEPTED, acceptedBy: 'alice' },
  );

async function setUp(store: MemoryKeyValueStore, alarms: AlarmStates = new BarrierAlarms(2)) {
  let at = IN_WINDOW;
  const now = () => at;
  const mq = new FakeMq(makeBroker({ id: ID, instances: STANDBY_PAIR }));
  const sink = new RecordingSink();
  await acceptPlan(store, resizePlan());
  const planDeps: PlanDeps = { store, control: mq, alarms, probe, sinks: [sink], now };
  const execute = () =>
    runRunbook(
      { runbook: SAFE_REBOOT_RUNBOOK, payload: { brokerId: ID }, execute: true, by: 'alice' },
      {
        runbooks: [safeReboot],
        ports: { control: mq, alarms, probe },
        store,
        sinks: [sink],
        now,
        newId: () => 'run-1',
      },
    );
  const tickDeps = { store, control: mq, probe, sinks: [sink], now };
  const advance = (minutes: number) => {
    at = new Date(at.getTime() + minutes * MINUTE);
  };
  return { mq, sink, planDeps, execute, tickDeps, advance, now };
}

describe('A safe-reboot and a resize of the same broker at once', () => {
  it('lets exactly one of them act, however their reads and writes interleave', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      // Prepare: both read every guard (no marker yet) before either writes anything.
      const random = seeded(seed);
      const store = new InterleavingStore(random);
      const { mq, planDeps, execute, now } = await setUp(store, new BarrierAlarms(2, random));

      // Act
      const [run, tick] = await Promise.all([execute(), advancePlan(planDeps, ID, { maxSteps: 1 })]);

      // Assess: one call to the broker, from the runbook that holds the marker; the other changed nothing.
      const marker = await activeRunbook(store, ID, now());
      const plan = (await store.get<CapacityPlan>(planKey(ID)))?.value;
      const rebootState = (await store.get<SafeReboot>(safeRebootKey(ID)))?.value;
      const outcome = { seed, calls: mq.calls, run: run.status, tick: tick.outcome, marker: marker?.name };
      expect(mq.calls, JSON.stringify(outcome)).toHaveLength(1);
      if (mq.calls[0] === 'reboot') {
        expect(outcome).toMatchObject({ run: 'started', marker: SAFE_REBOOT_RUNBOOK });
        expect(plan?.state).toBe('planned');
        expect(tick.actions).toEqual([
          { kind: 'wait', reason: expect.stringContaining('runbook safe-reboot is running on the broker') },
        ]);
      } else {
        expect(outcome).toMatchObject({
          calls: ['update mq.m5.xlarge'],
          run: 'refused',
          marker: RESIZE_RUNBOOK,
        });
        expect(plan?.state).toBe('applying');
        expect(run.summary).toMatch(/runbook resize (started on|took) the broker/);
        // A refused run holds nothing: no open safe-reboot state is left behind.
        expect(rebootState === undefined || rebootState.state === 'failed').toBe(true);
      }
    }
  });
});

describe('A safe-reboot whose RebootBroker fails while a tick advances it', () => {
  it('still ends failed: the release is written over what the tick wrote, and no later tick reports it done', async () => {
    // Prepare: RebootBroker waits until a tick has written the run's state, then fails.
    const store = new MemoryKeyValueStore();
    const { mq, sink, execute, tickDeps, advance } = await setUp(store, new BarrierAlarms(0));
    let rebootCalled!: () => void;
    const called = new Promise<void>((resolve) => {
      rebootCalled = resolve;
    });
    let letItFail!: () => void;
    const failing = new Promise<void>((resolve) => {
      letItFail = resolve;
    });
    mq.onReboot = async () => {
      rebootCalled();
      await failing;
      throw new Error('ConflictException: broker b-1234 is being updated');
    };

    // Act: the run and a tick at once; the tick writes (a wait) between the run's claim and its release.
    const [run, tick] = await Promise.all([
      execute(),
      (async () => {
        await called;
        const result = await advanceSafeReboot(tickDeps, ID);
        letItFail();
        return result;
      })(),
    ]);
    advance(3);
    const later = await advanceSafeReboot(tickDeps, ID);

    // Assess
    expect(tick).toMatchObject({ outcome: 'advanced', action: { kind: 'wait' } });
    expect(run.status).toBe('failed');
    const state = (await store.get<SafeReboot>(safeRebootKey(ID)))?.value;
    expect(state).toMatchObject({ state: 'failed', outcome: expect.stringContaining('RebootBroker failed') });
    expect(later.outcome).toBe('idle');
    expect(mq.calls).toEqual([]);
    expect(sink.notices.filter((n) => n.key?.startsWith('safe-reboot:'))).toEqual([]);
    expect(await activeRunbook(store, ID, IN_WINDOW)).toBeUndefined();
  });
});
