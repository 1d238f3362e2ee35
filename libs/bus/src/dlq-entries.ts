import type { Bus } from './connection.js';
import { emptyHeaderRecord } from './header-record.js';
import { getStoredMessage, readStream, type StoredMessage } from './read.js';
import { errorFromHeader, Header, StreamName, subjectFilters } from '@relay/wire';

/** A DLQ entry as an operator reads it. */
export interface DlqEntry {
  /** Sequence in stream DLQ: what `show` and `redrive` take. */
  readonly seq: number;
  /** When it was dead-lettered. */
  readonly time: Date;
  /** The service that gave up (`Relay-Dlq-Service`). */
  readonly service: string;
  /** Stable error code and message from `Relay-Error`. */
  readonly error: { readonly code: string; readonly message: string };
  /** The subject it was consumed from, where a redrive publishes it (`Relay-Dlq-Subject`). */
  readonly subject: string;
  /** `STREAM:seq` it was consumed from (`Relay-Dlq-Source`). */
  readonly source: string;
  /** Its original `Nats-Msg-Id` (`Relay-Dlq-Msg-Id`). */
  readonly msgId: string;
  /** `Relay-Type` ('' when it had none). */
  readonly type: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly data: Uint8Array;
}

/** Reads a stored DLQ message as an entry. */
export function entryOf(m: StoredMessage): DlqEntry {
  const h = m.headers;
  return {
    seq: m.seq,
    time: m.time,
    service: h[Header.DlqService] ?? m.subject.split('.').at(-1) ?? '',
    error: errorFromHeader(h[Header.Error] ?? ''),
    subject: h[Header.DlqSubject] ?? '',
    source: h[Header.DlqSource] ?? '',
    msgId: h[Header.DlqMsgId] ?? '',
    type: h[Header.Type] ?? '',
    headers: h,
    data: m.data,
  };
}

/** Every DLQ entry, oldest first, optionally of one service. */
export async function listEntries(bus: Bus, service?: string): Promise<DlqEntry[]> {
  const entries: DlqEntry[] = [];
  for await (const m of readStream(bus, { stream: StreamName.Dlq, filterSubject: subjectFilters.dlq(service) })) entries.push(entryOf(m));
  return entries;
}

/** One DLQ entry, or undefined when there is none with that sequence. */
export async function getEntry(bus: Bus, seq: number): Promise<DlqEntry | undefined> {
  const m = await getStoredMessage(bus, StreamName.Dlq, seq);
  return m ? entryOf(m) : undefined;
}

/** Splits `Relay-Dlq-Source` (`STREAM:seq`). */
export function sourceOf(entry: DlqEntry): { readonly stream: string; readonly seq: number } | undefined {
  const at = entry.source.lastIndexOf(':');
  const seq = Number(entry.source.slice(at + 1));
  if (at <= 0 || !Number.isInteger(seq)) return undefined;
  return { stream: entry.source.slice(0, at), seq };
}

/**
 * The headers the original message carried, rebuilt from the entry: without
 * the DLQ's own (`Relay-Dlq-*`, `Relay-Error`, the DLQ writer's signature and
 * the `Nats-*` ones), with the original `Relay-Signer`/`Relay-Signature`
 * (and `Relay-Signed-At`) restored, so the signature verifies as the original sender's again.
 */
export function originalHeaders(entry: DlqEntry): Record<string, string> {
  const kept = emptyHeaderRecord();
  for (const [k, v] of Object.entries(entry.headers)) {
    const lower = k.toLowerCase();
    if (lower.startsWith('relay-dlq-') || lower.startsWith('nats-')) continue;
    if (k === Header.Error || k === Header.Signer || k === Header.Signature || k === Header.SignedAt || k === Header.Origin || k === Header.TraceParent) continue;
    kept[k] = v;
  }
  const signer = entry.headers[Header.DlqSigner];
  const signature = entry.headers[Header.DlqSignature];
  if (signer !== undefined && signature !== undefined) Object.assign(kept, { [Header.Signer]: signer, [Header.Signature]: signature });
  const signedAt = entry.headers[Header.DlqSignedAt];
  if (signer !== undefined && signature !== undefined && signedAt !== undefined) kept[Header.SignedAt] = signedAt;
  return kept;
}
