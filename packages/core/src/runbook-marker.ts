import { casItem, type KeyValueStore } from './kv';

/** A runbook (reboot, resize, rotation…) in progress for a broker: alerts and the state watcher hold off. */
export interface RunbookMarker {
  /** The runbook's name, e.g. `safe-reboot`, `resize`. */
  name: string;
  startedAt: string;
  /** ISO time after which the marker no longer counts (a runbook that died does not silence a broker forever). */
  until: string;
}

const key = (brokerId: string) => `runbook#${brokerId}`;

/** Records that `name` runs for the broker until `until`. */
export async function markRunbook(
  store: KeyValueStore,
  brokerId: string,
  name: string,
  now: Date,
  until: Date,
): Promise<void> {
  const marker: RunbookMarker = { name, startedAt: now.toISOString(), until: until.toISOString() };
  await casItem<RunbookMarker, void>(store, key(brokerId), () => ({ write: marker, result: undefined }), {
    expiresAt: Math.ceil(until.getTime() / 1000),
  });
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
  return marker && Date.parse(marker.until) > now.getTime() ? marker : undefined;
}
