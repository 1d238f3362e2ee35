import { createHash } from 'node:crypto';
import { Header } from '@relay/wire';

/** `Relay-Signed-At`: decimal Unix ms, no sign, no leading zeros but `0`. */
export const SIGNED_AT = /^(0|[1-9][0-9]{0,15})$/;

/** The headers signed form v2 covers, in this order (docs/provenance.md). */
export const SIGNED_HEADERS_V2 = [Header.MsgId, Header.Origin, Header.SignedAt, Header.Signer, Header.Type] as const;

/**
 * The bytes a v2 signature covers (docs/provenance.md), UTF-8:
 *
 *     relay-sig-v2\n
 *     subject:<subject>\n
 *     nats-msg-id:<value>\n
 *     relay-origin:<value>\n
 *     relay-signed-at:<value>\n
 *     relay-signer:<value>\n
 *     relay-type:<value>\n
 *     payload-sha256:<lower-case hex SHA-256 of the payload>\n
 *
 * An absent header is an empty value. The subject is covered, so a message
 * re-published on another subject (another hotline's) no longer verifies.
 * @throws TypeError when the subject or a covered value holds a CR or LF.
 */
export function signedBytesV2(subject: string, data: Uint8Array, headers: Readonly<Record<string, string>>): Uint8Array {
  const line = (name: string, value: string): string => {
    if (/[\r\n]/.test(value)) throw new TypeError(`${name} holds a line break`);
    return `${name}:${value}\n`;
  };
  const text = [
    'relay-sig-v2\n',
    line('subject', subject),
    ...SIGNED_HEADERS_V2.map((h) => line(h.toLowerCase(), headers[h] ?? '')),
    `payload-sha256:${createHash('sha256').update(data).digest('hex')}\n`,
  ].join('');
  return new TextEncoder().encode(text);
}

/**
 * The bytes a v1 signature covers (decision 0007): a version tag,
 * `Nats-Msg-Id` and every `Relay-*` header but the signature and the DLQ's
 * own (names lower-cased, sorted), and the payload. Neither subject nor time:
 * accepted only until the v1 cut-over (decision 0102).
 */
export function signedBytesV1(data: Uint8Array, headers: Readonly<Record<string, string>>): Uint8Array {
  const lines = Object.entries(headers)
    .map(([k, v]) => [k.toLowerCase(), v] as const)
    .filter(([k]) => (k.startsWith('relay-') && k !== Header.Signature.toLowerCase() && !k.startsWith('relay-dlq-') && k !== Header.Error.toLowerCase()) || k === 'nats-msg-id')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}:${v}\n`)
    .join('');
  const head = new TextEncoder().encode(`relay-sig-v1\n${lines}\n`);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}
