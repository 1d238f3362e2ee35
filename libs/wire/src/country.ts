/**
 * An ISO 3166-1 alpha-2 country code as the contract writes it: two upper-case
 * letters (`NL`, `DE`). The one pattern every schema and subject builder uses.
 */
export const COUNTRY_CODE = /^[A-Z]{2}$/;

/** The rule of {@link COUNTRY_CODE} as validation messages state it. */
export const COUNTRY_CODE_RULE = 'must be an ISO 3166-1 alpha-2 code in upper case';

/** Country token for "jurisdiction unknown". */
export const UNKNOWN_COUNTRY = 'XX';

/** Whether `value` is written as a country code (`XX`, unknown, included). */
export function isCountryCode(value: string): boolean {
  return COUNTRY_CODE.test(value);
}

/** Whether `value` names a known country: a country code other than `XX`. */
export function isKnownCountry(value: string): boolean {
  return isCountryCode(value) && value !== UNKNOWN_COUNTRY;
}
