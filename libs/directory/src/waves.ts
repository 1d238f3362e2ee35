import type { Directory } from './directory.js';
import type { HosterWavePolicy } from './schema.js';

/**
 * The relocation-wave thresholds for cases leaving `country`: the country's
 * own policy in `hosterWaves.byCountry`, else the directory's default, else
 * the built-in default (decision 0120).
 */
export function hosterWavePolicy(directory: Directory, country: string): HosterWavePolicy {
  return directory.data.hosterWaves.byCountry[country] ?? directory.data.hosterWaves.default;
}
