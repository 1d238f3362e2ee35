import { Header, RelayType } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { checkNoticeRecipient, checkTarget, parseTargetSubject, republishOf } from './target.js';

describe('replay targets', () => {
  it('keeps the original subject with "original" and fills {n} from the original tokens', () => {
    expect(parseTargetSubject('original')('relay.hosting.NL')).toBe('relay.hosting.NL');
    expect(parseTargetSubject('relay.referral.{3}.offlimits')('relay.referral.NL.eokm')).toBe('relay.referral.NL.offlimits');
  });

  it('refuses wildcards, empty tokens, malformed placeholders and tokens the original lacks', () => {
    for (const bad of ['relay.hosting.*', 'relay.>', 'relay..x', 'relay.{0}', 'relay.{x}.a', 'relay.a{1}']) expect(() => parseTargetSubject(bad), bad).toThrow(UsageError);
    expect(() => parseTargetSubject('relay.hosting.{9}')('relay.hosting.NL')).toThrow('has 3 tokens');
  });

  it('lets a message go only where its type belongs, and never into the DLQ or the audit trail', () => {
    expect(() => checkTarget('relay.hosting.NL', RelayType.HostingObservation)).not.toThrow();
    expect(() => checkTarget('relay.hosting.NL', RelayType.Referral)).toThrow('relay.hosting.NL carries relay.v1.HostingObservation, not relay.v1.Referral');
    expect(() => checkTarget('relay.dlq.dispatcher', RelayType.Referral)).toThrow('not allowed');
    expect(() => checkTarget('relay.audit.replay', RelayType.AuditRecord)).toThrow('not allowed');
    expect(() => checkTarget('other.subject', RelayType.Referral)).toThrow('not a subject of the relay contract');
  });

  it('re-addresses a country-wide hotline notice of earlier versions to the hotline its payload names, and to no other', () => {
    const target = parseTargetSubject('relay.notice.{3}.hotline.{hotline}.{5}');
    const legacy = 'relay.notice.DE.hotline.case-moved-out';
    const to = target(legacy, () => 'fsm');
    expect(to).toBe('relay.notice.DE.hotline.fsm.case-moved-out');
    expect(() => checkTarget(to, RelayType.Notice)).not.toThrow();
    expect(() => checkNoticeRecipient(to, () => 'fsm')).not.toThrow();
    expect(() => checkNoticeRecipient(to, () => 'eco')).toThrow("is hotline fsm's, but the notice is addressed to hotline eco");
    expect(() => target('relay.notice.NL.police.police-referral', () => '')).toThrow('is not a notice addressed to a hotline');
    // The country-wide form is read, never written again.
    expect(() => checkTarget(legacy, RelayType.Notice)).toThrow('address it to one hotline');
  });

  it('re-publishes with the original id, origin, trace and signature, without DLQ or NATS headers', () => {
    const again = republishOf(
      {
        [Header.MsgId]: 'locator:obs_1',
        [Header.Origin]: 'locator',
        [Header.TraceParent]: '00-abc-def-01',
        [Header.Type]: RelayType.HostingObservation,
        [Header.Signer]: 'UABC',
        [Header.Signature]: 'sig',
        [Header.Error]: 'x: y',
        [Header.DlqSubject]: 'relay.hosting.NL',
        'Nats-Expected-Stream': 'HOSTING',
      },
      'replay:HOSTING:1',
    );
    expect(again).toEqual({
      msgId: 'locator:obs_1',
      origin: 'locator',
      traceparent: '00-abc-def-01',
      headers: { [Header.Type]: RelayType.HostingObservation, [Header.Signer]: 'UABC', [Header.Signature]: 'sig' },
    });
    expect(republishOf({}, 'replay:HOSTING:7')).toMatchObject({ msgId: 'replay:HOSTING:7', origin: 'operator' });
  });
});
