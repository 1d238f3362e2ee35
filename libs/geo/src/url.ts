import ipaddr from 'ipaddr.js';
import { getDomain } from 'tldts';
import { looksLikeDottedQuad } from './address.js';
import { InvalidUrlError } from './errors.js';

/** What kind of host a URL names. */
export const HostKind = { Domain: 'domain', IPv4: 'ipv4', IPv6: 'ipv6' } as const;
export type HostKind = (typeof HostKind)[keyof typeof HostKind];

/** A reported URL in the canonical form cases are keyed on. */
export interface NormalisedUrl {
  /** The URL as given. */
  readonly url: string;
  /**
   * WHATWG serialisation with a lower-case (punycode) host, IPv4 literals in
   * dotted-quad form, IPv6 in RFC 5952 form, no default port, no credentials,
   * no fragment, no trailing dot on the host.
   */
  readonly normalizedUrl: string;
  /** The host: a domain name, a dotted-quad IPv4 or an IPv6 address (no brackets). */
  readonly host: string;
  readonly hostKind: HostKind;
  /** Public suffix + 1 (private suffixes such as github.io count), '' for IP literals. */
  readonly registrableDomain: string;
}

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Adds the `http://` a reporter left out (`www.example.com/x`, `//host/x`, a bare IPv6 address). */
function withScheme(input: string): string {
  if (HAS_SCHEME.test(input)) return input;
  if (input.startsWith('//')) return `http:${input}`;
  if (ipaddr.IPv6.isValid(input)) return `http://[${input}]/`;
  return `http://${input}`;
}

/**
 * Normalises a reported URL with the WHATWG URL parser, the one browsers use,
 * so every host form a browser accepts is reduced to the host it would
 * contact: decimal (`http://3232235777/`), hex (`0xC0A80101`), octal
 * (`0300.0250.1.1`) and shortened (`127.1`) IPv4, full-width digits,
 * percent-encoded hosts, IPv6 in brackets, and IDN (to punycode).
 * Credentials are dropped (`http://bank.example@1.2.3.4/` is 1.2.3.4).
 * @throws InvalidUrlError when there is no http(s) URL with a host.
 */
export function normaliseUrl(input: string): NormalisedUrl {
  const trimmed = input.trim();
  if (trimmed === '') throw new InvalidUrlError(input, 'it is empty');
  let u: URL;
  try {
    u = new URL(withScheme(trimmed));
  } catch (err) {
    throw new InvalidUrlError(input, 'the WHATWG URL parser refuses it (bad host, port or characters)', err);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidUrlError(input, `scheme ${u.protocol.slice(0, -1)} is not http or https`);
  if (u.hostname === '') throw new InvalidUrlError(input, 'it has no host');
  u.username = '';
  u.password = '';
  u.hash = '';
  if (u.hostname.endsWith('.')) u.hostname = u.hostname.replace(/\.+$/, '');
  if (u.hostname === '') throw new InvalidUrlError(input, 'it has no host');

  if (u.hostname.startsWith('[')) {
    return { url: input, normalizedUrl: u.href, host: u.hostname.slice(1, -1), hostKind: HostKind.IPv6, registrableDomain: '' };
  }
  // The WHATWG parser has already turned every IPv4 form into a dotted quad.
  if (looksLikeDottedQuad(u.hostname)) {
    return { url: input, normalizedUrl: u.href, host: u.hostname, hostKind: HostKind.IPv4, registrableDomain: '' };
  }
  const registrableDomain = getDomain(u.hostname, { allowPrivateDomains: true }) ?? '';
  return { url: input, normalizedUrl: u.href, host: u.hostname, hostKind: HostKind.Domain, registrableDomain };
}

/**
 * The key a URL is observed and audited under: its normalised form, or the
 * URL as reported when it has none (decision 0070).
 */
export function urlKey(url: string): string {
  try {
    return normaliseUrl(url).normalizedUrl;
  } catch {
    return url;
  }
}
