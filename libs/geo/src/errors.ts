import { RelayError } from '@relay/wire';

/** Stable codes of geolocation, URL and DNS errors. */
export const GeoErrorCode = {
  InvalidAddress: 'invalid-address',
  InvalidUrl: 'invalid-url',
  GeoData: 'geo-data-unavailable',
  ZoneFile: 'zone-file-invalid',
} as const;
export type GeoErrorCode = (typeof GeoErrorCode)[keyof typeof GeoErrorCode];

/** Text that is not an IPv4 or IPv6 address. */
export class InvalidAddressError extends RelayError {
  override name = 'InvalidAddressError';
  readonly input: string;

  constructor(input: string, cause?: unknown) {
    super(GeoErrorCode.InvalidAddress, `${JSON.stringify(input.slice(0, 100))} is not an IPv4 or IPv6 address`, { cause });
    this.input = input;
  }
}

/** True when `err` is an {@link InvalidAddressError}. */
export function isInvalidAddressError(err: unknown): err is InvalidAddressError {
  return err instanceof InvalidAddressError;
}

/** A reported URL that has no host the locator could look up. */
export class InvalidUrlError extends RelayError {
  override name = 'InvalidUrlError';
  readonly input: string;
  readonly reason: string;

  constructor(input: string, reason: string, cause?: unknown) {
    super(GeoErrorCode.InvalidUrl, `${JSON.stringify(input.slice(0, 200))} is not a usable URL: ${reason}`, { cause });
    this.input = input;
    this.reason = reason;
  }
}

/** True when `err` is an {@link InvalidUrlError}. */
export function isInvalidUrlError(err: unknown): err is InvalidUrlError {
  return err instanceof InvalidUrlError;
}

/** A geolocation database could not be opened or read (missing file, wrong format). */
export class GeoDataError extends RelayError {
  override name = 'GeoDataError';
  readonly source: string;

  constructor(source: string, reason: string, cause?: unknown) {
    super(GeoErrorCode.GeoData, `geolocation data ${source}: ${reason}`, { cause });
    this.source = source;
  }
}

/** True when `err` is a {@link GeoDataError}. */
export function isGeoDataError(err: unknown): err is GeoDataError {
  return err instanceof GeoDataError;
}

/** A static DNS zone file that cannot be read or does not match the format. */
export class ZoneFileError extends RelayError {
  override name = 'ZoneFileError';
  readonly path: string;

  constructor(path: string, reason: string, cause?: unknown) {
    super(GeoErrorCode.ZoneFile, `zone file ${path}: ${reason}`, { cause });
    this.path = path;
  }
}

/** True when `err` is a {@link ZoneFileError}. */
export function isZoneFileError(err: unknown): err is ZoneFileError {
  return err instanceof ZoneFileError;
}
