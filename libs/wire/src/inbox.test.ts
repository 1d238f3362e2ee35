import { describe, expect, it } from 'vitest';
import { inboxUser, isInboxSubject } from './index.js';

describe('isInboxSubject', () => {
  it.each(['_INBOX.hotline.hotline-eokm.abc123.1', '_INBOX.Xy7GqW3', '_INBOX.operator.operator-alice.n.2'])('accepts the reply inbox %s', (s) => {
    expect(isInboxSubject(s)).toBe(true);
  });

  it.each([
    '$JS.API.STREAM.PURGE.HOSTING',
    '$JS.API.STREAM.MSG.DELETE.REFERRALS',
    '$KV.relay-cases.c1',
    'relay.referral.DE.fsm',
    'relay.report.ncmec',
    '_INBOX',
    '_INBOX.',
    '_INBOX..x',
    '_INBOX.*',
    '_INBOX.>',
    '_INBOX.a b',
    '_INBOXX.a',
    '_inbox.a',
    '',
    undefined,
  ])('refuses %s as a reply subject', (s) => {
    expect(isInboxSubject(s)).toBe(false);
  });
});

describe('inboxUser', () => {
  it('names the user of a generated inbox prefix, and nobody for any other', () => {
    expect(inboxUser('_INBOX.operator.operator-alice')).toBe('operator-alice');
    expect(inboxUser('_INBOX.break-glass.break-glass')).toBe('break-glass');
    for (const p of [undefined, '', '_INBOX', '_INBOX.operator', '_INBOX.operator.operator-alice.x', '_INBOX.operator.Alice', 'X.operator.alice', '_INBOX.*.alice']) {
      expect(inboxUser(p), String(p)).toBeUndefined();
    }
  });
});
