import type { StoredMessage } from '@relay/bus';
import {
  Audience,
  decodeMessage,
  decodeToJsonByName,
  errorFromHeader,
  Header,
  type HostingObservation,
  HostingStatus,
  isRelayType,
  type Notice,
  NoticeKind,
  Priority,
  RecheckReason,
  type Referral,
  type RelayMessageMap,
  type RelayTypeName,
  type Report,
  RoutingReason,
  StatusAction,
} from '@relay/wire';

/** A stored message with its payload decoded by its `Relay-Type`, or why it could not be. */
export interface DecodedMessage {
  readonly stored: StoredMessage;
  /** The `Relay-Type` header, '' when missing. */
  readonly type: string;
  /** The typed message when the type is one of relay.v1's top-level messages and decodes. */
  readonly message: RelayMessageMap[RelayTypeName] | undefined;
  /** The proto3 JSON mapping (by reflection, so any type of the schema), when it decodes. */
  readonly json: unknown;
  /** Why the payload could not be decoded, if it could not. */
  readonly problem: string | undefined;
}

/** Decodes a stored message by its `Relay-Type`; never throws (a DLQ entry may be undecodable on purpose). */
export function decodeStored(stored: StoredMessage): DecodedMessage {
  const type = stored.headers[Header.Type] ?? '';
  if (type === '') return { stored, type, message: undefined, json: undefined, problem: `no ${Header.Type} header` };
  try {
    const json = decodeToJsonByName(type, stored.data);
    const message = isRelayType(type) ? decodeMessage(type, stored.data) : undefined;
    return { stored, type, message, json, problem: undefined };
  } catch (err) {
    return { stored, type, message: undefined, json: undefined, problem: err instanceof Error ? err.message : String(err) };
  }
}

/** `ROUTING_REASON_HOSTED_IN` -> `hosted-in`: the token form of an enum value. */
export function enumLabel(e: Record<number, string>, value: number, prefix: string): string {
  return (e[value] ?? String(value)).replace(prefix, '').toLowerCase().replaceAll('_', '-');
}

/** Where an observation says a URL is hosted, in words: `NL, AS43350 NForce Entertainment B.V.`. */
export function hostingWords(o: HostingObservation | undefined): string {
  if (!o) return 'unknown';
  const status = enumLabel(HostingStatus, o.status, 'HOSTING_STATUS_');
  const network = o.asn === 0 ? '' : `, AS${o.asn} ${o.asOrganisation}`.trimEnd();
  const place = o.country === '' ? status : `${o.country}${network}`;
  return o.cdn === '' ? place : `${place} behind ${o.cdn}`;
}

function reportLine(r: Report): string {
  const more = r.urls.length > 1 ? ` (+${r.urls.length - 1} more)` : '';
  return `report ${r.id} from ${r.source} #${r.sourceReportId}: ${r.urls[0] ?? 'no URL'}${more}, ${r.hashes.length} hash(es), ${enumLabel(Priority, r.priority, 'PRIORITY_')}`;
}

function observationLine(o: HostingObservation): string {
  const cause = o.cause?.cause;
  const why =
    cause?.$case === 'report'
      ? `report ${cause.value.reportId}`
      : cause?.$case === 'recheck'
        ? `recheck of ${cause.value.caseId} (${enumLabel(RecheckReason, cause.value.reason, 'RECHECK_REASON_')})`
        : 'no cause';
  return `hosting ${o.normalizedUrl}: ${hostingWords(o)} [${why}]`;
}

function referralLine(r: Referral): string {
  const supersedes = r.supersedes === '' ? '' : `, supersedes ${r.supersedes}`;
  const deadline = r.deadline ? `, removal due ${r.deadline.toISOString()}` : '';
  return `referral ${r.id} to ${r.hotline} (${r.jurisdiction}, ${enumLabel(RoutingReason, r.reason, 'ROUTING_REASON_')}): ${r.url}${supersedes}${deadline}`;
}

function noticeLine(n: Notice): string {
  const to = n.audience === Audience.AUDIENCE_HOTLINE && n.hotline !== '' ? `hotline ${n.hotline}` : enumLabel(Audience, n.audience, 'AUDIENCE_');
  return `notice ${enumLabel(NoticeKind, n.kind, 'NOTICE_KIND_')} to ${to} (${n.country}): ${n.url}${n.summary === '' ? '' : ` - ${n.summary}`}`;
}

/** One line describing the message itself (without stream, time or subject). */
export function messageSummary(d: DecodedMessage): string {
  const m = d.message;
  let line: string;
  if (m === undefined) line = d.problem === undefined ? `${d.type} (${d.stored.data.byteLength} bytes)` : `undecodable ${d.type || 'payload'}: ${d.problem}`;
  else if (d.type === 'relay.v1.Report') line = reportLine(m as Report);
  else if (d.type === 'relay.v1.HostingObservation') line = observationLine(m as HostingObservation);
  else if (d.type === 'relay.v1.Referral') line = referralLine(m as Referral);
  else if (d.type === 'relay.v1.Notice') line = noticeLine(m as Notice);
  else if (d.type === 'relay.v1.StatusUpdate') {
    const s = m as RelayMessageMap['relay.v1.StatusUpdate'];
    line = `status ${enumLabel(StatusAction, s.action, 'STATUS_ACTION_').toUpperCase()} from ${s.hotline} on ${s.referralId}${s.note === '' ? '' : `: ${s.note}`}`;
  } else if (d.type === 'relay.v1.RecheckRequest') {
    const r = m as RelayMessageMap['relay.v1.RecheckRequest'];
    line = `recheck ${r.id} of ${r.caseId}: ${r.url} (${enumLabel(RecheckReason, r.reason, 'RECHECK_REASON_')})`;
  } else {
    const a = m as RelayMessageMap['relay.v1.AuditRecord'];
    line = `audit ${a.action} by ${a.actor} on ${a.target}: ${a.reason}`;
  }
  const error = d.stored.headers[Header.Error];
  if (error === undefined) return line;
  const e = errorFromHeader(error);
  return `dead letter from ${d.stored.headers[Header.DlqService] ?? '?'} (${e.code}: ${e.message}), was ${d.stored.headers[Header.DlqSubject] ?? '?'}: ${line}`;
}

/** The line `relay tail` prints: time, stream and sequence, subject, summary. */
export function messageLine(d: DecodedMessage): string {
  return `${d.stored.time.toISOString()}  ${d.stored.stream}#${d.stored.seq}  ${d.stored.subject}  ${messageSummary(d)}`;
}

/** The JSON document of `relay tail --json` and `relay inspect --json`. */
export function messageJson(d: DecodedMessage): Record<string, unknown> {
  return {
    stream: d.stored.stream,
    seq: d.stored.seq,
    subject: d.stored.subject,
    time: d.stored.time.toISOString(),
    type: d.type,
    headers: d.stored.headers,
    ...(d.problem === undefined ? { message: d.json } : { problem: d.problem, payloadBytes: d.stored.data.byteLength }),
  };
}
