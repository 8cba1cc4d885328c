import { beforeEach, describe, expect, it } from 'vitest';
import {
  acceptPlan,
  advancePlan,
  advancePlans,
  autoPlans,
  type CapacityPlan,
  decide,
  MAX_OBSERVATION_SECONDS,
  MIN_MINUTES_LEFT,
  type PlanDeps,
  type PlanObservation,
  planFromRecommendation,
  planKey,
  RESIZE_RUNBOOK,
  transition,
} from '../../../src/capacity/plan';
import { DEFAULT_CAPACITY_POLICY, parseCapacityPolicy } from '../../../src/capacity/policy';
import type { AlarmStates, BrokerControl, ConnectionProbe } from '../../../src/capacity/ports';
import type { Recommendation } from '../../../src/capacity/recommend';
import { BrokerNotFoundError, InvalidInputError } from '../../../src/errors';
import { MemoryKeyValueStore } from '../../../src/kv';
import type { Broker } from '../../../src/model';
import type { Notice } from '../../../src/notices';
import { activeRunbook, markRunbook } from '../../../src/runbook-marker';
import { makeBroker } from '../../helpers/broker';

// 2026-11-25 is a Wednesday; the broker's window is Sunday 03:00 UTC (2026-11-29).
const ACCEPTED = new Date('2026-11-25T12:00:00Z');
const IN_WINDOW = new Date('2026-11-29T03:05:00Z');
const policy = DEFAULT_CAPACITY_POLICY;
const min = (d: Date, minutes: number) => new Date(d.getTime() + minutes * 60_000);

const recommendation = (overrides: Partial<Recommendation> = {}): Recommendation => ({
  brokerId: 'b-1234',
  brokerName: 'orders',
  region: 'us-east-1',
  engine: 'ACTIVEMQ',
  deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
  action: 'upsize',
  from: 'mq.m5.large',
  to: 'mq.m5.xlarge',
  reasons: ['CPU p95 82% over 14 days is above 70%'],
  metrics: { cpu: { p95: 82, projected: 41 } },
  monthlyCostDelta: { usd: 420.48, from: 420.48, to: 840.96, source: 'table', asOf: '2026-11-26' },
  ...overrides,
});

const newPlan = (overrides: Partial<CapacityPlan> = {}): CapacityPlan => ({
  ...planFromRecommendation(recommendation(), { source: 'cli', now: ACCEPTED, acceptedBy: 'alice' }),
  ...overrides,
});

const observe = (broker: Partial<Broker> = {}, extra: Partial<PlanObservation> = {}): PlanObservation => ({
  broker: makeBroker(broker),
  alarmsInAlarm: [],
  ...extra,
});

describe('Function: planFromRecommendation', () => {
  it('turns an accepted resize into a planned change', () => {
    const plan = newPlan();
    expect(plan).toMatchObject({
      id: 'b-1234@2026-11-25T12:00:00.000Z',
      state: 'planned',
      from: 'mq.m5.large',
      to: 'mq.m5.xlarge',
      source: 'cli',
      acceptedBy: 'alice',
      expiresAt: '2026-12-09T12:00:00.000Z',
      step: 0,
      windowAttempts: 0,
    });
    expect(plan.history).toEqual([
      {
        at: '2026-11-25T12:00:00.000Z',
        state: 'planned',
        note: 'accepted (cli): mq.m5.large → mq.m5.xlarge',
      },
    ]);
  });

  it('refuses a blocked recommendation, saying which metric is over its threshold and what blocks', () => {
    const blocked = recommendation({
      action: 'blocked',
      from: 'mq.m5.4xlarge',
      to: undefined,
      monthlyCostDelta: undefined,
      reasons: [
        'CPU p95 93% over 14 days is above 70%',
        'CPU p95 93% is over the 70% threshold, but no larger instance type is offered for ActiveMQ 5.18 ' +
          'ACTIVE_STANDBY_MULTI_AZ on EFS',
      ],
    });
    const accept = () =>
      planFromRecommendation(blocked, { source: 'cli', now: ACCEPTED, acceptedBy: 'alice' });
    expect(accept).toThrow(InvalidInputError);
    expect(accept).toThrow(
      'broker orders cannot be resized: CPU p95 93% is over the 70% threshold, but no larger instance type is ' +
        'offered for ActiveMQ 5.18 ACTIVE_STANDBY_MULTI_AZ on EFS. Its recommendation is "blocked": there is no ' +
        'resize to plan',
    );
    // Even one that names a type (it never should) is no resize to plan.
    expect(() =>
      planFromRecommendation({ ...blocked, to: 'mq.m5.xlarge' }, { source: 'runbook', now: ACCEPTED }),
    ).toThrow(/cannot be resized/);
  });

  it.each(['keep', 'not-enough-data'] as const)('refuses a "%s" recommendation', (action) => {
    const { to: _to, ...rec } = recommendation({ action });
    expect(() => planFromRecommendation(rec, { source: 'runbook', now: ACCEPTED })).toThrow(
      InvalidInputError,
    );
  });
});

describe('Function: autoPlans', () => {
  it('plans only for brokers tagged for auto-apply, in the directions the policy allows', () => {
    const tagged = makeBroker({ tags: { 'mqops:rightsize': 'auto' } });
    const untagged = makeBroker({ id: 'b-2', name: 'other' });
    const recs = [
      recommendation(),
      recommendation({ brokerId: 'b-2', brokerName: 'other' }),
      recommendation({ brokerId: 'b-1234', action: 'keep', to: undefined }),
    ];
    const plans = autoPlans(recs, [tagged, untagged], policy, ACCEPTED);
    expect(plans.map((p) => [p.brokerId, p.source])).toEqual([['b-1234', 'auto-policy']]);
    const blocked = recommendation({ action: 'blocked', to: undefined, reasons: ['CPU p95 93% is over …'] });
    expect(autoPlans([blocked], [tagged], policy, ACCEPTED)).toEqual([]);
    const upOnly = parseCapacityPolicy({ autoApply: { actions: ['upsize'] } });
    expect(autoPlans([recommendation({ action: 'downsize' })], [tagged], upOnly, ACCEPTED)).toEqual([]);
  });
});

describe('Function: decide', () => {
  describe('planned', () => {
    it('starts the resize inside the window when every guard holds', () => {
      expect(decide(newPlan(), observe(), IN_WINDOW, policy)).toEqual({
        kind: 'update',
        instanceType: 'mq.m5.xlarge',
        resend: false,
      });
    });

    it.each([
      ['outside the window', observe(), ACCEPTED, 'outside the maintenance window (window SUNDAY 03:00 UTC)'],
      [
        'too late in the window',
        observe(),
        new Date('2026-11-29T04:55:00Z'),
        'only 5 min left in the maintenance window',
      ],
      [
        'less of the window left than an update needs',
        observe(),
        new Date('2026-11-29T04:45:01Z'),
        'only 14 min left in the maintenance window; starting a resize (UpdateBroker) needs 15, so it waits for ' +
          'the next window',
      ],
      [
        'alarm states that cannot be read',
        observe({}, { alarmsUnreadable: 'AccessDenied' }),
        IN_WINDOW,
        'its alarm states could not be read (AccessDenied)',
      ],
      [
        'observations too old to act on',
        observe({}, { observedAt: new Date(IN_WINDOW.getTime() - 121_000) }),
        IN_WINDOW,
        'observing the broker took 121 s (more than 120): too old to act on',
      ],
      [
        'an alarm in ALARM',
        observe({}, { alarmsInAlarm: ['mqops-orders-cpu'] }),
        IN_WINDOW,
        'alarm in ALARM: mqops-orders-cpu',
      ],
      [
        'a single-instance broker',
        observe({ deploymentMode: 'SINGLE_INSTANCE' }),
        IN_WINDOW,
        'single-instance broker',
      ],
      [
        'a broker not RUNNING',
        observe({ state: 'REBOOT_IN_PROGRESS' }),
        IN_WINDOW,
        'broker is REBOOT_IN_PROGRESS, not RUNNING',
      ],
      [
        'a pending change a reboot would apply',
        observe({ users: [{ username: 'app', pendingChange: 'CREATE' }] }),
        IN_WINDOW,
        'pending changes a reboot would apply by surprise: users app (CREATE)',
      ],
      [
        'another runbook',
        observe({}, { otherRunbook: 'safe-reboot' }),
        IN_WINDOW,
        'runbook safe-reboot is running',
      ],
      [
        'no window',
        observe({ maintenanceWindow: undefined }),
        IN_WINDOW,
        'the broker reports no maintenance window',
      ],
    ])('waits with %s', (_name, observation, now, reason) => {
      const action = decide(newPlan(), observation, now, policy);
      expect(action.kind).toBe('wait');
      expect(action.kind === 'wait' && action.reason).toContain(reason);
    });

    it('resizes a single-instance broker when the policy allows downtime', () => {
      const allow = parseCapacityPolicy({ allowDowntime: true });
      expect(decide(newPlan(), observe({ deploymentMode: 'SINGLE_INSTANCE' }), IN_WINDOW, allow).kind).toBe(
        'update',
      );
    });

    it.each([
      ['expired', newPlan({ expiresAt: '2026-11-26T00:00:00.000Z' }), observe(), 'plan expired'],
      [
        'changed type',
        newPlan(),
        observe({ instanceType: 'mq.m5.2xlarge' }),
        'broker runs mq.m5.2xlarge, not the mq.m5.large',
      ],
      ['already resized', newPlan(), observe({ instanceType: 'mq.m5.xlarge' }), 'already runs mq.m5.xlarge'],
      ['too many windows', newPlan({ windowAttempts: 3 }), observe(), 'reverted in 3 windows'],
      ['gone', newPlan(), { alarmsInAlarm: [] }, 'no longer exists'],
    ])('cancels a plan whose broker %s', (_name, plan, observation, reason) => {
      const action = decide(plan, observation, IN_WINDOW, policy);
      expect(action).toMatchObject({ kind: 'cancel', reason: expect.stringContaining(reason) });
    });
  });

  describe('applying', () => {
    const applying = transition(
      newPlan(),
      { kind: 'update', instanceType: 'mq.m5.xlarge', resend: false },
      IN_WINDOW,
    );

    it('reboots once the new type is pending', () => {
      expect(decide(applying, observe({ pending: { instanceType: 'mq.m5.xlarge' } }), IN_WINDOW)).toEqual({
        kind: 'reboot',
        resend: false,
      });
    });

    it('reverts the pending change when the window closes before the reboot', () => {
      const action = decide(
        applying,
        observe({ pending: { instanceType: 'mq.m5.xlarge' } }, { alarmsInAlarm: ['mqops-orders-heap'] }),
        new Date('2026-11-29T05:01:00Z'),
      );
      expect(action).toMatchObject({ kind: 'revert', instanceType: 'mq.m5.large' });
    });

    it('reverts when less of the window is left than a reboot needs, and reboots with just enough left', () => {
      const pending = observe({ pending: { instanceType: 'mq.m5.xlarge' } });
      // The window ends at 05:00; a reboot needs 10 minutes of it.
      expect(MIN_MINUTES_LEFT.reboot).toBe(10);
      expect(decide(applying, pending, new Date('2026-11-29T04:50:00Z'))).toEqual({
        kind: 'reboot',
        resend: false,
      });
      expect(decide(applying, pending, new Date('2026-11-29T04:50:01Z'))).toEqual({
        kind: 'revert',
        instanceType: 'mq.m5.large',
        reason:
          'too little of the window is left for the reboot: only 9 min left in the maintenance window; ' +
          'RebootBroker needs 10, so it waits for the next window',
      });
    });

    it('holds the reboot, then reverts, while the alarm states cannot be read', () => {
      const unreadable = observe(
        { pending: { instanceType: 'mq.m5.xlarge' } },
        { alarmsUnreadable: 'ThrottlingException: Rate exceeded' },
      );
      expect(decide(applying, unreadable, min(IN_WINDOW, 10))).toEqual({
        kind: 'wait',
        reason:
          'its alarm states could not be read (ThrottlingException: Rate exceeded): no alarm known is not no ' +
          'alarm in ALARM',
      });
      expect(decide(applying, unreadable, new Date('2026-11-29T05:01:00Z')).kind).toBe('revert');
    });

    it('waits inside the window while an alarm is in ALARM', () => {
      const action = decide(
        applying,
        observe({ pending: { instanceType: 'mq.m5.xlarge' } }, { alarmsInAlarm: ['mqops-orders-heap'] }),
        min(IN_WINDOW, 10),
      );
      expect(action).toMatchObject({ kind: 'wait', reason: expect.stringContaining('mqops-orders-heap') });
    });

    it('waits for a lost update, then sends it again through the same guards', () => {
      expect(decide(applying, observe(), min(IN_WINDOW, 2)).kind).toBe('wait');
      expect(decide(applying, observe(), min(IN_WINDOW, 6))).toEqual({
        kind: 'update',
        instanceType: 'mq.m5.xlarge',
        resend: true,
      });
    });

    it('verifies a broker that came back on the new type by another reboot', () => {
      expect(decide(applying, observe({ instanceType: 'mq.m5.xlarge' }), min(IN_WINDOW, 2))).toEqual({
        kind: 'verify',
      });
    });
  });

  describe('rebooting', () => {
    const rebooting = transition(
      transition(newPlan(), { kind: 'update', instanceType: 'mq.m5.xlarge', resend: false }, IN_WINDOW),
      { kind: 'reboot', resend: false },
      IN_WINDOW,
    );

    it.each([
      ['the reboot runs', observe({ state: 'REBOOT_IN_PROGRESS' }), min(IN_WINDOW, 10), 'wait'],
      [
        'the broker runs the new type',
        observe({ instanceType: 'mq.m5.xlarge' }),
        min(IN_WINDOW, 12),
        'verify',
      ],
      ['the deadline passed', observe({ state: 'REBOOT_IN_PROGRESS' }), min(IN_WINDOW, 31), 'rollback'],
      [
        'the reboot has not started yet',
        observe({ pending: { instanceType: 'mq.m5.xlarge' } }),
        min(IN_WINDOW, 1),
        'wait',
      ],
      [
        'the reboot was lost',
        observe({ pending: { instanceType: 'mq.m5.xlarge' } }),
        min(IN_WINDOW, 6),
        'reboot',
      ],
    ])('decides when %s', (_name, observation, now, kind) => {
      expect(decide(rebooting, observation, now).kind).toBe(kind);
    });
  });

  describe('verifying', () => {
    const verifying = { ...newPlan(), state: 'verifying' as const, verifyAfter: '2026-11-29T03:20:00.000Z' };
    const onNew = (extra: Partial<PlanObservation> = {}) => observe({ instanceType: 'mq.m5.xlarge' }, extra);
    const after = new Date('2026-11-29T03:21:00Z');

    const late = new Date('2026-11-29T03:35:00Z'); // the post-checks had until 03:35 (settle + 15 min)

    it.each([
      ['settling', onNew(), new Date('2026-11-29T03:15:00Z'), { kind: 'wait' }],
      ['no probe yet', onNew(), after, { kind: 'probe' }],
      ['an alarm in ALARM, early', onNew({ alarmsInAlarm: ['mqops-orders-down'] }), after, { kind: 'wait' }],
      [
        'an alarm in ALARM, at the deadline',
        onNew({ alarmsInAlarm: ['mqops-orders-down'] }),
        late,
        { kind: 'rollback' },
      ],
      [
        'a failed connection, early',
        onNew({ probe: { ok: false, detail: 'login refused' } }),
        after,
        { kind: 'wait' },
      ],
      [
        'a failed connection, at the deadline',
        onNew({ probe: { ok: false, detail: 'login refused' } }),
        late,
        { kind: 'rollback' },
      ],
      [
        'a good connection',
        onNew({ probe: { ok: true, detail: 'OpenWire login as app' } }),
        after,
        { kind: 'finish', outcome: 'done' },
      ],
    ])('decides with %s', (_name, observation, now, expected) => {
      expect(decide(verifying, observation, now)).toMatchObject(expected);
    });

    it('names the alarm and the deadline while it waits', () => {
      expect(decide(verifying, onNew({ alarmsInAlarm: ['mqops-orders-down'] }), after)).toEqual({
        kind: 'wait',
        reason:
          'alarm in ALARM after the resize: mqops-orders-down; post-checks give it until 2026-11-29T03:35:00.000Z to clear',
      });
    });
  });

  it('does nothing more for a finished plan', () => {
    expect(decide({ ...newPlan(), state: 'done' }, observe(), IN_WINDOW)).toEqual({
      kind: 'none',
      reason: 'plan is done',
    });
  });
});

// ---- the runner, against an in-memory Amazon MQ --------------------------------------------------------------

/** A broker that applies pending types on reboot, after `rebootMinutes` of the test clock. */
class FakeMq implements BrokerControl {
  calls: string[] = [];
  rebootMinutes = 15;
  /** The reboot never finishes. */
  stuck = false;
  failNext?: unknown;
  /** Runs as DescribeBroker starts (a slow call moves the test clock). */
  onDescribe?: () => void;
  private rebootEnds?: number;

  constructor(
    public broker: Broker,
    private readonly clock: () => Date,
  ) {}

  async describe(id: string): Promise<Broker> {
    this.onDescribe?.();
    if (id !== this.broker.id) throw new BrokerNotFoundError(id);
    if (this.rebootEnds !== undefined && !this.stuck && this.clock().getTime() >= this.rebootEnds) {
      const { instanceType, ...pending } = this.broker.pending;
      this.broker = {
        ...this.broker,
        state: 'RUNNING',
        instanceType: instanceType ?? this.broker.instanceType,
        pending,
      };
      this.rebootEnds = undefined;
    }
    return structuredClone(this.broker);
  }

  async updateInstanceType(id: string, instanceType: string): Promise<void> {
    this.calls.push(`update ${instanceType}`);
    this.failIfAsked();
    if (this.broker.state !== 'RUNNING')
      throw new Error(`ConflictException: broker ${id} is ${this.broker.state}`);
    const { instanceType: _old, ...rest } = this.broker.pending;
    this.broker.pending = instanceType === this.broker.instanceType ? rest : { ...rest, instanceType };
  }

  async reboot(_id: string): Promise<void> {
    this.calls.push('reboot');
    this.failIfAsked();
    this.broker.state = 'REBOOT_IN_PROGRESS';
    this.rebootEnds = this.clock().getTime() + this.rebootMinutes * 60_000;
  }

  private failIfAsked() {
    if (this.failNext !== undefined) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
  }
}

describe('Function: advancePlan', () => {
  let clock: Date;
  let store: MemoryKeyValueStore;
  let mq: FakeMq;
  let alarms: string[];
  let probeOk: boolean;
  let notices: Notice[];
  let deps: PlanDeps;

  beforeEach(async () => {
    clock = ACCEPTED;
    store = new MemoryKeyValueStore();
    mq = new FakeMq(makeBroker(), () => clock);
    alarms = [];
    probeOk = true;
    notices = [];
    const alarmStates: AlarmStates = { inAlarm: async () => [...alarms] };
    const probe: ConnectionProbe = {
      probe: async () =>
        probeOk
          ? { ok: true, detail: 'OpenWire login as app worked' }
          : { ok: false, detail: 'connection refused' },
    };
    deps = {
      store,
      control: mq,
      alarms: alarmStates,
      probe,
      sinks: [{ channel: 'test', send: async (n) => void notices.push(n) }],
      policy,
      now: () => clock,
    };
    await acceptPlan(store, newPlan(), { sinks: deps.sinks });
  });

  const stored = async () => (await store.get<CapacityPlan>(planKey('b-1234')))?.value as CapacityPlan;

  it('waits for the window, applies, reboots, verifies and finishes; every step notifies once', async () => {
    expect((await advancePlan(deps, 'b-1234')).outcome).toBe('idle');
    expect(mq.calls).toEqual([]);
    expect((await stored()).waiting).toContain('outside the maintenance window');

    clock = IN_WINDOW;
    const applied = await advancePlan(deps, 'b-1234');
    expect(applied.outcome).toBe('advanced');
    expect(mq.calls).toEqual(['update mq.m5.xlarge', 'reboot']);
    expect((await stored()).state).toBe('rebooting');
    expect((await activeRunbook(store, 'b-1234', clock))?.name).toBe(RESIZE_RUNBOOK);

    clock = min(IN_WINDOW, 5);
    expect((await advancePlan(deps, 'b-1234')).actions[0]?.kind).toBe('wait');

    clock = min(IN_WINDOW, 16);
    await advancePlan(deps, 'b-1234');
    expect((await stored()).state).toBe('verifying');

    clock = min(IN_WINDOW, 22);
    const finished = await advancePlan(deps, 'b-1234');
    expect(finished.actions.map((a) => a.kind)).toEqual(['finish']);
    const plan = await stored();
    expect(plan).toMatchObject({
      state: 'done',
      outcome: expect.stringContaining('OpenWire login as app worked'),
    });
    expect(mq.broker.instanceType).toBe('mq.m5.xlarge');
    expect(mq.calls).toEqual(['update mq.m5.xlarge', 'reboot']);
    expect(await activeRunbook(store, 'b-1234', clock)).toBeUndefined();
    expect(notices.map((n) => n.title)).toEqual([
      'Resize of broker orders planned: mq.m5.large → mq.m5.xlarge',
      'Resizing broker orders: mq.m5.large → mq.m5.xlarge',
      'Rebooting broker orders onto mq.m5.xlarge',
      'Broker orders runs mq.m5.xlarge: verifying',
      'Broker orders resized: mq.m5.large → mq.m5.xlarge',
    ]);
    expect(new Set(notices.map((n) => n.key)).size).toBe(notices.length);

    // A re-delivered tick afterwards does nothing.
    expect((await advancePlan(deps, 'b-1234')).outcome).toBe('idle');
    expect(mq.calls).toHaveLength(2);
  });

  it('applies once when two ticks run at the same time, and once more when a tick is re-delivered', async () => {
    clock = IN_WINDOW;
    const results = await Promise.all([advancePlan(deps, 'b-1234'), advancePlan(deps, 'b-1234')]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['advanced', 'busy']);
    await advancePlan(deps, 'b-1234');
    expect(mq.calls).toEqual(['update mq.m5.xlarge', 'reboot']);
    expect(notices.filter((n) => n.title.startsWith('Resizing'))).toHaveLength(1);
  });

  it('rolls back to the previous type when the post-check connection keeps failing', async () => {
    probeOk = false;
    clock = IN_WINDOW;
    await advancePlan(deps, 'b-1234');
    clock = min(IN_WINDOW, 16);
    await advancePlan(deps, 'b-1234');
    clock = min(IN_WINDOW, 22);
    const early = await advancePlan(deps, 'b-1234');
    expect(early.actions[0]).toMatchObject({
      kind: 'wait',
      reason: expect.stringContaining('trying again until'),
    });
    clock = min(IN_WINDOW, 37); // settle ended at +21, the post-checks had until +36
    const rolling = await advancePlan(deps, 'b-1234');
    expect(rolling.actions.map((a) => a.kind)).toEqual([
      'rollback',
      'rollback-update',
      'rollback-reboot',
      'wait',
    ]);
    clock = min(IN_WINDOW, 53);
    await advancePlan(deps, 'b-1234');
    const plan = await stored();
    expect(plan.state).toBe('rolled-back');
    expect(plan.outcome).toContain('post-check failed: client connection: connection refused');
    expect(mq.broker.instanceType).toBe('mq.m5.large');
    expect(mq.calls).toEqual(['update mq.m5.xlarge', 'reboot', 'update mq.m5.large', 'reboot']);
    expect(notices.find((n) => n.level === 'critical')?.title).toBe(
      'Resize of broker orders failed: rolling back to mq.m5.large',
    );
    expect(notices.at(-1)?.title).toBe('Broker orders rolled back to mq.m5.large');
  });

  it('rolls back when an alarm stays in ALARM after the resize', async () => {
    clock = IN_WINDOW;
    await advancePlan(deps, 'b-1234');
    clock = min(IN_WINDOW, 16);
    await advancePlan(deps, 'b-1234');
    alarms = ['mqops-orders-heap'];
    clock = min(IN_WINDOW, 22);
    expect((await advancePlan(deps, 'b-1234')).actions[0]?.kind).toBe('wait');
    clock = min(IN_WINDOW, 37);
    await advancePlan(deps, 'b-1234');
    expect((await stored()).rollback?.reason).toContain('alarm in ALARM after the resize: mqops-orders-heap');
    expect(mq.calls.slice(2)).toEqual(['update mq.m5.large', 'reboot']);
  });

  it('finishes when an alarm raised by the reboot clears within the post-check time', async () => {
    clock = IN_WINDOW;
    await advancePlan(deps, 'b-1234');
    clock = min(IN_WINDOW, 16);
    await advancePlan(deps, 'b-1234');
    alarms = ['mqops-orders-down'];
    clock = min(IN_WINDOW, 22);
    await advancePlan(deps, 'b-1234');
    alarms = [];
    clock = min(IN_WINDOW, 25);
    await advancePlan(deps, 'b-1234');
    expect((await stored()).state).toBe('done');
    expect(mq.calls).toEqual(['update mq.m5.xlarge', 'reboot']);
  });

  it('rolls back after the bounded wait for RUNNING, and fails when the rollback cannot finish either', async () => {
    mq.stuck = true;
    clock = IN_WINDOW;
    await advancePlan(deps, 'b-1234');
    clock = min(IN_WINDOW, 31);
    const late = await advancePlan(deps, 'b-1234');
    expect(late.actions.map((a) => a.kind)).toEqual(['rollback', 'wait']);
    expect((await stored()).state).toBe('rolling-back');
    clock = min(IN_WINDOW, 31 + 61);
    await advancePlan(deps, 'b-1234');
    const plan = await stored();
    expect(plan.state).toBe('failed');
    expect(plan.outcome).toContain('needs a person');
    expect(notices.at(-1)).toMatchObject({ level: 'critical', title: 'Resize of broker orders failed' });
  });

  it('reverts a started resize when an alarm holds the reboot until the window closes', async () => {
    clock = IN_WINDOW;
    await advancePlan(deps, 'b-1234', { maxSteps: 1 });
    expect(mq.calls).toEqual(['update mq.m5.xlarge']);
    alarms = ['mqops-orders-cpu'];
    clock = min(IN_WINDOW, 30);
    expect((await advancePlan(deps, 'b-1234')).actions[0]).toMatchObject({ kind: 'wait' });
    clock = new Date('2026-11-29T05:10:00Z');
    await advancePlan(deps, 'b-1234');
    const plan = await stored();
    expect(plan).toMatchObject({ state: 'planned', windowAttempts: 1 });
    expect(mq.calls).toEqual(['update mq.m5.xlarge', 'update mq.m5.large']);
    expect(mq.broker.pending.instanceType).toBeUndefined();
    expect(await activeRunbook(store, 'b-1234', clock)).toBeUndefined();
    expect(notices.at(-1)?.title).toBe('Resize of broker orders postponed to a later window');
  });

  it('records a failed call and sends it again later, through the guards', async () => {
    mq.failNext = new Error('InternalServerErrorException: try again');
    clock = IN_WINDOW;
    const failed = await advancePlan(deps, 'b-1234');
    expect(failed).toMatchObject({
      outcome: 'error',
      error: 'Error: InternalServerErrorException: try again',
    });
    expect((await stored()).lastError).toContain('update: Error: InternalServerErrorException');
    expect(notices.at(-1)?.title).toBe('Resize of broker orders: update failed');
    clock = min(IN_WINDOW, 2);
    expect((await advancePlan(deps, 'b-1234')).actions[0]?.kind).toBe('wait');
    clock = min(IN_WINDOW, 7);
    await advancePlan(deps, 'b-1234');
    expect(mq.calls).toEqual(['update mq.m5.xlarge', 'update mq.m5.xlarge', 'reboot']);
    expect((await stored()).update?.sends).toBe(2);
  });

  it('stops without acting when the alarm states cannot be read, and the plan says why', async () => {
    deps = { ...deps, alarms: { inAlarm: async () => Promise.reject(new Error('AccessDenied')) } };
    clock = IN_WINDOW;
    const result = await advancePlan(deps, 'b-1234');
    expect(result).toMatchObject({ outcome: 'error', error: expect.stringContaining('AccessDenied') });
    expect(mq.calls).toEqual([]);
    expect((await stored()).waiting).toContain(
      'its alarm states could not be read (Error: AccessDenied): no alarm known is not no alarm in ALARM',
    );
  });

  it('still reverts a started resize once the window closed, though the alarm states cannot be read', async () => {
    // Prepare: the update went out in the window; then CloudWatch refuses every read.
    clock = IN_WINDOW;
    await advancePlan(deps, 'b-1234', { maxSteps: 1 });
    deps = { ...deps, alarms: { inAlarm: async () => Promise.reject(new Error('ThrottlingException')) } };

    // Act
    clock = new Date('2026-11-29T05:10:00Z');
    const result = await advancePlan(deps, 'b-1234');

    // Assess: the recovery step went out; the forward one waits, and the tick says it could not read the alarms.
    expect(result.actions.map((a) => a.kind)).toEqual(['revert', 'wait']);
    expect(result.outcome).toBe('error');
    expect(mq.calls).toEqual(['update mq.m5.xlarge', 'update mq.m5.large']);
    expect(await stored()).toMatchObject({ state: 'planned', windowAttempts: 1 });
  });

  describe('slow observations: the clock is read after the last one', () => {
    /** Moves the test clock on by `seconds`, as a slow call would. */
    const slow = (seconds: number) => () => {
      clock = new Date(clock.getTime() + seconds * 1_000);
    };
    /** Makes one observation of each tick step take `seconds`. */
    const slowDown = (what: string, seconds: number) => {
      if (what === 'DescribeBroker') mq.onDescribe = slow(seconds);
      else
        deps = {
          ...deps,
          alarms: {
            inAlarm: async () => {
              slow(seconds)();
              return [...alarms];
            },
          },
        };
    };
    /** The resize started in the window: UpdateBroker sent, the new type pending, the reboot not sent yet. */
    const startResize = async () => {
      clock = IN_WINDOW;
      await advancePlan(deps, 'b-1234', { maxSteps: 1 });
      expect(mq.calls).toEqual(['update mq.m5.xlarge']);
    };

    it('sends no RebootBroker after the window closed (tick at 04:59:50, DescribeAlarms slowed by 20 s)', async () => {
      // Prepare
      await startResize();
      clock = new Date('2026-11-29T04:59:50Z'); // the window ends at 05:00
      slowDown('DescribeAlarms', 20);

      // Act
      const result = await advancePlan(deps, 'b-1234');

      // Assess: no reboot at 05:00:10; the pending change is reverted and the plan waits for the next window.
      expect(mq.calls).toEqual(['update mq.m5.xlarge', 'update mq.m5.large']);
      expect(result.actions[0]).toMatchObject({
        kind: 'revert',
        reason: expect.stringContaining('the window closed before the reboot could start'),
      });
      const plan = await stored();
      expect(plan).toMatchObject({ state: 'planned', windowAttempts: 1 });
      expect(plan.waiting).toContain('outside the maintenance window');
    });

    it.each(['DescribeBroker', 'DescribeAlarms'])(
      'sends no RebootBroker with less than its margin left when %s is slow',
      async (what) => {
        // Prepare: 10 min 10 s left when the tick starts; the observation takes 20 s.
        await startResize();
        clock = new Date('2026-11-29T04:49:50Z');
        slowDown(what, 20);

        // Act
        const result = await advancePlan(deps, 'b-1234');

        // Assess
        expect(mq.calls).not.toContain('reboot');
        expect(result.actions[0]).toMatchObject({
          kind: 'revert',
          reason: expect.stringContaining(
            'too little of the window is left for the reboot: only 9 min left in the maintenance window; ' +
              'RebootBroker needs 10',
          ),
        });
        expect((await stored()).waiting).toContain('so it waits for the next window');
      },
    );

    it.each(['DescribeBroker', 'DescribeAlarms'])(
      'sends no UpdateBroker with less than its margin left when %s is slow',
      async (what) => {
        // Prepare: 15 min 10 s left when the tick starts; the observation takes 20 s.
        clock = new Date('2026-11-29T04:44:50Z');
        slowDown(what, 20);

        // Act
        const result = await advancePlan(deps, 'b-1234');

        // Assess: nothing sent; the plan stays planned and says why.
        expect(mq.calls).toEqual([]);
        expect(result.actions.map((a) => a.kind)).toEqual(['wait']);
        const plan = await stored();
        expect(plan.state).toBe('planned');
        expect(plan.waiting).toContain(
          'only 14 min left in the maintenance window; starting a resize (UpdateBroker) needs 15, so it waits for ' +
            'the next window',
        );
      },
    );

    it('acts only on observations fresher than MAX_OBSERVATION_SECONDS', async () => {
      clock = IN_WINDOW;
      slowDown('DescribeAlarms', MAX_OBSERVATION_SECONDS + 1);
      await advancePlan(deps, 'b-1234');
      expect(mq.calls).toEqual([]);
      expect((await stored()).waiting).toContain('observing the broker took 121 s (more than 120)');

      slowDown('DescribeAlarms', 1);
      await advancePlan(deps, 'b-1234');
      expect(mq.calls).toEqual(['update mq.m5.xlarge', 'reboot']);
    });

    it('judges the post-check deadline after a slow connection probe', async () => {
      // Prepare: resized and verifying; the post-checks have until IN_WINDOW + 36 min; the connection fails.
      clock = IN_WINDOW;
      await advancePlan(deps, 'b-1234');
      clock = min(IN_WINDOW, 16);
      await advancePlan(deps, 'b-1234');
      expect((await stored()).state).toBe('verifying');
      deps = {
        ...deps,
        probe: {
          probe: async () => {
            slow(20)();
            return { ok: false, detail: 'connection refused' };
          },
        },
      };

      // Act: the tick starts 10 s before the deadline, and the probe takes 20 s.
      clock = new Date(min(IN_WINDOW, 36).getTime() - 10_000);
      const result = await advancePlan(deps, 'b-1234');

      // Assess: the failed post-check is judged at its end, past the deadline: the rollback starts now.
      expect(result.actions[0]).toMatchObject({
        kind: 'rollback',
        reason: 'post-check failed: client connection: connection refused',
      });
    });
  });

  it('holds off while another runbook runs on the broker', async () => {
    clock = IN_WINDOW;
    await markRunbook(store, 'b-1234', 'safe-reboot', clock, min(clock, 30));
    const result = await advancePlan(deps, 'b-1234');
    expect(result.actions[0]).toMatchObject({ kind: 'wait', reason: expect.stringContaining('safe-reboot') });
    expect(mq.calls).toEqual([]);
  });

  it('answers no-plan for a broker without one, and advances every open plan', async () => {
    expect((await advancePlan(deps, 'b-none')).outcome).toBe('no-plan');
    clock = IN_WINDOW;
    const results = await advancePlans(deps);
    expect(results.map((r) => [r.brokerId, r.outcome])).toEqual([['b-1234', 'advanced']]);
  });
});

describe('Function: acceptPlan', () => {
  it('keeps one unfinished plan per broker', async () => {
    const store = new MemoryKeyValueStore();
    expect((await acceptPlan(store, newPlan())).accepted).toBe(true);
    const second = await acceptPlan(store, newPlan({ id: 'other', to: 'mq.m5.2xlarge' }));
    expect(second).toMatchObject({
      accepted: false,
      reason: expect.stringContaining('already has a planned plan'),
    });
    await store.put(planKey('b-1234'), { ...newPlan(), state: 'done' }, { expectedVersion: 1 });
    expect((await acceptPlan(store, newPlan({ id: 'third' }))).accepted).toBe(true);
  });
});
