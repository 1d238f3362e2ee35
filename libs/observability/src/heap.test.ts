import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, keepHeapCompact } from './index.js';

const run = promisify(execFile);
const HEAP_TS = fileURLToPath(new URL('./heap.ts', import.meta.url));

// A service's life in small: a rolling live set of ~25 MB (cases in flight and
// cached) while garbage is allocated fast. Prints the largest heap V8 reserved.
const WORKLOAD = `
if (process.argv[1] === 'compact') (await import(${JSON.stringify(HEAP_TS)})).keepHeapCompact();
const ring = new Array(40_000);
let peak = 0;
for (let i = 0; i < 4_000_000; i++) {
  ring[i % ring.length] = { id: i, text: ('case ' + i).padEnd(400, 'x'), tags: [i, i + 1] };
  if (i % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal);
}
process.stdout.write(String(peak));
`;

async function peakHeap(mode: 'compact' | 'default'): Promise<number> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', WORKLOAD, mode]);
  return Number(stdout);
}

describe('keepHeapCompact', () => {
  it('keeps the heap of a fast-allocating process well below what V8 reserves by default', async () => {
    const [plain, compact] = await Promise.all([peakHeap('default'), peakHeap('compact')]);
    expect(plain).toBeGreaterThan(0);
    // Measured here: ~157 MiB by default, ~86-94 MiB compact (32 MiB of it the young generation).
    expect(compact).toBeLessThan(plain * 0.75);
  }, 60_000);

  it('leaves the heap alone when node was started with its own --heap-growing-percent', () => {
    expect(keepHeapCompact(['--heap-growing-percent=50'])).toBeUndefined();
    expect(keepHeapCompact([])).toBe(HEAP_GROWING_PERCENT);
  });
});
