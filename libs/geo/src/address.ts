import ipaddr from 'ipaddr.js';
import { InvalidAddressError } from './errors.js';
import { dottedQuadValue, ipv4RangeOf } from './ipv4.js';

/**
 * An IP address taken apart for geolocation: its canonical text, the
 * ipaddr.js range it falls in, whether it can ever be a jurisdiction, and the
 * address the datasets are asked about (itself, or the IPv4 address embedded
 * in an IPv4-mapped, NAT64 or 6to4 address).
 */
export interface ParsedAddress {
  /** Canonical text: IPv4 dotted quad, IPv6 RFC 5952 (lower case, compressed). */
  readonly ip: string;
  readonly family: 4 | 6;
  /** The ipaddr.js range name: `unicast`, `private`, `loopback`, `linkLocal`, `reserved`, ... */
  readonly range: string;
  /** True for every range that is not globally routed unicast: never a jurisdiction. */
  readonly unroutable: boolean;
  /** Canonical text of the address to geolocate (the embedded IPv4 address where there is one). */
  readonly lookupIp: string;
  /** Family of `lookupIp`. */
  readonly lookupFamily: 4 | 6;
  /** `lookupIp` as an unsigned 32-bit number (IPv4), or its four big-endian 32-bit words (IPv6). */
  readonly v4: number;
  readonly v6: readonly [number, number, number, number] | undefined;
}

/** IPv6 ranges that carry an IPv4 address in their last 32 bits. */
const EMBEDS_IPV4_TAIL = new Set(['ipv4Mapped', 'rfc6145']);

/**
 * Parses an IPv4 address in dotted-quad form or an IPv6 address (an optional
 * zone id is dropped) and classifies it as ipaddr.js does (IPv4 from a table
 * built from ipaddr.js's own range list, see `ipv4.ts`). Shortened, hex,
 * octal and decimal IPv4 forms are refused here: URLs are canonicalised by
 * the WHATWG parser first (see `normaliseUrl`), DNS answers are canonical.
 * @throws InvalidAddressError for anything else.
 */
export function parseAddress(text: string): ParsedAddress {
  // Fast path, most lookups: canonical dotted quad, classified from a table built from ipaddr.js.
  const v4 = dottedQuadValue(text);
  if (v4 >= 0) return parsed(text, 4, ipv4RangeOf(v4), text, 4, v4, undefined);
  const input = text.trim();
  if (DOTTED_QUAD.test(input)) {
    try {
      return fromIPv4(ipaddr.IPv4.parse(input));
    } catch (err) {
      throw new InvalidAddressError(text, err);
    }
  }
  const unbracketed = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  if (ipaddr.IPv6.isValid(unbracketed)) return fromIPv6(ipaddr.IPv6.parse(unbracketed));
  throw new InvalidAddressError(text);
}

/** Four decimal parts without leading zeros (the form ipaddr.js calls four-part decimal); ipaddr.js checks each is <= 255. */
const DOTTED_QUAD = /^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/;

/**
 * True when `text` has the shape of a dotted-quad IPv4 address. A cheap test
 * (ipaddr.js's own validators throw and catch an Error per non-address, which
 * costs more than a whole lookup); `parseAddress` still checks the values.
 */
export function looksLikeDottedQuad(text: string): boolean {
  return DOTTED_QUAD.test(text);
}

/** Every ParsedAddress is built here, with one shape, so lookups stay monomorphic. */
function parsed(
  ip: string,
  family: 4 | 6,
  range: string,
  lookupIp: string,
  lookupFamily: 4 | 6,
  v4: number,
  v6: readonly [number, number, number, number] | undefined,
): ParsedAddress {
  return { ip, family, range, unroutable: range !== 'unicast', lookupIp, lookupFamily, v4, v6 };
}

/** True when `text` is an IPv4 dotted quad or an IPv6 address (brackets allowed). */
export function isIpAddress(text: string): boolean {
  try {
    parseAddress(text);
    return true;
  } catch {
    return false;
  }
}

function fromIPv4(addr: ipaddr.IPv4): ParsedAddress {
  const ip = addr.toString();
  return parsed(ip, 4, addr.range(), ip, 4, v4Number(addr), undefined);
}

function fromIPv6(addr: ipaddr.IPv6): ParsedAddress {
  const range = addr.range();
  const ip = addr.toRFC5952String();
  const embedded = embeddedIPv4(addr, range);
  if (embedded !== undefined) {
    // The wrapper is as routable as the IPv4 address inside it.
    const innerRange = embedded.range();
    return parsed(ip, 6, innerRange === 'unicast' ? 'unicast' : innerRange, embedded.toString(), 4, v4Number(embedded), undefined);
  }
  return parsed(ip, 6, range, ip, 6, 0, v6Words(addr));
}

/**
 * The IPv4 address an IPv6 address stands for, where the IPv6 form is only a
 * wrapper: IPv4-mapped (`::ffff:a.b.c.d`), SIIT (RFC 6145), the NAT64
 * well-known prefix `64:ff9b::/96` (RFC 6052) and 6to4 `2002:AABB:CCDD::/48`
 * (RFC 3056, the IPv4 address of the site's router). Teredo and the
 * local-use NAT64 prefix are not unwrapped: they stay unroutable.
 */
function embeddedIPv4(addr: ipaddr.IPv6, range: string): ipaddr.IPv4 | undefined {
  const p = addr.parts;
  const tail = (hi: number, lo: number): ipaddr.IPv4 => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  if (EMBEDS_IPV4_TAIL.has(range)) return tail(p[6] ?? 0, p[7] ?? 0);
  if (range === 'rfc6052' && p[0] === 0x64 && p[1] === 0xff9b && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0) {
    return tail(p[6] ?? 0, p[7] ?? 0);
  }
  if (range === '6to4') return tail(p[1] ?? 0, p[2] ?? 0);
  return undefined;
}

function v4Number(addr: ipaddr.IPv4): number {
  const o = addr.octets;
  return (((o[0] ?? 0) << 24) | ((o[1] ?? 0) << 16) | ((o[2] ?? 0) << 8) | (o[3] ?? 0)) >>> 0;
}

function v6Words(addr: ipaddr.IPv6): [number, number, number, number] {
  const p = addr.parts;
  const w = (i: number): number => ((((p[i] ?? 0) << 16) | (p[i + 1] ?? 0)) >>> 0);
  return [w(0), w(2), w(4), w(6)];
}

/**
 * The four big-endian 32-bit words of an IPv6 address, as written (no
 * unwrapping of embedded IPv4 addresses): for range tables.
 * @throws InvalidAddressError when `text` is not an IPv6 address.
 */
export function ipv6Words(text: string): [number, number, number, number] {
  if (!ipaddr.IPv6.isValid(text)) throw new InvalidAddressError(text);
  return v6Words(ipaddr.IPv6.parse(text));
}

/**
 * Orders addresses IPv4 first, then IPv6, each numerically: a stable order
 * for observations, whatever order DNS answered in.
 */
export function compareAddresses(a: string, b: string): number {
  const x = ipaddr.parse(a).toByteArray();
  const y = ipaddr.parse(b).toByteArray();
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
