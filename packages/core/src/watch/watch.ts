import { ConcurrentWriteError } from '../cas';
import { mapBounded } from '../concurrency';
import { casItem, type Versioned } from '../kv';
import type { WeeklyWindow } from '../maintenance-window';
import { type CoverageGap, outcomeOf } from '../outcome';
import { activeRunbook, type RunbookMarker } from '../runbook-marker';
import {
  type Decision,
  decide,
  decideGone,
  isTombstone,
  needsDescribe,
  needsRebootContext,
} from './transitions';
import type { AlertChannel, BrokerSummary, PendingAlert, WatchDeps, WatchRecord, WatchResult } from './types';

/** Store keys of the watcher: `watch#<brokerId>`. */
export const WATCH_KEY_PREFIX = 'watch#';
export const watchKey = (brokerId: string): string => `${WATCH_KEY_PREFIX}${brokerId}`;

/** Defaults of {@link WatchDeps}. */
export const WATCH_DEFAULTS = {
  windowGraceMs: 15 * 60_000,
  deliveryLeaseMs: 5 * 60_000,
  tombstoneTtlMs: 7 * 86_400_000,
  /** Brokers worked on at once (DescribeBroker and store calls). */
  concurrency: 4,
  /** Undelivered alerts kept per broker (the oldest are dropped beyond it). */
  outboxLimit: 20,
} as const;

const message = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** A record's outbox entries that no poll owns: never claimed, or their claim lapsed. */
const claimable = (entry: PendingAlert, now: Date) =>
  entry.claimedUntil === undefined || Date.parse(entry.claimedUntil) <= now.getTime();

/** A write this poll made that left alerts for it to deliver. */
interface Claim {
  key: string;
  record: WatchRecord;
  version: number;
  expiresAt?: number;
  ids: Set<string>;
}

/**
 * One poll of the broker state watcher: reads ListBrokers (one call per page), compares each broker with what the
 * store remembers (`watch#<brokerId>`), describes only the brokers that need it (CRITICAL_ACTION_REQUIRED, or a
 * reboot just started), records each change with a conditional write and raises an alert only when that write
 * won — so overlapping polls alert once. Alerts go through an outbox in the record: delivered right after the
 * write, retried by later polls for the channels that failed.
 *
 * Disappearances are judged only after a complete listing. Nothing is written for a broker whose state did not
 * change: a quiet fleet costs the ListBrokers pages and one store query. What the poll could not cover (pages not
 * listed, brokers left undecided, alerts not delivered) is in `outcome`; it never throws for an AWS error.
 *
 * @example
 * const result = await watchBrokers({ inventory, store, now: new Date(), channels: [slack, sns] });
 * result.alerts.map((a) => a.summary);
 */
export async function watchBrokers(deps: WatchDeps): Promise<WatchResult> {
  const { inventory, store, now } = deps;
  const graceMs = deps.windowGraceMs ?? WATCH_DEFAULTS.windowGraceMs;
  const leaseMs = deps.deliveryLeaseMs ?? WATCH_DEFAULTS.deliveryLeaseMs;
  const ttlMs = deps.tombstoneTtlMs ?? WATCH_DEFAULTS.tombstoneTtlMs;
  const channels = deps.channels ?? [];
  const runbooks = deps.runbooks ?? ((id: string, at: Date) => activeRunbook(store, id, at));
  const claimedUntil = new Date(now.getTime() + leaseMs).toISOString();
  const target = deps.target ?? `self/${deps.region ?? 'default'}`;
  const result: WatchResult = {
    complete: true,
    pages: 0,
    brokers: 0,
    described: 0,
    transitions: [],
    alerts: [],
    delivered: [],
    undelivered: [],
    errors: [],
    outcome: outcomeOf(0, []),
  };
  const gaps: CoverageGap[] = [];
  /** Brokers (by id) this poll left undecided: the next poll decides them. */
  const undecided = new Map<string, string>();
  const leaveUndecided = (brokerId: string, name: string | undefined, reason: string) => {
    result.errors.push({ brokerId, message: reason });
    if (!undecided.has(brokerId))
      gaps.push({ target, broker: name ?? brokerId, reason: `not watched: ${reason}` });
    undecided.set(brokerId, reason);
  };

  const remembered = new Map<string, Versioned<WatchRecord>>();
  try {
    for (const { key, item } of await store.list<WatchRecord>(WATCH_KEY_PREFIX))
      remembered.set(key.slice(WATCH_KEY_PREFIX.length), item);
  } catch (error) {
    // Without what the last polls saw every change would be missed or alerted again: watch nothing.
    const reason = `the remembered broker states could not be read: ${message(error)}`;
    result.complete = false;
    result.errors.push({ message: reason });
    result.outcome = outcomeOf(0, [{ target, reason: `not watched: ${reason}` }], true);
    return result;
  }

  const listed = new Map<string, BrokerSummary>();
  try {
    for await (const page of inventory.pages()) {
      result.pages++;
      for (const summary of page) listed.set(summary.id, summary);
    }
  } catch (error) {
    result.complete = false;
    const reason = `ListBrokers failed after ${result.pages} page(s): ${message(error)}`;
    result.errors.push({ message: reason });
    gaps.push({
      target,
      reason: `${listed.size ? `brokers past page ${result.pages} not watched` : 'not watched'}, disappearances not judged: ${reason}`,
    });
  }
  result.brokers = listed.size;

  /** The record to write: the decision's (with its alert queued) or the old one, claiming lapsed alerts. */
  const toWrite = (
    previous: WatchRecord | undefined,
    decision: Decision,
  ): { record: WatchRecord; ids: Set<string> } | undefined => {
    const base = decision.record ?? previous;
    if (!base) return undefined;
    const ids = new Set<string>();
    const outbox = base.outbox.map((entry) => {
      if (!claimable(entry, now)) return entry;
      ids.add(entry.alert.id);
      return { ...entry, claimedUntil };
    });
    if (decision.alert && channels.length > 0) {
      outbox.push({
        alert: decision.alert,
        pending: channels.map((c) => c.channel),
        attempts: 0,
        claimedUntil,
      });
      ids.add(decision.alert.id);
    }
    const dropped = outbox.splice(0, Math.max(0, outbox.length - WATCH_DEFAULTS.outboxLimit));
    for (const entry of dropped) {
      ids.delete(entry.alert.id);
      result.errors.push({
        brokerId: base.broker.id,
        message: `alert ${entry.alert.id} dropped undelivered: more than ${WATCH_DEFAULTS.outboxLimit} waiting`,
      });
    }
    if (!decision.record && ids.size === 0) return undefined;
    return { record: { ...base, outbox }, ids };
  };

  const claims: Claim[] = [];
  /** Broker names, for the gaps: the listing's, else what the store remembers. */
  const names = new Map<string, string>([
    ...[...remembered.entries()].map(([id, item]): [string, string] => [id, item.value.broker.name]),
    ...[...listed.values()].map((s): [string, string] => [s.id, s.name]),
  ]);

  /** Decides and writes one broker's record, re-reading and deciding again when another poll wrote first. */
  const settle = async (
    brokerId: string,
    current: Versioned<WatchRecord> | undefined,
    decideFor: (previous: WatchRecord | undefined) => Promise<Decision | undefined>,
  ): Promise<void> => {
    const key = watchKey(brokerId);
    let expiresAt: number | undefined;
    let settled: { decision: Decision; write: { record: WatchRecord; ids: Set<string> }; version: number };
    try {
      const done = await casItem<WatchRecord, typeof settled | undefined>(
        store,
        key,
        async (item) => {
          // Another poll wrote first (a later round): decide again on what it wrote (usually: nothing to say).
          const previous = item?.value;
          const decision = await decideFor(previous);
          if (!decision) return { keep: undefined };
          const write = toWrite(previous, decision);
          if (!write) return { keep: undefined };
          expiresAt = isTombstone(write.record)
            ? decision.record
              ? Math.ceil((now.getTime() + ttlMs) / 1000)
              : item?.expiresAt
            : undefined;
          return { write: write.record, result: { decision, write, version: (item?.version ?? 0) + 1 } };
        },
        { initial: current, expiresAt: () => expiresAt },
      );
      if (!done) return;
      settled = done;
    } catch (error) {
      leaveUndecided(
        brokerId,
        names.get(brokerId),
        error instanceof ConcurrentWriteError
          ? 'gave up after repeated concurrent writes; the next poll retries'
          : `could not record the state: ${message(error)}`,
      );
      return;
    }
    const { decision, write, version } = settled;
    if (decision.transition) result.transitions.push(decision.transition);
    if (decision.alert) result.alerts.push(decision.alert);
    if (write.ids.size > 0)
      claims.push({
        key,
        record: write.record,
        version,
        ...(expiresAt !== undefined ? { expiresAt } : {}),
        ids: write.ids,
      });
  };

  const watchListed = async (listedSummary: BrokerSummary): Promise<void> => {
    let summary = listedSummary;
    let detail: { codes: string[]; maintenanceWindow?: WeeklyWindow } | undefined;
    let runbook: { marker?: RunbookMarker } | undefined;
    await settle(summary.id, remembered.get(summary.id), async (previous) => {
      if (!detail && needsDescribe(previous, summary)) {
        try {
          const broker = await inventory.describe(summary.id);
          result.described++;
          detail = {
            codes: broker.actionsRequired,
            ...(broker.maintenanceWindow ? { maintenanceWindow: broker.maintenanceWindow } : {}),
          };
          // DescribeBroker is the fresher answer when the state moved on since the listing.
          if (broker.state !== summary.state) summary = { ...summary, state: broker.state };
        } catch (error) {
          leaveUndecided(summary.id, summary.name, `DescribeBroker failed: ${message(error)}`);
          return undefined; // Decided by the next poll, with the codes or the window it needs.
        }
      }
      if (!runbook && needsRebootContext(previous, summary)) {
        try {
          const marker = await runbooks(summary.id, now);
          runbook = marker ? { marker } : {};
        } catch (error) {
          leaveUndecided(summary.id, summary.name, `runbook lookup failed: ${message(error)}`);
          return undefined;
        }
      }
      return decide(
        previous,
        {
          summary,
          ...(detail ? { detail } : {}),
          ...(runbook?.marker ? { runbook: runbook.marker } : {}),
          ...(deps.region ? { region: deps.region } : {}),
        },
        now,
        { windowGraceMs: graceMs },
      );
    });
  };

  const watchMissing = async (brokerId: string, item: Versioned<WatchRecord>): Promise<void> => {
    const region = item.value.broker.region;
    const judged = result.complete && (!deps.region || !region || region === deps.region);
    await settle(brokerId, item, async (previous) =>
      previous && judged && !listed.has(brokerId) ? decideGone(previous, now) : {},
    );
  };

  const work: (() => Promise<void>)[] = [
    ...[...listed.values()].map((summary) => () => watchListed(summary)),
    ...[...remembered.entries()]
      .filter(([id]) => !listed.has(id))
      .map(
        ([id, item]) =>
          () =>
            watchMissing(id, item),
      ),
  ];
  await mapBounded(work, WATCH_DEFAULTS.concurrency, (job) => job());

  // Delivery: one alert after another (Slack allows about one message per second per channel).
  claims.sort((a, b) => a.record.broker.name.localeCompare(b.record.broker.name));
  for (const claim of claims) await deliver(claim, channels, store, result);
  for (const left of result.undelivered)
    gaps.push({
      target,
      broker: left.alert.broker.name,
      check: `${left.alert.kind} alert`,
      reason: `not delivered to ${left.pending.join(', ')} (retried by the next poll): ${left.error}`,
    });
  // Covered: the brokers listed, and after a complete listing those remembered but not listed (judged gone), that
  // this poll decided. Failed when not even the first page could be listed.
  const ours = result.complete
    ? [...remembered.entries()]
        .filter(
          ([, item]) => !deps.region || !item.value.broker.region || item.value.broker.region === deps.region,
        )
        .map(([id]) => id)
    : [];
  const decided = [...new Set([...listed.keys(), ...ours])].filter((id) => !undecided.has(id));
  result.outcome = outcomeOf(decided.length, gaps, result.pages === 0 && !result.complete);
  return result;
}

/** Delivers a claim's alerts to their pending channels, then records what is left (releasing the claim). */
async function deliver(
  claim: Claim,
  channels: readonly AlertChannel[],
  store: WatchDeps['store'],
  result: WatchResult,
): Promise<void> {
  const outcome = new Map<string, { done: string[]; error?: string }>();
  for (const entry of claim.record.outbox) {
    if (!claim.ids.has(entry.alert.id)) continue;
    const done: string[] = [];
    const errors: string[] = [];
    for (const name of entry.pending) {
      const channel = channels.find((c) => c.channel === name);
      if (!channel) {
        done.push(name); // A channel no longer configured: nobody left to tell there.
        result.errors.push({
          brokerId: claim.record.broker.id,
          message: `alert ${entry.alert.id}: channel ${name} is not configured any more`,
        });
        continue;
      }
      try {
        await channel.send(entry.alert);
        done.push(name);
      } catch (error) {
        errors.push(`${name}: ${message(error)}`);
      }
    }
    const pending = entry.pending.filter((name) => !done.includes(name));
    if (pending.length === 0) result.delivered.push(entry.alert);
    else result.undelivered.push({ alert: entry.alert, pending, error: errors.join('; ') });
    outcome.set(entry.alert.id, { done, ...(errors.length ? { error: errors.join('; ') } : {}) });
  }

  // What is left: written over the claim (or over what another poll wrote since, recomputed from it).
  let expiresAt = claim.expiresAt;
  try {
    await casItem<WatchRecord, void>(
      store,
      claim.key,
      (item) => {
        if (!item) return { keep: undefined };
        expiresAt = item.expiresAt;
        const outbox = item.value.outbox.flatMap((entry): PendingAlert[] => {
          const o = outcome.get(entry.alert.id);
          if (!o) return [entry];
          const pending = entry.pending.filter((name) => !o.done.includes(name));
          if (pending.length === 0) return [];
          const { claimedUntil: _released, ...rest } = entry;
          return [
            { ...rest, pending, attempts: entry.attempts + 1, ...(o.error ? { lastError: o.error } : {}) },
          ];
        });
        return { write: { ...item.value, outbox }, result: undefined };
      },
      {
        initial: {
          value: claim.record,
          version: claim.version,
          ...(expiresAt !== undefined ? { expiresAt } : {}),
        },
        expiresAt: () => expiresAt,
      },
    );
  } catch (error) {
    result.errors.push({
      brokerId: claim.record.broker.id,
      message:
        error instanceof ConcurrentWriteError
          ? 'could not record the delivery after repeated concurrent writes'
          : `could not record the delivery: ${message(error)}`,
    });
  }
}
