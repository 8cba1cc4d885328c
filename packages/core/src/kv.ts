import { type CasCell, type CasDecision, compareAndSwap } from './cas';

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

/** One item of the store as a compare-and-swap cell (cas.ts); `expiresAt` (epoch seconds) goes with each write. */
export function kvCell<T>(
  store: KeyValueStore,
  key: string,
  expiresAt?: number | ((value: T) => number | undefined),
): CasCell<T, number> {
  return {
    read: () => store.get<T>(key),
    write: (value, expected) => {
      const expires = typeof expiresAt === 'function' ? expiresAt(value) : expiresAt;
      return store.put(key, value, {
        expectedVersion: expected ?? 0,
        ...(expires !== undefined ? { expiresAt: expires } : {}),
      });
    },
  };
}

/**
 * Reads one item, lets `decide` choose what to write from it (or to keep it), and writes it conditionally, reading
 * and deciding again when another writer got there first (compareAndSwap, under the one retry policy).
 * @throws ConcurrentWriteError when other writers won every round.
 */
export function casItem<T, R>(
  store: KeyValueStore,
  key: string,
  decide: (
    current: Versioned<T> | undefined,
    round: number,
  ) => CasDecision<T, R> | Promise<CasDecision<T, R>>,
  options: {
    expiresAt?: number | ((value: T) => number | undefined);
    initial?: Versioned<T> | undefined;
  } = {},
): Promise<R> {
  return compareAndSwap(
    kvCell<T>(store, key, options.expiresAt),
    (current, round) => decide(current as Versioned<T> | undefined, round),
    { what: key, ...('initial' in options ? { initial: options.initial } : {}) },
  );
}

/**
 * Reads, changes and writes one item, retrying when another writer got there first.
 * @returns the value written.
 * @throws ConcurrentWriteError when other writers won every round.
 */
export function update<T>(
  store: KeyValueStore,
  key: string,
  change: (current: T | undefined) => T,
  options: { expiresAt?: number } = {},
): Promise<T> {
  return casItem<T, T>(
    store,
    key,
    (current) => {
      const next = change(current?.value);
      return { write: next, result: next };
    },
    options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : {},
  );
}
