import type { AuditChainReport } from '@relay/bus';
import type { CliContext } from '../context.js';
import { printFields, printTable } from '../output.js';

/** The audit trail's state in one line: records, chain, mirror. */
export function trailSummary(t: AuditChainReport): string {
  const mirror = t.mirrorRecords === undefined ? 'no mirror' : `mirror ${t.mirrorRecords}${t.mirrorBehind > 0 ? ` (${t.mirrorBehind} not copied yet)` : ''}`;
  const aged = t.agedOut > 0 ? `, ${t.agedOut} aged out` : '';
  const unbound = t.unbound > 0 ? `, ${t.unbound} without author (legacy)` : '';
  return `${t.records} record(s) ${t.firstSeq}-${t.lastSeq}, ${t.chained} chained, ${t.legacy} unchained (legacy)${unbound}; ${mirror}${aged}`;
}

/**
 * Prints the hash chain of AUDIT, its authors (decision 0112) and its
 * comparison with AUDIT_MIRROR (decision 0096): a summary, then one row per break.
 */
export function printAuditTrail(ctx: CliContext, t: AuditChainReport): void {
  printFields(ctx, [
    ['Audit trail', trailSummary(t)],
    ['Last link', t.lastLink === '' ? '' : `${t.lastLink} (the next record's prev_hash; keep it outside the relay)`],
    ['Trail breaks', String(t.breaks.length)],
  ]);
  if (t.breaks.length === 0) return;
  ctx.out('\nAudit trail breaks:\n');
  printTable(
    ctx,
    ['break', 'stream', 'seq', 'detail'],
    t.breaks.map((b) => [b.kind, b.stream, b.seq === 0 ? '-' : b.toSeq === undefined ? String(b.seq) : `${b.seq}-${b.toSeq}`, b.detail]),
  );
}
