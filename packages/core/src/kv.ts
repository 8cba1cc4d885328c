/**
 * A small key-value store with optimistic concurrency, for state that outlives one invocation (alert groups,
 * broker states, runbook markers). In AWS a DynamoDB table; locally and in tests, memory.
 */

/** A stored value and its version (1 for the first write; each write adds 1). */
export interface Versioned<T> {
  value: T;
  version: number;
  /** Epoch seconds after which the item may be dropped (DynamoDB TTL). */
  expiresAt?: number;
}

export interface KeyValueStore {
  get<T>(key: string): Promise<Versioned<T> | undefined>;
  /**
   * Writes `value` if the stored version is still `expectedVersion` (0 or undefined: only if absent).
   * @returns false when someone else wrote first (read again and retry), true when written.
   */
  put<T>(key: string, value: T, options?: { expectedVersion?: number; expiresAt?: number }): Promise<boolean>;
  delete(key: string): Promise<void>;
  /**
   * Every item whose key starts with `prefix`, which must hold a `#`: the part before the first `#` is a DynamoDB
   * partition (`alertindex#`, `capacityplan#`), so one Query lists them.
   */
  list<T>(prefix: string): Promise<{ key: string; item: Versioned<T> }[]>;
}

/** The store in memory (tests, the CLI, the local demo). */
export class MemoryKeyValueStore implements KeyValueStore {
  private readonly items = new Map<string, Versioned<unknown>>();

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const item = this.items.get(key);
    return item ? (structuredClone(item) as Versioned<T>) : undefined;
  }

  async put<T>(
    key: string,
    value: T,
    options: { expectedVersion?: number; expiresAt?: number } = {},
  ): Promise<boolean> {
    const current = this.items.get(key)?.version ?? 0;
    if (current !== (options.expectedVersion ?? 0)) return false;
    this.items.set(key, {
      value: structuredClone(value),
      version: current + 1,
      ...(options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : {}),
    });
    return true;
  }

  async delete(key: string): Promise<void> {
    this.items.delete(key);
  }

  async list<T>(prefix: string): Promise<{ key: string; item: Versioned<T> }[]> {
    return [...this.items.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, item]) => ({ key, item: structuredClone(item) as Versioned<T> }));
  }
}

/**
 * Reads, changes and writes one item, retrying when another writer got there first.
 * @returns the value written.
 */
export async function update<T>(
  store: KeyValueStore,
  key: string,
  change: (current: T | undefined) => T,
  options: { attempts?: number; expiresAt?: number } = {},
): Promise<T> {
  for (let attempt = 0; attempt < (options.attempts ?? 8); attempt++) {
    const current = await store.get<T>(key);
    const next = change(current?.value);
    const written = await store.put(key, next, {
      expectedVersion: current?.version ?? 0,
      ...(options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : {}),
    });
    if (written) return next;
  }
  throw new Error(`could not update ${key}: too many concurrent writers`);
}
