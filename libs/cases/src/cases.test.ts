import { deriveId, encodeMessage, messageFromJson, RelayType } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { caseAuditViewSchema, caseIdOf, caseRouteViewSchema, caseSchema, isPublished, isTombstone, markPublished, outboxBytes, parseCase, parseStoredCase, referralIdOf, toOutboxEntry } from './index.js';

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
  });
});
