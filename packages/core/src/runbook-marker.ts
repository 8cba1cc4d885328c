import { casItem, type KeyValueStore } from './kv';

/** A runbook (reboot, resize, rotation…) in progress for a broker: alerts and the state watcher hold off. */
export interface RunbookMarker {
  /** The runbook's name, e.g. `safe-reboot`, `resize`. */
  name: string;
  startedAt: string;
  /** ISO time after which the marker no longer counts (a runbook that died does not silence a broker forever). */
  until: string;
}

/**
 * What {@link markRunbook} did: `marked` (the marker was written: the runbook holds the broker), or refused because
 * another runbook's marker is active on it (`holder`; nothing was written).
 */
export type MarkOutcome = { marked: true; marker: RunbookMarker } | { marked: false; holder: RunbookMarker };

const key = (brokerId: string) => `runbook#${brokerId}`;

const isActive = (marker: RunbookMarker | undefined, now: Date): marker is RunbookMarker =>
  marker !== undefined && Date.parse(marker.until) > now.getTime();

/**
 * Takes the broker for runbook `name` until `until`: the marker is written unless a marker of a *different* runbook
 * is active at `now` (one of the same runbook is replaced: its start and end move). The check and the write are one
 * compare-and-swap, so of two runbooks taking a broker at once exactly one gets it; a runbook refused here must not
 * act on the broker. Refusal is a result, not an error: it is an ordinary outcome of a race.
 * @returns whether the marker was written, with it, or the other runbook's marker that refused it.
 * @throws ConcurrentWriteError when other writers won every round of the retry policy (nothing was written).
 * @example
 * const taken = await markRunbook(store, broker.id, 'safe-reboot', now, until);
 * if (!taken.marked) return refused(`runbook ${taken.holder.name} holds the broker`);
 */
export async function markRunbook(
  store: KeyValueStore,
  brokerId: string,
  name: string,
  now: Date,
  until: Date,
): Promise<MarkOutcome> {
  const marker: RunbookMarker = { name, startedAt: now.toISOString(), until: until.toISOString() };
  return casItem<RunbookMarker, MarkOutcome>(
    store,
    key(brokerId),
    (current) => {
      const held = current?.value;
      return isActive(held, now) && held.name !== name
        ? { keep: { marked: false, holder: held } }
        : { write: marker, result: { marked: true, marker } };
    },
    { expiresAt: Math.ceil(until.getTime() / 1000) },
  );
}

/** Clears the broker's runbook marker (the runbook ended). */
export async function clearRunbook(store: KeyValueStore, brokerId: string): Promise<void> {
  await store.delete(key(brokerId));
}

/** The runbook running for the broker at `now`, if any. */
export async function activeRunbook(
  store: KeyValueStore,
  brokerId: string,
  now: Date,
): Promise<RunbookMarker | undefined> {
  const marker = (await store.get<RunbookMarker>(key(brokerId)))?.value;
  return isActive(marker, now) ? marker : undefined;
}
