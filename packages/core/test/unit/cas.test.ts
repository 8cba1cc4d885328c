import { describe, expect, it } from 'vitest';
import { CAS_POLICY, type CasCell, ConcurrentWriteError, compareAndSwap, type Snapshot } from '../../src/cas';
import { casItem, MemoryKeyValueStore } from '../../src/kv';

/** A cell in memory whose writes can be made to lose `losses` times (another writer slipped in first). */
function cell<T>(initial?: T, losses = 0) {
  let saved: Snapshot<T, number> | undefined =
    initial === undefined ? undefined : { value: initial, version: 1 };
  let lose = losses;
  const log = { reads: 0, writes: 0, refused: 0 };
  const c: CasCell<T, number> & { log: typeof log; value: () => T | undefined } = {
    log,
    value: () => saved?.value,
    read: async () => {
      log.reads++;
      return saved && { ...saved };
    },
    write: async (value, expected) => {
      if (lose > 0) {
        lose--;
        // Another writer wrote first: the version moves on.
        saved = { value: (saved?.value ?? value) as T, version: (saved?.version ?? 0) + 1 };
        log.refused++;
        return false;
      }
      if ((saved?.version ?? undefined) !== expected) {
        log.refused++;
        return false;
      }
      saved = { value, version: (saved?.version ?? 0) + 1 };
      log.writes++;
      return true;
    },
  };
  return c;
}

const noWait = { sleep: async () => undefined };

describe('Function: compareAndSwap', () => {
  it('writes what the decision chose over the version it read', async () => {
    const c = cell(1);
    const result = await compareAndSwap(c, (s) => ({ write: (s?.value ?? 0) + 1, result: 'done' }), {
      what: 'n',
      ...noWait,
    });
    expect(result).toBe('done');
    expect(c.value()).toBe(2);
    expect(c.log).toEqual({ reads: 1, writes: 1, refused: 0 });
  });

  it('reads and decides again when another writer got there first', async () => {
    const c = cell(1, 2);
    const seen: number[] = [];
    await compareAndSwap(
      c,
      (s, round) => {
        seen.push(round);
        return { write: (s?.value ?? 0) + 10, result: undefined };
      },
      { what: 'n', ...noWait },
    );
    expect(seen).toEqual([0, 1, 2]);
    expect(c.log.reads).toBe(3);
    expect(c.log.writes).toBe(1);
  });

  it('writes nothing when the decision keeps the value', async () => {
    const c = cell(5);
    expect(await compareAndSwap(c, () => ({ keep: 'busy' }), { what: 'n', ...noWait })).toBe('busy');
    expect(c.log.writes + c.log.refused).toBe(0);
  });

  it('decides from a snapshot the caller gives (undefined: nothing saved) without reading first', async () => {
    const c = cell<number>();
    await compareAndSwap(c, (s) => ({ write: s === undefined ? 1 : 99, result: 0 }), {
      what: 'n',
      initial: undefined,
      ...noWait,
    });
    expect(c.log.reads).toBe(0);
    expect(c.value()).toBe(1);
  });

  it('gives up with ConcurrentWriteError after the policy’s rounds, backing off with jitter within bounds', async () => {
    const c = cell(1, 1000);
    const waits: number[] = [];
    const error = await compareAndSwap(c, (s) => ({ write: (s?.value ?? 0) + 1, result: 0 }), {
      what: 'the audit state',
      sleep: async (ms) => void waits.push(ms),
      random: () => 0.999,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentWriteError);
    expect((error as Error).message).toContain('the audit state');
    expect(c.log.refused).toBe(CAS_POLICY.attempts);
    expect(waits).toHaveLength(CAS_POLICY.attempts - 1);
    for (const [i, ms] of waits.entries())
      expect(ms).toBeLessThanOrEqual(Math.min(CAS_POLICY.maxDelayMs, CAS_POLICY.baseDelayMs * 2 ** i));
    expect(waits.at(-1)).toBeGreaterThan(waits[0] ?? 0);
  });

  it('serialises real concurrent writers: 20 increments at once all land (key-value store)', async () => {
    const store = new MemoryKeyValueStore();
    await Promise.all(
      Array.from({ length: 20 }, () =>
        casItem<number, void>(store, 'counter#1', (current) => ({
          write: (current?.value ?? 0) + 1,
          result: undefined,
        })),
      ),
    );
    expect((await store.get<number>('counter#1'))?.value).toBe(20);
  });
});
