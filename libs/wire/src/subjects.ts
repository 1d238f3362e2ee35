import { isCountryCode } from './country.js';
import { InvalidSubjectError, InvalidSubjectTokenError } from './errors.js';
import { Audience, NoticeKind } from './gen/relay/v1/notice.js';

const ID_TOKEN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** Subject roots of the contract (docs/architecture.md §3-4). */
export const SubjectRoot = {
  IntakeSubmit: 'relay.intake.submit',
  Report: 'relay.report',
  Hosting: 'relay.hosting',
  Referral: 'relay.referral',
  Notice: 'relay.notice',
  Status: 'relay.status',
  Recheck: 'relay.recheck',
  Dlq: 'relay.dlq',
  Audit: 'relay.audit',
  Archive: 'relay.archive',
} as const;

/** Whether `value` can be an organisation, service or user id token (see {@link idToken}). */
export function isIdToken(value: string): boolean {
  return ID_TOKEN.test(value);
}

/**
 * Checks an organisation or service id for use as a subject token: lower-case
 * letters, digits and inner `-`, 1 to 64 characters.
 * @throws InvalidSubjectTokenError for anything else (`.`, `*`, `>`, spaces, ...).
 */
export function idToken(role: string, value: string): string {
  if (!isIdToken(value)) {
    throw new InvalidSubjectTokenError(role, value, 'must be 1-64 characters of [a-z0-9-], starting and ending with a letter or digit');
  }
  return value;
}

/**
 * Checks an ISO 3166-1 alpha-2 country code (upper case; `XX` = unknown).
 * @throws InvalidSubjectTokenError otherwise.
 */
export function countryToken(value: string): string {
  if (!isCountryCode(value)) {
    throw new InvalidSubjectTokenError('country', value, 'must be two upper-case letters (ISO 3166-1 alpha-2, XX when unknown)');
  }
  return value;
}

/** Subject token of an audience: `hotline`, `police`, `authority`. */
export function audienceToken(audience: Audience): string {
  if (audience === Audience.AUDIENCE_UNSPECIFIED || audience === Audience.UNRECOGNIZED) {
    throw new InvalidSubjectTokenError('audience', String(audience), 'must be hotline, police or authority');
  }
  return enumToken(Audience[audience], 'AUDIENCE_');
}

/** Subject token of a notice kind: `police-referral`, `case-moved-out`, ... */
export function noticeKindToken(kind: NoticeKind): string {
  if (kind === NoticeKind.NOTICE_KIND_UNSPECIFIED || kind === NoticeKind.UNRECOGNIZED) {
    throw new InvalidSubjectTokenError('notice kind', String(kind), 'must be a specified NoticeKind');
  }
  return enumToken(NoticeKind[kind], 'NOTICE_KIND_');
}

const HOTLINE_AUDIENCE = 'hotline';

/** The recipient part of a notice subject: `police`, `authority` or `hotline.<id>`. */
function noticeRecipient(audience: Audience, hotline: string | undefined): string {
  const token = audienceToken(audience);
  if (audience === Audience.AUDIENCE_HOTLINE) {
    if (hotline === undefined) throw new InvalidSubjectTokenError('hotline', '', 'a hotline notice is addressed to one hotline (decision 0091)');
    return `${token}.${idToken('hotline', hotline)}`;
  }
  if (hotline !== undefined) throw new InvalidSubjectTokenError('hotline', hotline, `only hotline notices name a hotline, not ${token} notices`);
  return token;
}

function enumToken(name: string | undefined, prefix: string): string {
  return (name ?? '').slice(prefix.length).toLowerCase().replaceAll('_', '-');
}

function enumFromToken<E extends Record<string, string | number>>(e: E, prefix: string, token: string): E[keyof E] | undefined {
  const key = prefix + token.toUpperCase().replaceAll('-', '_');
  const value = e[key as keyof E];
  return typeof value === 'number' ? value : undefined;
}

/** Builders for every subject of the contract. Each validates its tokens. */
export const subjects = {
  intakeSubmit: (): string => SubjectRoot.IntakeSubmit,
  report: (source: string): string => `${SubjectRoot.Report}.${idToken('source', source)}`,
  hosting: (country: string): string => `${SubjectRoot.Hosting}.${countryToken(country)}`,
  referral: (country: string, hotline: string): string =>
    `${SubjectRoot.Referral}.${countryToken(country)}.${idToken('hotline', hotline)}`,
  /**
   * A notice: `relay.notice.<CC>.police.<kind>`, `relay.notice.<CC>.authority.<kind>`, or, addressed to
   * one hotline, `relay.notice.<CC>.hotline.<hotline>.<kind>` (decision 0091). `hotline` is required
   * for the hotline audience and refused for the others.
   */
  notice: (country: string, audience: Audience, kind: NoticeKind, hotline?: string): string =>
    `${SubjectRoot.Notice}.${countryToken(country)}.${noticeRecipient(audience, hotline)}.${noticeKindToken(kind)}`,
  status: (hotline: string): string => `${SubjectRoot.Status}.${idToken('hotline', hotline)}`,
  recheck: (country: string): string => `${SubjectRoot.Recheck}.${countryToken(country)}`,
  dlq: (service: string): string => `${SubjectRoot.Dlq}.${idToken('service', service)}`,
  /**
   * An audit record: `relay.audit.<actor>.<action>`. `actor` is the NATS user
   * that writes it, so the broker's permissions bind the record to its
   * author (each user may publish only under its own name, decision 0112).
   */
  audit: (actor: string, action: string): string => `${SubjectRoot.Audit}.${idToken('audit actor', actor)}.${idToken('audit action', action)}`,
  /** Anonymised referrals and notices: `relay.archive.referral.<CC>`, `relay.archive.notice.<CC>`. */
  archive: (kind: 'referral' | 'notice', country: string): string => `${SubjectRoot.Archive}.${kind}.${countryToken(country)}`,
  /** Anonymised status updates: `relay.archive.status.<hotline>`. */
  archivedStatus: (hotline: string): string => `${SubjectRoot.Archive}.status.${idToken('hotline', hotline)}`,
} as const;

/**
 * Filter subjects (with wildcards) for consumers and subscriptions; an omitted
 * token matches any value.
 */
export const subjectFilters = {
  reports: (source?: string): string => `${SubjectRoot.Report}.${source === undefined ? '*' : idToken('source', source)}`,
  hosting: (country?: string): string => `${SubjectRoot.Hosting}.${country === undefined ? '*' : countryToken(country)}`,
  referrals: (f: { country?: string; hotline?: string } = {}): string =>
    `${SubjectRoot.Referral}.${f.country === undefined ? '*' : countryToken(f.country)}.${
      f.hotline === undefined ? '*' : idToken('hotline', f.hotline)
    }`,
  /**
   * Notices. A hotline (`hotline`, implies the hotline audience) gives
   * `relay.notice.<CC|*>.hotline.<id>.<kind|*>`. The hotline audience without
   * a hotline and without a kind gives `relay.notice.<CC|*>.hotline.>`, which
   * also matches the country-wide hotline notices stored before decision 0091;
   * no audience and no kind give `relay.notice.<CC|*>.>`.
   * @throws InvalidSubjectTokenError for a hotline with the police or authority
   * audience, or a kind without an audience (the two forms differ in length).
   */
  notices: (f: { country?: string; audience?: Audience; hotline?: string; kind?: NoticeKind } = {}): string => {
    const cc = f.country === undefined ? '*' : countryToken(f.country);
    const kind = f.kind === undefined ? '*' : noticeKindToken(f.kind);
    if (f.hotline !== undefined || f.audience === Audience.AUDIENCE_HOTLINE) {
      if (f.audience !== undefined && f.audience !== Audience.AUDIENCE_HOTLINE) {
        throw new InvalidSubjectTokenError('hotline', f.hotline ?? '', `only hotline notices name a hotline, not ${audienceToken(f.audience)} notices`);
      }
      if (f.hotline === undefined && f.kind === undefined) return `${SubjectRoot.Notice}.${cc}.${HOTLINE_AUDIENCE}.>`;
      return `${SubjectRoot.Notice}.${cc}.${HOTLINE_AUDIENCE}.${f.hotline === undefined ? '*' : idToken('hotline', f.hotline)}.${kind}`;
    }
    if (f.audience === undefined) {
      if (f.kind !== undefined) {
        throw new InvalidSubjectTokenError('audience', '', 'a notice kind filter needs an audience: hotline notices carry one more token');
      }
      return `${SubjectRoot.Notice}.${cc}.>`;
    }
    return `${SubjectRoot.Notice}.${cc}.${audienceToken(f.audience)}.${kind}`;
  },
  status: (hotline?: string): string => `${SubjectRoot.Status}.${hotline === undefined ? '*' : idToken('hotline', hotline)}`,
  rechecks: (country?: string): string => `${SubjectRoot.Recheck}.${country === undefined ? '*' : countryToken(country)}`,
  dlq: (service?: string): string => `${SubjectRoot.Dlq}.${service === undefined ? '*' : idToken('service', service)}`,
  /** Audit records written by one user (every action): `relay.audit.<actor>.*` (decision 0112). */
  audit: (actor: string): string => `${SubjectRoot.Audit}.${idToken('audit actor', actor)}.*`,
} as const;

/** A subject of the contract, taken apart. */
export type ParsedSubject =
  | { readonly kind: 'intake-submit' }
  | { readonly kind: 'report'; readonly source: string }
  | { readonly kind: 'hosting'; readonly country: string }
  | { readonly kind: 'referral'; readonly country: string; readonly hotline: string }
  | {
      readonly kind: 'notice';
      readonly country: string;
      readonly audience: Audience;
      readonly noticeKind: NoticeKind;
      /** The recipient of a hotline notice; absent for police and authority notices and for `legacy` ones. */
      readonly hotline?: string;
      /**
       * A country-wide hotline notice, `relay.notice.<CC>.hotline.<kind>`, as published before
       * decision 0091. Still parsed so that readers of NOTICES take stored ones in their stride;
       * never built, and not a publish target.
       */
      readonly legacy?: true;
    }
  | { readonly kind: 'status'; readonly hotline: string }
  | { readonly kind: 'recheck'; readonly country: string }
  | { readonly kind: 'dlq'; readonly service: string }
  | {
      readonly kind: 'audit';
      readonly action: string;
      /** The user that wrote it; absent for `legacy` records. */
      readonly actor?: string;
      /** `relay.audit.<action>`, as written before records were bound to their author (decision 0112): parsed, never built. */
      readonly legacy?: true;
    };

/**
 * True when a NATS subject filter selects `subject`: `*` matches one token,
 * a final `>` one or more, an empty filter everything (a consumer without one).
 */
export function subjectMatchesFilter(filter: string, subject: string): boolean {
  if (filter === '') return true;
  const f = filter.split('.');
  const s = subject.split('.');
  for (const [i, token] of f.entries()) {
    if (token === '>') return s.length > i;
    if (i >= s.length || (token !== '*' && token !== s[i])) return false;
  }
  return f.length === s.length;
}

/**
 * Parses a concrete subject of the contract.
 * @throws InvalidSubjectError when it is not one, naming the offending token.
 */
export function parseSubject(subject: string): ParsedSubject {
  if (subject === SubjectRoot.IntakeSubmit) return { kind: 'intake-submit' };
  const t = subject.split('.');
  if (t[0] !== 'relay') throw new InvalidSubjectError(subject, 'is not under relay.');
  try {
    const [, root, a = '', b = ''] = t;
    const arity = (n: number): void => {
      if (t.length !== n) throw new InvalidSubjectError(subject, `must have ${n} tokens`);
    };
    switch (root) {
      case 'report':
        arity(3);
        return { kind: 'report', source: idToken('source', a) };
      case 'hosting':
        arity(3);
        return { kind: 'hosting', country: countryToken(a) };
      case 'referral':
        arity(4);
        return { kind: 'referral', country: countryToken(a), hotline: idToken('hotline', b) };
      case 'notice':
        return parseNotice(subject, t);
      case 'status':
        arity(3);
        return { kind: 'status', hotline: idToken('hotline', a) };
      case 'recheck':
        arity(3);
        return { kind: 'recheck', country: countryToken(a) };
      case 'dlq':
        arity(3);
        return { kind: 'dlq', service: idToken('service', a) };
      case 'audit':
        if (t.length === 3) return { kind: 'audit', action: idToken('audit action', a), legacy: true };
        arity(4);
        return { kind: 'audit', actor: idToken('audit actor', a), action: idToken('audit action', b) };
      default:
        throw new InvalidSubjectError(subject, `has unknown root ${JSON.stringify(root)}`);
    }
  } catch (err) {
    if (err instanceof InvalidSubjectError) throw err;
    throw new InvalidSubjectError(subject, err instanceof Error ? err.message : String(err), err);
  }
}

function parseNotice(subject: string, t: readonly string[]): ParsedSubject {
  const [, , cc = '', audienceText = ''] = t;
  const audience = enumFromToken(Audience, 'AUDIENCE_', audienceText);
  if (audience === undefined || audience === Audience.AUDIENCE_UNSPECIFIED) {
    throw new InvalidSubjectTokenError('audience', audienceText, 'must be hotline, police or authority');
  }
  const hotlineAddressed = audience === Audience.AUDIENCE_HOTLINE && t.length === 6;
  const legacy = audience === Audience.AUDIENCE_HOTLINE && t.length === 5;
  if (!hotlineAddressed && t.length !== 5) {
    throw new InvalidSubjectError(subject, audience === Audience.AUDIENCE_HOTLINE ? 'must have 6 tokens (relay.notice.<CC>.hotline.<hotline>.<kind>)' : 'must have 5 tokens');
  }
  const kindText = t[t.length - 1] ?? '';
  const noticeKind = enumFromToken(NoticeKind, 'NOTICE_KIND_', kindText);
  if (noticeKind === undefined || noticeKind === NoticeKind.NOTICE_KIND_UNSPECIFIED) {
    throw new InvalidSubjectTokenError('notice kind', kindText, 'is not a NoticeKind');
  }
  const base = { kind: 'notice', country: countryToken(cc), audience, noticeKind } as const;
  if (hotlineAddressed) return { ...base, hotline: idToken('hotline', t[4] ?? '') };
  return legacy ? { ...base, legacy: true } : base;
}
