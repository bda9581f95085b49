export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs fn over every item with at most `limit` in flight, in item order. The first `limit`
 * calls start synchronously, before this function returns its promise, so ssh processes
 * spawn at once. A call that throws is recorded for its own item and never stops or delays
 * another one.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<Settled<R>[]> {
  if (!(limit >= 1)) throw new RangeError(`limit must be at least 1, not ${limit}`);
  const results: Settled<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { ok: true, value: await fn(items[i]!, i) };
      } catch (error) {
        results[i] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
