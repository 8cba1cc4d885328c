/**
 * Alertmanager's semantics over the {@link KeyValueStore} port, without sleeping: alerts are recorded into groups,
 * and whatever is due is sent by whoever looks at the group at or after its due time (the event handler right after
 * recording, or the scheduled flusher every minute).
 *
 * - Grouping: alerts with the same `groupBy` label values share a group and a message.
 * - group_wait: a new group's first notification waits `groupWaitSeconds` after its first change, to batch a burst;
 *   an alert that resolves within it is never sent.
 * - group_interval: after a notification, changes (new firing alerts, resolutions) wait `groupIntervalSeconds`, and
 *   also `groupWaitSeconds` after the first of them: at most one notification per interval.
 * - repeat_interval: a group still firing is re-sent `repeatIntervalSeconds` after its last notification.
 * - Resolved notifications: for alerts whose firing was notified.
 * - Deduplication: the same alarm and state timestamp is recorded once (a conditional dedup key, and the group's own
 *   per-alert state timestamp, which also drops stale, out-of-order events).
 * - Scope and time: an alarm that is not about Amazon MQ ({@link isAmazonMqAlarm}) is ignored without a read or a
 *   write; a state time ahead of the clock by more than `MAX_CLOCK_SKEW_MS` (events.ts) is refused (InvalidInputError),
 *   since it would make every later change of the alarm look stale; a state time older than the dedup horizon
 *   (`dedupRetentionHours`) of an alarm the group no longer remembers is stale: ignored without a write, as
 *   Alertmanager resolves an alert nobody has re-sent (CloudWatch sends one event per change, and an event that old
 *   can only be a late redelivery whose duplicates the engine has forgotten; the alarm's state is in CloudWatch).
 * - Inhibition at send time: the broker's maintenance window, an active runbook marker, a firing broker-down alarm
 *   with the same `equal` labels (never itself), silences.
 * - Exactly one sender per notification: a notification is claimed by a conditional write (an outbox with a lease)
 *   before it is sent, and confirmed after; a failed or interrupted delivery is retried by the next flush, to the
 *   targets it has not reached yet.
 * - Every write (groups, the index, dedup keys, inhibition sources, silences) is a compare-and-swap through the one
 *   helper (kv.ts casItem) under its one retry policy (cas.ts CAS_POLICY); when other writers win every round it
 *   throws ConcurrentWriteError, and the event is retried by its sender.
 *
 * Store layout (DynamoDB: the part before the first `#` is the partition key):
 * - `alertgroup:<groupId>` → {@link AlertGroup}; one partition per group, so a storm spreads across partitions.
 * - `alertindex#<groupId>` → {@link GroupIndexEntry}: the flusher's list of groups (one Query).
 * - `alertevent:<fingerprint>#<stateTime>` → dedup key, written with a create-only condition; TTL.
 * - `alertsource:<hash of equal labels>` → {@link InhibitionSources}: firing broker-down alarms.
 * - `silence#<id>` → {@link Silence}.
 * - `runbook#<brokerId>` is read (see runbook-marker.ts).
 */
import { casItem, type KeyValueStore, type Versioned } from '../kv';
import { inMaintenanceWindow, type WeeklyWindow } from '../maintenance-window';
import { activeRunbook } from '../runbook-marker';
import { type AlertConfig, DEFAULT_ALERT_CONFIG, globMatch } from './config';
import {
  ALERT_SEVERITY_ORDER,
  type Alert,
  type AlertSeverity,
  alertFingerprint,
  assertNotFuture,
  isAmazonMqAlarm,
  NOT_AMAZON_MQ_ALARM,
  ROLE_TAG,
  stableHash,
} from './events';

/** An alert as the store keeps it: reason and description cut, no per-metric list of metric math. */
export type StoredAlert = Omit<Alert, 'mathMetrics'>;

/** One alert of a group. */
export interface AlertEntry {
  alert: StoredAlert;
  status: 'firing' | 'resolved';
  /** When the alert last started firing (its state time). */
  startsAt?: string;
  /** When it resolved (its state time). */
  endsAt?: string;
  /** State time of the last event applied: an event not newer is a duplicate or stale. */
  stateAt: string;
  /** When mqops learned of the last status change: group_wait and group_interval count from here. */
  changedAt: string;
  /** What the last delivered notification of the group said about this alert. */
  notified: 'none' | 'firing' | 'resolved';
}

/** A delivered or dropped alert, remembered only to recognise late duplicates. */
export interface Tombstone {
  stateAt: string;
  removedAt: string;
}

/** A notification claimed for delivery and not yet confirmed. */
export interface Outbox {
  notification: AlertNotification;
  claimedAt: string;
  /** Until then, the claimant is delivering; afterwards anyone may retry. */
  leaseUntil: string;
  attempts: number;
  /** Targets that already have it (a retry skips them). */
  deliveredTo: string[];
  lastError?: string;
}

/** A group of alerts that share their `groupBy` labels: one message at a time. */
export interface AlertGroup {
  id: string;
  /** Human-readable: `broker=orders`. */
  key: string;
  labels: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  alerts: Record<string, AlertEntry>;
  tombstones: Record<string, Tombstone>;
  /** When the last notification of the current episode was claimed; unset while nothing notified is firing. */
  notifiedAt?: string;
  /** Notifications claimed so far. */
  sequence: number;
  outbox?: Outbox;
  /**
   * The due notification inhibition or silences last held back: a hash of its muted alerts (fingerprint and
   * `changedAt`), so that a hold is counted as suppressed once, not again at every flush while it lasts. Cleared by
   * the next notification claimed.
   */
  heldBack?: string;
}

/** The flusher's index of groups. `retired` entries (their group is gone) expire. */
export interface GroupIndexEntry {
  groupId: string;
  key: string;
  touchedAt: string;
  retired?: boolean;
}

/** Firing inhibition sources (broker-down alarms) for one set of `equal` label values. */
export interface InhibitionSources {
  sources: Record<string, { alarmName: string; firing: boolean; stateAt: string }>;
}

/** A silence: alerts whose labels match every matcher (`*` wildcard) are not notified between its times. */
export interface Silence {
  id: string;
  matchers: Record<string, string>;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/** An alert as a notification shows it. */
export interface NotifiedAlert {
  fingerprint: string;
  alert: StoredAlert;
  status: 'firing' | 'resolved';
  startsAt?: string;
  endsAt?: string;
  /** Not in the group's previous notification as such (newly firing, or newly resolved). */
  isNew: boolean;
}

/** One message about a group: what fires (all of it), what resolved since the last one, what is held back. */
export interface AlertNotification {
  /** `<groupId>-<sequence>`: stable across retries of the same notification. */
  id: string;
  groupId: string;
  groupKey: string;
  labels: Record<string, string>;
  sequence: number;
  /** `firing` while anything fires, else `resolved`. */
  status: 'firing' | 'resolved';
  /** A re-send of a group that still fires (repeat_interval), with nothing new. */
  repeat: boolean;
  /** The highest severity among the firing alerts (the resolved ones when nothing fires). */
  severity: AlertSeverity;
  firing: NotifiedAlert[];
  resolved: NotifiedAlert[];
  /** Alerts of the group held back by inhibition or silences, with why. */
  muted: { fingerprint: string; alarmName: string; reason: string }[];
  createdAt: string;
}

/** What the delivery port reports: the targets reached, and those that failed (to retry later). */
export interface DeliveryOutcome {
  delivered: string[];
  failed: { target: string; error: string }[];
}

/**
 * Delivers a notification to its targets (Slack channels, SNS topics), skipping those in `skip` (already reached by
 * an earlier attempt). Must not throw for a failed target: report it in `failed`.
 */
export type Deliver = (notification: AlertNotification, skip: readonly string[]) => Promise<DeliveryOutcome>;

/** What inhibition needs to know about a broker. */
export interface BrokerContext {
  /** The broker id (runbook markers are kept by id). */
  id?: string;
  maintenanceWindow?: WeeklyWindow;
}

/** Looks up the broker an alert is about (cached by the caller; undefined when unknown). */
export type BrokerLookup = (alert: StoredAlert) => Promise<BrokerContext | undefined>;

export interface AlertEngineOptions {
  store: KeyValueStore;
  deliver: Deliver;
  config?: AlertConfig;
  brokers?: BrokerLookup;
  /** Groups flushed at once (deliveries to one Slack channel still go one per second); default 8. */
  concurrency?: number;
}

/** A delivery that did not reach every target (it is retried by the next flush). */
export interface FailedNotification {
  notificationId: string;
  groupKey: string;
  errors: { target: string; error: string }[];
}

export interface ReceiveResult {
  fingerprint: string;
  groupId: string;
  groupKey: string;
  /**
   * `recorded`: the alert changed the group; `ignored`: an OK for an alert the group does not hold, or an alarm that
   * is not about Amazon MQ; `duplicate`: the same state change again; `stale`: older than what the group holds, or
   * older than the dedup horizon for an alarm the group does not remember.
   */
  outcome: 'recorded' | 'ignored' | 'duplicate' | 'stale';
  /** Why, for an alarm that is not ours and an event older than the dedup horizon (nothing was written for them). */
  reason?: string;
  /** Notifications that were due and delivered right away. */
  sent: AlertNotification[];
  failed: FailedNotification[];
  /** Notifications that were due right away and held back by inhibition or silences (0 or 1). */
  suppressed: number;
}

export interface FlushResult {
  /** Groups looked at. */
  groups: number;
  sent: AlertNotification[];
  failed: FailedNotification[];
  /** Notifications given up after `maxDeliveryAttempts` (logged as errors by the caller). */
  abandoned: FailedNotification[];
  /** Groups whose notification someone else is delivering. */
  busy: number;
  /**
   * Notifications that were due and not sent because every alert they would tell of is muted (maintenance window,
   * runbook, broker down, silence): each hold counted once, when it starts (not at every flush while it lasts).
   */
  suppressed: number;
  /** Groups not looked at because `shouldContinue` said stop. */
  deferred: number;
}

interface GroupFlush {
  sent?: AlertNotification;
  failed?: FailedNotification;
  abandoned?: FailedNotification;
  busy?: boolean;
  /** A due notification held back by inhibition or silences (a new hold). */
  suppressed?: boolean;
}

/** Per-flush caches, so one flush reads each broker, runbook and source once. */
interface MuteCache {
  brokers: Map<string, Promise<BrokerContext | undefined>>;
  runbooks: Map<string, Promise<string | undefined>>;
  sources: Map<string, Promise<InhibitionSources | undefined>>;
  silences?: Promise<Silence[]>;
}

const SECOND = 1000;
const HOUR = 3_600_000;
const REASON_MAX = 1000;
const DATAPOINTS_MAX = 30;

const groupStoreKey = (id: string) => `alertgroup:${id}`;
const indexKey = (id: string) => `alertindex#${id}`;
const dedupKey = (fingerprint: string, stateAt: string) =>
  `alertevent:${fingerprint}#${stateAt.replace(/[^0-9]/g, '')}`;
const sourcesKey = (equalKey: string) => `alertsource:${stableHash(equalKey)}`;
const silenceKey = (id: string) => `silence#${id}`;

const iso = (ms: number) => new Date(ms).toISOString();
const epochSeconds = (ms: number) => Math.ceil(ms / 1000);
const severityRank = (s: AlertSeverity) => ALERT_SEVERITY_ORDER.indexOf(s);

function clip(text: string | undefined, max: number): string | undefined {
  if (text === undefined) return undefined;
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The alert without what the store does not need (keeps group items small). */
export function storedAlert(alert: Alert): StoredAlert {
  const { mathMetrics: _math, ...rest } = alert;
  const reason = clip(alert.reason, REASON_MAX) ?? '';
  const description = clip(alert.description, 500);
  return {
    ...rest,
    reason,
    ...(description !== undefined ? { description } : {}),
    ...(alert.recentDatapoints ? { recentDatapoints: alert.recentDatapoints.slice(-DATAPOINTS_MAX) } : {}),
  };
}

/** The labels of an alert: what `groupBy`, inhibition `equal` and silences match on. */
export function alertLabels(alert: StoredAlert): Record<string, string> {
  const labels: Record<string, string> = {
    broker: alert.broker ?? '',
    alarm: alert.alarmName,
    severity: alert.severity,
    metric: alert.metric?.name ?? '',
    namespace: alert.metric?.namespace ?? '',
    region: alert.region,
    account: alert.accountId,
    engine: alert.engine ?? '',
    node: alert.node ?? '',
    destination: alert.destination ?? '',
  };
  for (const [key, value] of Object.entries(alert.tags)) labels[`tag:${key}`] = value;
  return labels;
}

function labelKey(labels: Record<string, string>, names: readonly string[]): string {
  return names.map((n) => `${n}=${labels[n] ?? ''}`).join(',');
}

function changed(entry: AlertEntry): boolean {
  return entry.status === 'firing' ? entry.notified !== 'firing' : entry.notified === 'firing';
}

/**
 * The notifier's engine. Every method takes `now`: nothing reads the clock.
 *
 * @example
 * const engine = new AlertEngine({ store, deliver, brokers });
 * for (const alert of parseAlarmEvent(event)) await engine.receive(alert, new Date());
 * // every minute:
 * await engine.flush(new Date());
 */
export class AlertEngine {
  readonly config: AlertConfig;
  private readonly store: KeyValueStore;
  private readonly deliver: Deliver;
  private readonly brokers: BrokerLookup | undefined;
  private readonly concurrency: number;

  constructor(options: AlertEngineOptions) {
    this.store = options.store;
    this.deliver = options.deliver;
    this.config = options.config ?? DEFAULT_ALERT_CONFIG;
    this.brokers = options.brokers;
    this.concurrency = Math.max(1, options.concurrency ?? 8);
  }

  /** The group an alert belongs to. */
  groupOf(alert: StoredAlert): { id: string; key: string; labels: Record<string, string> } {
    const all = alertLabels(alert);
    const labels = Object.fromEntries(this.config.groupBy.map((n) => [n, all[n] ?? '']));
    const key = labelKey(all, this.config.groupBy) || '(all)';
    return { id: stableHash(key), key, labels };
  }

  /** Reads a group (for tests and tools). */
  async group(groupId: string): Promise<AlertGroup | undefined> {
    return (await this.store.get<AlertGroup>(groupStoreKey(groupId)))?.value;
  }

  /** True when the alert is a broker-down alarm (an inhibition source). */
  isInhibitionSource(alert: StoredAlert): boolean {
    if (alert.tags[ROLE_TAG]?.toLowerCase() === 'broker-down') return true;
    if (alert.key === 'down' || alert.key === 'broker-down') return true;
    return this.config.inhibit.brokerDown.alarms.some((p) => globMatch(p, alert.alarmName));
  }

  /**
   * Records one alarm state change into its group, and sends the group's notification when it is due right now
   * (e.g. group_wait 0, or a change after group_interval). Duplicate and stale deliveries change nothing; an alarm
   * that is not about Amazon MQ is ignored without a read or a write.
   * @throws InvalidInputError for a state time later than `now` + `MAX_CLOCK_SKEW_MS` (events.ts) (before any read).
   */
  async receive(input: Alert, now: Date): Promise<ReceiveResult> {
    const alert = storedAlert(input);
    const fingerprint = alertFingerprint(alert);
    const group = this.groupOf(alert);
    const result: ReceiveResult = {
      fingerprint,
      groupId: group.id,
      groupKey: group.key,
      outcome: 'duplicate',
      sent: [],
      failed: [],
      suppressed: 0,
    };
    if (!isAmazonMqAlarm(input)) return { ...result, outcome: 'ignored', reason: NOT_AMAZON_MQ_ALARM };
    assertNotFuture(alert, now);
    const dedup = dedupKey(fingerprint, alert.timestamp);
    if (await this.store.get(dedup)) return result;

    const nowMs = now.getTime();
    const existing = await this.store.get<AlertGroup>(groupStoreKey(group.id));
    if (this.forgotten(existing?.value, fingerprint, alert, nowMs))
      return { ...result, outcome: 'stale', reason: this.horizonReason() };
    // Even an OK for an alarm the group does not hold is remembered (a tombstone): a late, older ALARM of that
    // alarm (EventBridge does not keep order) must not fire.
    if (!existing) await this.ensureIndexed(group.id, group.key, now);
    // Assigned inside the (re-runnable) change function.
    let outcome = 'duplicate' as ReceiveResult['outcome'];
    let created = false as boolean;
    let forgotten = false as boolean;
    const written = await this.mutate(
      group.id,
      now,
      async (current) => {
        created = !current;
        const g: AlertGroup = current ?? {
          id: group.id,
          key: group.key,
          labels: group.labels,
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
          alerts: {},
          tombstones: {},
          sequence: 0,
        };
        forgotten = this.forgotten(current, fingerprint, alert, nowMs);
        outcome = forgotten ? 'stale' : this.apply(g, fingerprint, alert, now);
        if (outcome === 'duplicate' || outcome === 'stale') return undefined;
        g.updatedAt = now.toISOString();
        return g;
      },
      existing ?? null,
    );
    result.outcome = outcome;
    // Nothing was written for an event the group had forgotten: no dedup key either.
    if (forgotten) return { ...result, reason: this.horizonReason() };
    // The group vanished (expired) between the two reads and was re-created: index it too.
    if (created && written && existing) await this.ensureIndexed(group.id, group.key, now);

    if (outcome === 'recorded' && this.isInhibitionSource(alert)) await this.recordSource(fingerprint, alert);
    if (outcome === 'recorded' && written) {
      const plan = this.plan(written, nowMs, new Map());
      if (plan.notify) {
        const flushed = await this.flushGroup(group.id, now, this.newCache());
        if (flushed.sent) result.sent.push(flushed.sent);
        if (flushed.failed) result.failed.push(flushed.failed);
        if (flushed.abandoned) result.failed.push(flushed.abandoned);
        if (flushed.suppressed) result.suppressed++;
      }
    }
    // Remember the event last: a crash before this point is retried by the sender, and the group's own state
    // timestamps already make that retry a no-op.
    // Create-only: a key already there (a duplicate that raced this one) stays as it is.
    await casItem<{ at: string }, void>(
      this.store,
      dedup,
      (current) => (current ? { keep: undefined } : { write: { at: now.toISOString() }, result: undefined }),
      { expiresAt: epochSeconds(nowMs + this.config.dedupRetentionHours * HOUR) },
    );
    return result;
  }

  /**
   * Sends every notification that is due: first notifications after group_wait, changes after group_interval,
   * repeats after repeat_interval, resolved notifications, and retries of failed or interrupted deliveries.
   */
  async flush(now: Date, options: { shouldContinue?: () => boolean } = {}): Promise<FlushResult> {
    const entries = await this.store.list<GroupIndexEntry>('alertindex#');
    const result: FlushResult = {
      groups: 0,
      sent: [],
      failed: [],
      abandoned: [],
      busy: 0,
      deferred: 0,
      suppressed: 0,
    };
    const cache = this.newCache();
    let next = 0;
    const worker = async () => {
      while (next < entries.length) {
        const entry = entries[next++] as (typeof entries)[number];
        if (entry.item.value.retired) continue;
        if (options.shouldContinue && !options.shouldContinue()) {
          result.deferred++;
          continue;
        }
        result.groups++;
        const flushed = await this.flushGroup(entry.item.value.groupId, now, cache, entry.item.version);
        if (flushed.sent) result.sent.push(flushed.sent);
        if (flushed.failed) result.failed.push(flushed.failed);
        if (flushed.abandoned) result.abandoned.push(flushed.abandoned);
        if (flushed.busy) result.busy++;
        if (flushed.suppressed) result.suppressed++;
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, worker));
    return result;
  }

  /** Adds (or replaces) a silence. */
  async addSilence(silence: Silence): Promise<void> {
    await casItem<Silence, void>(
      this.store,
      silenceKey(silence.id),
      () => ({ write: silence, result: undefined }),
      {
        expiresAt: epochSeconds(Date.parse(silence.endsAt) + 24 * HOUR),
      },
    );
  }

  /** Silences in force at `now`. */
  async activeSilences(now: Date): Promise<Silence[]> {
    const t = now.getTime();
    return (await this.store.list<Silence>('silence#'))
      .map((e) => e.item.value)
      .filter((s) => Date.parse(s.startsAt) <= t && t < Date.parse(s.endsAt));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Recording
  // -------------------------------------------------------------------------------------------------------------

  /** Whether the alert's state means firing (ALARM; INSUFFICIENT_DATA too when so configured). */
  private fires(alert: StoredAlert): boolean {
    return (
      alert.state === 'ALARM' ||
      (alert.state === 'INSUFFICIENT_DATA' && this.config.insufficientData === 'firing')
    );
  }

  /**
   * True when the alert's state time is older than the dedup horizon and the group (as given; undefined: none)
   * remembers nothing of its alarm: the engine can no longer tell a late redelivery from a new change.
   */
  private forgotten(
    g: AlertGroup | undefined,
    fingerprint: string,
    alert: StoredAlert,
    nowMs: number,
  ): boolean {
    if (g?.alerts[fingerprint] || g?.tombstones[fingerprint]) return false;
    return Date.parse(alert.timestamp) < nowMs - this.config.dedupRetentionHours * HOUR;
  }

  private horizonReason(): string {
    return `older than the dedup horizon (${this.config.dedupRetentionHours} h)`;
  }

  /** Applies one event to a group (in place). */
  private apply(g: AlertGroup, fingerprint: string, alert: StoredAlert, now: Date): ReceiveResult['outcome'] {
    const entry = g.alerts[fingerprint];
    const last = entry?.stateAt ?? g.tombstones[fingerprint]?.stateAt;
    if (last !== undefined && alert.timestamp <= last)
      return alert.timestamp === last ? 'duplicate' : 'stale';
    const nowIso = now.toISOString();
    const noData = alert.state === 'INSUFFICIENT_DATA';
    const firing = this.fires(alert);
    if (!entry) {
      if (!firing) {
        g.tombstones[fingerprint] = { stateAt: alert.timestamp, removedAt: nowIso };
        return 'ignored';
      }
      delete g.tombstones[fingerprint];
      g.alerts[fingerprint] = {
        alert,
        status: 'firing',
        startsAt: alert.timestamp,
        stateAt: alert.timestamp,
        changedAt: nowIso,
        notified: 'none',
      };
      return 'recorded';
    }
    entry.alert = alert;
    entry.stateAt = alert.timestamp;
    // No data keeps the status: a firing alert whose broker stopped reporting still fires.
    if (noData && !firing) return 'recorded';
    if (firing && entry.status === 'resolved') {
      entry.status = 'firing';
      entry.startsAt = alert.timestamp;
      delete entry.endsAt;
      entry.changedAt = nowIso;
    } else if (!firing && entry.status === 'firing') {
      entry.status = 'resolved';
      entry.endsAt = alert.timestamp;
      entry.changedAt = nowIso;
      const inFlight = g.outbox?.notification.firing.some((f) => f.fingerprint === fingerprint) ?? false;
      const told = entry.notified === 'firing' || inFlight;
      // Never told it fires (group_wait, inhibited) or resolutions not wanted: drop it quietly.
      if (!told || !this.config.sendResolved) this.bury(g, fingerprint, nowIso);
    }
    return 'recorded';
  }

  private bury(g: AlertGroup, fingerprint: string, nowIso: string): void {
    const entry = g.alerts[fingerprint];
    if (!entry) return;
    g.tombstones[fingerprint] = { stateAt: entry.stateAt, removedAt: nowIso };
    delete g.alerts[fingerprint];
  }

  /** Updates the broker-down source index (only with newer state times, so reordering cannot flip it). */
  private async recordSource(fingerprint: string, alert: StoredAlert): Promise<void> {
    const labels = alertLabels(alert);
    const key = sourcesKey(labelKey(labels, this.config.inhibit.brokerDown.equal));
    const firing = alert.state === 'ALARM';
    await this.retrying(key, (current: InhibitionSources | undefined) => {
      const sources = { ...(current?.sources ?? {}) };
      const known = sources[fingerprint];
      if (known && known.stateAt >= alert.timestamp) return undefined;
      sources[fingerprint] = { alarmName: alert.alarmName, firing, stateAt: alert.timestamp };
      return { sources };
    });
  }

  /** Puts the group in the flusher's index (before the group exists, so no group is ever unindexed). */
  private async ensureIndexed(groupId: string, key: string, now: Date): Promise<void> {
    await this.retrying(indexKey(groupId), (current: GroupIndexEntry | undefined) =>
      current && !current.retired ? undefined : { groupId, key, touchedAt: now.toISOString() },
    );
  }

  /**
   * Read-change-write through the one compare-and-swap helper (kv.ts casItem); `change` returning undefined writes
   * nothing.
   * @throws ConcurrentWriteError when other writers won every round of the retry policy.
   */
  private retrying<T>(
    key: string,
    change: (current: T | undefined) => T | undefined,
  ): Promise<T | undefined> {
    return casItem<T, T | undefined>(this.store, key, (current) => {
      const next = change(current?.value);
      return next === undefined ? { keep: current?.value } : { write: next, result: next };
    });
  }

  /**
   * Read-change-write of a group through the one compare-and-swap helper: written over the version read, and when
   * someone else wrote first, `change` runs again on the fresh value. `change` may be async; undefined writes
   * nothing. An idle group (tombstones only) gets a TTL: it is only kept to recognise late duplicates.
   * @returns the group written, or undefined when nothing was written.
   * @throws ConcurrentWriteError when other writers won every round of the retry policy.
   */
  private mutate(
    groupId: string,
    now: Date,
    change: (current: AlertGroup | undefined) => Promise<AlertGroup | undefined>,
    /** The group as just read (null: just read and absent), saving the first read. */
    initial?: Versioned<AlertGroup> | null,
  ): Promise<AlertGroup | undefined> {
    const idleUntil = epochSeconds(now.getTime() + this.config.dedupRetentionHours * HOUR);
    return casItem<AlertGroup, AlertGroup | undefined>(
      this.store,
      groupStoreKey(groupId),
      async (current) => {
        const next = await change(current ? structuredClone(current.value) : undefined);
        if (!next) return { keep: undefined };
        this.prune(next, now);
        return { write: next, result: next };
      },
      {
        expiresAt: (g) => (Object.keys(g.alerts).length === 0 && !g.outbox ? idleUntil : undefined),
        ...(initial !== undefined ? { initial: initial ?? undefined } : {}),
      },
    );
  }

  /** Drops tombstones older than the dedup retention; ends the episode when nothing notified fires. */
  private prune(g: AlertGroup, now: Date): void {
    const horizon = now.getTime() - this.config.dedupRetentionHours * HOUR;
    for (const [fp, t] of Object.entries(g.tombstones))
      if (Date.parse(t.removedAt) < horizon) delete g.tombstones[fp];
    const told = Object.values(g.alerts).some((e) => e.notified === 'firing');
    if (!told && !g.outbox) delete g.notifiedAt;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Planning
  // -------------------------------------------------------------------------------------------------------------

  /**
   * What the group should send at `now`, given which alerts are muted (by fingerprint, with why). `dueAt` is the
   * earliest time something becomes due (undefined: nothing pending).
   */
  private plan(
    g: AlertGroup,
    now: number,
    muted: Map<string, string>,
  ): { notify: boolean; repeat: boolean; dueAt?: number } {
    const entries = Object.entries(g.alerts);
    const visibleFiring = entries.filter(([fp, e]) => e.status === 'firing' && !muted.has(fp));
    const changes = entries.filter(([fp, e]) => changed(e) && !(e.status === 'firing' && muted.has(fp)));
    const wait = this.config.groupWaitSeconds * SECOND;
    const notifiedAt = g.notifiedAt ? Date.parse(g.notifiedAt) : undefined;
    if (changes.length > 0) {
      const since = Math.min(...changes.map(([, e]) => Date.parse(e.changedAt)));
      const dueAt =
        notifiedAt === undefined
          ? since + wait
          : Math.max(since + wait, notifiedAt + this.config.groupIntervalSeconds * SECOND);
      return { notify: dueAt <= now, repeat: false, dueAt };
    }
    if (visibleFiring.length > 0 && notifiedAt !== undefined && this.config.repeatIntervalSeconds > 0) {
      const dueAt = notifiedAt + this.config.repeatIntervalSeconds * SECOND;
      return { notify: dueAt <= now, repeat: true, dueAt };
    }
    return { notify: false, repeat: false };
  }

  /**
   * A hash of the muted alerts (fingerprint and `changedAt`) of a notification that would be due at `now` without
   * the mutes; undefined when none would be (nothing held back).
   */
  private heldBack(g: AlertGroup, now: number, muted: Map<string, string>): string | undefined {
    if (muted.size === 0 || !this.plan(g, now, new Map()).notify) return undefined;
    return stableHash(
      Object.entries(g.alerts)
        .filter(([fp, e]) => e.status === 'firing' && muted.has(fp))
        .map(([fp, e]) => `${fp}@${e.changedAt}`)
        .sort()
        .join(','),
    );
  }

  private buildNotification(
    g: AlertGroup,
    now: Date,
    muted: Map<string, string>,
    repeat: boolean,
  ): AlertNotification {
    const sequence = g.sequence + 1;
    const firing: NotifiedAlert[] = [];
    const resolved: NotifiedAlert[] = [];
    const mutedList: AlertNotification['muted'] = [];
    for (const [fp, e] of Object.entries(g.alerts)) {
      const base = {
        fingerprint: fp,
        alert: e.alert,
        ...(e.startsAt ? { startsAt: e.startsAt } : {}),
        ...(e.endsAt ? { endsAt: e.endsAt } : {}),
      };
      if (e.status === 'firing') {
        const reason = muted.get(fp);
        if (reason) mutedList.push({ fingerprint: fp, alarmName: e.alert.alarmName, reason });
        else firing.push({ ...base, status: 'firing', isNew: e.notified !== 'firing' });
      } else if (e.notified === 'firing') resolved.push({ ...base, status: 'resolved', isNew: true });
    }
    const bySeverity = (a: NotifiedAlert, b: NotifiedAlert) =>
      Number(b.isNew) - Number(a.isNew) ||
      severityRank(a.alert.severity) - severityRank(b.alert.severity) ||
      a.alert.alarmName.localeCompare(b.alert.alarmName);
    firing.sort(bySeverity);
    resolved.sort(bySeverity);
    const top = (list: NotifiedAlert[]) =>
      list.reduce<AlertSeverity>(
        (worst, a) => (severityRank(a.alert.severity) < severityRank(worst) ? a.alert.severity : worst),
        'INFO',
      );
    return {
      id: `${g.id}-${sequence}`,
      groupId: g.id,
      groupKey: g.key,
      labels: g.labels,
      sequence,
      status: firing.length > 0 ? 'firing' : 'resolved',
      repeat,
      severity: firing.length > 0 ? top(firing) : top(resolved),
      firing,
      resolved,
      muted: mutedList,
      createdAt: now.toISOString(),
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Inhibition
  // -------------------------------------------------------------------------------------------------------------

  private newCache(): MuteCache {
    return { brokers: new Map(), runbooks: new Map(), sources: new Map() };
  }

  /** Why each firing alert of the group is held back (only those that are). */
  private async mutes(g: AlertGroup, now: Date, cache: MuteCache): Promise<Map<string, string>> {
    const muted = new Map<string, string>();
    const inhibit = this.config.inhibit;
    cache.silences ??= this.activeSilences(now);
    const silences = await cache.silences;
    for (const [fp, e] of Object.entries(g.alerts)) {
      if (e.status !== 'firing') continue;
      const alert = e.alert;
      const labels = alertLabels(alert);
      let broker: BrokerContext | undefined;
      if (alert.broker && this.brokers && (inhibit.maintenanceWindow || inhibit.runbook)) {
        const cacheKey = `${alert.accountId}/${alert.region}/${alert.broker}`;
        if (!cache.brokers.has(cacheKey))
          cache.brokers.set(
            cacheKey,
            this.brokers(alert).catch(() => undefined),
          );
        broker = await cache.brokers.get(cacheKey);
      }
      const window = broker?.maintenanceWindow;
      if (inhibit.maintenanceWindow && window && inMaintenanceWindow(window, now)) {
        muted.set(
          fp,
          `maintenance window (${window.dayOfWeek} ${window.timeOfDay} ${window.timeZone ?? 'UTC'})`,
        );
        continue;
      }
      if (inhibit.runbook && alert.broker) {
        const id = broker?.id ?? alert.brokerId ?? alert.broker;
        if (!cache.runbooks.has(id))
          cache.runbooks.set(
            id,
            activeRunbook(this.store, id, now).then((m) => (m ? `runbook ${m.name} running` : undefined)),
          );
        const runbook = await cache.runbooks.get(id);
        if (runbook) {
          muted.set(fp, runbook);
          continue;
        }
      }
      if (!this.isInhibitionSource(alert)) {
        const key = sourcesKey(labelKey(labels, inhibit.brokerDown.equal));
        if (!cache.sources.has(key))
          cache.sources.set(
            key,
            this.store.get<InhibitionSources>(key).then((v) => v?.value),
          );
        const sources = await cache.sources.get(key);
        const source = Object.entries(sources?.sources ?? {}).find(([sfp, s]) => s.firing && sfp !== fp);
        if (source) {
          muted.set(fp, `broker down (${source[1].alarmName})`);
          continue;
        }
      }
      const silence = silences.find((s) =>
        Object.entries(s.matchers).every(([label, pattern]) => globMatch(pattern, labels[label] ?? '')),
      );
      if (silence) muted.set(fp, `silenced by ${silence.createdBy}: ${silence.comment}`);
    }
    return muted;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Sending
  // -------------------------------------------------------------------------------------------------------------

  /**
   * Claims, delivers and confirms the group's due notification (or retries an earlier claim whose lease ran out).
   * Two callers racing on one group: the conditional claim lets exactly one of them send.
   */
  private async flushGroup(
    groupId: string,
    now: Date,
    cache: MuteCache,
    indexVersion?: number,
  ): Promise<GroupFlush> {
    const nowMs = now.getTime();
    const lease = this.config.leaseSeconds * SECOND;
    // Assigned inside the (re-runnable) change function.
    let busy = false as boolean;
    let missing = false as boolean;
    let suppressed = false as boolean;
    let abandoned = undefined as Outbox | undefined;
    const claimed = await this.mutate(groupId, now, async (g) => {
      busy = false;
      suppressed = false;
      abandoned = undefined;
      missing = !g;
      if (!g) return undefined;
      if (g.outbox) {
        if (Date.parse(g.outbox.leaseUntil) > nowMs) {
          busy = true;
          return undefined;
        }
        if (g.outbox.attempts >= this.config.maxDeliveryAttempts) {
          // Give up loudly so later notifications of the group are not blocked forever.
          abandoned = g.outbox;
          this.confirm(g, g.outbox.notification, now);
          return g;
        }
        g.outbox = { ...g.outbox, leaseUntil: iso(nowMs + lease), attempts: g.outbox.attempts + 1 };
        return g;
      }
      const muted = await this.mutes(g, now, cache);
      const plan = this.plan(g, nowMs, muted);
      const notification = plan.notify ? this.buildNotification(g, now, muted, plan.repeat) : undefined;
      if (!notification || (notification.firing.length === 0 && notification.resolved.length === 0)) {
        // Nothing to send: a notification that was due without the mutes is suppressed (counted once per hold).
        const held = this.heldBack(g, nowMs, muted);
        if (!held || held === g.heldBack) return undefined;
        g.heldBack = held;
        suppressed = true;
        return g;
      }
      delete g.heldBack;
      g.sequence = notification.sequence;
      g.notifiedAt = now.toISOString();
      g.outbox = {
        notification,
        claimedAt: now.toISOString(),
        leaseUntil: iso(nowMs + lease),
        attempts: 1,
        deliveredTo: [],
      };
      return g;
    });
    if (missing && indexVersion !== undefined) await this.retireIndex(groupId, indexVersion, now);
    if (abandoned) {
      const a = abandoned;
      return {
        abandoned: {
          notificationId: a.notification.id,
          groupKey: a.notification.groupKey,
          errors: [{ target: '(all)', error: `gave up after ${a.attempts} attempts: ${a.lastError ?? ''}` }],
        },
      };
    }
    if (!claimed?.outbox) return busy ? { busy } : suppressed ? { suppressed } : {};
    const outbox = claimed.outbox;
    const notification = outbox.notification;
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.deliver(notification, outbox.deliveredTo);
    } catch (error) {
      outcome = { delivered: [], failed: [{ target: '(delivery)', error: (error as Error).message }] };
    }
    const complete = outcome.failed.length === 0;
    await this.mutate(groupId, now, async (g) => {
      if (!g || g.outbox?.notification.id !== notification.id) return undefined;
      if (complete) {
        this.confirm(g, notification, now);
        return g;
      }
      g.outbox = {
        ...g.outbox,
        deliveredTo: [...new Set([...g.outbox.deliveredTo, ...outcome.delivered])],
        // Released: the next flush retries at once (the sender already honoured rate limits and Retry-After).
        leaseUntil: now.toISOString(),
        lastError: outcome.failed
          .map((f) => `${f.target}: ${f.error}`)
          .join('; ')
          .slice(0, 1000),
      };
      return g;
    });
    if (complete) return { sent: notification };
    return {
      failed: { notificationId: notification.id, groupKey: notification.groupKey, errors: outcome.failed },
    };
  }

  /** Applies a delivered notification to the group (in place). */
  private confirm(g: AlertGroup, n: AlertNotification, now: Date): void {
    const nowIso = now.toISOString();
    for (const f of n.firing) {
      const e = g.alerts[f.fingerprint];
      if (e) e.notified = 'firing';
    }
    for (const r of n.resolved) {
      const e = g.alerts[r.fingerprint];
      if (!e) continue;
      if (e.status === 'resolved') this.bury(g, r.fingerprint, nowIso);
      else e.notified = 'resolved';
    }
    delete g.outbox;
  }

  /** Marks an index entry whose group is gone as retired (conditionally: a receive that re-created it wins). */
  private async retireIndex(groupId: string, version: number, now: Date): Promise<void> {
    // Only over the entry the flush listed: one written since (a re-created group) stays.
    await casItem<GroupIndexEntry, void>(
      this.store,
      indexKey(groupId),
      (current) =>
        current && current.version === version && !current.value.retired
          ? { write: { ...current.value, retired: true, touchedAt: now.toISOString() }, result: undefined }
          : { keep: undefined },
      { expiresAt: epochSeconds(now.getTime() + HOUR) },
    );
  }
}
