import type { ParsedAddress } from './address.js';

/** A network's autonomous system: number and organisation. */
export interface AsnRecord {
  readonly asn: number;
  readonly organisation: string;
}

/** Where IP -> country answers come from (an embedded dataset or a licensed database). */
export interface CountrySource {
  /** Short name for logs and `relay locate` output, e.g. `geo-whois-asn-country 2.3.2026061719`. */
  readonly name: string;
  /** ISO 3166-1 alpha-2 country (upper case) of the address, or undefined when unknown. */
  country(address: ParsedAddress): string | undefined;
}

/** Where IP -> ASN answers come from (the embedded table or a licensed database). */
export interface AsnSource {
  readonly name: string;
  /** The autonomous system announcing the address, or undefined when unknown. */
  lookup(address: ParsedAddress): AsnRecord | undefined;
}
