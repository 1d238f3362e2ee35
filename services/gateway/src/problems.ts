import { IntakeRule as Rule, MAX_PROBLEM_ERRORS, type Problem, problemType, type Violation } from '@relay/wire';

// The problem document, its rules and media type are the intake reply's contract in @relay/wire;
// the gateway's files name them from here, with the builders below.
export { PROBLEM_CONTENT_TYPE } from '@relay/wire';
export type { Problem, Violation } from '@relay/wire';
export { Rule };

const TITLES: Readonly<Record<number, string>> = {
  400: 'Invalid report',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  413: 'Report too large',
  409: 'Report id already used',
  415: 'Unsupported media type',
  429: 'Too many reports',
  500: 'Internal error',
  503: 'Not stored, retry later',
};

/** A problem with one cause; `pointer` names the field when there is one. */
export function problem(status: number, rule: Rule, detail: string, pointer?: string): Problem {
  return {
    type: problemType(rule),
    title: TITLES[status] ?? 'Refused',
    status,
    detail,
    rule,
    ...(pointer === undefined ? {} : { pointer, errors: [{ pointer, rule, detail }] }),
  };
}

/** JetStream's store is full (decision 0145): nothing was stored, so the same report may be resent after Retry-After. */
export function storeFullProblem(): Problem {
  return problem(503, Rule.StoreFull, "the relay's store is full, so the report was not stored: resend the same report after Retry-After");
}

/** A 400 problem listing violations (the first one is summarised at the top). */
export function invalid(violations: readonly Violation[]): Problem {
  const list = violations.slice(0, MAX_PROBLEM_ERRORS);
  const first = list[0] ?? { pointer: '', rule: Rule.Format, detail: 'the report is invalid' };
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
  return {
    type: problemType(first.rule),
    title: TITLES[400] ?? 'Invalid report',
    status: 400,
    detail: `${first.pointer || '/'}: ${first.detail}${more}`,
    rule: first.rule,
    pointer: first.pointer,
    errors: list,
  };
}

/** A JSON pointer (RFC 6901) for a path of keys and indexes. */
export function toPointer(path: readonly PropertyKey[]): string {
  return path.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}
