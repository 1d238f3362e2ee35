import { describe, expect, it } from 'vitest';
import { anonymiseNotice, anonymiseReferral, anonymiseStatus, exampleMessage, keyedHash, messageToJson, RelayType } from './index.js';

const KEY = new TextEncoder().encode('test-retention-key-of-32-bytes!!');
const OTHER = new TextEncoder().encode('another-key-entirely-32-bytes!!!');

describe('anonymisation', () => {
  it('removes every URL, host and IP of a referral and keeps what statistics need', () => {
    const r = exampleMessage(RelayType.Referral);
    const a = anonymiseReferral(KEY, r);
    const text = JSON.stringify(messageToJson(RelayType.Referral, a));
    for (const personal of ['images.example.nl', 'example.nl', '185.107.56.1', 'gallery']) expect(text).not.toContain(personal);
    expect(a).toMatchObject({
      jurisdiction: 'NL',
      hotline: 'eokm',
      reason: r.reason,
      classification: r.classification,
      hosting: { country: 'NL', asn: 43350, asOrganisation: 'NForce Entertainment B.V.' },
    });
    expect(a.url).toMatch(/^anon:[0-9a-f]{32}$/);
  });

  it('gives the same token for the same site under one key, and another under a new key', () => {
    expect(keyedHash(KEY, 'http://x.example/')).toBe(keyedHash(KEY, 'http://x.example/'));
    expect(keyedHash(KEY, 'http://x.example/')).not.toBe(keyedHash(OTHER, 'http://x.example/'));
    expect(keyedHash(KEY, keyedHash(KEY, 'http://x.example/'))).toBe(keyedHash(KEY, 'http://x.example/'));
  });

  it('anonymises both hosting snapshots of a notice and drops its free text', () => {
    const n = anonymiseNotice(KEY, exampleMessage(RelayType.Notice));
    expect(JSON.stringify(messageToJson(RelayType.Notice, n))).not.toMatch(/example\.nl|185\.107\.56\.1|moved from/);
    expect(n.hostingAfter?.country).toBe('DE');
  });

  it('keys every id derived from the URL or the report, the same way in referral, notice and status, so they still join', () => {
    const r = exampleMessage(RelayType.Referral);
    const n = exampleMessage(RelayType.Notice);
    const s = exampleMessage(RelayType.StatusUpdate);
    const [ar, an, as] = [anonymiseReferral(KEY, r), anonymiseNotice(KEY, n), anonymiseStatus(KEY, s)];
    const texts = [
      JSON.stringify(messageToJson(RelayType.Referral, ar)),
      JSON.stringify(messageToJson(RelayType.Notice, an)),
      JSON.stringify(messageToJson(RelayType.StatusUpdate, as)),
    ].join('\n');
    for (const id of [r.id, r.caseId, r.reportId, r.hosting?.id, n.id, n.referralId, s.id]) {
      expect(id).toBeTruthy();
      expect(texts).not.toContain(id);
    }
    expect(ar.caseId).toBe(an.caseId);
    expect(an.referralId).toBe(ar.id);
    expect(as.referralId).toBe(ar.id);
    expect(as.note).toBe('');
    expect(ar.hashes.every((h) => h.value.length === 0)).toBe(true);
    expect(ar.hashes.map((h) => h.algorithm)).toEqual(r.hashes.map((h) => h.algorithm));
  });
});
