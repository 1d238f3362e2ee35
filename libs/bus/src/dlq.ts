import type { JsMsg } from '@nats-io/jetstream';
import { errorToHeader, Header, subjects } from '@relay/wire';
import type { Bus } from './connection.js';
import { headersToRecord, publishBytes, type Stored } from './publish.js';

/**
 * Stores a message that cannot be processed on `relay.dlq.<service>`, with
 * its original payload and headers, the error in `Relay-Error`, and where it
 * came from. Idempotent per source message: a second attempt for the same
 * stream sequence stores nothing new.
 * @throws PublishError when the DLQ itself cannot be written (the caller naks).
 */
export async function deadLetter(bus: Bus, service: string, msg: JsMsg, error: unknown): Promise<Stored> {
  const original = headersToRecord(msg.headers);
  const headers: Record<string, string> = {};
  const moved: Record<string, string> = { [Header.Signer]: Header.DlqSigner, [Header.Signature]: Header.DlqSignature };
  for (const [k, v] of Object.entries(original)) {
    // The entry is signed by this service; the original signature is kept for a redrive.
    if (moved[k] !== undefined) headers[moved[k]] = v;
    else if (k !== Header.MsgId && k !== Header.Origin && k !== Header.TraceParent) headers[k] = v;
  }
  headers[Header.Error] = errorToHeader(error);
  headers[Header.DlqService] = service;
  headers[Header.DlqSubject] = msg.subject;
  headers[Header.DlqSource] = `${msg.info.stream}:${msg.info.streamSequence}`;
  const msgId = original[Header.MsgId];
  if (msgId !== undefined) headers[Header.DlqMsgId] = msgId;
  return publishBytes(bus, subjects.dlq(service), msg.data, {
    msgId: `dlq:${msg.info.stream}:${msg.info.streamSequence}`,
    origin: original[Header.Origin] ?? service,
    ...(original[Header.TraceParent] === undefined ? {} : { traceparent: original[Header.TraceParent] }),
    headers,
  });
}
