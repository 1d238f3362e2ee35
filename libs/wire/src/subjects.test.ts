import { describe, expect, it } from 'vitest';
import {
  subjectMatchesFilter,
  Audience,
  InvalidSubjectError,
  InvalidSubjectTokenError,
  NoticeKind,
  parseSubject,
  subjectFilters,
  subjects,
} from './index.js';

const HOSTILE = ['a.b', '>', '*', 'eokm ', 'NL.>', '', 'x'.repeat(200), 'EOKM', 'eo\u0000km', 'eokm\n', '-eokm', 'e\tkm', 'ééé'];

describe('subject builders', () => {
  it.each(HOSTILE)('refuse the hostile id token %j with a typed error', (token) => {
    for (const build of [subjects.report, subjects.status, subjects.dlq, (t: string) => subjects.referral('NL', t)]) {
      expect(() => build(token)).toThrow(InvalidSubjectTokenError);
    }
  });

  it.each(['nl', 'N', 'NLD', 'N.', '*', '>', '', 'NL ', 'N1'])('refuse the country token %j', (cc) => {
    expect(() => subjects.hosting(cc)).toThrow(InvalidSubjectTokenError);
    expect(() => subjects.referral(cc, 'eokm')).toThrow(InvalidSubjectTokenError);
    expect(() => subjects.notice(cc, Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL)).toThrow(
      InvalidSubjectTokenError,
    );
  });

  it('builds the fixed subjects of the design', () => {
    expect(subjects.report('ncmec')).toBe('relay.report.ncmec');
    expect(subjects.hosting('NL')).toBe('relay.hosting.NL');
    expect(subjects.referral('NL', 'eokm')).toBe('relay.referral.NL.eokm');
    expect(subjects.notice('NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL)).toBe(
      'relay.notice.NL.police.police-referral',
    );
    expect(subjects.notice('DE', Audience.AUDIENCE_HOTLINE, NoticeKind.NOTICE_KIND_CDN_ORIGIN_REQUEST, 'eco')).toBe(
      'relay.notice.DE.hotline.eco.cdn-origin-request',
    );
    expect(subjects.notice('NL', Audience.AUDIENCE_AUTHORITY, NoticeKind.NOTICE_KIND_DEADLINE_ESCALATION)).toBe(
      'relay.notice.NL.authority.deadline-escalation',
    );
    expect(subjects.status('jugendschutz-net')).toBe('relay.status.jugendschutz-net');
    expect(subjects.recheck('XX')).toBe('relay.recheck.XX');
    expect(subjects.dlq('locator')).toBe('relay.dlq.locator');
  });

  it('refuses an unspecified audience or notice kind', () => {
    expect(() => subjects.notice('NL', Audience.AUDIENCE_UNSPECIFIED, NoticeKind.NOTICE_KIND_NO_HOTLINE)).toThrow(
      InvalidSubjectTokenError,
    );
    expect(() => subjects.notice('NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_UNSPECIFIED)).toThrow(
      InvalidSubjectTokenError,
    );
  });

  it('addresses a hotline notice to one hotline and never to a whole country', () => {
    expect(() => subjects.notice('DE', Audience.AUDIENCE_HOTLINE, NoticeKind.NOTICE_KIND_CASE_MOVED_OUT)).toThrow(InvalidSubjectTokenError);
    expect(() => subjects.notice('NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL, 'eokm')).toThrow(InvalidSubjectTokenError);
    for (const token of HOSTILE) {
      expect(() => subjects.notice('DE', Audience.AUDIENCE_HOTLINE, NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, token)).toThrow(InvalidSubjectTokenError);
    }
  });

  it('builds wildcard filters only where a token is left out', () => {
    expect(subjectFilters.referrals({ hotline: 'eokm' })).toBe('relay.referral.*.eokm');
    expect(subjectFilters.notices({ country: 'NL', audience: Audience.AUDIENCE_POLICE })).toBe('relay.notice.NL.police.*');
    expect(subjectFilters.notices({ country: 'DE', hotline: 'eco' })).toBe('relay.notice.DE.hotline.eco.*');
    expect(subjectFilters.notices({ hotline: 'interpol' })).toBe('relay.notice.*.hotline.interpol.*');
    expect(subjectFilters.notices({ audience: Audience.AUDIENCE_HOTLINE, kind: NoticeKind.NOTICE_KIND_CASE_MOVED_OUT })).toBe(
      'relay.notice.*.hotline.*.case-moved-out',
    );
    expect(subjectFilters.notices({ country: 'DE', audience: Audience.AUDIENCE_HOTLINE })).toBe('relay.notice.DE.hotline.>');
    expect(subjectFilters.notices({ country: 'DE' })).toBe('relay.notice.DE.>');
    expect(() => subjectFilters.referrals({ hotline: '>' })).toThrow(InvalidSubjectTokenError);
    expect(() => subjectFilters.notices({ hotline: '*' })).toThrow(InvalidSubjectTokenError);
    expect(() => subjectFilters.notices({ audience: Audience.AUDIENCE_POLICE, hotline: 'eco' })).toThrow(InvalidSubjectTokenError);
    expect(() => subjectFilters.notices({ kind: NoticeKind.NOTICE_KIND_CASE_MOVED_OUT })).toThrow(InvalidSubjectTokenError);
  });
});

describe('parseSubject', () => {
  it('takes apart every subject the builders make', () => {
    expect(parseSubject(subjects.referral('NL', 'eokm'))).toEqual({ kind: 'referral', country: 'NL', hotline: 'eokm' });
    expect(parseSubject(subjects.notice('DE', Audience.AUDIENCE_HOTLINE, NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, 'fsm'))).toEqual({
      kind: 'notice',
      country: 'DE',
      audience: Audience.AUDIENCE_HOTLINE,
      noticeKind: NoticeKind.NOTICE_KIND_CASE_MOVED_OUT,
      hotline: 'fsm',
    });
    expect(parseSubject(subjects.notice('NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_RELOCATION_IN))).toEqual({
      kind: 'notice',
      country: 'NL',
      audience: Audience.AUDIENCE_POLICE,
      noticeKind: NoticeKind.NOTICE_KIND_RELOCATION_IN,
    });
    expect(parseSubject('relay.intake.submit')).toEqual({ kind: 'intake-submit' });
    expect(parseSubject('relay.report.ncmec')).toEqual({ kind: 'report', source: 'ncmec' });
  });

  it('still reads a country-wide hotline notice stored before decision 0091, marked legacy', () => {
    expect(parseSubject('relay.notice.DE.hotline.case-moved-out')).toEqual({
      kind: 'notice',
      country: 'DE',
      audience: Audience.AUDIENCE_HOTLINE,
      noticeKind: NoticeKind.NOTICE_KIND_CASE_MOVED_OUT,
      legacy: true,
    });
  });

  it('reads an audit record’s author and action, and still reads one stored before records named their author, marked legacy', () => {
    expect(subjects.audit('operator-alice', 'replay')).toBe('relay.audit.operator-alice.replay');
    expect(parseSubject('relay.audit.operator-alice.replay')).toEqual({ kind: 'audit', actor: 'operator-alice', action: 'replay' });
    expect(parseSubject('relay.audit.replay')).toEqual({ kind: 'audit', action: 'replay', legacy: true });
    expect(() => subjects.audit('operator.bob', 'replay')).toThrow(InvalidSubjectTokenError);
    expect(subjectFilters.audit('operator-alice')).toBe('relay.audit.operator-alice.*');
  });

  it.each([
    'relay.audit.operator-alice.replay.x',
    'relay.audit.*.replay',
    'relay.referral.NL.*',
    'relay.referral.NL',
    'relay.notice.NL.police.unknown-kind',
    'relay.notice.NL.police.eokm.police-referral',
    'relay.notice.DE.hotline.eco',
    'relay.notice.DE.hotline.*.case-moved-out',
    'relay.notice.DE.hotline.ECO.case-moved-out',
    'relay.notice.DE.hotline.eco.case-moved-out.x',
    'relay.report.a.b',
    'nats.x',
    'relay.what.NL',
  ])(
    'refuses %j with a typed error',
    (s) => {
      expect(() => parseSubject(s)).toThrow(InvalidSubjectError);
    },
  );
});

describe('subjectMatchesFilter', () => {
  it('selects what a consumer with that filter would be delivered, and nothing else', () => {
    expect(subjectMatchesFilter('relay.referral.*.eokm', 'relay.referral.NL.eokm')).toBe(true);
    expect(subjectMatchesFilter('relay.referral.*.eokm', 'relay.referral.NL.eco')).toBe(false);
    expect(subjectMatchesFilter('relay.notice.NL.police.>', 'relay.notice.NL.police.case-moved-out')).toBe(true);
    expect(subjectMatchesFilter('relay.notice.NL.police.>', 'relay.notice.NL.police')).toBe(false);
    expect(subjectMatchesFilter('relay.referral.*', 'relay.referral.NL.eokm')).toBe(false);
    expect(subjectMatchesFilter('', 'relay.status.eokm')).toBe(true);
  });
});
