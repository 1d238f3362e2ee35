import ipaddr from 'ipaddr.js';

/**
 * Addresses no webhook may reach, even when the operator allows private
 * addresses for an endpoint: cloud metadata services (AWS, GCP, Azure,
 * OpenStack on 169.254.169.254, AWS's IPv6 fd00:ec2::254, Alibaba's
 * 100.100.100.200) and every link-local address around them.
 */
const METADATA = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200'].map((a) => ipaddr.parse(a).toNormalizedString());

/** ipaddr.js ranges a private-allowed endpoint may use: the operator's own networks. */
const PRIVATE_ALLOWED = new Set(['private', 'loopback', 'uniqueLocal', 'carrierGradeNat']);

/** What an address is, for the outbound rules. */
export type AddressVerdict = { readonly allowed: true; readonly loopback: boolean } | { readonly allowed: false; readonly reason: string };

/**
 * Decides whether the courier may connect to `address` (an IP literal, as
 * resolved): only global unicast addresses, unless `allowPrivate` lets the
 * operator's private, loopback, unique-local and CGNAT ranges through.
 * Link-local, metadata, unspecified, multicast, broadcast and reserved
 * ranges are never allowed. IPv4-mapped IPv6 is judged as its IPv4 address.
 */
export function judgeAddress(address: string, allowPrivate: boolean): AddressVerdict {
  if (!ipaddr.isValid(address)) return { allowed: false, reason: `${address} is not an IP address` };
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (METADATA.includes(ip.toNormalizedString())) return { allowed: false, reason: `${address} is a cloud metadata address` };
  const range = ip.range();
  if (range === 'unicast') return { allowed: true, loopback: false };
  if (allowPrivate && PRIVATE_ALLOWED.has(range)) return { allowed: true, loopback: range === 'loopback' };
  return { allowed: false, reason: `${address} is in the ${range} range${PRIVATE_ALLOWED.has(range) ? ' (not allowed for this endpoint)' : ''}` };
}
