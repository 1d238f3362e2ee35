import { deriveId, encodeMessage, messageFromJson, RelayType } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { carriedOutbox, caseAuditViewSchema, caseIdOf, caseRouteViewSchema, caseSchema, isPublished, isTombstone, markPublished, OUTBOX_KEEP_MS, type OutboxEntry, outboxBytes, parseCase, parseStoredCase, referralIdOf, toOutboxEntry } from './index.js';

const stored = {
  v: 1,
  id: caseIdOf('http://a.example/x'),
  url: 'http://a.example/x',
  status: 'open',
  openedAt: 1,
  sources: ['iwf'],
  opening: {},
  hosting: {},
  resolvedAt: 2,
  asn: 3,
  recheck: { seq: 0, nextAt: 4 },
  statuses: [],
  outbox: [],
  somethingElse: 'kept by the route view only',
};

describe('what a write of a case carries of its outbox (decision 0162)', () => {
  const entry = (id: string): OutboxEntry => toOutboxEntry({ subject: 'relay.notice.NL.police', type: RelayType.Notice, message: messageFromJson(RelayType.Notice, { id, caseId: stored.id }), msgId: `dispatcher:${id}` }, undefined);

  it('carries what is not published, stamps what is and keeps it for OUTBOX_KEEP_MS, and drops it all when the case closes', () => {
    const unpublished = entry('ntc_a');
    const published = entry('ntc_b');
    markPublished(published);
    const [a, b] = carriedOutbox([unpublished, published], 1_000, true);
    expect(a).toBe(unpublished);
    expect(b).toMatchObject({ msgId: 'dispatcher:ntc_b', publishedAt: 1_000 });
    // Read back by another process: published for it too, so it publishes nothing again.
    const readBack = caseSchema.parse({ ...stored, outbox: [a, b] }).outbox;
    expect(readBack.map(isPublished)).toEqual([false, true]);
    expect(carriedOutbox(readBack, 1_000 + OUTBOX_KEEP_MS - 1, true).map((e) => e.msgId)).toEqual(['dispatcher:ntc_a', 'dispatcher:ntc_b']);
    expect(carriedOutbox(readBack, 1_000 + OUTBOX_KEEP_MS, true).map((e) => e.msgId)).toEqual(['dispatcher:ntc_a']);
    expect(carriedOutbox([unpublished, published], 1_000, false)).toEqual([unpublished]);
  });
});

describe('the case record', () => {
  it('keys a case on its normalised URL, as every replica and replay does', () => {
    expect(caseIdOf('http://a.example/x')).toBe(deriveId('case', 'http://a.example/x'));
    expect(referralIdOf({ id: 'case_1' }, 2)).toBe(deriveId('ref', 'case_1', 2));
    expect(referralIdOf({ id: 'case_1', generation: 'rpt_9' }, 2)).toBe(deriveId('ref', 'case_1', 'rpt_9', 2));
  });

  it('reads a case, a tombstone, and refuses a value that is neither', () => {
    expect(parseCase(stored)?.id).toBe(stored.id);
    const tomb = { v: 1, id: stored.id, status: 'closed', tombstone: { closedAt: 1, at: 2, nextEpoch: 1, recheckSeq: 0 }, resolvedAt: 2, reports: [], outbox: [] };
    expect(isTombstone(parseStoredCase(tomb))).toBe(true);
    expect(parseCase(tomb)).toBeUndefined();
    expect(() => parseStoredCase({ ...stored, status: 'gone' })).toThrow();
  });

  it('gives the relay command views picked from the one schema', () => {
    expect(caseRouteViewSchema.parse(stored)).toMatchObject({ id: stored.id, somethingElse: 'kept by the route view only' });
    expect(Object.keys(caseAuditViewSchema.parse(stored)).sort()).toEqual(['id', 'outbox', 'status']);
    expect(() => caseAuditViewSchema.parse({ ...stored, outbox: [{ msgId: 'x' }] })).toThrow();
    expect(caseSchema.parse(stored)).not.toHaveProperty('somethingElse');
  });

  it('encodes an outbox entry with its cause, and knows which entries this process published', () => {
    const message = messageFromJson(RelayType.Notice, { id: 'ntc_1', caseId: stored.id });
    const e = toOutboxEntry({ subject: 'relay.notice.NL.police', type: RelayType.Notice, message, msgId: 'dispatcher:ntc_1' }, undefined, { consumer: 'dispatcher-hosting', seq: 7 });
    expect(e.cause).toEqual({ consumer: 'dispatcher-hosting', seq: 7 });
    expect(Buffer.from(e.data, 'base64')).toEqual(Buffer.from(encodeMessage(RelayType.Notice, message)));
    expect(outboxBytes(e).message).toBe(message);
    const readBack = caseSchema.parse({ ...stored, outbox: [e] }).outbox[0]!;
    expect(outboxBytes(readBack).message).toBeUndefined();
    expect(isPublished(e)).toBe(false);
    markPublished(e);
    expect(isPublished(e)).toBe(true);
    expect(isPublished(readBack)).toBe(false);
    // Published, the entry no longer pins its message in memory (a cached case carries it for an
    // hour, decision 0162); a repair decodes it again from the stored bytes.
    expect(outboxBytes(e).message).toBeUndefined();
    expect(Buffer.from(outboxBytes(e).bytes)).toEqual(Buffer.from(encodeMessage(RelayType.Notice, message)));
  });
});
