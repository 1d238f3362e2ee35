import { type Bus, openJsonBucket } from '@relay/bus';
import type { GeoLookup } from '@relay/geo';
import { deriveId, type HostingObservation, KvBucket, newTraceparent, RecheckReason } from '@relay/wire';
import { z } from 'zod';
import { type Emitted, emitObservation } from './emit.js';
import { withCause } from './observation.js';

/**
 * What the locator reads of a case (the dispatcher's record in KV
 * `relay-cases`, read-only): its id, URL, status and the addresses of its
 * last hosting observation (proto3 JSON), each with the country the IP data
 * gave it then. Anything else is ignored.
 */
const caseRecordSchema = z.object({
  id: z.string().min(1),
  url: z.string().min(1),
  status: z.string(),
  hosting: z.object({ addresses: z.array(z.object({ ip: z.string(), country: z.string().optional(), unroutable: z.boolean().optional() })).optional() }).optional(),
});

/** What {@link recheckRemapped} needs. */
export interface DataUpdateDeps {
  readonly bus: Bus;
  /** The IP data in force now. */
  readonly geo: GeoLookup;
  /** A fresh look at a URL, as the consumers make it. */
  readonly locate: (url: string) => Promise<HostingObservation>;
  readonly observed?: (observation: HostingObservation, emitted: Emitted) => void;
  readonly log?: { warn(obj: object, msg: string): void };
}

/** What a run did. */
export interface DataUpdateResult {
  /** Open cases looked at. */
  readonly open: number;
  /** Of those, the ones whose last address now maps to another country, looked up again and published. */
  readonly rechecked: number;
}

/**
 * Issue 18, item 3: when the IP data changed (a new release of the embedded
 * data, or a licensed database swapped in), an open case whose last observed
 * address the data now puts in another country is looked up again at once,
 * not at its next recheck. Run at start-up, when the locator opens its data:
 * for every open case, each routable address of its last observation is
 * looked up in the data in force; when one's country differs from the one
 * recorded, the case's URL is located afresh and the observation published on
 * HOSTING with a recheck cause (reason DATA_UPDATE), so the dispatcher
 * relocates it as after any recheck. The cause id is derived from the case
 * and the datasets' releases, so several locators, or a restart on the same
 * data, publish the same observation once (HOSTING's duplicate window, then
 * the dispatcher's "only a later observation moves a case").
 */
export async function recheckRemapped(deps: DataUpdateDeps): Promise<DataUpdateResult> {
  const cases = await openJsonBucket<unknown>(deps.bus, KvBucket.Cases);
  const release = `${deps.geo.sources.countryPrimary}|${deps.geo.sources.countrySecondary}|${deps.geo.sources.asn}`;
  let open = 0;
  let rechecked = 0;
  for await (const entry of await cases.values()) {
    const parsed = caseRecordSchema.safeParse(entry.value);
    if (!parsed.success || parsed.data.status !== 'open') continue;
    open++;
    const c = parsed.data;
    const remapped = (c.hosting?.addresses ?? []).some((a) => {
      if (a.unroutable === true) return false;
      try {
        return deps.geo.lookup(a.ip).country !== (a.country ?? '');
      } catch {
        return false;
      }
    });
    if (!remapped) continue;
    const recheckId = deriveId('rck', c.id, 'data-update', release);
    try {
      const observation = withCause(await deps.locate(c.url), recheckId, {
        cause: { $case: 'recheck', value: { recheckId, caseId: c.id, reason: RecheckReason.RECHECK_REASON_DATA_UPDATE } },
      });
      const emitted = await emitObservation(deps.bus, observation, { origin: 'locator', traceparent: newTraceparent() });
      deps.observed?.(observation, emitted);
      rechecked++;
    } catch (err) {
      // Its scheduled recheck still comes; one case must not stop the others.
      deps.log?.warn({ err, caseId: c.id }, 'could not recheck a case after the IP data changed; its next scheduled recheck will');
    }
  }
  return { open, rechecked };
}
