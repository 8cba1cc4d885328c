/**
 * Runs `fn` over `items` with at most `limit` calls in flight; results in the items' order. (Its own module so that
 * functions using it do not load the audit and its checks.)
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/**
 * The promise `cache` holds for `key`, made by `make` on the first ask: concurrent and later asks share it. A
 * rejected one is dropped, so the next ask tries again instead of remembering the failure.
 */
export function cachedUntilFailure<K, V>(
  cache: Map<K, Promise<V>>,
  key: K,
  make: () => Promise<V>,
): Promise<V> {
  let answer = cache.get(key);
  if (!answer) {
    answer = make();
    cache.set(key, answer);
    answer.catch(() => {
      if (cache.get(key) === answer) cache.delete(key);
    });
  }
  return answer;
}
