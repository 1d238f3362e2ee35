import { COUNTRY_CODE, COUNTRY_CODE_RULE } from '@relay/wire';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { ipv6Words, type ParsedAddress } from './address.js';
import { CDN_OPERATORS, type CdnOperator } from './cdn-operators.js';
import { GeoDataError } from './errors.js';

/** Recognises addresses of CDN and reverse-proxy networks. */
export interface CdnCatalogue {
  readonly operators: readonly CdnOperator[];
  /**
   * The operator in front of the host when `address` (announced by `asn`,
   * 0 when unknown) belongs to a CDN or reverse proxy; undefined otherwise.
   */
  operatorOf(address: ParsedAddress, asn: number): CdnOperator | undefined;
}

const cidr = z.string().refine((c) => ipaddr.isValidCIDR(c), 'must be an IPv4 or IPv6 CIDR block');
const operatorSchema = z.object({
  name: z.string().min(1),
  company: z.string().min(1),
  country: z.string().regex(COUNTRY_CODE, COUNTRY_CODE_RULE),
  kind: z.enum(['cdn', 'reverse-proxy']),
  asns: z.array(z.number().int().positive().max(0xffffffff)),
  prefixes: z.array(cidr).optional(),
  source: z.string().min(1),
});

interface Block4 {
  readonly start: number;
  readonly end: number;
  readonly operator: CdnOperator;
}
interface Block6 {
  readonly start: readonly number[];
  readonly end: readonly number[];
  readonly operator: CdnOperator;
}

function within6(w: readonly number[], start: readonly number[], end: readonly number[]): boolean {
  const cmp = (a: readonly number[], b: readonly number[]): number => {
    for (let k = 0; k < 4; k++) if ((a[k] ?? 0) !== (b[k] ?? 0)) return (a[k] ?? 0) < (b[k] ?? 0) ? -1 : 1;
    return 0;
  };
  return cmp(w, start) >= 0 && cmp(w, end) <= 0;
}

function v4Number(a: ipaddr.IPv4): number {
  return a.octets.reduce((n, o) => n * 256 + o, 0);
}

/**
 * Builds the catalogue from operator data (default: {@link CDN_OPERATORS}).
 * Lookup is a map probe by ASN, then a binary search over the prefix blocks.
 * @throws GeoDataError naming the operator and field when the data is malformed
 * or an ASN is claimed by two operators.
 */
export function createCdnCatalogue(operators: readonly CdnOperator[] = CDN_OPERATORS): CdnCatalogue {
  const byAsn = new Map<number, CdnOperator>();
  const blocks4: Block4[] = [];
  const blocks6: Block6[] = [];
  operators.forEach((op, i) => {
    const parsed = operatorSchema.safeParse(op);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new GeoDataError('CDN operators', `entry ${i} (${op.name}): ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`);
    }
    for (const asn of op.asns) {
      const other = byAsn.get(asn);
      if (other) throw new GeoDataError('CDN operators', `AS${asn} is listed for both ${other.name} and ${op.name}`);
      byAsn.set(asn, op);
    }
    for (const block of op.prefixes ?? []) {
      const [addr] = ipaddr.parseCIDR(block);
      if (addr.kind() === 'ipv4') {
        const start = v4Number(ipaddr.IPv4.networkAddressFromCIDR(block));
        const end = v4Number(ipaddr.IPv4.broadcastAddressFromCIDR(block));
        blocks4.push({ start, end, operator: op });
      } else {
        const start = ipv6Words(ipaddr.IPv6.networkAddressFromCIDR(block).toString());
        const end = ipv6Words(ipaddr.IPv6.broadcastAddressFromCIDR(block).toString());
        blocks6.push({ start, end, operator: op });
      }
    }
  });
  blocks4.sort((a, b) => a.start - b.start);

  const find4 = (ip: number): CdnOperator | undefined => {
    let lo = 0;
    let hi = blocks4.length - 1;
    let found: Block4 | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const b = blocks4[mid];
      if (b !== undefined && b.start <= ip) {
        found = b;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found !== undefined && ip <= found.end ? found.operator : undefined;
  };

  return {
    operators,
    operatorOf(address, asn) {
      if (address.unroutable) return undefined;
      const direct = byAsn.get(asn);
      if (direct) return direct;
      if (address.v6 === undefined) return find4(address.v4);
      const w = address.v6;
      return blocks6.find((b) => within6(w, b.start, b.end))?.operator;
    },
  };
}
