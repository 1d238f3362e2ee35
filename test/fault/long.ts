/**
 * `npm run test:fault -- --long` (a nightly-style run, not CI's): each fault
 * at the length the issue names (a minute of latency, a minute of overload).
 * test/fault/run.mjs turns the flag into RELAY_FAULT_LONG=1, since vitest
 * refuses flags it does not know.
 */
export const LONG = process.env['RELAY_FAULT_LONG'] === '1';
