/**
 * Header names carried on every Hotline Relay message (docs/architecture.md §4). Fixed: other
 * systems code against them.
 */
export const Header = {
  /** Idempotency key; JetStream drops a second message with the same id. */
  MsgId: 'Nats-Msg-Id',
  /** Full protobuf message name of the payload, e.g. `relay.v1.Referral`. */
  Type: 'Relay-Type',
  /** Lower-case id of the organisation that caused the message. */
  Origin: 'Relay-Origin',
  /** W3C trace context, carried through every hop. */
  TraceParent: 'traceparent',
  /** On DLQ entries: `<code>: <message>` of the error that stopped processing. */
  Error: 'Relay-Error',
  /** On DLQ entries: the service that gave up. */
  DlqService: 'Relay-Dlq-Service',
  /** On DLQ entries: the subject the message was consumed from. */
  DlqSubject: 'Relay-Dlq-Subject',
  /** On DLQ entries: the stream and sequence it was consumed from, `STREAM:seq`. */
  DlqSource: 'Relay-Dlq-Source',
  /** On DLQ entries: the original `Nats-Msg-Id`, reused when the entry is redriven. */
  DlqMsgId: 'Relay-Dlq-Msg-Id',
  /** On DLQ entries: the original `Relay-Signer`, restored when the entry is redriven. */
  DlqSigner: 'Relay-Dlq-Signer',
  /** On DLQ entries: the original `Relay-Signature`, restored when the entry is redriven. */
  DlqSignature: 'Relay-Dlq-Signature',
  /** On DLQ entries: the original `Relay-Signed-At`, restored when the entry is redriven. */
  DlqSignedAt: 'Relay-Dlq-Signed-At',
  /**
   * On DLQ entries: the original header names the entry does not carry, comma-separated
   * (names NATS or the DLQ itself interpret: `Nats-*`, `Relay-Dlq-*`, `Relay-Error`, case variants
   * of the contract headers). The original in `Relay-Dlq-Source` still has them.
   */
  DlqDropped: 'Relay-Dlq-Dropped',
  /**
   * On a minimal DLQ entry (no payload, no original headers): why the full entry could not
   * be stored, as `<code>: <message>`. Read the original from `Relay-Dlq-Source`.
   */
  DlqMinimal: 'Relay-Dlq-Minimal',
  /** Id of the nkey that signed the message (provenance). */
  Signer: 'Relay-Signer',
  /** Base64url ed25519 signature over the signed form (docs/provenance.md). */
  Signature: 'Relay-Signature',
  /** When the message was signed: Unix time in milliseconds, decimal (signed form v2). */
  SignedAt: 'Relay-Signed-At',
  /**
   * On a copy an operator re-addressed (`relay replay --to-subject`, decision 0109): the subject the
   * original was signed for. With the four below, the original's signature still verifies there,
   * while `Relay-Signer`, `Relay-Signed-At` and `Relay-Signature` are the operator's, over the new subject.
   */
  ReplayOfSubject: 'Relay-Replay-Of-Subject',
  /** On a re-addressed copy: the original `Relay-Origin` (the copy's names the operator). */
  ReplayOfOrigin: 'Relay-Replay-Of-Origin',
  /** On a re-addressed copy: the original `Relay-Signer`. */
  ReplayOfSigner: 'Relay-Replay-Of-Signer',
  /** On a re-addressed copy: the original `Relay-Signed-At`. */
  ReplayOfSignedAt: 'Relay-Replay-Of-Signed-At',
  /** On a re-addressed copy: the original `Relay-Signature`. */
  ReplayOfSignature: 'Relay-Replay-Of-Signature',
  /** On replies of `relay.intake.submit`: the HTTP-equivalent status (`202`, `400`, `503`, ...). */
  Status: 'Relay-Status',
  /**
   * On requests to the intake (`relay.intake.submit`, and HTTP): the sender's
   * source report id given outside the body, e.g. NCMEC's CyberTipline report number.
   */
  SourceReportId: 'Relay-Source-Report-Id',
} as const;
export type HeaderName = (typeof Header)[keyof typeof Header];

/** A `Relay-Error` value split into its stable code and its message. */
export interface WireError {
  readonly code: string;
  readonly message: string;
}

/** Formats an error for the `Relay-Error` header: `<code>: <message>`, one line. */
export function errorToHeader(err: unknown): string {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' && /^[a-z0-9-]+$/.test(e.code) ? e.code : 'internal';
  const message = typeof e.message === 'string' ? e.message : String(err);
  // Header values cannot hold CR or LF; keep it short enough for any client.
  return `${code}: ${message.replace(/[\r\n]+/g, ' ').slice(0, 1000)}`;
}

/** Parses a `Relay-Error` header written by {@link errorToHeader}. */
export function errorFromHeader(value: string): WireError {
  const at = value.indexOf(': ');
  if (at <= 0) return { code: 'internal', message: value };
  return { code: value.slice(0, at), message: value.slice(at + 2) };
}
