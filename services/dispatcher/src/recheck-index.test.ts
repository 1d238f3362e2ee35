import { deriveId } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { createRecheckIndex, nextRecheckAt } from './index.js';

const ids = (n: number, tag = 'u'): string[] => Array.from({ length: n }, (_, i) => deriveId('case', `http://${tag}${i}.example/`));

describe('the recheck index', () => {
  it('yields every case exactly once per interval, spread over the interval', () => {
    const interval = 60_000;
    const index = createRecheckIndex(interval);
    const all = ids(5_000);
    for (const id of all) index.add(id);
    for (const id of all.slice(0, 10)) index.add(id);
    expect(index.size()).toBe(5_000);

    const start = 1_800_000_000_000;
    index.due(start);
    const seen = new Map<string, number>();
    const perSecond: number[] = [];
    for (let t = start + 1_000; t <= start + interval; t += 1_000) {
      const due = index.due(t);
      perSecond.push(due.length);
      for (const id of due) {
        seen.set(id, (seen.get(id) ?? 0) + 1);
        // Due no earlier than its phase: the claim finds the case due.
        expect(nextRecheckAt(id, start, interval)).toBeLessThanOrEqual(t);
      }
    }
    expect(seen.size).toBe(5_000);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(Math.max(...perSecond)).toBeLessThan(5_000 / 60 * 2);
  });

  it('yields every case once when the clock jumps a whole interval or more', () => {
    const index = createRecheckIndex(10_000);
    for (const id of ids(1_000)) index.add(id);
    index.due(0);
    expect(new Set(index.due(35_000)).size).toBe(1_000);
    expect(index.due(35_000)).toEqual([]);
  });

  it('forgets removed cases and reuses their room', () => {
    const index = createRecheckIndex(10_000);
    const a = ids(3_000, 'a');
    for (const id of a) index.add(id);
    for (const id of a.slice(0, 2_000)) index.remove(id);
    index.remove(a[0]!);
    expect(index.size()).toBe(1_000);
    expect(index.has(a[0]!)).toBe(false);
    expect(index.has(a[2_500]!)).toBe(true);
    const bytes = index.memoryBytes();
    for (const id of ids(2_000, 'b')) index.add(id);
    expect(index.memoryBytes()).toBeLessThanOrEqual(bytes);
    index.due(0);
    const due = new Set(index.due(10_000));
    expect(due.size).toBe(3_000);
    expect(due.has(a[0]!)).toBe(false);
  });

  it('refuses something that is not a case id', () => {
    expect(() => createRecheckIndex(1_000).add('case_xyz')).toThrow(/not a case id/);
  });
});
