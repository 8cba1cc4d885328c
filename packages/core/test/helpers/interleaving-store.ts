import { MemoryKeyValueStore } from '../../src/kv';

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so that a failing interleaving can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Yields up to `max - 1` turns of the event loop's microtask queue (a seeded random number of them). */
export async function yieldTurns(random: () => number, max: number): Promise<void> {
  for (let i = Math.floor(random() * max); i > 0; i--) await Promise.resolve();
}

/**
 * The store in memory, each call first yielding a (seeded) random number of turns, so that concurrent writers
 * interleave differently from one seed to the next (each write itself stays atomic, as in DynamoDB).
 */
export class InterleavingStore extends MemoryKeyValueStore {
  constructor(
    private readonly random: () => number,
    private readonly maxTurns = 4,
  ) {
    super();
  }

  override async get<T>(key: string) {
    await yieldTurns(this.random, this.maxTurns);
    return super.get<T>(key);
  }

  override async put<T>(key: string, value: T, options?: { expectedVersion?: number; expiresAt?: number }) {
    await yieldTurns(this.random, this.maxTurns);
    return super.put(key, value, options);
  }

  override async list<T>(prefix: string) {
    await yieldTurns(this.random, this.maxTurns);
    return super.list<T>(prefix);
  }
}
