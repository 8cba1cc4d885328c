/**
 * Maintenance awareness: every broker's pending changes and next maintenance window, and an "upcoming maintenance"
 * notice ahead of each window that will apply something.
 *
 * Amazon MQ applies a broker's pending changes (instance type, engine version, security groups, configuration
 * revision, logs, authentication, ActiveMQ users) at its next reboot; "the next scheduled maintenance window triggers
 * a reboot" (Amazon MQ developer guide, configuration lifecycle), so a window with pending changes restarts the
 * broker onto them, whoever made them.
 */

import { describeFleet } from '../fleet';
import type { KeyValueStore } from '../kv';
import {
  lastWindowStart,
  MAINTENANCE_WINDOW_HOURS,
  nextWindowStart,
  zoneOffsetMinutes,
} from '../maintenance-window';
import type { Broker } from '../model';
import { type Notice, type NoticeSink, postNotice } from '../notices';
import { type JobOutcome, outcomeOf } from '../outcome';
import type { BrokerInventory } from '../ports';

/** What a pending change is to. */
export const PENDING_FIELDS = [
  'instanceType',
  'engineVersion',
  'securityGroups',
  'configuration',
  'logs',
  'authenticationStrategy',
  'users',
] as const;
export type PendingField = (typeof PENDING_FIELDS)[number];

/** One change waiting for the broker's next reboot. */
export interface PendingChange {
  field: PendingField;
  /** What runs now, when known. */
  from?: string;
  /** What the reboot brings. */
  to: string;
  /** In words: `instance type mq.m5.large → mq.m5.xlarge`. */
  text: string;
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');

const onOff = (v: boolean | undefined) => (v === undefined ? 'unchanged' : v ? 'on' : 'off');

/**
 * The broker's pending changes, leaving out "pending" values equal to what runs (the API can echo the current
 * value, e.g. a configuration's Pending revision equal to Current).
 */
export function pendingChanges(broker: Broker): PendingChange[] {
  const out: PendingChange[] = [];
  const p = broker.pending;
  const push = (field: PendingField, from: string | undefined, to: string, label: string) =>
    out.push({ field, ...(from !== undefined ? { from } : {}), to, text: `${label} ${from ?? '?'} → ${to}` });
  if (p.instanceType && p.instanceType.toLowerCase() !== broker.instanceType.toLowerCase())
    push('instanceType', broker.instanceType, p.instanceType, 'instance type');
  if (p.engineVersion && p.engineVersion !== broker.engineVersion)
    push('engineVersion', broker.engineVersion, p.engineVersion, 'engine version');
  if (p.securityGroups && !sameSet(p.securityGroups, broker.securityGroups))
    push('securityGroups', broker.securityGroups.join(', '), p.securityGroups.join(', '), 'security groups');
  if (
    p.configuration &&
    (p.configuration.id !== broker.configuration?.id ||
      p.configuration.revision !== broker.configuration.revision)
  )
    push(
      'configuration',
      broker.configuration
        ? `${broker.configuration.id} revision ${broker.configuration.revision}`
        : undefined,
      `${p.configuration.id} revision ${p.configuration.revision}`,
      'configuration',
    );
  if (
    p.logs &&
    ((p.logs.general !== undefined && p.logs.general !== broker.logs.general) ||
      (p.logs.audit !== undefined && p.logs.audit !== broker.logs.audit))
  )
    push(
      'logs',
      `general ${onOff(broker.logs.general)}, audit ${onOff(broker.logs.audit)}`,
      `general ${onOff(p.logs.general)}, audit ${onOff(p.logs.audit)}`,
      'logs',
    );
  if (p.authenticationStrategy && p.authenticationStrategy !== broker.authenticationStrategy)
    push('authenticationStrategy', broker.authenticationStrategy, p.authenticationStrategy, 'authentication');
  const users = broker.users.filter((u) => u.pendingChange !== undefined);
  if (users.length)
    out.push({
      field: 'users',
      to: users.map((u) => `${u.username} (${u.pendingChange})`).join(', '),
      text: `users ${users.map((u) => `${u.username} (${u.pendingChange})`).join(', ')}`,
    });
  return out;
}

/** An instant as ISO 8601 in the zone's local time with its offset, e.g. `2026-11-29T04:00+01:00`. */
export function localIso(instant: Date, timeZone: string | undefined): string | undefined {
  const offset = zoneOffsetMinutes(timeZone, instant);
  if (offset === undefined) return undefined;
  const local = new Date(instant.getTime() + offset * 60_000).toISOString().slice(0, 16);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** A window occurrence, in UTC and in the broker's zone. */
export interface WindowOccurrence {
  startUtc: string;
  endUtc: string;
  /** In the window's zone, with its offset. */
  startLocal: string;
  timeZone: string;
}

/** One broker's line of the maintenance report. */
export interface MaintenanceEntry {
  brokerId: string;
  brokerName: string;
  region: string;
  state: string;
  /** `SUNDAY 03:00 Europe/Berlin`, when the broker has a window. */
  window?: string;
  /** The window going on now, if any. */
  current?: WindowOccurrence;
  next?: WindowOccurrence;
  pending: PendingChange[];
  /** True when the next window (or the current one) will reboot the broker onto pending changes. */
  willApply: boolean;
  /** Why the window could not be read, when it could not. */
  problem?: string;
}

function occurrence(start: Date, timeZone: string): WindowOccurrence {
  return {
    startUtc: start.toISOString(),
    endUtc: new Date(start.getTime() + MAINTENANCE_WINDOW_HOURS * 3_600_000).toISOString(),
    startLocal: localIso(start, timeZone) ?? start.toISOString(),
    timeZone,
  };
}

/**
 * The maintenance report: for each broker, its pending changes and its next maintenance window (and the current
 * one while it runs), sorted by next window.
 */
export function maintenanceReport(brokers: readonly Broker[], now: Date): MaintenanceEntry[] {
  const entries = brokers.map((broker): MaintenanceEntry => {
    const pending = pendingChanges(broker);
    const entry: MaintenanceEntry = {
      brokerId: broker.id,
      brokerName: broker.name,
      region: broker.region,
      state: broker.state,
      pending,
      willApply: false,
    };
    const w = broker.maintenanceWindow;
    if (!w) {
      entry.problem = 'no maintenance window reported';
      return entry;
    }
    const timeZone = w.timeZone?.trim() || 'UTC';
    entry.window = `${w.dayOfWeek.toUpperCase()} ${w.timeOfDay} ${timeZone}`;
    const next = nextWindowStart(w, now);
    if (!next) {
      entry.problem = `maintenance window ${entry.window} cannot be read`;
      return entry;
    }
    entry.next = occurrence(next, timeZone);
    const last = lastWindowStart(w, now);
    if (last && now.getTime() < last.getTime() + MAINTENANCE_WINDOW_HOURS * 3_600_000)
      entry.current = occurrence(last, timeZone);
    entry.willApply = pending.length > 0;
    return entry;
  });
  return entries.sort(
    (a, b) =>
      (a.next?.startUtc ?? '9999').localeCompare(b.next?.startUtc ?? '9999') ||
      a.brokerName.localeCompare(b.brokerName),
  );
}

/**
 * One `maintenance` notice per broker whose next window starts within `leadHours` of `now` and will apply pending
 * changes. The dedupe key is the broker and the window's start, so each window is announced once whatever the
 * schedule.
 *
 * @example
 * for (const notice of upcomingNotices(brokers, now, 24)) await postNotice(sinks, notice, { store, now: () => now });
 */
export function upcomingNotices(brokers: readonly Broker[], now: Date, leadHours: number): Notice[] {
  const horizon = now.getTime() + leadHours * 3_600_000;
  const notices: Notice[] = [];
  for (const entry of maintenanceReport(brokers, now)) {
    if (!entry.willApply || !entry.next || Date.parse(entry.next.startUtc) > horizon) continue;
    const { next } = entry;
    const hours = Math.max(0, (Date.parse(next.startUtc) - now.getTime()) / 3_600_000);
    const reboots =
      entry.pending.length === 1 ? 'a pending change' : `${entry.pending.length} pending changes`;
    notices.push({
      kind: 'maintenance',
      level: entry.pending.some((c) => c.field === 'instanceType' || c.field === 'engineVersion')
        ? 'warning'
        : 'info',
      title: `Maintenance window of broker ${entry.brokerName} will apply ${reboots}`,
      text:
        `The maintenance window of broker ${entry.brokerName} starts ${next.startLocal} (${next.timeZone}), ` +
        `${next.startUtc} UTC, in about ${hours < 1 ? 'less than an hour' : `${Math.round(hours)} h`}. ` +
        `It reboots the broker and applies: ${entry.pending.map((c) => c.text).join('; ')}. ` +
        'Reboot the broker earlier at a time of your choosing, or revert the change, to avoid it.',
      fields: {
        window: entry.window ?? '',
        starts: `${next.startLocal} (${next.startUtc} UTC)`,
        pending: entry.pending.map((c) => c.field).join(', '),
      },
      broker: { id: entry.brokerId, name: entry.brokerName, region: entry.region },
      key: `maintenance:${entry.brokerId}:${next.startUtc}`,
    });
  }
  return notices;
}

/** Ports of {@link announceUpcomingMaintenance}. */
export interface UpcomingMaintenanceDeps {
  inventory: BrokerInventory;
  /** Where sent notices are remembered (one per broker and window). */
  store: KeyValueStore;
  sinks: readonly NoticeSink[];
  now: Date;
  leadHours: number;
  /** The account and region (`self/eu-west-1`), as the outcome's gaps name it. Default `self`. */
  target?: string;
}

/** What {@link announceUpcomingMaintenance} did. */
export interface UpcomingMaintenanceRun {
  /** Brokers read. */
  brokers: number;
  /** Titles of the notices sent (to at least one channel). */
  sent: string[];
  /** Channels that did not take a notice. */
  failed: { notice: string; channel: string; error: string }[];
  /**
   * Complete when every broker was read and every notice delivered; partial with a gap per broker not described and
   * per notice a channel did not take; failed when the brokers could not be listed (or none could be described).
   */
  outcome: JobOutcome;
}

/**
 * The scheduled run: reads every broker and sends an "upcoming maintenance" notice for each window within
 * `leadHours` that will apply pending changes, once per broker and window. Never throws for an AWS error: what it
 * could not cover is in `outcome`.
 */
export async function announceUpcomingMaintenance(
  deps: UpcomingMaintenanceDeps,
): Promise<UpcomingMaintenanceRun> {
  const target = deps.target ?? 'self';
  const fleet = await describeFleet(deps.inventory, { target });
  const gaps = [...fleet.outcome.gaps];
  const sent: string[] = [];
  const failed: UpcomingMaintenanceRun['failed'] = [];
  for (const notice of upcomingNotices(fleet.brokers, deps.now, deps.leadHours)) {
    const posted = await postNotice(deps.sinks, notice, { store: deps.store, now: () => deps.now });
    if (posted.sent.length) sent.push(notice.title);
    for (const f of posted.failed) {
      failed.push({ notice: notice.title, ...f });
      gaps.push({
        target,
        ...(notice.broker ? { broker: notice.broker.name ?? notice.broker.id } : {}),
        check: 'maintenance notice',
        reason: `not delivered to ${f.channel}: ${f.error}`,
      });
    }
  }
  return {
    brokers: fleet.brokers.length,
    sent,
    failed,
    outcome: outcomeOf(fleet.outcome.covered, gaps, fleet.outcome.status === 'failed'),
  };
}
