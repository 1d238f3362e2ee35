import { type Bus, publishBytes } from '@relay/bus';
import { CaseStatus, markPublished, outboxBytes, outboxMessage, type OutboxEntry } from '@relay/cases';
import { encodeMessage, Header, RelayType, type RelayMessageMap, type RelayTypeName } from '@relay/wire';
import type { CaseStore, Committed } from './case-store.js';
import { ORIGIN } from './messages.js';
import type { ReportHashes } from './report-hashes.js';

/**
 * Publishes what a case's outbox holds (decisions 0031, 0140). The store
 * stores a decision and its messages; this publishes them, each with its
 * derived `Nats-Msg-Id` (a second publish inside the stream's duplicate
 * window is dropped), and recovers the outbox a crashed writer left.
 */
export interface Outbox {
  /**
   * Publishes the entries a write left unpublished, waiting for every ack.
   * The outbox stays in the case until its next write marks what is
   * published, which later writes keep for an hour so that a repair can
   * still re-drive it (no second write per decision; decision 0162), except
   * where no write is due: a closed case, or `clear` (what a scheduler
   * wrote), is cleared at once. Returns how many messages it published.
   */
  publish(caseId: string, committed: Committed, options?: { clear?: boolean }): Promise<number>;
  /**
   * Recovers a case's outbox: reads the case fresh, publishes every entry
   * nobody in this process published (a crashed writer's), and clears them.
   * Returns how many it published.
   */
  recover(caseId: string): Promise<number>;
  /**
   * A repair (decision 0154): publishes again every entry the case's stored
   * outbox holds, whatever this process knows of them, because a server can
   * lose a message after acknowledging it. Each stream drops by its id what
   * it still holds. Returns how many were stored anew (had been lost).
   */
  republish(caseId: string): Promise<number>;
}

/** What the outbox needs. */
export interface OutboxParts {
  readonly bus: Bus;
  readonly store: CaseStore;
  /** Where referrals' hashes are read (decision 0094). */
  readonly reportHashes: ReportHashes;
  /** Called for each message published; `message` is there when this process wrote the entry. */
  readonly onPublished?: (entry: OutboxEntry, message?: RelayMessageMap[RelayTypeName]) => void;
  /** Called when a referral goes out without the hashes its report had: REPORTS no longer holds the report. */
  readonly onHashesMissing?: (entry: OutboxEntry) => void;
  /** Called after a write's messages are published, before anything acks it (crash points, crash-points.ts). */
  readonly afterPublish?: (committed: Committed) => void;
}

/** Creates the outbox publisher. */
export function createOutbox(parts: OutboxParts): Outbox {
  const { bus, store } = parts;

  /** The entry's bytes and message, with a referral's (or FILE_DETAILS notice's) hashes read from its report. */
  const complete = async (e: OutboxEntry): Promise<{ bytes: Uint8Array; message: RelayMessageMap[RelayTypeName] | undefined }> => {
    const local = outboxBytes(e);
    if (!e.hashesFrom || (e.type !== RelayType.Referral && e.type !== RelayType.Notice)) return local;
    const hashes = await parts.reportHashes.hashesOf(e.hashesFrom);
    if (!hashes) {
      parts.onHashesMissing?.(e);
      return local;
    }
    if (e.type === RelayType.Notice) {
      // A FILE_DETAILS notice (decision 0101): the file's hashes, read from its report like a referral's.
      const notice = outboxMessage(e, RelayType.Notice);
      const message = { ...notice, files: { reportId: notice.files?.reportId ?? e.hashesFrom.reportId, classification: notice.files?.classification, hashes: [...hashes] } };
      return { bytes: encodeMessage(RelayType.Notice, message), message };
    }
    const message = { ...outboxMessage(e, RelayType.Referral), hashes: [...hashes] };
    return { bytes: encodeMessage(RelayType.Referral, message), message };
  };

  /** Publishes the entries; returns how many the streams stored (the rest were duplicates). */
  const publishEntries = async (entries: readonly OutboxEntry[]): Promise<number> => {
    const stored = await Promise.all(
      entries.map(async (e) => {
        const { bytes, message } = await complete(e);
        const ack = await publishBytes(bus, e.subject, bytes, {
          msgId: e.msgId,
          origin: ORIGIN,
          ...(e.traceparent === undefined ? {} : { traceparent: e.traceparent }),
          headers: { [Header.Type]: e.type },
        });
        markPublished(e);
        parts.onPublished?.(e, message);
        return ack.duplicate ? 0 : 1;
      }),
    );
    return stored.reduce<number>((a, b) => a + b, 0);
  };

  const publish = async (caseId: string, committed: Committed, options: { clear?: boolean } = {}): Promise<number> => {
    const entries = committed.unpublished;
    if (entries.length === 0 || !committed.state) return 0;
    await publishEntries(entries);
    store.outboxPublished(caseId, committed.revision);
    parts.afterPublish?.(committed);
    if (options.clear || committed.state.status === CaseStatus.Closed) {
      await store.clear(caseId, { value: committed.state, revision: committed.revision }, new Set(entries.map((e) => e.msgId)));
    }
    return entries.length;
  };

  return {
    publish,
    recover: async (caseId) => publish(caseId, await store.transact(caseId, () => undefined, { fresh: true }), { clear: true }),
    republish: async (caseId) => {
      const current = await store.transact(caseId, () => undefined, { fresh: true });
      if (!current.state || current.state.outbox.length === 0) return 0;
      const stored = await publishEntries(current.state.outbox);
      store.outboxPublished(caseId, current.revision);
      return stored;
    },
  };
}
