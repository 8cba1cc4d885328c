import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyWindow } from '../../../src/capacity/apply-window';
import {
  type CapacityPlan,
  decide,
  MIN_MINUTES_LEFT,
  minutesNeeded,
  PLAN_STATES,
  type PlanObservation,
} from '../../../src/capacity/plan';
import { parseCapacityPolicy } from '../../../src/capacity/policy';
import type { WeeklyWindow } from '../../../src/maintenance-window';
import type { Broker, BrokerUserRef } from '../../../src/model';
import { makeBroker } from '../../helpers/broker';

/**
 * Property: whatever the window (day, HH:MM, zone with or without DST), the clock (around clock changes, in skipped
 * and repeated local hours), the alarms and the plan's state, `decide` never returns a forward step (update,
 * reboot) outside the window or with less of it left than the step's margin, while an alarm is in ALARM, for a broker that is not RUNNING, while another runbook
 * runs, or for a single-instance broker without allowDowntime.
 *
 * The window is judged by an oracle written independently of the code under test: it reads wall-clock time with
 * Intl (or offset arithmetic for fixed offsets) and accepts an instant only when every reading of the window agrees
 * (every instant whose wall clock shows the start, within an hour of the reading, is at most two hours back and not
 * ahead, and the wall clock shows less than two hours past the start). Zones with half-hour clock changes (Australia/Lord_Howe) are not generated.
 */

const DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
const WEEKDAY: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const IANA = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Pacific/Auckland',
  'America/Sao_Paulo',
];
const FIXED = ['UTC', '+05:30', '-03:00', '+00:00', 'UTC+09:00', '-09:30'];
const MIN = 60_000;

/** Clock changes the clocks are drawn around (UTC instants), with ordinary days among them. */
const TRANSITIONS = [
  '2026-03-29T01:00:00Z', // Europe/Berlin spring forward (02:00 → 03:00)
  '2026-10-25T01:00:00Z', // Europe/Berlin fall back (03:00 → 02:00)
  '2026-03-08T07:00:00Z', // America/New_York spring forward
  '2026-11-01T06:00:00Z', // America/New_York fall back
  '2026-04-04T16:00:00Z', // Australia/Sydney fall back (03:00 → 02:00)
  '2026-10-03T16:00:00Z', // Australia/Sydney spring forward
  '2026-04-04T14:00:00Z', // Pacific/Auckland fall back
  '2026-09-26T14:00:00Z', // Pacific/Auckland spring forward
  '2018-11-04T03:00:00Z', // America/Sao_Paulo spring forward at midnight (00:00 → 01:00)
  '2019-02-17T02:00:00Z', // America/Sao_Paulo fall back at midnight
  '2026-07-15T12:00:00Z', // nothing
  '2026-12-31T23:30:00Z', // a year end
].map((iso) => Date.parse(iso));

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Weekday (0 = Sunday) and minute of the day on the wall clock of `zone` at `instant` (the oracle's reading). */
function wall(zone: string, instant: number): { weekday: number; minute: number } {
  const fixed = /^(?:UTC)?([+-])(\d{2}):(\d{2})$/.exec(zone);
  if (fixed || zone === 'UTC') {
    const offset = fixed ? (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3])) : 0;
    const local = new Date(instant + offset * MIN);
    return { weekday: local.getUTCDay(), minute: local.getUTCHours() * 60 + local.getUTCMinutes() };
  }
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, format);
  }
  const parts = format.formatToParts(new Date(instant));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { weekday: WEEKDAY[get('weekday')] ?? -1, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

/** True when every reading of the window agrees that `instant` is inside it. */
function surelyInWindow(window: Required<WeeklyWindow>, instant: number): boolean {
  const day = DAYS.indexOf(window.dayOfWeek);
  const [hh, mm] = window.timeOfDay.split(':').map(Number) as [number, number];
  const start = day * 1_440 + hh * 60 + mm;
  const now = wall(window.timeZone, instant);
  const elapsed = (((now.weekday * 1_440 + now.minute - start) % 10_080) + 10_080) % 10_080;
  if (elapsed >= 120) return false; // the wall clock is two hours or more past the start
  const minuteStart = instant - (instant % MIN);
  // Readings an hour apart (a clock change); a start still ahead (a repeated hour) counts too.
  const starts = [elapsed - 60, elapsed, elapsed + 60]
    .map((back) => minuteStart - back * MIN)
    .filter((s) => {
      const w = wall(window.timeZone, s);
      return w.weekday === day && w.minute === hh * 60 + mm;
    });
  return starts.length > 0 && starts.every((s) => s <= instant && instant < s + 120 * MIN);
}

/** A window and a clock near it: the window starts `back` minutes before the clock (on its wall clock). */
const scenario = fc
  .record({
    zone: fc.constantFrom(...IANA, ...FIXED),
    base: fc.constantFrom(...TRANSITIONS),
    shift: fc.integer({ min: -3 * 1_440, max: 3 * 1_440 }),
    seconds: fc.integer({ min: 0, max: 59 }),
    back: fc.integer({ min: -60, max: 180 }),
    // One window in five at a random day and time; the others start near the clock.
    random: fc.oneof(
      { weight: 4, arbitrary: fc.constant(null) },
      {
        weight: 1,
        arbitrary: fc.record({ day: fc.constantFrom(...DAYS), hour: fc.nat(23), minute: fc.nat(59) }),
      },
    ),
  })
  .map(({ zone, base, shift, seconds, back, random }) => {
    const now = base + shift * MIN + seconds * 1_000;
    let window: Required<WeeklyWindow>;
    if (random) {
      const hhmm = `${String(random.hour).padStart(2, '0')}:${String(random.minute).padStart(2, '0')}`;
      window = { dayOfWeek: random.day, timeOfDay: hhmm, timeZone: zone };
    } else {
      const w = wall(zone, now - back * MIN);
      const hhmm = `${String(Math.floor(w.minute / 60)).padStart(2, '0')}:${String(w.minute % 60).padStart(2, '0')}`;
      window = { dayOfWeek: DAYS[w.weekday] as string, timeOfDay: hhmm, timeZone: zone };
    }
    return { now, window };
  });

const iso = (t: number) => new Date(t).toISOString();

const planArb = (now: number) =>
  fc
    .record({
      state: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom('planned', 'applying', 'rebooting') },
        { weight: 1, arbitrary: fc.constantFrom(...PLAN_STATES) },
      ),
      updateAgo: fc.option(fc.integer({ min: 0, max: 180 })),
      rebootAgo: fc.option(fc.integer({ min: 0, max: 180 })),
      sends: fc.integer({ min: 1, max: 4 }),
      verifyIn: fc.integer({ min: -60, max: 30 }),
      rollback: fc.option(
        fc.record({
          ago: fc.integer({ min: 0, max: 120 }),
          update: fc.option(fc.integer({ min: 0, max: 60 })),
          reboot: fc.option(fc.integer({ min: 0, max: 60 })),
        }),
      ),
      windowAttempts: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 4 })),
      expiresIn: fc.integer({ min: -1_440, max: 14 * 1_440 }),
    })
    .map((p): CapacityPlan => {
      const ago = (minutes: number) => iso(now - minutes * MIN);
      return {
        id: 'b-1234@2026-01-01T00:00:00.000Z',
        brokerId: 'b-1234',
        brokerName: 'orders',
        region: 'us-east-1',
        deploymentMode: 'ACTIVE_STANDBY_MULTI_AZ',
        action: 'upsize',
        from: 'mq.m5.large',
        to: 'mq.m5.xlarge',
        source: 'auto-policy',
        reasons: [],
        createdAt: ago(1_440),
        expiresAt: ago(-p.expiresIn),
        updatedAt: ago(1),
        state: p.state,
        step: 3,
        windowAttempts: p.windowAttempts,
        ...(p.updateAgo !== null ? { update: { sentAt: ago(p.updateAgo), sends: p.sends } } : {}),
        ...(p.rebootAgo !== null
          ? { reboot: { sentAt: ago(p.rebootAgo), sends: p.sends, deadline: ago(p.rebootAgo - 30) } }
          : {}),
        verifyAfter: ago(-p.verifyIn),
        ...(p.rollback
          ? {
              rollback: {
                reason: 'post-check failed',
                startedAt: ago(p.rollback.ago),
                deadline: ago(p.rollback.ago - 60),
                ...(p.rollback.update !== null
                  ? { update: { sentAt: ago(p.rollback.update), sends: p.sends } }
                  : {}),
                ...(p.rollback.reboot !== null
                  ? { reboot: { sentAt: ago(p.rollback.reboot), sends: p.sends } }
                  : {}),
              },
            }
          : {}),
        history: [],
      };
    });

const observationArb = (window: WeeklyWindow) =>
  fc
    .record({
      state: fc.oneof(
        { weight: 6, arbitrary: fc.constant('RUNNING') },
        { weight: 2, arbitrary: fc.constantFrom('REBOOT_IN_PROGRESS', 'CRITICAL_ACTION_REQUIRED') },
      ),
      mode: fc.constantFrom<Broker['deploymentMode'][]>(
        'SINGLE_INSTANCE',
        'ACTIVE_STANDBY_MULTI_AZ',
        'CLUSTER_MULTI_AZ',
      ),
      instanceType: fc.constantFrom(
        'mq.m5.large',
        'mq.m5.large',
        'mq.m5.large',
        'mq.m5.xlarge',
        'mq.m5.2xlarge',
      ),
      pendingType: fc.constantFrom(undefined, undefined, 'mq.m5.xlarge', 'mq.m5.xlarge', 'mq.m5.large'),
      pendingUser: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      alarms: fc.oneof(
        { weight: 4, arbitrary: fc.constant<string[]>([]) },
        {
          weight: 1,
          arbitrary: fc.array(fc.constantFrom('mqops-orders-cpu', 'mqops-orders-down', 'app-latency'), {
            minLength: 1,
            maxLength: 3,
          }),
        },
      ),
      otherRunbook: fc.oneof(
        { weight: 7, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constant('safe-reboot') },
      ),
      probe: fc.option(fc.record({ ok: fc.boolean(), detail: fc.constant('probe') })),
    })
    .map((o): PlanObservation => {
      const users: BrokerUserRef[] = o.pendingUser ? [{ username: 'app', pendingChange: 'UPDATE' }] : [];
      return {
        broker: makeBroker({
          state: o.state,
          deploymentMode: o.mode,
          instanceType: o.instanceType,
          maintenanceWindow: window as Required<WeeklyWindow>,
          users,
          pending: o.pendingType ? { instanceType: o.pendingType } : {},
        }),
        alarmsInAlarm: o.alarms,
        ...(o.otherRunbook ? { otherRunbook: o.otherRunbook } : {}),
        ...(o.probe ? { probe: o.probe } : {}),
      };
    });

const policyArb = fc
  .record({ allowDowntime: fc.boolean(), leadMinutes: fc.integer({ min: 1, max: 60 }) })
  .map(({ allowDowntime, leadMinutes }) => parseCapacityPolicy({ allowDowntime, apply: { leadMinutes } }));

describe('Property: decide never starts a resize unsafely', () => {
  it('returns update or reboot only inside the window, with no alarm in ALARM, and never for single-instance brokers without allowDowntime', () => {
    const counts = { update: 0, reboot: 0, runs: 0 };
    fc.assert(
      fc.property(
        scenario.chain(({ now, window }) =>
          fc.record({
            now: fc.constant(now),
            window: fc.constant(window),
            plan: planArb(now),
            observation: observationArb(window),
            policy: policyArb,
          }),
        ),
        ({ now, window, plan, observation, policy }) => {
          counts.runs++;
          const action = decide(plan, observation, new Date(now), policy);
          if (action.kind !== 'update' && action.kind !== 'reboot') return;
          counts[action.kind]++;
          const broker = observation.broker as Broker;
          expect(observation.alarmsInAlarm).toEqual([]);
          expect(broker.deploymentMode !== 'SINGLE_INSTANCE' || policy.allowDowntime).toBe(true);
          expect(broker.state).toBe('RUNNING');
          expect(observation.otherRunbook).toBeUndefined();
          expect(broker.users.some((u) => u.pendingChange)).toBe(false);
          expect(surelyInWindow(window, now)).toBe(true);
          // Each step needs its margin inside the same window: an update its own (and the lead time), so the reboot
          // can start in it too; a reboot enough to end in it.
          const margin = action.kind === 'update' ? minutesNeeded('update', policy) : MIN_MINUTES_LEFT.reboot;
          expect(margin).toBeGreaterThanOrEqual(
            action.kind === 'update' ? Math.max(policy.apply.leadMinutes, MIN_MINUTES_LEFT.update) : 10,
          );
          expect(surelyInWindow(window, now + margin * MIN - 1_000)).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
    // Not vacuous: forward steps were taken in a fair share of the runs.
    expect(counts.update).toBeGreaterThan(20);
    expect(counts.reboot).toBeGreaterThan(10);
  });

  it('reads the window exactly as the independent oracle does, across clock changes', () => {
    let inside = 0;
    fc.assert(
      fc.property(scenario, ({ now, window }) => {
        const sure = surelyInWindow(window, now);
        if (sure) inside++;
        expect(applyWindow(window, new Date(now)) !== undefined).toBe(sure);
      }),
      { numRuns: 2_000 },
    );
    expect(inside).toBeGreaterThan(200);
  });
});
