/**
 * Planned resizes and the state machine that applies them, persisted in the key-value store under
 * `capacityplan#<brokerId>` (one plan per broker; one DynamoDB partition, so listing them is one Query).
 *
 * ```
 * planned ──update──▶ applying ──reboot──▶ rebooting ──verify──▶ verifying ──finish──▶ done
 *    ▲                   │                     │                     │
 *    └──────revert───────┘ (window closed      │ deadline            │ alarm in ALARM / connection fails
 *         before the reboot could start)       ▼                     ▼
 *                                         rolling-back ◀──────── rollback ──▶ (UpdateBroker back, reboot)
 *                                              └──▶ rolled-back | failed
 * planned ──cancel──▶ cancelled (expired, broker changed or gone, too many windows)
 * ```
 *
 * {@link decide} is pure: the plan, what was observed, the time and the policy give the next action. A forward step
 * (`update`, `reboot`) is only ever returned when all apply guards hold at that instant:
 * - the broker's maintenance window is open, read conservatively around clock changes ({@link applyWindow}), and
 *   enough of it is left for the step ({@link MIN_MINUTES_LEFT}: for `update` also at least `leadMinutes`), so the
 *   update and the reboot both start inside it and the reboot ends in it; with less left the step waits for the next
 *   window (a started resize is reverted), it is never sent late;
 * - none of the broker's alarms is in ALARM (metric alarms on its metrics, alarms tagged for it, composite alarms
 *   over those: see {@link AlarmStates}), and they could be read;
 * - what was observed is fresh: the observations of the tick took at most {@link MAX_OBSERVATION_SECONDS};
 * - a single-instance broker only when the policy allows downtime;
 * - the broker is RUNNING, no other runbook runs on it, and it has no other pending change that the reboot would
 *   apply by surprise.
 * After the reboot the broker must run the new type within `rebootTimeoutMinutes`; after `settleMinutes` the
 * post-checks (none of its alarms in ALARM, a real client connection) must pass within `verifyMinutes`. Otherwise
 * it rolls back: UpdateBroker to the previous type, a reboot, RUNNING on it within `rollbackTimeoutMinutes`.
 * Recovery steps (`revert`, `rollback-update`, `rollback-reboot`) go back to the type the broker ran before; they do
 * not wait for the window or for alarms to clear, since they are the answer to a failed resize.
 *
 * {@link advancePlan} is the runner for one scheduled tick: it observes (DescribeBroker, alarm states, the runbook
 * marker, and a real client connection while verifying), reads the clock after the last observation (a slow call
 * must not leave a decision made on a time that has passed), decides, and claims each step with an optimistic write
 * (the version read, through the one compare-and-swap helper) before making its call, so two ticks at once, or a
 * re-delivered tick, make a call once. Before it claims an UpdateBroker it takes the broker's runbook marker in one
 * conditional write, refused while another runbook (a safe-reboot) holds the broker: then the plan waits, so a resize
 * and another runbook never act on a broker at once. A step whose call is lost is sent again after
 * `resendAfterMinutes` (and only through the same guards). Every step posts one notice, deduplicated by plan and step.
 */
import { BrokerNotFoundError, InvalidInputError } from '../errors';
import { casItem, type KeyValueStore, type Versioned } from '../kv';
import type { Broker } from '../model';
import { type Notice, type NoticeLevel, type NoticeSink, postNotice } from '../notices';
import { activeRunbook, clearRunbook, markRunbook } from '../runbook-marker';
import { applyWindow } from './apply-window';
import { pendingChanges } from './maintenance';
import { autoApplyActions, type CapacityPolicy, DEFAULT_CAPACITY_POLICY, type ResizeAction } from './policy';
import type { AlarmStates, BrokerControl, ConnectionProbe, ProbeResult } from './ports';
import type { CostDelta, Recommendation } from './recommend';

export const PLAN_STATES = [
  'planned',
  'applying',
  'rebooting',
  'verifying',
  'rolling-back',
  'done',
  'rolled-back',
  'failed',
  'cancelled',
] as const;
export type PlanState = (typeof PLAN_STATES)[number];

/** States a plan never leaves. */
export const TERMINAL_PLAN_STATES: readonly PlanState[] = ['done', 'rolled-back', 'failed', 'cancelled'];

export const isTerminal = (state: PlanState) => TERMINAL_PLAN_STATES.includes(state);

/** Who accepted the recommendation. */
export const PLAN_SOURCES = ['cli', 'runbook', 'auto-policy'] as const;
export type PlanSource = (typeof PLAN_SOURCES)[number];

/** The key prefix of plans in the key-value store. */
export const PLAN_KEY_PREFIX = 'capacityplan#';
/** The key of a broker's plan. */
export const planKey = (brokerId: string) => `${PLAN_KEY_PREFIX}${brokerId}`;

/** The runbook marker name a resize holds while it runs (alerts and the state watcher hold off). */
export const RESIZE_RUNBOOK = 'resize';

/** One call the plan made, and how many times. */
export interface SentCall {
  sentAt: string;
  sends: number;
}

export interface CapacityPlan {
  /** `<brokerId>@<created ISO time>`: unique per plan, part of every notice key. */
  id: string;
  brokerId: string;
  brokerName: string;
  region: string;
  deploymentMode: Broker['deploymentMode'];
  action: ResizeAction;
  /** The type the broker runs when the plan is made (and goes back to on rollback). */
  from: string;
  to: string;
  source: PlanSource;
  acceptedBy?: string;
  reasons: string[];
  monthlyCostDelta?: CostDelta;
  createdAt: string;
  /** After this the plan is cancelled instead of applied: its data is old. */
  expiresAt: string;
  updatedAt: string;
  state: PlanState;
  /** Steps taken (each transition adds one): part of the notice keys. */
  step: number;
  /** Windows in which the resize was started and reverted. */
  windowAttempts: number;
  /** UpdateBroker to `to`. */
  update?: SentCall;
  /** RebootBroker after the update, and the time by which the broker must run the new type. */
  reboot?: SentCall & { deadline: string };
  /** Post-checks run from this time on. */
  verifyAfter?: string;
  rollback?: {
    reason: string;
    startedAt: string;
    deadline: string;
    /** UpdateBroker back to `from`. */
    update?: SentCall;
    reboot?: SentCall;
  };
  /**
   * Set by the resize-now runbook: until `until` the plan may be applied outside the maintenance window (every other
   * guard still holds: alarms, RUNNING, no surprise pending change, downtime policy).
   */
  immediate?: { by: string; at: string; until: string };
  /** Why the plan waits (the last wait decided). */
  waiting?: string;
  /** How the plan ended. */
  outcome?: string;
  /** The last failed call. */
  lastError?: string;
  /** The last 50 transitions. */
  history: { at: string; state: PlanState; note: string }[];
}

/** What the runner saw before deciding. */
export interface PlanObservation {
  /** Undefined when the broker no longer exists. */
  broker?: Broker;
  /** Names of the broker's alarms in ALARM. */
  alarmsInAlarm: readonly string[];
  /**
   * Set when the alarm states could not be read (why, in words): no forward step then, and no post-check passes
   * ("no alarm known" is not "no alarm in ALARM"); recovery steps go on.
   */
  alarmsUnreadable?: string;
  /** When the first observation call was made (the decision is at most {@link MAX_OBSERVATION_SECONDS} later). */
  observedAt?: Date;
  /** Another runbook running on the broker (its marker name). */
  otherRunbook?: string;
  /** The result of a real client connection, when {@link decide} asked for one. */
  probe?: ProbeResult;
}

export type PlanAction =
  /** Nothing to do now. */
  | { kind: 'wait'; reason: string }
  /** The plan is over. */
  | { kind: 'none'; reason: string }
  /** UpdateBroker to the new type (forward). */
  | { kind: 'update'; instanceType: string; resend: boolean }
  /** RebootBroker to apply it (forward). */
  | { kind: 'reboot'; resend: boolean }
  /** The broker runs the new type: start the settle period before the post-checks. */
  | { kind: 'verify' }
  /** Run the connection probe and decide again with its result. */
  | { kind: 'probe' }
  /** Start a rollback. */
  | { kind: 'rollback'; reason: string }
  /** UpdateBroker back to the previous type (rollback). */
  | { kind: 'rollback-update'; instanceType: string; resend: boolean }
  /** RebootBroker onto the previous type (rollback). */
  | { kind: 'rollback-reboot'; resend: boolean }
  /** Clear a pending forward change that could not be applied in this window (UpdateBroker back, no reboot). */
  | { kind: 'revert'; instanceType: string; reason: string }
  | { kind: 'finish'; outcome: 'done' | 'rolled-back'; reason: string }
  | { kind: 'fail'; reason: string }
  | { kind: 'cancel'; reason: string };

export type PlanActionKind = PlanAction['kind'];

/**
 * The least time that must be left in the window (the maintenance window, or the resize-now hour) to send each
 * forward step, in minutes. Outside that margin the step waits for the next window instead of starting late.
 */
export const MIN_MINUTES_LEFT = {
  /**
   * RebootBroker: a reboot of Amazon MQ is asynchronous and takes several minutes (the broker is REBOOT_IN_PROGRESS
   * while its instances restart, one at a time for active/standby and clusters), so it is started only while it can
   * still end inside the window.
   */
  reboot: 10,
  /**
   * UpdateBroker: the reboot's margin plus the time for the pending type to show in DescribeBroker (an update is sent
   * again only after `resendAfterMinutes`, 5 by default), so that an update sent now can still be rebooted onto in
   * this window. The policy's `leadMinutes` can only ask for more.
   */
  update: 15,
} as const;

/**
 * Observations older than this many seconds when the runner decides (a DescribeAlarms retried through throttling,
 * a slow DescribeBroker) are not acted on: the step waits for a tick that sees the broker as it is.
 */
export const MAX_OBSERVATION_SECONDS = 120;

const MINUTE = 60_000;
const plus = (at: Date | string, minutes: number) => new Date(new Date(at).getTime() + minutes * MINUTE);
const since = (now: Date, at: string) => (now.getTime() - Date.parse(at)) / MINUTE;

/** The broker's window in words (for wait reasons; the maintenance report has its next start). */
function windowText(broker: Broker): string {
  const w = broker.maintenanceWindow;
  if (!w) return 'the broker reports no maintenance window';
  return `window ${w.dayOfWeek.toUpperCase()} ${w.timeOfDay} ${w.timeZone?.trim() || 'UTC'}`;
}

/** The span a step may start in: the maintenance window, or the resize-now runbook's hour. */
function windowOf(
  plan: Pick<CapacityPlan, 'immediate'>,
  broker: Broker,
  now: Date,
): { start: Date; end: Date; label: string } | undefined {
  const immediate = plan.immediate;
  if (immediate && now.getTime() >= Date.parse(immediate.at) && now.getTime() < Date.parse(immediate.until))
    return { start: new Date(immediate.at), end: new Date(immediate.until), label: 'resize-now hour' };
  const span = applyWindow(broker.maintenanceWindow, now);
  return span && { ...span, label: 'maintenance window' };
}

/** Minutes `step` needs left in its window under `policy`. */
export function minutesNeeded(step: 'update' | 'reboot', policy: CapacityPolicy): number {
  return step === 'update'
    ? Math.max(MIN_MINUTES_LEFT.update, policy.apply.leadMinutes)
    : MIN_MINUTES_LEFT.reboot;
}

/** Why `step` cannot start in the window at `now` (outside it, or too little of it left); undefined when it can. */
function windowBlocker(
  plan: Pick<CapacityPlan, 'immediate'>,
  broker: Broker,
  now: Date,
  policy: CapacityPolicy,
  step: 'update' | 'reboot',
): string | undefined {
  const span = windowOf(plan, broker, now);
  if (!span) return `outside the maintenance window (${windowText(broker)})`;
  const left = (span.end.getTime() - now.getTime()) / MINUTE;
  const needs = minutesNeeded(step, policy);
  if (left >= needs) return undefined;
  const call = step === 'update' ? 'starting a resize (UpdateBroker)' : 'RebootBroker';
  return `only ${Math.floor(left)} min left in the ${span.label}; ${call} needs ${needs}, so it waits for the next window`;
}

/**
 * Why a forward step (`update` or `reboot`) may not be taken now; empty when it may. The guards of the module
 * comment, in that order.
 */
export function applyBlockers(
  plan: Pick<CapacityPlan, 'to' | 'immediate'>,
  observation: PlanObservation,
  now: Date,
  policy: CapacityPolicy,
  step: 'update' | 'reboot',
): string[] {
  const broker = observation.broker;
  if (!broker) return ['the broker no longer exists'];
  const out: string[] = [];
  if (broker.state !== 'RUNNING') out.push(`broker is ${broker.state}, not RUNNING`);
  const window = windowBlocker(plan, broker, now, policy, step);
  if (window) out.push(window);
  if (observation.alarmsUnreadable)
    out.push(
      `its alarm states could not be read (${observation.alarmsUnreadable}): no alarm known is not no alarm in ALARM`,
    );
  if (observation.alarmsInAlarm.length)
    out.push(
      `alarm${observation.alarmsInAlarm.length > 1 ? 's' : ''} in ALARM: ${observation.alarmsInAlarm.join(', ')}`,
    );
  if (broker.deploymentMode === 'SINGLE_INSTANCE' && !policy.allowDowntime)
    out.push(
      'single-instance broker: it is offline while it reboots, and the policy does not allow downtime',
    );
  const surprises = pendingChanges(broker).filter(
    (c) => !(c.field === 'instanceType' && c.to.toLowerCase() === plan.to.toLowerCase()),
  );
  if (surprises.length)
    out.push(`pending changes a reboot would apply by surprise: ${surprises.map((c) => c.text).join('; ')}`);
  if (observation.otherRunbook) out.push(`runbook ${observation.otherRunbook} is running on the broker`);
  const age = observation.observedAt && (now.getTime() - observation.observedAt.getTime()) / 1000;
  if (age !== undefined && age > MAX_OBSERVATION_SECONDS)
    out.push(
      `observing the broker took ${Math.round(age)} s (more than ${MAX_OBSERVATION_SECONDS}): too old to act on`,
    );
  return out;
}

const same = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * The next action of a plan (pure). Re-entrant: deciding again on the same inputs gives the same action, and a step
 * already taken is recognised from the plan and the broker, never taken twice within `resendAfterMinutes`.
 */
export function decide(
  plan: CapacityPlan,
  observation: PlanObservation,
  now: Date,
  policy: CapacityPolicy = DEFAULT_CAPACITY_POLICY,
): PlanAction {
  if (isTerminal(plan.state)) return { kind: 'none', reason: `plan is ${plan.state}` };
  const broker = observation.broker;
  if (!broker)
    return plan.state === 'planned'
      ? { kind: 'cancel', reason: `broker ${plan.brokerName} no longer exists` }
      : { kind: 'fail', reason: `broker ${plan.brokerName} no longer exists (DescribeBroker: not found)` };
  switch (plan.state) {
    case 'planned':
      return decidePlanned(plan, observation, broker, now, policy);
    case 'applying':
      return decideApplying(plan, observation, broker, now, policy);
    case 'rebooting':
      return decideRebooting(plan, observation, broker, now, policy);
    case 'verifying':
      return decideVerifying(plan, observation, broker, now, policy);
    default:
      return decideRollingBack(plan, broker, now, policy);
  }
}

function decidePlanned(
  plan: CapacityPlan,
  observation: PlanObservation,
  broker: Broker,
  now: Date,
  policy: CapacityPolicy,
): PlanAction {
  if (now.getTime() >= Date.parse(plan.expiresAt))
    return { kind: 'cancel', reason: `plan expired on ${plan.expiresAt}: its recommendation is out of date` };
  if (plan.windowAttempts >= policy.apply.maxWindowAttempts)
    return { kind: 'cancel', reason: `the resize was reverted in ${plan.windowAttempts} windows; giving up` };
  if (same(broker.instanceType, plan.to) && !pendingChanges(broker).some((c) => c.field === 'instanceType'))
    return { kind: 'cancel', reason: `broker already runs ${plan.to}` };
  if (!same(broker.instanceType, plan.from))
    return {
      kind: 'cancel',
      reason: `broker runs ${broker.instanceType}, not the ${plan.from} this plan was made for`,
    };
  const blockers = applyBlockers(plan, observation, now, policy, 'update');
  if (blockers.length) return { kind: 'wait', reason: blockers.join('; ') };
  return { kind: 'update', instanceType: plan.to, resend: false };
}

const wait = (reason: string): PlanAction => ({ kind: 'wait', reason });

/**
 * The revert of a started resize whose reboot can no longer start in this window (it closed, or less than the
 * reboot's margin is left), so that no other reboot applies the pending type unchecked; undefined while it can.
 */
function revertUnlessRebootFits(
  plan: CapacityPlan,
  broker: Broker,
  now: Date,
  policy: CapacityPolicy,
  why: string,
): PlanAction | undefined {
  if (!windowBlocker(plan, broker, now, policy, 'reboot')) return undefined;
  const when = windowOf(plan, broker, now)
    ? 'too little of the window is left for the reboot'
    : 'the window closed before the reboot could start';
  return { kind: 'revert', instanceType: plan.from, reason: `${when}: ${why}` };
}

function decideApplying(
  plan: CapacityPlan,
  observation: PlanObservation,
  broker: Broker,
  now: Date,
  policy: CapacityPolicy,
): PlanAction {
  // Rebooted by someone else (or by the window itself) onto the new type: verify it.
  if (same(broker.instanceType, plan.to))
    return broker.state === 'RUNNING'
      ? { kind: 'verify' }
      : { kind: 'wait', reason: `broker is ${broker.state} on ${plan.to}` };
  const revertOrWait = (why: string): PlanAction =>
    broker.state === 'RUNNING'
      ? (revertUnlessRebootFits(plan, broker, now, policy, why) ?? wait(why))
      : wait(why);
  if (same(broker.pending.instanceType, plan.to)) {
    const blockers = applyBlockers(plan, observation, now, policy, 'reboot');
    if (blockers.length) return revertOrWait(blockers.join('; '));
    return { kind: 'reboot', resend: false };
  }
  // The update is not visible yet.
  const sent = plan.update;
  if (sent && since(now, sent.sentAt) < policy.apply.resendAfterMinutes)
    return {
      kind: 'wait',
      reason: `UpdateBroker sent at ${sent.sentAt}; waiting for the pending type to show`,
    };
  if (sent && sent.sends > policy.apply.maxResends)
    return {
      kind: 'cancel',
      reason: `UpdateBroker to ${plan.to} did not take effect after ${sent.sends} calls`,
    };
  const blockers = applyBlockers(plan, observation, now, policy, 'update');
  if (blockers.length) return revertOrWait(blockers.join('; '));
  return { kind: 'update', instanceType: plan.to, resend: true };
}

function decideRebooting(
  plan: CapacityPlan,
  observation: PlanObservation,
  broker: Broker,
  now: Date,
  policy: CapacityPolicy,
): PlanAction {
  const reboot = plan.reboot;
  if (broker.state === 'RUNNING' && same(broker.instanceType, plan.to)) return { kind: 'verify' };
  if (!reboot || now.getTime() > Date.parse(reboot.deadline))
    return {
      kind: 'rollback',
      reason:
        `broker was not RUNNING on ${plan.to} within ${policy.apply.rebootTimeoutMinutes} min of the reboot ` +
        `(it is ${broker.state} on ${broker.instanceType})`,
    };
  if (broker.state === 'RUNNING' && same(broker.instanceType, plan.from)) {
    if (!same(broker.pending.instanceType, plan.to))
      return {
        kind: 'cancel',
        reason: `the pending change to ${plan.to} disappeared before the reboot applied it`,
      };
    // The reboot has not started (yet).
    if (since(now, reboot.sentAt) < policy.apply.resendAfterMinutes)
      return { kind: 'wait', reason: `RebootBroker sent at ${reboot.sentAt}; waiting for it to start` };
    if (reboot.sends > policy.apply.maxResends)
      return { kind: 'rollback', reason: `the reboot did not start after ${reboot.sends} calls` };
    const blockers = applyBlockers(plan, observation, now, policy, 'reboot');
    if (blockers.length) {
      const why = blockers.join('; ');
      return revertUnlessRebootFits(plan, broker, now, policy, why) ?? wait(why);
    }
    return { kind: 'reboot', resend: true };
  }
  return {
    kind: 'wait',
    reason: `broker is ${broker.state} on ${broker.instanceType}; waiting for RUNNING on ${plan.to} until ${reboot.deadline}`,
  };
}

function decideVerifying(
  plan: CapacityPlan,
  observation: PlanObservation,
  broker: Broker,
  now: Date,
  policy: CapacityPolicy,
): PlanAction {
  if (!same(broker.instanceType, plan.to))
    return {
      kind: 'fail',
      reason: `broker runs ${broker.instanceType} while the resize to ${plan.to} was verified`,
    };
  const after = plan.verifyAfter ?? plan.updatedAt;
  if (now.getTime() < Date.parse(after)) return { kind: 'wait', reason: `settling until ${after}` };
  // Post-checks may fail at first (an alarm that fired during the reboot, clients still reconnecting): they have
  // until the deadline to pass.
  const deadline = plus(after, policy.apply.verifyMinutes);
  const late = now.getTime() >= deadline.getTime();
  const until = deadline.toISOString();
  if (broker.state !== 'RUNNING')
    return late
      ? { kind: 'rollback', reason: `post-check failed: broker is ${broker.state} after the resize` }
      : { kind: 'wait', reason: `broker is ${broker.state}; post-checks wait for RUNNING until ${until}` };
  if (observation.alarmsUnreadable)
    return {
      kind: 'wait',
      reason: `its alarm states could not be read (${observation.alarmsUnreadable}); post-checks wait for them`,
    };
  const alarms = observation.alarmsInAlarm;
  if (alarms.length) {
    const what = `alarm${alarms.length > 1 ? 's' : ''} in ALARM after the resize: ${alarms.join(', ')}`;
    return late
      ? { kind: 'rollback', reason: `post-check failed: ${what}` }
      : { kind: 'wait', reason: `${what}; post-checks give it until ${until} to clear` };
  }
  if (!observation.probe) return { kind: 'probe' };
  if (!observation.probe.ok)
    return late
      ? { kind: 'rollback', reason: `post-check failed: client connection: ${observation.probe.detail}` }
      : {
          kind: 'wait',
          reason: `client connection failed (${observation.probe.detail}); trying again until ${until}`,
        };
  return {
    kind: 'finish',
    outcome: 'done',
    reason: `broker runs ${plan.to}; no alarm in ALARM; ${observation.probe.detail}`,
  };
}

function decideRollingBack(
  plan: CapacityPlan,
  broker: Broker,
  now: Date,
  policy: CapacityPolicy,
): PlanAction {
  const rb = plan.rollback;
  if (!rb) return { kind: 'fail', reason: 'rollback state without rollback details' };
  const onFrom = same(broker.instanceType, plan.from);
  const pendingTo = same(broker.pending.instanceType, plan.to);
  const pendingFrom = same(broker.pending.instanceType, plan.from);
  const running = broker.state === 'RUNNING';
  if (running && onFrom && !pendingTo)
    return {
      kind: 'finish',
      outcome: 'rolled-back',
      reason: `broker runs ${plan.from} again (${rb.reason})`,
    };
  if (now.getTime() > Date.parse(rb.deadline))
    return {
      kind: 'fail',
      reason:
        `rollback to ${plan.from} did not complete within ${policy.apply.rollbackTimeoutMinutes} min ` +
        `(broker is ${broker.state} on ${broker.instanceType}); needs a person`,
    };
  if (!running)
    return { kind: 'wait', reason: `rollback waits for the broker to be RUNNING (it is ${broker.state})` };
  const resendable = (call: SentCall | undefined) =>
    call && since(now, call.sentAt) < policy.apply.resendAfterMinutes
      ? 'wait'
      : call && call.sends > policy.apply.maxResends
        ? 'exhausted'
        : 'send';

  if (!rb.reboot) {
    if (onFrom || !pendingFrom) {
      // Undo the pending forward change (on `from`), or make `from` pending again (on `to`).
      const state = rb.update ? resendable(rb.update) : 'send';
      if (state === 'wait')
        return { kind: 'wait', reason: `UpdateBroker back to ${plan.from} sent; waiting for it to show` };
      if (state === 'exhausted')
        return {
          kind: 'fail',
          reason: `UpdateBroker back to ${plan.from} did not take effect; needs a person`,
        };
      return { kind: 'rollback-update', instanceType: plan.from, resend: rb.update !== undefined };
    }
    return { kind: 'rollback-reboot', resend: false };
  }
  // Rebooted: on `to` with `from` still pending, the reboot has not started.
  if (pendingFrom) {
    const state = resendable(rb.reboot);
    if (state === 'wait')
      return { kind: 'wait', reason: `RebootBroker sent at ${rb.reboot.sentAt}; waiting for it` };
    if (state === 'exhausted')
      return {
        kind: 'fail',
        reason: `the rollback reboot did not start after ${rb.reboot.sends} calls; needs a person`,
      };
    return { kind: 'rollback-reboot', resend: true };
  }
  // Rebooted, yet neither on `from` nor with `from` pending: make `from` pending again, then reboot again.
  const state = rb.update ? resendable(rb.update) : 'send';
  if (state === 'wait')
    return { kind: 'wait', reason: `UpdateBroker back to ${plan.from} sent; waiting for it to show` };
  if (state === 'exhausted')
    return { kind: 'fail', reason: `UpdateBroker back to ${plan.from} did not take effect; needs a person` };
  return { kind: 'rollback-update', instanceType: plan.from, resend: rb.update !== undefined };
}

/** The plan after an action that moves it (pure). `wait`, `none` and `probe` return it unchanged. */
export function transition(
  plan: CapacityPlan,
  action: PlanAction,
  now: Date,
  policy: CapacityPolicy = DEFAULT_CAPACITY_POLICY,
): CapacityPlan {
  if (action.kind === 'wait' || action.kind === 'none' || action.kind === 'probe') return plan;
  const at = now.toISOString();
  const next: CapacityPlan = { ...plan, updatedAt: at, step: plan.step + 1 };
  delete next.waiting;
  const sent = (previous: SentCall | undefined, resend: boolean): SentCall => ({
    sentAt: at,
    sends: resend ? (previous?.sends ?? 0) + 1 : 1,
  });
  let note: string;
  switch (action.kind) {
    case 'update':
      next.state = 'applying';
      next.update = sent(plan.update, action.resend);
      note = `UpdateBroker ${plan.from} → ${plan.to}${action.resend ? ' (sent again)' : ''}`;
      break;
    case 'reboot':
      next.state = 'rebooting';
      next.reboot = {
        ...sent(plan.reboot, action.resend),
        deadline: plus(now, policy.apply.rebootTimeoutMinutes).toISOString(),
      };
      note = `RebootBroker${action.resend ? ' (sent again)' : ''}`;
      break;
    case 'verify':
      next.state = 'verifying';
      next.verifyAfter = plus(now, policy.apply.settleMinutes).toISOString();
      note = `running ${plan.to}; post-checks from ${next.verifyAfter}`;
      break;
    case 'rollback':
      next.state = 'rolling-back';
      next.rollback = {
        reason: action.reason,
        startedAt: at,
        deadline: plus(now, policy.apply.rollbackTimeoutMinutes).toISOString(),
      };
      note = `rollback: ${action.reason}`;
      break;
    case 'rollback-update':
      next.rollback = {
        ...(plan.rollback as NonNullable<CapacityPlan['rollback']>),
        update: sent(plan.rollback?.update, action.resend),
      };
      note = `UpdateBroker back to ${plan.from}${action.resend ? ' (sent again)' : ''}`;
      break;
    case 'rollback-reboot':
      next.rollback = {
        ...(plan.rollback as NonNullable<CapacityPlan['rollback']>),
        reboot: sent(plan.rollback?.reboot, action.resend),
      };
      note = `RebootBroker onto ${plan.from}${action.resend ? ' (sent again)' : ''}`;
      break;
    case 'revert':
      next.state = 'planned';
      next.windowAttempts = plan.windowAttempts + 1;
      delete next.update;
      delete next.reboot;
      delete next.verifyAfter;
      note = `reverted the pending change: ${action.reason}`;
      break;
    case 'finish':
      next.state = action.outcome;
      next.outcome = action.reason;
      note = action.reason;
      break;
    case 'fail':
      next.state = 'failed';
      next.outcome = action.reason;
      note = action.reason;
      break;
    case 'cancel':
      next.state = 'cancelled';
      next.outcome = action.reason;
      note = action.reason;
      break;
  }
  next.history = [...plan.history, { at, state: next.state, note }].slice(-50);
  return next;
}

/** How a plan is accepted. */
export interface AcceptOptions {
  source: PlanSource;
  now: Date;
  policy?: CapacityPolicy;
  /** Who accepted it (a CLI user, a runbook run id). */
  acceptedBy?: string;
}

/**
 * A recommendation accepted as a planned change (pure).
 * @throws InvalidInputError when the recommendation is not a resize (for a blocked broker, saying what blocks).
 */
export function planFromRecommendation(rec: Recommendation, options: AcceptOptions): CapacityPlan {
  if (rec.action === 'blocked')
    throw new InvalidInputError(
      `broker ${rec.brokerName} cannot be resized: ${rec.reasons.at(-1) ?? 'no resize can be recommended'}. ` +
        'Its recommendation is "blocked": there is no resize to plan',
    );
  if ((rec.action !== 'upsize' && rec.action !== 'downsize') || !rec.to)
    throw new InvalidInputError(
      `the recommendation for broker ${rec.brokerName} is "${rec.action}", not a resize: nothing to plan`,
    );
  const policy = options.policy ?? DEFAULT_CAPACITY_POLICY;
  const at = options.now.toISOString();
  return {
    id: `${rec.brokerId}@${at}`,
    brokerId: rec.brokerId,
    brokerName: rec.brokerName,
    region: rec.region,
    deploymentMode: rec.deploymentMode,
    action: rec.action,
    from: rec.from,
    to: rec.to,
    source: options.source,
    ...(options.acceptedBy ? { acceptedBy: options.acceptedBy } : {}),
    reasons: [...rec.reasons],
    ...(rec.monthlyCostDelta ? { monthlyCostDelta: { ...rec.monthlyCostDelta } } : {}),
    createdAt: at,
    expiresAt: new Date(options.now.getTime() + policy.apply.planTtlDays * 86_400_000).toISOString(),
    updatedAt: at,
    state: 'planned',
    step: 0,
    windowAttempts: 0,
    history: [{ at, state: 'planned', note: `accepted (${options.source}): ${rec.from} → ${rec.to}` }],
  };
}

/**
 * Plans for the recommendations whose broker carries the auto-apply tag allowing that direction (source
 * `auto-policy`).
 */
export function autoPlans(
  recommendations: readonly Recommendation[],
  brokers: readonly Broker[],
  policy: CapacityPolicy,
  now: Date,
): CapacityPlan[] {
  const byId = new Map(brokers.map((b) => [b.id, b]));
  const plans: CapacityPlan[] = [];
  for (const rec of recommendations) {
    const broker = byId.get(rec.brokerId);
    if (!broker || (rec.action !== 'upsize' && rec.action !== 'downsize') || !rec.to) continue;
    if (!autoApplyActions(broker, policy).includes(rec.action)) continue;
    plans.push(
      planFromRecommendation(rec, {
        source: 'auto-policy',
        now,
        policy,
        acceptedBy: policy.autoApply.tagKey,
      }),
    );
  }
  return plans;
}

/** Where notices go and where their keys are remembered. */
export interface PlanNotify {
  sinks: readonly NoticeSink[];
  store: KeyValueStore;
}

/**
 * Stores a plan for its broker unless an unfinished plan is there already, and posts the "planned" notice.
 * @returns the stored plan, and whether it is the one given.
 */
export async function acceptPlan(
  store: KeyValueStore,
  plan: CapacityPlan,
  notify?: { sinks: readonly NoticeSink[] },
): Promise<{ accepted: boolean; plan: CapacityPlan; reason?: string }> {
  // Stored over a finished plan (or none); an unfinished one refuses it, also when another accept stored it first.
  const stored = await casItem<CapacityPlan, { accepted: boolean; plan: CapacityPlan; reason?: string }>(
    store,
    planKey(plan.brokerId),
    (current, round) => {
      if (!current || isTerminal(current.value.state))
        return { write: plan, result: { accepted: true, plan } };
      const other = current.value;
      return {
        keep: {
          accepted: false,
          plan: other,
          reason:
            round === 0
              ? `broker ${plan.brokerName} already has a ${other.state} plan ${other.from} → ${other.to}`
              : 'another plan was stored at the same time',
        },
      };
    },
  );
  if (!stored.accepted) return stored;
  if (notify) {
    const cost = plan.monthlyCostDelta;
    await postNotice(
      notify.sinks,
      {
        kind: 'capacity',
        level: 'info',
        title: `Resize of broker ${plan.brokerName} planned: ${plan.from} → ${plan.to}`,
        text:
          `Broker ${plan.brokerName} will be resized (${plan.action}) from ${plan.from} to ${plan.to} inside its ` +
          `maintenance window, only when none of its alarms is in ALARM. Why: ${plan.reasons.join('; ')}.`,
        fields: {
          source: plan.source,
          from: plan.from,
          to: plan.to,
          ...(cost
            ? { 'monthly cost': `${cost.usd >= 0 ? '+' : '−'}$${Math.abs(cost.usd).toFixed(2)}` }
            : {}),
          expires: plan.expiresAt,
        },
        broker: { id: plan.brokerId, name: plan.brokerName, region: plan.region },
        key: `capacity:${plan.id}:accepted`,
      },
      { store, now: () => new Date(plan.createdAt) },
    );
  }
  return { accepted: true, plan };
}

/** Ports and settings of {@link advancePlan}. */
export interface PlanDeps {
  /** Plans, runbook markers and notice keys. */
  store: KeyValueStore;
  control: BrokerControl;
  alarms: AlarmStates;
  probe: ConnectionProbe;
  sinks: readonly NoticeSink[];
  policy?: CapacityPolicy;
  now?: () => Date;
}

export interface AdvanceResult {
  brokerId: string;
  /**
   * `advanced`: at least one step taken; `idle`: waiting (or over); `busy`: another tick moved the plan first;
   * `error`: an observation or a call failed (nothing else was done); `no-plan`.
   */
  outcome: 'advanced' | 'idle' | 'busy' | 'error' | 'no-plan';
  plan?: CapacityPlan;
  /** The actions decided this tick, in order. */
  actions: PlanAction[];
  error?: string;
}

const errorText = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : `non-error thrown: ${String(error)}`;

/**
 * DescribeBroker, the alarm states, the runbook marker. A failed DescribeBroker throws (nothing can be decided); a
 * failed alarm read is part of what was seen (it holds every forward step, and recovery steps go on).
 */
async function observe(deps: PlanDeps, plan: CapacityPlan, clock: () => Date): Promise<PlanObservation> {
  const observedAt = clock();
  let broker: Broker | undefined;
  try {
    broker = await deps.control.describe(plan.brokerId);
  } catch (error) {
    if (!(error instanceof BrokerNotFoundError)) throw error;
  }
  let alarmsInAlarm: string[] = [];
  let alarmsUnreadable: string | undefined;
  if (broker) {
    try {
      alarmsInAlarm = await deps.alarms.inAlarm(broker);
    } catch (error) {
      alarmsUnreadable = errorText(error);
    }
  }
  const marker = await activeRunbook(deps.store, plan.brokerId, clock());
  return {
    ...(broker ? { broker } : {}),
    alarmsInAlarm,
    ...(alarmsUnreadable !== undefined ? { alarmsUnreadable } : {}),
    ...(marker && marker.name !== RESIZE_RUNBOOK ? { otherRunbook: marker.name } : {}),
    observedAt,
  };
}

/** How long the resize runbook marker holds: the longest a resize can take. */
function markerMinutes(policy: CapacityPolicy): number {
  const a = policy.apply;
  return (
    a.leadMinutes + a.rebootTimeoutMinutes + a.settleMinutes + a.verifyMinutes + a.rollbackTimeoutMinutes
  );
}

async function perform(deps: PlanDeps, plan: CapacityPlan, action: PlanAction, now: Date) {
  switch (action.kind) {
    case 'update':
      // The runbook marker was taken before the step was claimed (advancePlan).
      await deps.control.updateInstanceType(plan.brokerId, plan.to);
      return;
    case 'reboot':
    case 'rollback-reboot':
      await deps.control.reboot(plan.brokerId);
      return;
    case 'rollback-update':
      await deps.control.updateInstanceType(plan.brokerId, plan.from);
      return;
    case 'revert':
      await deps.control.updateInstanceType(plan.brokerId, plan.from);
      await clearOwnMarker(deps.store, plan.brokerId, now);
      return;
    case 'finish':
    case 'fail':
    case 'cancel':
      await clearOwnMarker(deps.store, plan.brokerId, now);
      return;
    default:
      return;
  }
}

async function clearOwnMarker(store: KeyValueStore, brokerId: string, now: Date) {
  const marker = await activeRunbook(store, brokerId, now);
  if (marker?.name === RESIZE_RUNBOOK) await clearRunbook(store, brokerId);
}

/**
 * After a lost claim of an `update`: the marker this tick took (at `now`) is given back unless the plan it lost to
 * has the resize under way (past `planned`), so a tick that did not act holds no broker and mutes no alert.
 */
async function giveBackMarker(store: KeyValueStore, brokerId: string, key: string, now: Date) {
  const state = (await store.get<CapacityPlan>(key))?.value.state;
  if (state !== undefined && state !== 'planned' && !isTerminal(state)) return;
  const marker = await activeRunbook(store, brokerId, now);
  if (marker?.name === RESIZE_RUNBOOK && marker.startedAt === now.toISOString())
    await clearRunbook(store, brokerId);
}

/** The notice of a step, or undefined for steps that tell nothing new. */
export function noticeFor(plan: CapacityPlan, action: PlanAction): Notice | undefined {
  const name = plan.brokerName;
  const single = plan.deploymentMode === 'SINGLE_INSTANCE';
  let level: NoticeLevel = 'info';
  let title: string;
  let text: string;
  switch (action.kind) {
    case 'update':
      title = `Resizing broker ${name}: ${plan.from} → ${plan.to}`;
      text = `UpdateBroker sent${action.resend ? ' again' : ''}: ${plan.to} is pending; the reboot follows inside the maintenance window.`;
      break;
    case 'reboot':
      level = single ? 'warning' : 'info';
      title = `Rebooting broker ${name} onto ${plan.to}`;
      text =
        `RebootBroker sent${action.resend ? ' again' : ''}. ` +
        (single
          ? 'This single-instance broker is offline until it runs again.'
          : 'Instances restart one at a time; clients reconnect.') +
        ` It must run ${plan.to} by ${plan.reboot?.deadline ?? '?'} or the resize rolls back.`;
      break;
    case 'verify':
      title = `Broker ${name} runs ${plan.to}: verifying`;
      text = `Post-checks (alarms, a real client connection) run from ${plan.verifyAfter ?? '?'}.`;
      break;
    case 'finish':
      level = action.outcome === 'done' ? 'info' : 'warning';
      title =
        action.outcome === 'done'
          ? `Broker ${name} resized: ${plan.from} → ${plan.to}`
          : `Broker ${name} rolled back to ${plan.from}`;
      text = action.reason;
      break;
    case 'rollback':
      level = 'critical';
      title = `Resize of broker ${name} failed: rolling back to ${plan.from}`;
      text = action.reason;
      break;
    case 'rollback-update':
      level = 'warning';
      title = `Rolling back broker ${name}: UpdateBroker back to ${plan.from}`;
      text = `UpdateBroker sent${action.resend ? ' again' : ''}: ${plan.from} is pending; a reboot follows.`;
      break;
    case 'rollback-reboot':
      level = 'warning';
      title = `Rolling back broker ${name}: rebooting onto ${plan.from}`;
      text = `RebootBroker sent${action.resend ? ' again' : ''}.${single ? ' The broker is offline until it runs again.' : ''}`;
      break;
    case 'revert':
      level = 'warning';
      title = `Resize of broker ${name} postponed to a later window`;
      text = `${action.reason}. The pending change to ${plan.to} was reverted so that no other reboot applies it unchecked.`;
      break;
    case 'fail':
      level = 'critical';
      title = `Resize of broker ${name} failed`;
      text = action.reason;
      break;
    case 'cancel':
      level = 'warning';
      title = `Resize of broker ${name} cancelled`;
      text = action.reason;
      break;
    default:
      return undefined;
  }
  return {
    kind: 'capacity',
    level,
    title,
    text,
    fields: { from: plan.from, to: plan.to, state: plan.state, plan: plan.id },
    broker: { id: plan.brokerId, name, region: plan.region },
    key: `capacity:${plan.id}:step${plan.step}:${action.kind}`,
  };
}

/**
 * One scheduled tick for one broker's plan: observe, decide, claim the step with a conditional write, make its
 * call, notify; again until the plan waits, is over, or `maxSteps` steps were taken.
 *
 * @example
 * const result = await advancePlan({ store, control, alarms, probe, sinks, policy }, brokerId);
 */
export async function advancePlan(
  deps: PlanDeps,
  brokerId: string,
  options: { maxSteps?: number } = {},
): Promise<AdvanceResult> {
  const policy = deps.policy ?? DEFAULT_CAPACITY_POLICY;
  const clock = deps.now ?? (() => new Date());
  const key = planKey(brokerId);
  const actions: PlanAction[] = [];
  let advanced = false;
  let plan: CapacityPlan | undefined;
  const result = (outcome: AdvanceResult['outcome'], error?: string): AdvanceResult => ({
    brokerId,
    outcome,
    ...(plan ? { plan } : {}),
    actions,
    ...(error ? { error } : {}),
  });

  /**
   * Writes `next` only over the plan as read (`read`): a tick that finds it moved on (another tick wrote first)
   * decided on what it no longer is, so it stops (busy).
   * @returns the version written, or undefined when the plan moved on.
   */
  const writeOver = (read: Versioned<CapacityPlan>, next: CapacityPlan) =>
    casItem<CapacityPlan, number | undefined>(
      deps.store,
      key,
      (current) =>
        current?.version === read.version ? { write: next, result: read.version + 1 } : { keep: undefined },
      { initial: read },
    );

  for (let step = 0; step < (options.maxSteps ?? 8); step++) {
    const item = await deps.store.get<CapacityPlan>(key);
    if (!item) return result('no-plan');
    plan = item.value;
    if (isTerminal(plan.state)) return result(advanced ? 'advanced' : 'idle');

    let observation: PlanObservation;
    try {
      observation = await observe(deps, plan, clock);
    } catch (error) {
      return result('error', `observing broker ${plan.brokerName}: ${errorText(error)}`);
    }
    // The time is read after the last observation: what a window or a deadline allows is judged when the step is
    // decided (and claimed, and sent), not when a slow observation began.
    let now = clock();
    let action = decide(plan, observation, now, policy);
    if (action.kind === 'probe' && observation.broker) {
      let probe: ProbeResult;
      try {
        probe = await deps.probe.probe(observation.broker);
      } catch (error) {
        probe = { ok: false, detail: `the connection probe failed: ${errorText(error)}` };
      }
      now = clock();
      action = decide(plan, { ...observation, probe }, now, policy);
    }

    // UpdateBroker (the resize starts, or its update is sent again) only while the resize holds the broker: the
    // marker is taken in one conditional write, refused while another runbook (a safe-reboot) holds it, so the two
    // never act on a broker at once. Refused, the plan waits.
    if (action.kind === 'update') {
      const taken = await markRunbook(
        deps.store,
        plan.brokerId,
        RESIZE_RUNBOOK,
        now,
        plus(now, markerMinutes(policy)),
      );
      if (!taken.marked) action = wait(`runbook ${taken.holder.name} is running on the broker`);
    }
    actions.push(action);

    if (action.kind === 'wait' || action.kind === 'none' || action.kind === 'probe') {
      if (action.kind === 'wait' && plan.waiting !== action.reason) {
        const waiting: CapacityPlan = { ...plan, waiting: action.reason };
        if ((await writeOver(item, waiting)) === undefined) return result('busy');
        plan = waiting;
      }
      // Held by alarm states that could not be read: the plan says why, and the tick counts it as not evaluated.
      if (observation.alarmsUnreadable !== undefined)
        return result('error', `observing broker ${plan.brokerName}: ${observation.alarmsUnreadable}`);
      return result(advanced ? 'advanced' : 'idle');
    }

    // Claim the step: only the tick whose write lands makes the call.
    const next = transition(plan, action, now, policy);
    const claimed = await writeOver(item, next);
    if (claimed === undefined) {
      if (action.kind === 'update') await giveBackMarker(deps.store, plan.brokerId, key, now);
      return result('busy');
    }
    plan = next;
    advanced = true;
    try {
      await perform(deps, plan, action, now);
    } catch (error) {
      const message = errorText(error);
      const failed: CapacityPlan = { ...plan, lastError: `${action.kind}: ${message}` };
      if ((await writeOver({ value: plan, version: claimed }, failed)) !== undefined) plan = failed;
      await postNotice(
        deps.sinks,
        {
          kind: 'capacity',
          level: 'warning',
          title: `Resize of broker ${plan.brokerName}: ${action.kind} failed`,
          text: `${message}. mqops tries again on a later tick (after ${policy.apply.resendAfterMinutes} min).`,
          broker: { id: plan.brokerId, name: plan.brokerName, region: plan.region },
          key: `capacity:${plan.id}:step${plan.step}:${action.kind}:error`,
        },
        { store: deps.store, now: () => now },
      );
      return result('error', message);
    }
    const notice = noticeFor(plan, action);
    if (notice) await postNotice(deps.sinks, notice, { store: deps.store, now: () => now });
  }
  return result(advanced ? 'advanced' : 'idle');
}

/** Advances every unfinished plan in the store, one broker after another. */
export async function advancePlans(deps: PlanDeps): Promise<AdvanceResult[]> {
  const items = await deps.store.list<CapacityPlan>(PLAN_KEY_PREFIX);
  const results: AdvanceResult[] = [];
  for (const { item } of items) {
    if (isTerminal(item.value.state)) continue;
    results.push(await advancePlan(deps, item.value.brokerId));
  }
  return results;
}

/** Every plan in the store (for reports and the CLI). */
export async function listPlans(store: KeyValueStore): Promise<CapacityPlan[]> {
  return (await store.list<CapacityPlan>(PLAN_KEY_PREFIX)).map((e) => e.item.value);
}
