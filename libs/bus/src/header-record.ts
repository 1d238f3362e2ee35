import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

/**
 * A record of header names to values. It has no prototype, so a hostile
 * header named `__proto__`, `constructor` or `toString` is an own entry like
 * any other: a lookup by name never reaches `Object.prototype`, and an
 * assignment never changes a prototype.
 */
export type HeaderRecord = Record<string, string>;

/** An empty {@link HeaderRecord} (no prototype). */
export function emptyHeaderRecord(): HeaderRecord {
  return Object.create(null) as HeaderRecord;
}

/** Copies the own entries of `records`, later ones winning, into a new {@link HeaderRecord}. */
export function headerRecord(...records: readonly (Readonly<Record<string, string>> | undefined)[]): HeaderRecord {
  const out = emptyHeaderRecord();
  for (const r of records) {
    if (!r) continue;
    for (const k of Object.keys(r)) {
      const v = r[k];
      if (typeof v === 'string') out[k] = v;
    }
  }
  return out;
}

/** The own value of header `name` in `record`, never one inherited from a prototype. */
export function headerValue(record: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

/** Copies NATS message headers into a {@link HeaderRecord} (first value of each name). */
export function headersToRecord(h: MsgHdrs | undefined): HeaderRecord {
  const out = emptyHeaderRecord();
  if (!h) return out;
  for (const k of h.keys()) out[k] = h.get(k);
  return out;
}

/**
 * The headers of a message as a record, or an empty one when the client
 * cannot parse them (its lazy getter throws on a header name with a character
 * NATS does not allow): a hostile sender's header block must not stop a
 * reader of the whole stream. `get` reads the message's headers.
 */
export function readableHeaders(get: () => MsgHdrs | undefined): HeaderRecord {
  try {
    return headersToRecord(get());
  } catch {
    return emptyHeaderRecord();
  }
}

/**
 * Builds NATS headers from the own entries of `record`.
 * @throws InvalidArgumentError (nats-core) for a name or value NATS cannot carry.
 */
export function recordToHeaders(record: Readonly<Record<string, string>>, skip?: (name: string) => boolean): MsgHdrs {
  const h = natsHeaders();
  for (const k of Object.keys(record)) {
    const v = record[k];
    if (v === undefined || skip?.(k)) continue;
    h.set(k, v);
  }
  return h;
}
