import { InvalidSubjectError, InvalidSubjectTokenError } from './errors.js';
import { Audience, NoticeKind } from './gen/relay/v1/notice.js';

/** Country token for "jurisdiction unknown". */
export const UNKNOWN_COUNTRY = 'XX';

const ID_TOKEN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const COUNTRY_TOKEN = /^[A-Z]{2}$/;

/** Subject roots of the contract (DESIGN §2-3). */
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

/**
 * Checks an organisation or service id for use as a subject token: lower-case
 * letters, digits and inner `-`, 1 to 64 characters.
 * @throws InvalidSubjectTokenError for anything else (`.`, `*`, `>`, spaces, ...).
 */
export function idToken(role: string, value: string): string {
  if (!ID_TOKEN.test(value)) {
    throw new InvalidSubjectTokenError(role, value, 'must be 1-64 characters of [a-z0-9-], starting and ending with a letter or digit');
  }
  return value;
}

/**
 * Checks an ISO 3166-1 alpha-2 country code (upper case; `XX` = unknown).
 * @throws InvalidSubjectTokenError otherwise.
 */
export function countryToken(value: string): string {
  if (!COUNTRY_TOKEN.test(value)) {
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
  notice: (country: string, audience: Audience, kind: NoticeKind): string =>
    `${SubjectRoot.Notice}.${countryToken(country)}.${audienceToken(audience)}.${noticeKindToken(kind)}`,
  status: (hotline: string): string => `${SubjectRoot.Status}.${idToken('hotline', hotline)}`,
  recheck: (country: string): string => `${SubjectRoot.Recheck}.${countryToken(country)}`,
  dlq: (service: string): string => `${SubjectRoot.Dlq}.${idToken('service', service)}`,
  audit: (action: string): string => `${SubjectRoot.Audit}.${idToken('audit action', action)}`,
  /** Anonymised referrals and notices: `relay.archive.referral.<CC>`, `relay.archive.notice.<CC>`. */
  archive: (kind: 'referral' | 'notice', country: string): string => `${SubjectRoot.Archive}.${kind}.${countryToken(country)}`,
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
  notices: (f: { country?: string; audience?: Audience; kind?: NoticeKind } = {}): string =>
    `${SubjectRoot.Notice}.${f.country === undefined ? '*' : countryToken(f.country)}.${
      f.audience === undefined ? '*' : audienceToken(f.audience)
    }.${f.kind === undefined ? '*' : noticeKindToken(f.kind)}`,
  status: (hotline?: string): string => `${SubjectRoot.Status}.${hotline === undefined ? '*' : idToken('hotline', hotline)}`,
  rechecks: (country?: string): string => `${SubjectRoot.Recheck}.${country === undefined ? '*' : countryToken(country)}`,
  dlq: (service?: string): string => `${SubjectRoot.Dlq}.${service === undefined ? '*' : idToken('service', service)}`,
} as const;

/** A subject of the contract, taken apart. */
export type ParsedSubject =
  | { readonly kind: 'intake-submit' }
  | { readonly kind: 'report'; readonly source: string }
  | { readonly kind: 'hosting'; readonly country: string }
  | { readonly kind: 'referral'; readonly country: string; readonly hotline: string }
  | { readonly kind: 'notice'; readonly country: string; readonly audience: Audience; readonly noticeKind: NoticeKind }
  | { readonly kind: 'status'; readonly hotline: string }
  | { readonly kind: 'recheck'; readonly country: string }
  | { readonly kind: 'dlq'; readonly service: string }
  | { readonly kind: 'audit'; readonly action: string };

/**
 * Parses a concrete subject of the contract.
 * @throws InvalidSubjectError when it is not one, naming the offending token.
 */
export function parseSubject(subject: string): ParsedSubject {
  if (subject === SubjectRoot.IntakeSubmit) return { kind: 'intake-submit' };
  const t = subject.split('.');
  if (t[0] !== 'relay') throw new InvalidSubjectError(subject, 'is not under relay.');
  try {
    const [, root, a = '', b = '', c = ''] = t;
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
      case 'notice': {
        arity(5);
        const audience = enumFromToken(Audience, 'AUDIENCE_', b);
        const noticeKind = enumFromToken(NoticeKind, 'NOTICE_KIND_', c);
        if (audience === undefined || audience === Audience.AUDIENCE_UNSPECIFIED) {
          throw new InvalidSubjectTokenError('audience', b, 'must be hotline, police or authority');
        }
        if (noticeKind === undefined || noticeKind === NoticeKind.NOTICE_KIND_UNSPECIFIED) {
          throw new InvalidSubjectTokenError('notice kind', c, 'is not a NoticeKind');
        }
        return { kind: 'notice', country: countryToken(a), audience, noticeKind };
      }
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
        arity(3);
        return { kind: 'audit', action: idToken('audit action', a) };
      default:
        throw new InvalidSubjectError(subject, `has unknown root ${JSON.stringify(root)}`);
    }
  } catch (err) {
    if (err instanceof InvalidSubjectError) throw err;
    throw new InvalidSubjectError(subject, err instanceof Error ? err.message : String(err), err);
  }
}
