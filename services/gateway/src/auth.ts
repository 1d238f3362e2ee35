import { type Problem, problem, Rule } from './problems.js';
import { hashKey, type SourceEntry, type SourcesFile } from './sources.js';

/** Who submitted, or why the submission is refused before its body is read. */
export type AuthResult = { readonly ok: true; readonly source: string } | { readonly ok: false; readonly problem: Problem };

/** Answers "which source is this key?" for the HTTP and NATS intake alike. */
export interface Keyring {
  /** Checks an `Authorization` header value (`Bearer <key>`). */
  authenticate(authorization: string | undefined): AuthResult;
  /** The source's own rate limit per minute, if its entry sets one. */
  rateLimitOf(source: string): number | undefined;
  /** The hotline whose statuses the source may send (its entry's `hotline`), if any. */
  hotlineOf(source: string): string | undefined;
}

// RFC 6750 b64token; length bounds keep absurd headers out of the hash.
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]{16,512}=*)$/;

/**
 * A keyring over the sources file. The source id comes from the key alone;
 * nothing in a report body can change it. An unknown or malformed key is
 * 401; a known key of a disabled source is 403.
 */
export function createKeyring(sources: SourcesFile): Keyring {
  const byHash = new Map<string, SourceEntry>();
  const byId = new Map<string, SourceEntry>();
  for (const s of sources.sources) {
    byId.set(s.id, s);
    for (const k of s.keySha256) byHash.set(k, s);
  }
  return {
    authenticate(authorization) {
      if (authorization === undefined || authorization === '') {
        return { ok: false, problem: problem(401, Rule.Unauthenticated, 'send the API key as Authorization: Bearer <key>') };
      }
      const key = BEARER.exec(authorization.trim())?.[1];
      if (key === undefined) {
        return { ok: false, problem: problem(401, Rule.Unauthenticated, 'the Authorization header must be Bearer <key>, 16-512 characters of base64url') };
      }
      const entry = byHash.get(hashKey(key));
      if (entry === undefined) return { ok: false, problem: problem(401, Rule.Unauthenticated, 'unknown API key') };
      if (entry.disabled === true) return { ok: false, problem: problem(403, Rule.Forbidden, `source ${entry.id} is disabled`) };
      return { ok: true, source: entry.id };
    },
    rateLimitOf(source) {
      return byId.get(source)?.rateLimitPerMinute;
    },
    hotlineOf(source) {
      return byId.get(source)?.hotline;
    },
  };
}
