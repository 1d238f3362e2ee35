import type { Bus } from './connection.js';
import { publishBytes } from './publish.js';
import { deleteStoredMessage, getStoredMessage, streamState } from './read.js';
import { Header, StreamName } from '@relay/wire';
import { type DlqEntry, getEntry, originalHeaders, sourceOf } from './dlq-entries.js';

/** What became of one entry asked to be redriven. */
export type RedriveOutcome =
  /** Published anew on its subject and removed from the DLQ. */
  | { readonly kind: 'redriven'; readonly seq: number; readonly subject: string; readonly msgId: string; readonly storedAs: string }
  /** An earlier redrive of the same message had been stored (a crash before the delete): nothing published, entry removed. */
  | { readonly kind: 'already-redriven'; readonly seq: number; readonly subject: string; readonly msgId: string; readonly storedAs: string }
  /**
   * The source stream still holds the original under this `Nats-Msg-Id`
   * inside its duplicate window, so any republish would be dropped: the entry
   * stays, to be redriven after `until`.
   */
  | { readonly kind: 'held'; readonly seq: number; readonly subject: string; readonly msgId: string; readonly until: string }
  /** The entry lacks what a redrive needs (subject, message id, payload): left alone. */
  | { readonly kind: 'refused'; readonly seq: number; readonly reason: string }
  /** No DLQ entry has this sequence (already redriven, or never was). */
  | { readonly kind: 'missing'; readonly seq: number };

async function heldUntil(bus: Bus, entry: DlqEntry, stream: string, seq: number): Promise<string> {
  const known = Object.values(StreamName).find((s) => s === stream);
  if (!known) return 'unknown';
  const [original, state] = await Promise.all([getStoredMessage(bus, known, seq), streamState(bus, known)]);
  // Without the original (expired, erased) the entry's own time is an upper bound of its time.
  const from = (original?.time ?? entry.time).getTime();
  return new Date(from + (state?.duplicateWindowMs ?? 0)).toISOString();
}

/**
 * Redrives one DLQ entry: publishes the original payload to
 * `Relay-Dlq-Subject` with the original `Nats-Msg-Id`, origin, trace and
 * signature, and deletes the entry only once the stream acknowledged. A
 * republish the stream drops as a duplicate is told apart by the sequence it
 * names: the original's own (still inside the duplicate window: held, entry
 * kept) or another (an earlier redrive was stored: done, entry removed).
 * Repeating a redrive therefore never publishes a message twice.
 * @throws PublishError when the stream does not acknowledge (the entry stays).
 */
export async function redrive(bus: Bus, seq: number): Promise<RedriveOutcome> {
  const entry = await getEntry(bus, seq);
  if (!entry) return { kind: 'missing', seq };
  if (entry.subject === '') return { kind: 'refused', seq, reason: `it has no ${Header.DlqSubject} header` };
  if (Object.hasOwn(entry.headers, Header.DlqMinimal)) {
    return { kind: 'refused', seq, reason: `it is a minimal entry without the payload (${Header.DlqMinimal}): the original is at ${entry.source}` };
  }
  if (entry.msgId === '') return { kind: 'refused', seq, reason: `it has no ${Header.DlqMsgId} header: a republish could not be made idempotent` };
  const traceparent = entry.headers[Header.TraceParent];
  const stored = await publishBytes(bus, entry.subject, entry.data, {
    msgId: entry.msgId,
    origin: entry.headers[Header.Origin] ?? entry.service,
    ...(traceparent === undefined ? {} : { traceparent }),
    headers: originalHeaders(entry),
  });
  const storedAs = `${stored.stream}:${stored.seq}`;
  const base = { seq, subject: entry.subject, msgId: entry.msgId };
  if (stored.duplicate) {
    const source = sourceOf(entry);
    if (source && source.stream === stored.stream && source.seq === stored.seq) return { kind: 'held', ...base, until: await heldUntil(bus, entry, source.stream, source.seq) };
    await deleteStoredMessage(bus, StreamName.Dlq, seq);
    return { kind: 'already-redriven', ...base, storedAs };
  }
  await deleteStoredMessage(bus, StreamName.Dlq, seq);
  return { kind: 'redriven', ...base, storedAs };
}
