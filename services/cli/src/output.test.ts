import { describe, expect, it } from 'vitest';
import type { CliContext } from './context.js';
import { printJson, printTable } from './output.js';

function capture(): { ctx: CliContext; writes: string[] } {
  const writes: string[] = [];
  return { ctx: { out: (t) => writes.push(t), err: () => undefined, env: {} }, writes };
}

describe('printJson', () => {
  const samples: unknown[] = [
    { a: 1, b: 'x', skipped: undefined, nested: { c: [1, { d: null }], e: {} }, empty: [], list: [{ id: 'a', at: new Date(0) }, 'two', null] },
    {},
    [1, 2],
    'text',
    null,
    new Date(0),
  ];
  for (const value of samples) {
    it(`prints the same text as JSON.stringify for ${JSON.stringify(value)}`, () => {
      const { ctx, writes } = capture();
      printJson(ctx, value);
      expect(writes.join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
    });
  }

  it('writes a result of many rows a slice at a time, never as one string', () => {
    const value = { count: 25_000, rows: Array.from({ length: 25_000 }, (_, i) => ({ id: `case_${i}`, to: { hotline: 'offlimits' } })), audit: 'AUDIT:7' };
    const { ctx, writes } = capture();
    printJson(ctx, value);
    expect(writes.length).toBeGreaterThan(2);
    expect(writes.join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });
});

describe('printTable', () => {
  it('pads every column to its widest cell, also past ten thousand rows', () => {
    const rows = Array.from({ length: 12_345 }, (_, i) => [`r${i}`, i === 12_000 ? 'widest cell' : 'x']);
    const { ctx, writes } = capture();
    printTable(ctx, ['row', 'value'], rows);
    const lines = writes.join('').split('\n');
    expect(lines[0]).toBe(`${'ROW'.padEnd(6)}  VALUE`);
    expect(lines[1]).toBe(`${'r0'.padEnd(6)}  x`);
    expect(lines[12_001]).toBe('r12000  widest cell');
    expect(lines).toHaveLength(12_347);
  });
});
