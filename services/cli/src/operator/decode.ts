import type { StoredMessage } from '@relay/bus';
import { decodeToJsonByName, Header } from '@relay/wire';

/** A stored message's payload in its proto3 JSON mapping, or why it could not be decoded. */
export interface DecodedPayload {
  /** The `Relay-Type` header ('' when absent). */
  readonly type: string;
  /** proto3 JSON, or null when the type is unknown or the bytes do not decode. */
  readonly message: unknown;
  /** Why `message` is null. */
  readonly decodeError?: string;
}

/**
 * Decodes a stored message by its `Relay-Type` with reflection over the
 * schema's descriptor image, so every message of proto/ decodes, including
 * types newer than this build's generated code. Never throws: an undecodable
 * message (often why it is in the DLQ) is shown with the reason.
 */
export function decodePayload(m: Pick<StoredMessage, 'headers' | 'data'>): DecodedPayload {
  const type = m.headers[Header.Type] ?? '';
  if (type === '') return { type, message: null, decodeError: 'no Relay-Type header' };
  try {
    return { type, message: decodeToJsonByName(type, m.data) };
  } catch (err) {
    return { type, message: null, decodeError: err instanceof Error ? err.message : String(err) };
  }
}
