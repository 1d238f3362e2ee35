export { compareAddresses, isIpAddress, parseAddress } from './address.js';
export type { ParsedAddress } from './address.js';
export { asnIndexPath, DEFAULT_ASN_INDEX_DIR, ensureAsnIndex, loadEmbeddedAsn } from './asn-table.js';
export type { AsnLoad, EmbeddedAsnOptions } from './asn-table.js';
export { CDN_OPERATORS } from './cdn-operators.js';
export type { CdnOperator } from './cdn-operators.js';
export { createCdnCatalogue } from './cdn.js';
export type { CdnCatalogue } from './cdn.js';
export { countryIndexPath, ensureCountryIndex, loadEmbeddedCountry } from './country-table.js';
export type { CountryLoad, EmbeddedCountryDataset, EmbeddedCountryOptions } from './country-table.js';
export { canonicalHost, DnsError, DnsFailure, isDnsError } from './dns/resolver.js';
export type { HostResolver, Resolution } from './dns/resolver.js';
export { createSystemResolver } from './dns/system-resolver.js';
export type { SystemResolverOptions } from './dns/system-resolver.js';
export { readZoneFile, zoneSchema } from './dns/zone-file.js';
export type { Zone, ZoneRecord } from './dns/zone-file.js';
export { createZoneResolver } from './dns/zone-resolver.js';
export type { ZoneResolverOptions } from './dns/zone-resolver.js';
export { EMBEDDED_DATASETS, embeddedDatasetPath } from './embedded-data.js';
export type { EmbeddedDataset } from './embedded-data.js';
export {
  GeoDataError,
  GeoErrorCode,
  InvalidAddressError,
  InvalidUrlError,
  isGeoDataError,
  isInvalidAddressError,
  isInvalidUrlError,
  isZoneFileError,
  ZoneFileError,
} from './errors.js';
export { Confidence, createGeo, openGeo } from './geo.js';
export type { GeoLookup, GeoOptions, GeoParts, IpFacts } from './geo.js';
export { locate } from './locate.js';
export type { LocateDeps } from './locate.js';
export { asnOfRecord, countryOfRecord, openAsnDatabase, openCountryDatabase } from './mmdb.js';
export type { AsnRecord, AsnSource, CountrySource } from './sources.js';
export { HostKind, normaliseUrl, urlKey } from './url.js';
export type { NormalisedUrl } from './url.js';
