import type { Delivery } from '@relay/bus';
import { Header, messageToJson, type Notice, type Referral, RelayType } from '@relay/wire';
import { webhookSignature } from './signature.js';

/** The relay headers a webhook carries as received, so a receiver can verify the dispatcher's signature (docs/provenance.md). */
const PROVENANCE_HEADERS = [
  Header.MsgId,
  Header.Type,
  Header.Origin,
  Header.Signer,
  Header.SignedAt,
  Header.Signature,
  Header.ReplayOfSubject,
  Header.ReplayOfOrigin,
  Header.ReplayOfSigner,
  Header.ReplayOfSignedAt,
  Header.ReplayOfSignature,
  Header.TraceParent,
] as const;

/** The subject the message was received on: part of what its provenance signature covers. */
export const SUBJECT_HEADER = 'Relay-Subject';

/** A referral or notice as the courier reads it. */
export type Carried = Delivery<Referral> | Delivery<Notice>;

/** A request ready to POST. */
export interface WebhookRequest {
  /** `webhook-id`: the referral's or notice's id, the same on every retry. */
  readonly id: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The webhook body (decision 0125), the Standard Webhooks payload shape:
 * `type` (the protobuf type), `timestamp` (when the relay stored it), `data`
 * (the message in proto3 JSON) and `relay` (`subject` and `payload`, the
 * protobuf bytes in base64 that the provenance signature covers).
 */
export function webhookBody(d: Carried): string {
  const data = d.type === RelayType.Referral ? messageToJson(RelayType.Referral, d.message as Referral) : messageToJson(RelayType.Notice, d.message as Notice);
  return JSON.stringify({
    type: d.type,
    timestamp: new Date(d.storedAt).toISOString(),
    data,
    relay: { subject: d.subject, payload: Buffer.from(d.data).toString('base64') },
  });
}

/**
 * The request for one delivery attempt: the body, the Standard Webhooks
 * headers signed with `key` at `now`, and the relay's provenance headers as
 * received.
 */
export function webhookRequest(d: Carried, key: Buffer, now: number): WebhookRequest {
  const id = d.message.id;
  const body = webhookBody(d);
  const timestamp = Math.floor(now / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'hotline-relay-courier/1',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': webhookSignature(key, id, timestamp, body),
    [SUBJECT_HEADER]: d.subject,
  };
  for (const h of PROVENANCE_HEADERS) {
    const v = d.headers[h];
    if (v !== undefined) headers[h] = v;
  }
  return { id, body, headers };
}

/** The case a delivery belongs to: deliveries of one case go out one at a time, in order. */
export function caseOf(d: Carried): string {
  return d.message.caseId === '' ? `id:${d.message.id}` : d.message.caseId;
}
