import {
  HostingObservation,
  HostingStatus,
  LocationConfidence,
  type ResolvedAddress,
  ResolutionErrorCode,
} from '@relay/wire';
import { compareAddresses } from './address.js';
import type { CdnCatalogue } from './cdn.js';
import type { CdnOperator } from './cdn-operators.js';
import { DnsError, DnsFailure, type HostResolver } from './dns/resolver.js';
import { isInvalidUrlError } from './errors.js';
import { Confidence, type GeoLookup, type IpFacts } from './geo.js';
import { HostKind, normaliseUrl } from './url.js';

/** What {@link locate} needs: every piece of infrastructure, plugged in by the caller. */
export interface LocateDeps {
  readonly resolver: HostResolver;
  readonly geo: GeoLookup;
  readonly cdn: CdnCatalogue;
  /** The time stamped on the observation as `resolvedAt`. */
  readonly clock: () => Date;
}

interface Located {
  readonly facts: IpFacts;
  readonly operator: CdnOperator | undefined;
}

const CONFIDENCE: Record<Confidence, LocationConfidence> = {
  [Confidence.Agree]: LocationConfidence.LOCATION_CONFIDENCE_AGREE,
  [Confidence.Disagree]: LocationConfidence.LOCATION_CONFIDENCE_DISAGREE,
  [Confidence.OneMissing]: LocationConfidence.LOCATION_CONFIDENCE_ONE_MISSING,
  [Confidence.None]: LocationConfidence.LOCATION_CONFIDENCE_NONE,
};

const RESOLUTION_ERROR: Record<DnsFailure, ResolutionErrorCode> = {
  [DnsFailure.NxDomain]: ResolutionErrorCode.RESOLUTION_ERROR_CODE_NXDOMAIN,
  [DnsFailure.ServFail]: ResolutionErrorCode.RESOLUTION_ERROR_CODE_SERVFAIL,
  [DnsFailure.Timeout]: ResolutionErrorCode.RESOLUTION_ERROR_CODE_TIMEOUT,
  [DnsFailure.NoAddress]: ResolutionErrorCode.RESOLUTION_ERROR_CODE_NO_ADDRESS,
  [DnsFailure.Other]: ResolutionErrorCode.RESOLUTION_ERROR_CODE_OTHER,
};

/** The country an address counts for: the primary dataset's, else the secondary's. */
function countryOf(f: IpFacts): string {
  return f.country || f.countrySecondary;
}

function toResolved({ facts, operator }: Located): ResolvedAddress {
  return {
    ip: facts.ip,
    country: facts.country,
    countrySecondary: facts.countrySecondary,
    asn: facts.asn,
    asOrganisation: facts.asOrganisation,
    cdn: operator?.name ?? '',
    unroutable: facts.unroutable,
  };
}

/**
 * Picks the jurisdiction among a host's addresses (sorted): the country held
 * by most routable non-CDN addresses (ties: the lowest address's); else the
 * CDN operator's country when only CDN addresses are routable (MASKED); else a
 * routable address no dataset knows (LOCATED, country ''); else UNROUTABLE.
 */
function decide(located: readonly Located[]): Pick<HostingObservation, 'status' | 'country' | 'asn' | 'asOrganisation' | 'cdn' | 'confidence'> {
  const direct = located.filter((l) => !l.facts.unroutable && l.operator === undefined);
  const counts = new Map<string, number>();
  for (const l of direct) if (countryOf(l.facts) !== '') counts.set(countryOf(l.facts), (counts.get(countryOf(l.facts)) ?? 0) + 1);
  const best = Math.max(0, ...counts.values());
  const chosen = direct.find((l) => countryOf(l.facts) !== '' && counts.get(countryOf(l.facts)) === best);
  const fromFacts = (l: Located) => ({ asn: l.facts.asn, asOrganisation: l.facts.asOrganisation, confidence: CONFIDENCE[l.facts.confidence] });
  if (chosen) return { status: HostingStatus.HOSTING_STATUS_LOCATED, country: countryOf(chosen.facts), cdn: '', ...fromFacts(chosen) };
  const masked = located.find((l) => l.operator !== undefined);
  if (masked?.operator) {
    return { status: HostingStatus.HOSTING_STATUS_MASKED, country: masked.operator.country, cdn: masked.operator.name, ...fromFacts(masked) };
  }
  const unknown = direct[0];
  if (unknown) return { status: HostingStatus.HOSTING_STATUS_LOCATED, country: '', cdn: '', ...fromFacts(unknown) };
  return {
    status: HostingStatus.HOSTING_STATUS_UNROUTABLE,
    country: '',
    cdn: '',
    asn: 0,
    asOrganisation: '',
    confidence: LocationConfidence.LOCATION_CONFIDENCE_UNSPECIFIED,
  };
}

/**
 * Where a URL is hosted now, from DNS and IP data only (the URL is never
 * fetched). Never throws for a bad URL or a DNS failure: those give an
 * UNRESOLVED observation with the error. The result has no `id` and no
 * `cause`: the caller sets both (see the locator service).
 */
export async function locate(url: string, deps: LocateDeps): Promise<HostingObservation> {
  const base = HostingObservation.fromPartial({ url, resolvedAt: deps.clock() });
  const unresolved = (code: ResolutionErrorCode, detail: string, fields: Partial<HostingObservation> = {}): HostingObservation => ({
    ...base,
    ...fields,
    status: HostingStatus.HOSTING_STATUS_UNRESOLVED,
    error: { code, detail },
  });

  let target;
  try {
    target = normaliseUrl(url);
  } catch (err) {
    if (!isInvalidUrlError(err)) throw err;
    return unresolved(ResolutionErrorCode.RESOLUTION_ERROR_CODE_INVALID_URL, err.reason);
  }
  const where = { normalizedUrl: target.normalizedUrl, host: target.host, registrableDomain: target.registrableDomain };

  let addresses: readonly string[];
  let cnameChain: readonly string[] = [];
  if (target.hostKind === HostKind.Domain) {
    try {
      const answer = await deps.resolver.resolve(target.host);
      addresses = answer.addresses;
      cnameChain = answer.cnameChain;
    } catch (err) {
      const failure = err instanceof DnsError ? err.failure : DnsFailure.Other;
      return unresolved(RESOLUTION_ERROR[failure], err instanceof Error ? err.message : String(err), where);
    }
  } else {
    addresses = [target.host];
  }

  const located: Located[] = [];
  for (const ip of [...new Set(addresses)].sort(compareAddresses)) {
    const facts = deps.geo.lookup(ip);
    located.push({ facts, operator: deps.cdn.operatorOf(facts.address, facts.asn) });
  }
  return { ...base, ...where, cnameChain: [...cnameChain], addresses: located.map(toResolved), ...decide(located) };
}
