import { describe, expect, it } from 'vitest';
import { isInboxSubject } from './index.js';

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
