/**
 * safe-reboot: reboots one broker behind guards, holds its alerts off while it restarts, and proves with a real
 * client connection that it serves clients again. A reboot outlives the invocation that starts it, so the run only
 * starts it and persists a state under `safereboot#<brokerId>` (one DynamoDB partition, one Query to list); a
 * scheduled tick ({@link advanceSafeReboots}) advances it. Nothing sleeps.
 *
 * ```
 * run (execute) ──claim, mark, RebootBroker──▶ rebooting ──RUNNING, client connects──────────────▶ done
 *                                                 │   └──RUNNING, connection fails──▶ verifying ──connects──▶ done
 *                                                 │                                       └──verifyMinutes──▶ failed
 *                                                 └──not RUNNING by the deadline, or the broker is gone──▶ failed
 * ```
 *
 * Guards, all evaluated and each verdict reported; one that fails refuses the run and nothing changes:
 * - `exists`: DescribeBroker knows the broker (the others need it, so a missing broker reports only this one);
 * - `running`: it is RUNNING;
 * - `no-runbook`: no runbook marker is active on it (a resize, another reboot…) and no safe-reboot of it is open;
 * - `no-alarm`: none of its alarms is in ALARM — metric alarms on its metrics, any alarm tagged `mqops:broker` with
 *   it, composite alarms over those (see {@link AlarmStates}); alarm states that cannot be read or told apart fail
 *   too: no alarm known is not no alarm in ALARM. There is deliberately no `force`: while the runbook runs, the
 *   broker's alerts are held off (the marker mutes them), so rebooting a broker in ALARM through it would silence an
 *   incident's alerts for up to {@link SAFE_REBOOT_TIMING}.markerMinutes, and "done" could not be told apart from
 *   the incident. The resize runner has the same rule with no override. Whoever decides to reboot a broker in ALARM anyway does it knowingly with
 *   `aws mq reboot-broker`, and its alerts stay on;
 * - `deployment-mode`: ACTIVE_STANDBY_MULTI_AZ needs its standby (two instances, each with endpoints), as the standby
 *   takes over while the active restarts; CLUSTER_MULTI_AZ is restarted node by node by Amazon MQ (allowed);
 *   SINGLE_INSTANCE is offline while it reboots, so only with `"allowDowntime": true`.
 *
 * The verdicts must be fresh: RebootBroker is sent only if the guards were read within
 * {@link SAFE_REBOOT_TIMING}.maxGuardSeconds, the runbook markers are read again just before the claim, and the run's
 * times (start, deadline, marker) count from the clock read after the last observation. After the claim the run takes
 * the broker's runbook marker in one conditional write ({@link markRunbook}), refused while another runbook (a
 * resize) holds it: then the run ends refused, its claim released, and RebootBroker is not sent. So a safe-reboot and
 * a resize that start at the same moment never both act on the broker.
 *
 * A reboot applies every pending change (instance type, engine version, configuration revision, ActiveMQ users…).
 * That is no guard, since applying them is often why one reboots, but the dry run and the started run list them.
 *
 * Once started, the tick waits for RUNNING until `rebootTimeoutMinutes` after the call. A broker seen RUNNING that no
 * tick saw rebooting counts as rebooted only `settleMinutes` after the call (DescribeBroker may lag behind
 * RebootBroker). Then a real client connection must succeed, retried on later ticks for `verifyMinutes`. The end is
 * claimed with a conditional write (the version read), so concurrent or re-delivered ticks end a run once; then the
 * marker is cleared, the run's trail record gets the outcome, and one notice goes out (deduplicated by run and
 * outcome). A tick that dies in between leaves the state unreported, and the next tick reports it again.
 */
import { pendingChanges } from '../capacity/maintenance';
import type { AlarmStates, BrokerControl, ConnectionProbe, ProbeResult } from '../capacity/ports';
import { BrokerNotFoundError } from '../errors';
import { casItem, type KeyValueStore, type Versioned } from '../kv';
import type { Broker, DeploymentMode, Engine } from '../model';
import { errorText, type Notice, type NoticeSink, postNotice } from '../notices';
import { activeRunbook, clearRunbook, markRunbook } from '../runbook-marker';
import * as v from '../schema';
import type { RunbookPorts } from './ports';
import { RUN_KEY_PREFIX, type RunRecord, requirePort } from './run';
import type { RunbookDefinition, RunOutcome } from './types';

/** The runbook's name, and the name of the marker it holds on the broker. */
export const SAFE_REBOOT_RUNBOOK = 'safe-reboot';

/** The key prefix of safe-reboot states in the key-value store. */
export const SAFE_REBOOT_KEY_PREFIX = 'safereboot#';
/** The key of a broker's safe-reboot state. */
export const safeRebootKey = (brokerId: string) => `${SAFE_REBOOT_KEY_PREFIX}${brokerId}`;

/** The timings of a safe reboot. */
export const SAFE_REBOOT_TIMING = {
  /** The broker must be RUNNING again within this many minutes of RebootBroker. */
  rebootTimeoutMinutes: 30,
  /**
   * A broker seen RUNNING that no tick saw rebooting counts as rebooted only this long after RebootBroker (the call
   * may not show in DescribeBroker at once).
   */
  settleMinutes: 2,
  /** Once RUNNING, a failing client connection is tried again on later ticks for this long, then the run fails. */
  verifyMinutes: 5,
  /**
   * How long the runbook marker holds the broker's alerts off: past the longest run (timeout, verification, a late
   * tick), so that a run that died does not silence the broker for good.
   */
  markerMinutes: 45,
  /** How long a run's state is kept (DynamoDB TTL). */
  keepDays: 30,
  /**
   * The guards' reads (DescribeBroker, the markers, the alarm states) may take at most this many seconds before
   * RebootBroker is sent on their verdicts; slower (a DescribeAlarms retried through throttling), the run is refused
   * and can be run again on fresh reads.
   */
  maxGuardSeconds: 120,
} as const;

export const SAFE_REBOOT_STATES = ['rebooting', 'verifying', 'done', 'failed'] as const;
export type SafeRebootState = (typeof SAFE_REBOOT_STATES)[number];

/** True while the tick still has work: the broker reboots or its connection check is retried. */
export const isSafeRebootOpen = (state: SafeRebootState) => state === 'rebooting' || state === 'verifying';

/** The guards, in the order they are reported. */
export const SAFE_REBOOT_GUARDS = ['exists', 'running', 'no-runbook', 'no-alarm', 'deployment-mode'] as const;
export type SafeRebootGuard = (typeof SAFE_REBOOT_GUARDS)[number];

/** One guard's verdict: `ok`, or why not. */
export interface GuardVerdict {
  guard: SafeRebootGuard;
  ok: boolean;
  /** One sentence. */
  detail: string;
}

/** A broker's safe reboot, as persisted under {@link safeRebootKey}. */
export interface SafeReboot {
  /** The runbook run that started it (the trail record's id). */
  runId: string;
  /** The trail record's key (`runbookrun#<started>#<id>`), when the run was recorded there. */
  trailKey?: string;
  /** Who asked. */
  by: string;
  brokerId: string;
  brokerName: string;
  region: string;
  engine: Engine;
  deploymentMode: DeploymentMode;
  /** The run said `"allowDowntime": true`. */
  allowDowntime: boolean;
  /** Pending changes the reboot applies, in words. */
  applies: string[];
  state: SafeRebootState;
  /** When the run claimed the broker and sent RebootBroker (also the runbook marker's start). */
  startedAt: string;
  /** RUNNING by then, or the run fails. */
  deadline: string;
  /** The runbook marker's end. */
  markerUntil: string;
  /** A DescribeBroker after the call answered a state other than RUNNING. */
  sawRebooting: boolean;
  /** First seen RUNNING with a failing connection, and until when the connection is tried again. */
  verifyingSince?: string;
  verifyUntil?: string;
  /** The last connection check. */
  lastProbe?: ProbeResult;
  /** Why the run waits (the last wait decided). */
  waiting?: string;
  /** How it ended, in one sentence. */
  outcome?: string;
  finishedAt?: string;
  /** When the end was reported (marker cleared, trail updated, notice sent); unset: a tick reports it (again). */
  reportedAt?: string;
  /** The last 20 transitions. */
  history: { at: string; state: SafeRebootState; note: string }[];
}

const MINUTE = 60_000;
const plus = (at: Date | string, minutes: number) => new Date(new Date(at).getTime() + minutes * MINUTE);
const since = (now: Date, at: string) => (now.getTime() - Date.parse(at)) / MINUTE;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const MODE_TEXT: Record<DeploymentMode, string> = {
  ACTIVE_STANDBY_MULTI_AZ: 'active/standby: the standby takes over while the active instance restarts',
  CLUSTER_MULTI_AZ: 'cluster: Amazon MQ restarts the nodes one at a time',
  SINGLE_INSTANCE: 'single instance: offline until it runs again',
};

/** The payload: a broker id (never a name: alerts and markers are keyed by id) and the downtime consent. */
export const SafeRebootPayloadSchema = v.strictObject({
  brokerId: v.pipe(v.string(), v.regex(/^b-[A-Za-z0-9-]+$/, 'a broker id (b-…), not a name')),
  /** A single-instance broker is offline while it reboots: only with this set. */
  allowDowntime: v.optional(v.boolean()),
});
export type SafeRebootPayload = v.InferOutput<typeof SafeRebootPayloadSchema>;

/** The deployment-mode guard (pure). */
export function deploymentModeVerdict(
  broker: Pick<Broker, 'deploymentMode' | 'instances'>,
  allowDowntime: boolean,
): GuardVerdict {
  const guard = 'deployment-mode';
  switch (broker.deploymentMode) {
    case 'ACTIVE_STANDBY_MULTI_AZ': {
      const serving = broker.instances.filter((i) => i.endpoints.length > 0).length;
      return serving >= 2
        ? {
            guard,
            ok: true,
            detail:
              'active/standby with its standby present (2 instances with endpoints): the standby takes over while the active instance restarts',
          }
        : {
            guard,
            ok: false,
            detail:
              `active/standby broker without its standby: ${plural(serving, 'instance')} with endpoints of ` +
              `${broker.instances.length} reported, 2 needed; a reboot would take it offline`,
          };
    }
    case 'CLUSTER_MULTI_AZ':
      return {
        guard,
        ok: true,
        detail: 'cluster: Amazon MQ restarts the nodes one at a time, and the cluster keeps serving',
      };
    default:
      return allowDowntime
        ? {
            guard,
            ok: true,
            detail: 'single-instance broker, offline while it reboots: allowed by "allowDowntime": true',
          }
        : {
            guard,
            ok: false,
            detail:
              'single-instance broker: it is offline while it reboots; say "allowDowntime": true to accept that',
          };
  }
}

/** What the guards found. */
export interface SafeRebootAssessment {
  /** Undefined when DescribeBroker does not know the broker. */
  broker?: Broker;
  guards: GuardVerdict[];
  /** Pending changes the reboot would apply, in words. */
  applies: string[];
}

/** The ports the guards read. */
export interface AssessDeps {
  control: BrokerControl;
  alarms: AlarmStates;
  /** Runbook markers and safe-reboot states. */
  store: KeyValueStore;
}

/**
 * Evaluates every guard at `now` and changes nothing.
 * @throws what DescribeBroker throws other than BrokerNotFoundError.
 */
export async function assessSafeReboot(
  brokerId: string,
  allowDowntime: boolean,
  deps: AssessDeps,
  now: Date,
): Promise<SafeRebootAssessment> {
  let broker: Broker;
  try {
    broker = await deps.control.describe(brokerId);
  } catch (error) {
    if (!(error instanceof BrokerNotFoundError)) throw error;
    return {
      guards: [{ guard: 'exists', ok: false, detail: `no broker ${brokerId} in this account and region` }],
      applies: [],
    };
  }
  const guards: GuardVerdict[] = [
    { guard: 'exists', ok: true, detail: `broker ${broker.name} (${broker.id}) exists` },
    broker.state === 'RUNNING'
      ? { guard: 'running', ok: true, detail: 'broker is RUNNING' }
      : {
          guard: 'running',
          ok: false,
          detail: `broker is ${broker.state}, not RUNNING${broker.state === 'REBOOT_IN_PROGRESS' ? ' (a reboot is already under way)' : ''}`,
        },
  ];
  const marker = await activeRunbook(deps.store, broker.id, now);
  const open = (await deps.store.get<SafeReboot>(safeRebootKey(broker.id)))?.value;
  if (marker)
    guards.push({
      guard: 'no-runbook',
      ok: false,
      detail: `runbook ${marker.name} is running on the broker (since ${marker.startedAt}, until ${marker.until})`,
    });
  else if (open && isSafeRebootOpen(open.state) && now.getTime() < Date.parse(open.markerUntil))
    guards.push({
      guard: 'no-runbook',
      ok: false,
      detail: `safe-reboot run ${open.runId} of the broker is still ${open.state} (since ${open.startedAt})`,
    });
  else guards.push({ guard: 'no-runbook', ok: true, detail: 'no other runbook is running on the broker' });
  try {
    const alarms = await deps.alarms.inAlarm(broker);
    guards.push(
      alarms.length
        ? {
            guard: 'no-alarm',
            ok: false,
            detail: `alarm${alarms.length > 1 ? 's' : ''} in ALARM: ${alarms.join(', ')} (reboot it after they clear, or knowingly with \`aws mq reboot-broker\`)`,
          }
        : { guard: 'no-alarm', ok: true, detail: 'none of its alarms is in ALARM' },
    );
  } catch (error) {
    guards.push({
      guard: 'no-alarm',
      ok: false,
      detail: `its alarm states could not be read (${errorText(error)}): no alarm known is not no alarm in ALARM`,
    });
  }
  guards.push(deploymentModeVerdict(broker, allowDowntime));
  return { broker, guards, applies: pendingChanges(broker).map((c) => c.text) };
}

/** The broker, as the run's details show it. */
function brokerDetails(broker: Broker) {
  return {
    id: broker.id,
    name: broker.name,
    engine: broker.engine,
    engineVersion: broker.engineVersion,
    deploymentMode: broker.deploymentMode,
    instanceType: broker.instanceType,
    state: broker.state,
    instances: broker.instances.length,
  };
}

const expiresAtOf = (state: Pick<SafeReboot, 'startedAt'>) =>
  Math.floor(Date.parse(state.startedAt) / 1000) + SAFE_REBOOT_TIMING.keepDays * 86_400;

/** The trail record of a run (`runbookrun#<started>#<runId>`), found by its id. */
async function findTrailKey(store: KeyValueStore, runId: string): Promise<string | undefined> {
  const entries = await store.list<RunRecord>(RUN_KEY_PREFIX);
  return entries.find((e) => e.key.endsWith(`#${runId}`))?.key;
}

/** Clears the broker's marker if it is this run's (a later runbook's marker stays). */
async function clearOwnMarker(store: KeyValueStore, state: SafeReboot, now: Date): Promise<void> {
  const marker = await activeRunbook(store, state.brokerId, now);
  if (marker?.name === SAFE_REBOOT_RUNBOOK && marker.startedAt === state.startedAt)
    await clearRunbook(store, state.brokerId);
}

const withHistory = (state: SafeReboot, at: Date, next: SafeRebootState, note: string) =>
  [...state.history, { at: at.toISOString(), state: next, note }].slice(-20);

/**
 * safe-reboot: reboots one broker behind the guards of the module comment; a dry run (the default) describes the
 * broker and reports what would happen and every guard's verdict. Executed, it claims the broker, marks the runbook
 * on it (its alerts hold off), sends RebootBroker and returns `started`; the safe-reboot tick does the rest.
 *
 * @example
 * await runRunbook({ runbook: 'safe-reboot', payload: { brokerId: 'b-1234…' }, execute: true, by: 'alice' },
 *   { runbooks: [safeReboot], ports: { control, alarms }, store, sinks });
 */
export const safeReboot: RunbookDefinition<RunbookPorts, SafeRebootPayload> = {
  name: SAFE_REBOOT_RUNBOOK,
  summary:
    'reboot one broker safely: checks the standby and its alarms, holds its alerts off, waits for RUNNING and verifies it with a real client connection',
  usage: '{"brokerId": "b-…", "allowDowntime"?: true (single-instance brokers)}',
  payload: SafeRebootPayloadSchema,
  async run(payload, ctx, ports): Promise<RunOutcome> {
    const control = requirePort(
      ports.control,
      SAFE_REBOOT_RUNBOOK,
      'the broker control (mq:DescribeBroker, mq:RebootBroker)',
    );
    const alarms = requirePort(
      ports.alarms,
      SAFE_REBOOT_RUNBOOK,
      'the alarm states (cloudwatch:DescribeAlarms, cloudwatch:ListTagsForResource)',
    );
    const assessedAt = ctx.now();
    const allowDowntime = payload.allowDowntime ?? false;
    const assessment = await assessSafeReboot(
      payload.brokerId,
      allowDowntime,
      { control, alarms, store: ctx.store },
      assessedAt,
    );
    // The time is read after the last observation: the reboot's start, deadline and marker count from when it is
    // sent, not from when a slow read began (else the settle time and the marker would be cut short).
    const now = ctx.now();
    const { broker, guards, applies } = assessment;
    const failing = guards.filter((g) => !g.ok);
    const details: Record<string, unknown> = {
      broker: broker ? brokerDetails(broker) : { id: payload.brokerId },
      guards,
      applies,
      allowDowntime,
    };
    const name = broker?.name ?? payload.brokerId;
    const brokers = [broker?.id ?? payload.brokerId];
    const refused = (reason: string): RunOutcome => ({
      status: 'refused',
      summary: `safe-reboot of broker ${name} refused: ${reason}; nothing was changed`,
      details,
      brokers,
    });
    if (!broker || failing.length) return refused(failing.map((g) => g.detail).join('; '));
    const took = (now.getTime() - assessedAt.getTime()) / 1000;
    if (took > SAFE_REBOOT_TIMING.maxGuardSeconds)
      return refused(
        `reading the guards took ${Math.round(took)} s (more than ${SAFE_REBOOT_TIMING.maxGuardSeconds}): their ` +
          'verdicts are too old to reboot on; run it again',
      );

    const deadline = plus(now, SAFE_REBOOT_TIMING.rebootTimeoutMinutes);
    const markerUntil = plus(now, SAFE_REBOOT_TIMING.markerMinutes);
    const appliesText = applies.length
      ? `; the reboot applies its pending changes: ${applies.join('; ')}`
      : '';
    if (ctx.dryRun)
      return {
        status: 'dry-run',
        summary:
          `would reboot broker ${name} (${MODE_TEXT[broker.deploymentMode]}), holding its alerts off for up to ` +
          `${SAFE_REBOOT_TIMING.markerMinutes} min, then wait for RUNNING and verify it with a client connection; ` +
          `all ${guards.length} guards pass${appliesText}`,
        details: {
          ...details,
          wouldDo: [
            `mark runbook ${SAFE_REBOOT_RUNBOOK} on ${broker.id} until ${SAFE_REBOOT_TIMING.markerMinutes} min after the start (its alerts hold off)`,
            `RebootBroker ${broker.id}`,
            `wait for RUNNING for up to ${SAFE_REBOOT_TIMING.rebootTimeoutMinutes} min (the safe-reboot tick)`,
            `verify with a real client connection, retried for up to ${SAFE_REBOOT_TIMING.verifyMinutes} min`,
            'clear the marker, record the outcome in this run, and post it to chat',
          ],
        },
        brokers,
      };

    // A runbook (a resize) that took the broker while the guards were read: its marker, read again now.
    const late = await activeRunbook(ctx.store, broker.id, now);
    if (late)
      return refused(
        `runbook ${late.name} started on the broker while the guards were read (at ${late.startedAt})`,
      );

    // Claim the broker: only the run whose conditional write lands reboots it. A lost race reads again: another
    // run's open state refuses this one; anything else (an ended run) is written over.
    const key = safeRebootKey(broker.id);
    const existing = await ctx.store.get<SafeReboot>(key);
    const openRun = (item: Versioned<SafeReboot> | undefined) =>
      item && isSafeRebootOpen(item.value.state) && now.getTime() < Date.parse(item.value.markerUntil)
        ? item.value
        : undefined;
    const first = openRun(existing);
    if (first) return refused(`safe-reboot run ${first.runId} of the broker started first`);
    const trailKey = await findTrailKey(ctx.store, ctx.runId);
    const state: SafeReboot = {
      runId: ctx.runId,
      ...(trailKey ? { trailKey } : {}),
      by: ctx.by,
      brokerId: broker.id,
      brokerName: broker.name,
      region: broker.region,
      engine: broker.engine,
      deploymentMode: broker.deploymentMode,
      allowDowntime,
      applies,
      state: 'rebooting',
      startedAt: now.toISOString(),
      deadline: deadline.toISOString(),
      markerUntil: markerUntil.toISOString(),
      sawRebooting: false,
      history: [{ at: now.toISOString(), state: 'rebooting', note: `RebootBroker (by ${ctx.by})` }],
    };
    const expiresAt = expiresAtOf(state);
    const claimed = await casItem<SafeReboot, boolean>(
      ctx.store,
      key,
      (current) => (openRun(current) ? { keep: false } : { write: state, result: true }),
      { initial: existing, expiresAt },
    );
    if (!claimed) return refused('another safe-reboot of the broker started at the same moment');

    // Take the broker: refused while another runbook (a resize) holds it, in one conditional write.
    const taken = await markRunbook(ctx.store, broker.id, SAFE_REBOOT_RUNBOOK, now, markerUntil);
    /** Ends this run's claim (only its own, still open state) and clears its marker. */
    const release = async (next: SafeReboot) => {
      await casItem<SafeReboot, void>(
        ctx.store,
        key,
        (current) =>
          current?.value.runId === state.runId &&
          current.value.startedAt === state.startedAt &&
          isSafeRebootOpen(current.value.state)
            ? { write: next, result: undefined }
            : { keep: undefined },
        { expiresAt },
      );
      await clearOwnMarker(ctx.store, state, now);
    };
    const ended = (why: string): SafeReboot => ({
      ...state,
      state: 'failed',
      outcome: why,
      finishedAt: now.toISOString(),
      // The run reports this end itself (runRunbook's trail and chat message).
      reportedAt: now.toISOString(),
      history: withHistory(state, now, 'failed', why),
    });
    if (!taken.marked) {
      const why = `runbook ${taken.holder.name} took the broker at the same moment (at ${taken.holder.startedAt})`;
      await release(ended(why));
      return refused(why);
    }
    try {
      await control.reboot(broker.id);
    } catch (error) {
      const why = `RebootBroker failed: ${errorText(error)}`;
      await release(ended(why));
      return {
        status: 'failed',
        summary: `safe-reboot of broker ${name} failed: ${why}; it was not rebooted and its alerts are on again`,
        details,
        brokers,
      };
    }
    return {
      status: 'started',
      summary:
        `rebooting broker ${name} (${MODE_TEXT[broker.deploymentMode]}); its alerts hold off until ` +
        `${state.markerUntil}; the safe-reboot tick waits for RUNNING (by ${state.deadline}) and verifies it with a ` +
        `client connection${appliesText}`,
      details: { ...details, state: key, deadline: state.deadline, markerUntil: state.markerUntil },
      brokers,
      continues: { kind: SAFE_REBOOT_RUNBOOK, key },
    };
  },
};

/** What a tick saw. */
export interface SafeRebootObservation {
  /** Undefined when the broker no longer exists. */
  broker?: Broker;
  /** The result of a real client connection, when {@link decideSafeReboot} asked for one. */
  probe?: ProbeResult;
}

export type SafeRebootAction =
  /** The run is over. */
  | { kind: 'none'; reason: string }
  /** Nothing to do now. */
  | { kind: 'wait'; reason: string }
  /** Run the connection probe and decide again with its result. */
  | { kind: 'probe' }
  /** RUNNING, but no client connected: try again on a later tick. */
  | { kind: 'retry'; reason: string }
  | { kind: 'finish'; outcome: 'done' | 'failed'; reason: string };

/**
 * The next action of a safe reboot (pure): the state machine of the module comment. Re-entrant: deciding again on
 * the same inputs gives the same action.
 */
export function decideSafeReboot(
  state: SafeReboot,
  observation: SafeRebootObservation,
  now: Date,
): SafeRebootAction {
  if (!isSafeRebootOpen(state.state)) return { kind: 'none', reason: `the run is ${state.state}` };
  const broker = observation.broker;
  const name = state.brokerName;
  if (!broker)
    return {
      kind: 'finish',
      outcome: 'failed',
      reason: `broker ${name} no longer exists (DescribeBroker: not found)`,
    };
  if (broker.state !== 'RUNNING')
    return now.getTime() >= Date.parse(state.deadline)
      ? {
          kind: 'finish',
          outcome: 'failed',
          reason: `broker ${name} was not RUNNING within ${SAFE_REBOOT_TIMING.rebootTimeoutMinutes} min of the reboot (it is ${broker.state})`,
        }
      : { kind: 'wait', reason: `broker is ${broker.state}; waiting for RUNNING until ${state.deadline}` };
  if (
    state.state === 'rebooting' &&
    !state.sawRebooting &&
    since(now, state.startedAt) < SAFE_REBOOT_TIMING.settleMinutes
  )
    return {
      kind: 'wait',
      reason: `RebootBroker sent at ${state.startedAt}; waiting for the reboot to show in DescribeBroker`,
    };
  const probe = observation.probe;
  if (!probe) return { kind: 'probe' };
  if (probe.ok)
    return {
      kind: 'finish',
      outcome: 'done',
      reason: `broker ${name} is RUNNING again and serves clients: ${probe.detail}`,
    };
  const until = state.verifyUntil ?? plus(now, SAFE_REBOOT_TIMING.verifyMinutes).toISOString();
  if (now.getTime() >= Date.parse(until))
    return {
      kind: 'finish',
      outcome: 'failed',
      reason: `broker ${name} is RUNNING, but no client could connect for ${SAFE_REBOOT_TIMING.verifyMinutes} min: ${probe.detail}`,
    };
  return {
    kind: 'retry',
    reason: `broker is RUNNING, but the client connection failed (${probe.detail}); trying again until ${until}`,
  };
}

/** The state after an action (pure); `none` and `probe` return it unchanged, and so does a wait that tells nothing new. */
export function transitionSafeReboot(
  state: SafeReboot,
  action: SafeRebootAction,
  observation: SafeRebootObservation,
  now: Date,
): SafeReboot {
  const at = now.toISOString();
  switch (action.kind) {
    case 'wait': {
      const saw =
        state.sawRebooting || (observation.broker !== undefined && observation.broker.state !== 'RUNNING');
      if (saw === state.sawRebooting && state.waiting === action.reason) return state;
      return {
        ...state,
        sawRebooting: saw,
        waiting: action.reason,
        ...(saw && !state.sawRebooting
          ? { history: withHistory(state, now, state.state, `rebooting: ${observation.broker?.state}`) }
          : {}),
      };
    }
    case 'retry':
      if (state.state === 'verifying' && state.waiting === action.reason) return state;
      return {
        ...state,
        state: 'verifying',
        verifyingSince: state.verifyingSince ?? at,
        verifyUntil: state.verifyUntil ?? plus(now, SAFE_REBOOT_TIMING.verifyMinutes).toISOString(),
        ...(observation.probe ? { lastProbe: observation.probe } : {}),
        waiting: action.reason,
        history:
          state.state === 'verifying' ? state.history : withHistory(state, now, 'verifying', action.reason),
      };
    case 'finish': {
      const { waiting: _waiting, ...rest } = state;
      return {
        ...rest,
        state: action.outcome,
        outcome: action.reason,
        finishedAt: at,
        ...(observation.probe ? { lastProbe: observation.probe } : {}),
        history: withHistory(state, now, action.outcome, action.reason),
      };
    }
    default:
      return state;
  }
}

/** The notice of a run's end. */
export function safeRebootNotice(state: SafeReboot): Notice {
  const done = state.state === 'done';
  const took = state.finishedAt
    ? Math.max(0, Math.round(since(new Date(state.finishedAt), state.startedAt)))
    : 0;
  return {
    kind: 'runbook',
    level: done ? 'info' : 'critical',
    title: `safe-reboot of broker ${state.brokerName}: ${state.state}`,
    text: `${state.outcome ?? state.state}. Its alerts are on again${done ? '.' : '; the broker needs a person.'}`,
    fields: {
      run: state.runId,
      by: state.by,
      mode: state.deploymentMode,
      rebooted: state.startedAt,
      took: `${took} min`,
      ...(state.applies.length ? { applied: state.applies.join('; ') } : {}),
    },
    broker: { id: state.brokerId, name: state.brokerName, region: state.region },
    key: `${SAFE_REBOOT_RUNBOOK}:${state.runId}:${state.state}`,
  };
}

/** Ports of the tick. */
export interface SafeRebootDeps {
  /** States, runbook markers, the trail and notice keys. */
  store: KeyValueStore;
  /** DescribeBroker. IAM: `mq:DescribeBroker`. */
  control: BrokerControl;
  probe: ConnectionProbe;
  sinks: readonly NoticeSink[];
  now?: () => Date;
}

export interface SafeRebootTickResult {
  brokerId: string;
  /**
   * `advanced`: the state moved (or its end was reported); `idle`: nothing new; `busy`: another tick wrote first;
   * `error`: DescribeBroker failed (nothing was written); `no-run`: no state for the broker.
   */
  outcome: 'advanced' | 'idle' | 'busy' | 'error' | 'no-run';
  state?: SafeReboot;
  action?: SafeRebootAction;
  error?: string;
}

/**
 * Writes the end into the run's trail record (compare-and-swap: over whatever version is stored, once): its status
 * and summary become the outcome's.
 * @throws ConcurrentWriteError when other writers won every round: the end stays unreported, and the next tick
 * reports it again.
 */
async function recordInTrail(store: KeyValueStore, state: SafeReboot, now: Date): Promise<void> {
  const key = state.trailKey ?? (await findTrailKey(store, state.runId));
  if (!key) return;
  let expiresAt: number | undefined;
  await casItem<RunRecord, void>(
    store,
    key,
    (item) => {
      if (!item) return { keep: undefined };
      const record = item.value;
      const completion = (record.details as { completion?: { status?: string } }).completion;
      if (completion?.status === state.state) return { keep: undefined };
      expiresAt = item.expiresAt;
      return {
        write: {
          ...record,
          status: state.state === 'done' ? 'done' : 'failed',
          summary: state.outcome ?? state.state,
          details: {
            ...record.details,
            completion: {
              status: state.state,
              at: state.finishedAt ?? now.toISOString(),
              outcome: state.outcome,
              ...(state.lastProbe ? { probe: state.lastProbe } : {}),
            },
          },
        },
        result: undefined,
      };
    },
    { expiresAt: () => expiresAt },
  );
}

/** The end's side effects, each idempotent: clear the marker, update the trail, notify once. */
async function report(deps: SafeRebootDeps, state: SafeReboot, now: Date): Promise<void> {
  await clearOwnMarker(deps.store, state, now);
  await recordInTrail(deps.store, state, now);
  await postNotice(deps.sinks, safeRebootNotice(state), { store: deps.store, now: () => now });
}

/**
 * One tick for one broker's safe reboot: DescribeBroker, decide (with a real client connection once it is RUNNING),
 * write the new state conditionally on the version read, and at the end report it once.
 *
 * @example
 * const result = await advanceSafeReboot({ store, control, probe, sinks }, 'b-1234…');
 */
export async function advanceSafeReboot(
  deps: SafeRebootDeps,
  brokerId: string,
): Promise<SafeRebootTickResult> {
  const clock = deps.now ?? (() => new Date());
  let now = clock();
  const key = safeRebootKey(brokerId);
  const item = await deps.store.get<SafeReboot>(key);
  if (!item) return { brokerId, outcome: 'no-run' };
  const state = item.value;
  const expiresAt = expiresAtOf(state);
  const reported = async (ended: SafeReboot) => {
    await report(deps, ended, now);
    const done: SafeReboot = { ...ended, reportedAt: now.toISOString() };
    // Written over this run's end as long as nobody reported it (another tick that reported too: the notice key
    // made it one message) and no later run took the key.
    return casItem<SafeReboot, SafeReboot>(
      deps.store,
      key,
      (current) =>
        current?.value.runId === ended.runId &&
        current.value.startedAt === ended.startedAt &&
        current.value.state === ended.state &&
        !current.value.reportedAt
          ? { write: done, result: done }
          : { keep: ended },
      { expiresAt },
    );
  };
  if (!isSafeRebootOpen(state.state)) {
    if (state.reportedAt) return { brokerId, outcome: 'idle', state };
    return { brokerId, outcome: 'advanced', state: await reported(state) };
  }

  const observation: SafeRebootObservation = {};
  try {
    observation.broker = await deps.control.describe(state.brokerId);
  } catch (error) {
    if (!(error instanceof BrokerNotFoundError))
      return {
        brokerId,
        outcome: 'error',
        state,
        error: `DescribeBroker of ${state.brokerName}: ${errorText(error)}`,
      };
  }
  // Deadlines are judged at the time read after the last observation (DescribeBroker, then the probe).
  now = clock();
  let action = decideSafeReboot(state, observation, now);
  if (action.kind === 'probe' && observation.broker) {
    try {
      observation.probe = await deps.probe.probe(observation.broker);
    } catch (error) {
      observation.probe = { ok: false, detail: `the connection probe failed: ${errorText(error)}` };
    }
    now = clock();
    action = decideSafeReboot(state, observation, now);
  }
  const next = transitionSafeReboot(state, action, observation, now);
  if (next === state) return { brokerId, outcome: 'idle', state, action };
  // Claim the step over the version read: only the tick whose write lands reports the end; a tick that finds the
  // state moved on (another tick wrote first) decided on what it no longer is: busy.
  const claimed = await casItem<SafeReboot, boolean>(
    deps.store,
    key,
    (current) => (current?.version === item.version ? { write: next, result: true } : { keep: false }),
    { initial: item, expiresAt },
  );
  if (!claimed) return { brokerId, outcome: 'busy', state, action };
  if (action.kind !== 'finish') return { brokerId, outcome: 'advanced', state: next, action };
  return { brokerId, outcome: 'advanced', state: await reported(next), action };
}

/**
 * The safe-reboot tick: advances every open safe reboot (and reports any end not reported yet), one broker after
 * another; one broker's failure does not stop the others.
 */
export async function advanceSafeReboots(deps: SafeRebootDeps): Promise<SafeRebootTickResult[]> {
  const items = await deps.store.list<SafeReboot>(SAFE_REBOOT_KEY_PREFIX);
  const results: SafeRebootTickResult[] = [];
  for (const { item } of items) {
    const state = item.value;
    if (!isSafeRebootOpen(state.state) && state.reportedAt) continue;
    try {
      results.push(await advanceSafeReboot(deps, state.brokerId));
    } catch (error) {
      results.push({ brokerId: state.brokerId, outcome: 'error', state, error: errorText(error) });
    }
  }
  return results;
}

/** Every safe reboot in the store, newest first (for the CLI). */
export async function listSafeReboots(store: KeyValueStore): Promise<SafeReboot[]> {
  return (await store.list<SafeReboot>(SAFE_REBOOT_KEY_PREFIX))
    .map((e) => e.item.value)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
