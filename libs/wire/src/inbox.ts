import { isIdToken } from './subjects.js';

/**
 * The root of every reply inbox: `_INBOX.<...>`. Generated users get
 * `_INBOX.<role>.<user>` (libs/accounts); clients without accounts use the
 * client's default `_INBOX.<nuid>`. No stream captures it.
 */
export const INBOX_ROOT = '_INBOX';

const TOKEN = /^[^\s.*>]+$/;

/**
 * Whether `subject` is a concrete reply inbox: under `_INBOX.`, at least one
 * more token, no wildcard, no empty token, no white space. A service answers
 * a request only when its reply subject passes this, so a requester cannot
 * steer the answer onto a stream, the JetStream API or another tenant's subject.
 */
export function isInboxSubject(subject: string | undefined): subject is string {
  if (subject === undefined || subject.length > 512) return false;
  const tokens = subject.split('.');
  return tokens.length >= 2 && tokens[0] === INBOX_ROOT && tokens.every((t) => TOKEN.test(t));
}

/**
 * The user a generated inbox prefix belongs to: `operator-alice` for
 * `_INBOX.operator.operator-alice`; undefined for any other prefix (a client
 * without accounts). The broker lets a user subscribe only to its own inbox,
 * so a connection whose requests are answered is that user (decision 0097).
 */
export function inboxUser(prefix: string | undefined): string | undefined {
  const t = prefix?.split('.') ?? [];
  const [root, role = '', user = ''] = t;
  return t.length === 3 && root === INBOX_ROOT && isIdToken(role) && isIdToken(user) ? user : undefined;
}
