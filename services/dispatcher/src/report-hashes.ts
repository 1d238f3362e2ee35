import { type Bus, fetchStoredMessage } from '@relay/bus';
import type { HashesRef } from '@relay/cases';
import { decodeMessage, type Hash, Header, RelayType, StreamName } from '@relay/wire';

export type { HashesRef } from '@relay/cases';

/** Reads reports' hashes from REPORTS, once per report however many of its URLs are referred at once. */
export interface ReportHashes {
  /**
   * The hashes of the report at `ref.seq`, or undefined when REPORTS no longer
   * holds that report (it expired, or the sequence holds another message).
   * @throws the bus's error when REPORTS cannot be read (retryable: the caller's message is redelivered).
   */
  hashesOf(ref: HashesRef): Promise<readonly Hash[] | undefined>;
}

/**
 * A reader with a small cache of the latest reports: the observations of one
 * report arrive together, so a report of 400 URLs is read once, not 400 times.
 * `cacheSize` reports of at most 1,000 hashes each stay in memory.
 */
export function createReportHashes(bus: Bus, cacheSize = 16): ReportHashes {
  const cache = new Map<string, Promise<readonly Hash[] | undefined>>();
  const read = async (ref: HashesRef): Promise<readonly Hash[] | undefined> => {
    const stored = await fetchStoredMessage(bus, StreamName.Reports, ref.seq);
    if (!stored || stored.headers[Header.Type] !== RelayType.Report) return undefined;
    const report = decodeMessage(RelayType.Report, stored.data);
    return report.id === ref.reportId ? report.hashes : undefined;
  };
  return {
    hashesOf: (ref) => {
      const key = `${ref.seq}:${ref.reportId}`;
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      const pending = read(ref);
      cache.set(key, pending);
      // A failed read is not remembered: the redelivery reads again.
      void pending.catch(() => {
        if (cache.get(key) === pending) cache.delete(key);
      });
      if (cache.size > cacheSize) {
        const oldest = cache.keys().next();
        if (!oldest.done) cache.delete(oldest.value);
      }
      return pending;
    },
  };
}
