import { describe, expect, it } from 'vitest';
import { createPacer } from './pace.js';

describe('the replay pacer', () => {
  it('asks to wait so that items keep to the rate since the first, and allows at most one second of catching up', async () => {
    let now = 0;
    const waits: number[] = [];
    const pace = createPacer(100, () => now, async (ms) => {
      waits.push(ms);
      await Promise.resolve();
    });
    for (const t of [0, 1, 2, 25]) {
      now = t;
      await pace();
    }
    // 100/s is one item every 10 ms: due at 0, 10, 20, 30.
    expect(waits).toEqual([9, 18, 5]);
    waits.length = 0;
    now = 10_000;
    for (let i = 0; i < 102; i++) await pace();
    // Fell almost 10 s behind: only one second's worth (101 items, 0 to 1000 ms) goes without waiting.
    expect(waits).toEqual([10]);
    await expect(createPacer(undefined)()).resolves.toBeUndefined();
  });
});
