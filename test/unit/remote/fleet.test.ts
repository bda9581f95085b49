import { describe, expect, it } from 'vitest';
import { mapBounded } from '../../../src/remote/fleet.js';

const tick = (ms = 1): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('mapBounded', () => {
  it.each([1, 3, 16])('never has more than %i in flight, and keeps item order', async (limit) => {
    let inFlight = 0;
    let most = 0;
    const items = Array.from({ length: 20 }, (_, i) => i);
    const results = await mapBounded(items, limit, async (n) => {
      most = Math.max(most, ++inFlight);
      await tick((n * 7) % 5);
      inFlight--;
      return n * 2;
    });
    expect(most).toBe(Math.min(limit, items.length));
    expect(results).toEqual(items.map((n) => ({ ok: true, value: n * 2 })));
  });

  it('starts the first `limit` calls before it returns, so processes spawn at once', () => {
    const started: number[] = [];
    void mapBounded([1, 2, 3, 4], 3, async (n) => {
      started.push(n);
      await tick();
    });
    expect(started).toEqual([1, 2, 3]);
  });

  it('records a throwing item (sync or async) and runs every other one', async () => {
    const ran: number[] = [];
    const results = await mapBounded([0, 1, 2, 3, 4], 2, (n) => {
      if (n === 1) throw new Error('sync boom');
      return (async () => {
        await tick();
        if (n === 3) throw new Error('async boom');
        ran.push(n);
        return n;
      })();
    });
    expect(ran.sort()).toEqual([0, 2, 4]);
    expect(results.map((r) => (r.ok ? r.value : (r.error as Error).message))).toEqual([0, 'sync boom', 2, 'async boom', 4]);
  });

  it('handles no items, and refuses a bound below 1', async () => {
    expect(await mapBounded([], 4, async () => 1)).toEqual([]);
    await expect(mapBounded([1], 0, async () => 1)).rejects.toThrow(/at least 1/);
  });
});
