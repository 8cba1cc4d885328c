import { describe, expect, it } from 'vitest';
import { cachedUntilFailure, mapBounded } from '../../src/concurrency';

describe('Function: mapBounded', () => {
  it('keeps the order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapBounded([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});

describe('Function: cachedUntilFailure', () => {
  it('makes the value once for concurrent and later asks', async () => {
    const cache = new Map<string, Promise<number>>();
    let made = 0;
    const make = async () => ++made;
    const [a, b] = await Promise.all([
      cachedUntilFailure(cache, 'k', make),
      cachedUntilFailure(cache, 'k', make),
    ]);
    expect([a, b, await cachedUntilFailure(cache, 'k', make)]).toEqual([1, 1, 1]);
    expect(made).toBe(1);
  });

  it('forgets a failure, so the next ask tries again', async () => {
    const cache = new Map<string, Promise<string>>();
    let calls = 0;
    const make = async () => {
      calls++;
      if (calls === 1) throw new Error('throttled');
      return 'ok';
    };
    await expect(cachedUntilFailure(cache, 'k', make)).rejects.toThrow('throttled');
    await Promise.resolve();
    expect(cache.has('k')).toBe(false);
    expect(await cachedUntilFailure(cache, 'k', make)).toBe('ok');
    expect(calls).toBe(2);
  });
});
