import { type Bus, consumerLag, readStream } from '@relay/bus';
import { waitFor } from '@relay/testkit';
import { decodeMessage, Header, type Notice, type RecheckRequest, type Referral, RelayType, type RelayMessageMap, type RelayTypeName, StreamName } from '@relay/wire';

/** One stored message, decoded. */
export interface StoredMessage<T> {
  readonly seq: number;
  readonly subject: string;
  readonly message: T;
  readonly headers: Readonly<Record<string, string>>;
}

/** Every message of a stream (optionally matching a filter) of one type, decoded, with subject and headers. */
export async function readAll<K extends RelayTypeName>(bus: Bus, stream: StreamName, type: K, filterSubject?: string): Promise<StoredMessage<RelayMessageMap[K]>[]> {
  const out: StoredMessage<RelayMessageMap[K]>[] = [];
  for await (const m of readStream(bus, { stream, ...(filterSubject === undefined ? {} : { filterSubject }) })) {
    if (m.headers[Header.Type] === type) out.push({ seq: m.seq, subject: m.subject, message: decodeMessage(type, m.data), headers: m.headers });
  }
  return out;
}

/** Referrals, notices and recheck requests about one case. */
export async function publishedFor(bus: Bus, caseId: string): Promise<{ referrals: Referral[]; notices: { subject: string; notice: Notice }[]; rechecks: RecheckRequest[] }> {
  const referrals = (await readAll(bus, StreamName.Referrals, RelayType.Referral, 'relay.referral.>')).map((m) => m.message).filter((r) => r.caseId === caseId);
  const notices = (await readAll(bus, StreamName.Notices, RelayType.Notice, 'relay.notice.>')).filter((m) => m.message.caseId === caseId).map((m) => ({ subject: m.subject, notice: m.message }));
  const rechecks = (await readAll(bus, StreamName.Rechecks, RelayType.RecheckRequest, 'relay.recheck.>')).map((m) => m.message).filter((r) => r.caseId === caseId);
  return { referrals, notices, rechecks };
}

/** The audit records written so far, decoded. */
export async function auditRecords(bus: Bus): Promise<RelayMessageMap['relay.v1.AuditRecord'][]> {
  return (await readAll(bus, StreamName.Audit, RelayType.AuditRecord)).map((m) => m.message);
}

/** Waits until every one of these durable consumers has nothing pending or unacknowledged. */
export async function drainedConsumers(bus: Bus, consumers: () => Promise<readonly { readonly stream: StreamName; readonly durable: string }[]>, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      const lags = await Promise.all((await consumers()).map((c) => consumerLag(bus, c.stream, c.durable)));
      return lags.every((l) => l !== undefined && l.pending === 0 && l.ackPending === 0);
    },
    { timeoutMs, what: 'the consumers to drain' },
  );
}

/** Waits until a durable consumer has nothing pending or unacknowledged. */
export async function drainedConsumer(bus: Bus, stream: StreamName, durable: string): Promise<void> {
  await drainedConsumers(bus, () => Promise.resolve([{ stream, durable }]));
}
