import { explainActionRequired } from '../actions-required';
import { lastWindowStart, MAINTENANCE_WINDOW_HOURS, type WeeklyWindow } from '../maintenance-window';
import type { RunbookMarker } from '../runbook-marker';
import {
  type AlertBroker,
  AlertKind,
  BrokerState,
  type BrokerSummary,
  GoneState,
  type OpenAlert,
  type OpeningKind,
  type Transition,
  TransitionKind,
  type WatchAlert,
  type WatchRecord,
} from './types';

/** States in which a broker does its job: reaching one resolves an open alert. */
const HEALTHY: ReadonlySet<string> = new Set([BrokerState.RUNNING, BrokerState.REPLICA]);

/** What the poll knows about one listed broker. */
export interface Observation {
  summary: BrokerSummary;
  /** From DescribeBroker, when {@link needsDescribe} asked for it. */
  detail?: { codes: string[]; maintenanceWindow?: WeeklyWindow };
  /** The runbook running for the broker, when {@link needsRebootContext} asked for it. */
  runbook?: RunbookMarker;
  /** The region polled (used when the summary has no ARN to read it from). */
  region?: string;
}

/** What to do for one broker: the record to write (none: nothing changed) and what changed. */
export interface Decision {
  record?: WatchRecord;
  transition?: Transition;
  alert?: WatchAlert;
}

export interface DecideOptions {
  /** See `WatchDeps.windowGraceMs`. */
  windowGraceMs: number;
}

/** True when deciding needs the broker's reboot context: its maintenance window and runbook marker. */
export function needsRebootContext(previous: WatchRecord | undefined, summary: BrokerSummary): boolean {
  return (
    summary.state === BrokerState.REBOOT_IN_PROGRESS &&
    previous !== undefined &&
    previous.state !== BrokerState.REBOOT_IN_PROGRESS &&
    previous.state !== BrokerState.CRITICAL_ACTION_REQUIRED
  );
}

/**
 * True when deciding needs DescribeBroker: a broker in CRITICAL_ACTION_REQUIRED (its codes), or one that just
 * started rebooting (its maintenance window). Every other broker is judged on ListBrokers alone.
 */
export function needsDescribe(previous: WatchRecord | undefined, summary: BrokerSummary): boolean {
  return summary.state === BrokerState.CRITICAL_ACTION_REQUIRED || needsRebootContext(previous, summary);
}

/**
 * Why a reboot seen at `at` is planned, or undefined when it is not: inside the maintenance window (or within
 * `graceMs` after it ended, since a poll sees a reboot only some time after it began), or during a runbook.
 */
export function plannedReason(
  window: WeeklyWindow | undefined,
  runbook: RunbookMarker | undefined,
  at: Date,
  graceMs: number,
): string | undefined {
  if (window) {
    const start = lastWindowStart(window, at);
    if (start && at.getTime() < start.getTime() + MAINTENANCE_WINDOW_HOURS * 3_600_000 + graceMs)
      return 'maintenance window';
  }
  return runbook ? `runbook ${runbook.name}` : undefined;
}

/** `arn:aws:mq:REGION:…` → REGION. */
function regionOf(arn: string | undefined): string | undefined {
  const region = arn?.split(':')[3];
  return region ? region : undefined;
}

function brokerOf(summary: BrokerSummary, previous: WatchRecord | undefined, region?: string): AlertBroker {
  const known = previous?.broker;
  const broker: AlertBroker = { id: summary.id, name: summary.name };
  const arn = summary.arn ?? known?.arn;
  const where = regionOf(arn) ?? known?.region ?? region;
  const engine = summary.engine ?? known?.engine;
  const deploymentMode = summary.deploymentMode ?? known?.deploymentMode;
  const instanceType = summary.instanceType ?? known?.instanceType;
  if (arn) broker.arn = arn;
  if (where) broker.region = where;
  if (engine) broker.engine = engine;
  if (deploymentMode) broker.deploymentMode = deploymentMode;
  if (instanceType) broker.instanceType = instanceType;
  return broker;
}

const sameCodes = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((c) => b.includes(c));

function describeWindow(window: WeeklyWindow | undefined): string {
  return window
    ? `its maintenance window (${window.dayOfWeek} ${window.timeOfDay} ${window.timeZone ?? 'UTC'})`
    : 'any maintenance window (none on record)';
}

function describeOpen(open: OpenAlert): string {
  switch (open.kind) {
    case 'critical':
      return `CRITICAL_ACTION_REQUIRED${open.codes.length ? ` (${open.codes.join(', ')})` : ''}`;
    case 'unplanned-reboot':
      return 'an unplanned reboot';
    case 'creation-failed':
      return 'CREATION_FAILED';
    case 'disappeared':
      return 'disappearing from the broker list';
  }
}

const SEVERITY: Record<AlertKind, WatchAlert['severity']> = {
  critical: 'CRITICAL',
  'unplanned-reboot': 'HIGH',
  'creation-failed': 'HIGH',
  disappeared: 'HIGH',
  recovered: 'INFO',
  deleted: 'INFO',
};

interface AlertParts {
  kind: AlertKind;
  broker: AlertBroker;
  at: Date;
  from?: string;
  state: string;
  summary: string;
  remedy: string;
  codes?: string[];
  newCodes?: string[];
  maintenanceWindow?: WeeklyWindow;
  resolves?: OpenAlert;
}

function makeAlert(p: AlertParts): WatchAlert {
  const at = p.at.toISOString();
  return {
    id: `${p.broker.id}/${p.kind}/${at}`,
    kind: p.kind,
    severity: SEVERITY[p.kind],
    at,
    broker: p.broker,
    ...(p.from !== undefined ? { from: p.from } : {}),
    state: p.state,
    summary: p.summary,
    remedy: p.remedy,
    actions: (p.codes ?? []).map(explainActionRequired),
    ...(p.newCodes ? { newCodes: p.newCodes } : {}),
    ...(p.maintenanceWindow ? { maintenanceWindow: p.maintenanceWindow } : {}),
    ...(p.resolves ? { resolves: p.resolves } : {}),
  };
}

function opened(kind: OpeningKind, at: Date, state: string, codes: string[]): OpenAlert {
  return { kind, since: at.toISOString(), state, codes };
}

function transition(record: WatchRecord, kind: TransitionKind, from: string | undefined, note?: string) {
  return {
    brokerId: record.broker.id,
    brokerName: record.broker.name,
    kind,
    ...(from !== undefined ? { from } : {}),
    to: record.state,
    ...(note ? { note } : {}),
  } satisfies Transition;
}

/** Adds the alert to the decision: its transition names it and the record's outbox will carry it. */
function withAlert(record: WatchRecord, t: Transition, alert: WatchAlert): Decision {
  return { record, transition: { ...t, alertId: alert.id }, alert };
}

function criticalAlert(
  broker: AlertBroker,
  at: Date,
  from: string,
  codes: string[],
  newCodes?: string[],
): WatchAlert {
  const list = codes.length ? codes.join(', ') : 'no action code reported';
  return makeAlert({
    kind: AlertKind.CRITICAL,
    broker,
    at,
    from,
    state: BrokerState.CRITICAL_ACTION_REQUIRED,
    summary: newCodes
      ? `Broker ${broker.name} reports ${newCodes.length > 1 ? 'new action codes' : 'a new action code'} ` +
        `(${newCodes.join(', ')}) while in CRITICAL_ACTION_REQUIRED: ${list}.`
      : `Broker ${broker.name} is in CRITICAL_ACTION_REQUIRED: ${list}.`,
    remedy: codes.length
      ? 'Act on each code below; Amazon MQ refuses some operations, such as RebootBroker, until the broker is healthy.'
      : `Run \`aws mq describe-broker --broker-id ${broker.id} --query ActionsRequired\` and follow the Amazon MQ troubleshooting guide.`,
    codes,
    ...(newCodes ? { newCodes } : {}),
  });
}

/**
 * Decides what a listed broker's state means, given what the store remembers: the transition table of the
 * watcher. Pure: the caller supplies the describe and runbook answers that {@link needsDescribe} and
 * {@link needsRebootContext} ask for.
 *
 * | before → now | recorded as | alert |
 * |---|---|---|
 * | (nothing) → any | first-seen | none: the baseline |
 * | S → S (not critical) | nothing written | none |
 * | critical → critical, new code | codes-changed… | critical (naming the new codes) |
 * | critical → critical, fewer codes | codes-changed | none |
 * | not critical → critical | critical | critical |
 * | critical → reboot | remedial-reboot | none (critical stays open) |
 * | other → reboot, in window or runbook | planned-reboot | none |
 * | other → reboot | unplanned-reboot | unplanned-reboot |
 * | any → CREATION_FAILED | creation-failed | creation-failed |
 * | any → RUNNING/REPLICA, alert open | recovered | recovered (resolves it) |
 * | any other change | state-changed | none |
 */
export function decide(
  previous: WatchRecord | undefined,
  observation: Observation,
  at: Date,
  options: DecideOptions,
): Decision {
  const { summary } = observation;
  const state = summary.state;
  const broker = brokerOf(summary, previous, observation.region);
  const critical = state === BrokerState.CRITICAL_ACTION_REQUIRED;
  const codes = critical ? (observation.detail?.codes ?? previous?.codes ?? []) : [];
  const now = at.toISOString();

  if (!previous) {
    const record: WatchRecord = { broker, state, codes, since: now, outbox: [] };
    return { record, transition: transition(record, TransitionKind.FIRST_SEEN, undefined) };
  }
  const from = previous.state;
  const base: WatchRecord = { ...previous, broker, state, codes, since: now };
  delete base.planned;

  if (from === state) {
    if (!critical || sameCodes(codes, previous.codes)) return {};
    const added = codes.filter((c) => !previous.codes.includes(c));
    const record: WatchRecord = { ...base, since: previous.since };
    if (added.length === 0)
      return { record, transition: transition(record, TransitionKind.CODES_CHANGED, from, 'fewer codes') };
    record.open = {
      ...opened('critical', at, state, codes),
      ...(previous.open?.kind === 'critical' ? { since: previous.open.since } : {}),
    };
    return withAlert(
      record,
      transition(record, TransitionKind.CRITICAL, from, `new: ${added.join(', ')}`),
      criticalAlert(broker, at, from, codes, added),
    );
  }

  if (critical) {
    const record: WatchRecord = { ...base, open: opened('critical', at, state, codes) };
    return withAlert(
      record,
      transition(record, TransitionKind.CRITICAL, from),
      criticalAlert(broker, at, from, codes),
    );
  }

  if (state === BrokerState.REBOOT_IN_PROGRESS) {
    if (from === BrokerState.CRITICAL_ACTION_REQUIRED)
      return { record: base, transition: transition(base, TransitionKind.REMEDIAL_REBOOT, from) };
    const window = observation.detail?.maintenanceWindow;
    const planned = plannedReason(window, observation.runbook, at, options.windowGraceMs);
    if (planned) {
      const record: WatchRecord = { ...base, planned };
      return { record, transition: transition(record, TransitionKind.PLANNED_REBOOT, from, planned) };
    }
    const record: WatchRecord = { ...base, open: opened('unplanned-reboot', at, state, []) };
    return withAlert(
      record,
      transition(record, TransitionKind.UNPLANNED_REBOOT, from),
      makeAlert({
        kind: AlertKind.UNPLANNED_REBOOT,
        broker,
        at,
        from,
        state,
        summary:
          `Broker ${broker.name} is rebooting (REBOOT_IN_PROGRESS) outside ${describeWindow(window)}, ` +
          'and no mqops runbook is running for it.',
        remedy:
          'Find who called RebootBroker (CloudTrail, event name RebootBroker); if nobody did, Amazon MQ restarted ' +
          'the broker: check its general log and its memory and CPU metrics. Check that clients reconnect.',
        ...(window ? { maintenanceWindow: window } : {}),
      }),
    );
  }

  if (state === BrokerState.CREATION_FAILED) {
    const record: WatchRecord = { ...base, open: opened('creation-failed', at, state, []) };
    return withAlert(
      record,
      transition(record, TransitionKind.CREATION_FAILED, from),
      makeAlert({
        kind: AlertKind.CREATION_FAILED,
        broker,
        at,
        from,
        state,
        summary: `Broker ${broker.name} could not be created (CREATION_FAILED) and cannot serve clients.`,
        remedy:
          'Find the cause (CloudTrail CreateBroker; subnets, security groups, KMS key, quotas), then delete the ' +
          `broker (\`aws mq delete-broker --broker-id ${broker.id}\`) and create it again.`,
      }),
    );
  }

  if (HEALTHY.has(state) && previous.open) {
    const record: WatchRecord = { ...base };
    delete record.open;
    return withAlert(
      record,
      transition(record, TransitionKind.RECOVERED, from),
      makeAlert({
        kind: AlertKind.RECOVERED,
        broker,
        at,
        from,
        state,
        summary:
          `Broker ${broker.name} is ${state} again after ${describeOpen(previous.open)} ` +
          `(alerted ${previous.open.since}).`,
        remedy: 'Nothing to do; check that clients reconnected and that queues drain.',
        resolves: previous.open,
      }),
    );
  }

  return { record: base, transition: transition(base, TransitionKind.STATE_CHANGED, from) };
}

/** True for a record that stands for a broker gone from the listing. */
export function isTombstone(record: WatchRecord): boolean {
  return record.state === GoneState.GONE || record.state === GoneState.DELETED;
}

/**
 * Decides what it means that a remembered broker is missing from a complete listing: `deleted` when it was last
 * seen in DELETION_IN_PROGRESS (an alert only to close one that is open), `disappeared` otherwise. The record
 * stays as a tombstone (the caller gives it a TTL), so overlapping polls alert once.
 */
export function decideGone(previous: WatchRecord, at: Date): Decision {
  if (isTombstone(previous)) return {};
  const from = previous.state;
  const now = at.toISOString();
  const broker = previous.broker;
  if (from === BrokerState.DELETION_IN_PROGRESS) {
    const record: WatchRecord = { ...previous, state: GoneState.DELETED, codes: [], since: now };
    delete record.open;
    delete record.planned;
    const t = transition(record, TransitionKind.DELETED, from);
    if (!previous.open) return { record, transition: t };
    return withAlert(
      record,
      t,
      makeAlert({
        kind: AlertKind.DELETED,
        broker,
        at,
        from,
        state: GoneState.DELETED,
        summary: `Broker ${broker.name} was deleted; the alert for ${describeOpen(previous.open)} is closed.`,
        remedy: 'Nothing to do.',
        resolves: previous.open,
      }),
    );
  }
  const record: WatchRecord = {
    ...previous,
    state: GoneState.GONE,
    codes: [],
    since: now,
    open: opened('disappeared', at, GoneState.GONE, []),
  };
  delete record.planned;
  return withAlert(
    record,
    transition(record, TransitionKind.DISAPPEARED, from),
    makeAlert({
      kind: AlertKind.DISAPPEARED,
      broker,
      at,
      from,
      state: GoneState.GONE,
      summary:
        `Broker ${broker.name} is no longer listed by ListBrokers and was not seen being deleted ` +
        `(last state ${from}).`,
      remedy:
        'Check CloudTrail for DeleteBroker on this broker (who, from where); clients can no longer connect to it. ' +
        'If nobody deleted it, contact AWS Support.',
    }),
  );
}
