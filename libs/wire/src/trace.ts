import { randomFillSync } from 'node:crypto';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

// Trace and span ids are not secrets: one call into the CSPRNG per 4 KiB of ids
// instead of one per id (a call per publish showed in the dispatcher's profile).
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}

/** Starts a new W3C trace: `00-<trace-id>-<span-id>-01`. */
export function newTraceparent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

/**
 * The traceparent for the next hop of a trace: same trace id, new span id. An
 * absent or malformed parent starts a new trace instead of failing the message.
 */
export function childTraceparent(parent: string | undefined): string {
  const m = parent === undefined ? null : TRACEPARENT.exec(parent);
  if (!m) return newTraceparent();
  return `00-${m[1]}-${randomHex(8)}-${m[3]}`;
}

/** The trace id of a traceparent, or undefined when it is malformed. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent === undefined ? undefined : TRACEPARENT.exec(traceparent)?.[1];
}
