import { type Bus, openJsonBucket } from '@relay/bus';
import type { GeoLookup, IpFacts } from '@relay/geo';
import { HOSTERS, observation, readAll, startRelay, startWriting, type TestRelay } from '@relay/testing';
import { deriveId, KvBucket, RecheckReason, RelayType, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recheckRemapped } from './data-update.js';

let relay: TestRelay;
let bus: Bus;
beforeAll(async () => {
  relay = await startRelay();
  bus = relay.bus;
});
afterAll(() => relay?.dispose());

/** IP data after an update: NForce's range now maps to DE; everything else as before. */
const updated: GeoLookup = {
  lookup: (ip: string): IpFacts => ({ ip, family: 4, range: 'unicast', unroutable: false, country: ip === HOSTERS.NL.ip ? 'DE' : 'NL', countrySecondary: '', asn: 0, asOrganisation: '', confidence: 0 }) as unknown as IpFacts,
  sources: { countryPrimary: 'geo 2027-01', countrySecondary: '', asn: 'asn 2027-01' },
};

async function storeCase(name: string, ip: string, country: string, status: string): Promise<{ id: string; url: string }> {
  const url = `http://${name}.example.nl/gallery/1`;
  const id = deriveId('case', url);
  const cases = await openJsonBucket(bus, KvBucket.Cases);
  await cases.put(id, { v: 1, id, url, status, hosting: { url, country, addresses: [{ ip, country, asn: 43350 }] } });
  return { id, url };
}

describe('open cases after an IP data update', () => {
  it('are looked up again at once when their last address now maps to another country, once, and no others', async () => {
    const moved = await storeCase('remapped', HOSTERS.NL.ip, 'NL', 'open');
    await storeCase('unchanged', HOSTERS.NL2.ip, 'NL', 'open');
    await storeCase('closed', HOSTERS.NL.ip, 'NL', 'closed');
    const located: string[] = [];
    const locate = (url: string) => {
      located.push(url);
      return Promise.resolve(observation({ url, hoster: HOSTERS.DE, resolvedAt: Date.now(), cause: { source: 'ncmec' } }));
    };
    const first = await recheckRemapped({ bus, geo: updated, locate });
    expect(first).toEqual({ open: 2, rechecked: 1 });
    expect(located).toEqual([moved.url]);
    const hosting = await readAll(bus, StreamName.Hosting, RelayType.HostingObservation);
    expect(hosting).toHaveLength(1);
    const cause = hosting[0]!.message.cause?.cause;
    expect(hosting[0]!.subject).toBe('relay.hosting.DE');
    expect(cause?.$case === 'recheck' && cause.value).toMatchObject({ caseId: moved.id, reason: RecheckReason.RECHECK_REASON_DATA_UPDATE });

    // A second locator, or a restart on the same data, publishes the same observation: HOSTING keeps one.
    await recheckRemapped({ bus, geo: updated, locate });
    expect(await readAll(bus, StreamName.Hosting, RelayType.HostingObservation)).toHaveLength(1);
  });

  it('are all looked at while the dispatchers write cases without a pause, and the run ends (decision 0158)', async () => {
    // 3,000 open cases on a relay of their own, rewritten as they are (the last first, ahead of the read) while
    // new ones are written: the run once followed such writes for as long as they went on.
    const own = await startRelay();
    try {
      const cases = await openJsonBucket<unknown>(own.bus, KvBucket.Cases);
      const open = (name: string): [string, object] => {
        const url = `http://${name}.example.nl/gallery/1`;
        const id = deriveId('case', url);
        return [id, { v: 1, id, url, status: 'open', hosting: { url, country: 'NL', addresses: [{ ip: HOSTERS.NL2.ip, country: 'NL', asn: 43350 }] } }];
      };
      const stored = Array.from({ length: 3_000 }, (_, i) => open(`steady${i}`));
      const writer = await startWriting(cases, stored, (i) => open(`later${i}`));
      try {
        const locate = () => Promise.reject(new Error('no address of these cases changed country'));
        const run = await recheckRemapped({ bus: own.bus, geo: updated, locate });
        // Every case stored when it began, those rewritten before it reached them included.
        expect(run.open).toBeGreaterThanOrEqual(stored.length);
        expect(run.rechecked).toBe(0);
      } finally {
        await writer.stop();
      }
    } finally {
      await own.dispose();
    }
  }, 60_000);
});
