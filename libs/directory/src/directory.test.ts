import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DirectoryFile, DirectoryInvalidError, loadDirectoryFile, Membership, parseDirectory } from './index.js';

const DEV_DIRECTORY = fileURLToPath(new URL('../../../deploy/dev/directory.json', import.meta.url));
const HOUR = 3_600_000;

/** A small valid directory to break in each test. */
function tiny(): DirectoryFile {
  return {
    version: 1,
    provenance: { compiledAt: '2026-11', summary: 'test', sources: [{ id: 'S1', where: 'here', what: 'that' }] },
    hotlines: [
      { id: 'eokm', country: 'NL', name: 'Offlimits', membership: 'member', sources: ['S1'] },
      { id: 'eco', country: 'DE', name: 'eco', membership: 'member', sources: ['S1'] },
      { id: 'fsm', country: 'DE', name: 'FSM', membership: 'member', sources: ['S1'] },
    ],
    routing: { DE: { hotline: 'eco' } },
    deadlines: { default: { afterHosterNotice: '72h', afterAuthorityOrder: '24h', sources: [] } },
    fallback: { recipient: 'interpol', name: 'INTERPOL', sources: ['S1'] },
  };
}

describe('the seed directory (deploy/dev/directory.json)', () => {
  const directory = loadDirectoryFile(DEV_DIRECTORY);

  it('lists every hotline of the seed with country, id, name, membership and sources, and says where the list came from', () => {
    const { hotlines, provenance } = directory.data;
    expect(hotlines.length).toBeGreaterThanOrEqual(50);
    expect(hotlines.filter((h) => h.membership === Membership.Member).length).toBe(46);
    for (const h of hotlines) {
      expect(h.country).toMatch(/^[A-Z]{2}$/);
      expect(h.sources.length).toBeGreaterThan(0);
      for (const s of h.sources) expect(provenance.sources.map((x) => x.id)).toContain(s);
    }
    expect(provenance.compiledAt).toBe('2026-11');
    expect(directory.hotline('eokm')?.name).toMatch(/Offlimits/);
  });

  it('keeps ATKM as the Dutch removal authority, not as a hotline', () => {
    expect(directory.hotline('atkm')).toBeUndefined();
    expect(directory.removalAuthority('NL')).toMatchObject({ id: 'atkm', country: 'NL', removalOrders: true });
    expect(directory.routingHotline('NL')?.id).toBe('eokm');
    expect(directory.police('NL')?.name).toMatch(/Politie/);
  });

  it('holds the Dutch deadlines (24 h after the notice, 12 h after an order) and a default for the rest', () => {
    expect(directory.deadlines('NL')).toMatchObject({ afterHosterNotice: 24 * HOUR, afterAuthorityOrder: 12 * HOUR });
    expect(directory.deadlines('BE')).toBe(directory.data.deadlines.default);
    expect(directory.deadlines('BE').afterHosterNotice).toBeGreaterThan(24 * HOUR);
  });

  it('routes Germany, Italy and Hungary, which have several hotlines, to one chosen hotline', () => {
    expect(directory.routingHotline('DE')?.id).toBe('eco');
    expect(directory.routingHotline('IT')?.id).toBe('stop-it');
    expect(directory.routingHotline('HU')?.id).toBe('nmhh-internet-hotline');
  });

  it('does not route to a hotline whose INHOPE membership is unknown', () => {
    expect(directory.hotline('cybertip-ca')?.membership).toBe(Membership.Unknown);
    expect(directory.routingHotline('CA')).toBeUndefined();
    expect(directory.data.fallback.recipient).toBe('interpol');
  });
});

describe('parseDirectory', () => {
  it('routes to an unknown-membership hotline when the routing table names it explicitly', () => {
    const file = tiny();
    file.hotlines.push({ id: 'cybertip-ca', country: 'CA', name: 'Cybertip.ca', membership: 'unknown', sources: ['S1'] });
    file.routing = { ...file.routing, CA: { hotline: 'cybertip-ca', note: 'confirmed by the operator' } };
    expect(parseDirectory(file).routingHotline('CA')?.id).toBe('cybertip-ca');
  });

  it.each([
    ['a bad country code', (f: DirectoryFile) => (f.hotlines[0] = { ...f.hotlines[0]!, country: 'nl' }), 'hotlines.0.country: must be an ISO 3166-1'],
    ['an id that is no subject token', (f: DirectoryFile) => (f.hotlines[0] = { ...f.hotlines[0]!, id: 'eo.km' }), 'hotlines.0.id: must be 1-64'],
    ['a duplicate hotline id', (f: DirectoryFile) => f.hotlines.push({ ...f.hotlines[0]! }), 'hotlines.3: duplicate hotline id "eokm"'],
    ['an unknown source', (f: DirectoryFile) => (f.hotlines[1] = { ...f.hotlines[1]!, sources: ['S9'] }), 'hotlines.1.sources: unknown source "S9"'],
    ['a routing choice of another country', (f: DirectoryFile) => (f.routing = { DE: { hotline: 'eokm' } }), 'routing.DE.hotline: eokm is a hotline of NL'],
    ['no choice for a country with two member hotlines', (f: DirectoryFile) => (f.routing = {}), 'routing.DE: DE has several member hotlines (eco, fsm)'],
    ['a malformed deadline', (f: DirectoryFile) => (f.deadlines.default.afterHosterNotice = '24 hours'), 'deadlines.default.afterHosterNotice: must be a duration like'],
    ['an unknown field', (f: DirectoryFile) => Object.assign(f, { hotline: [] }), 'Unrecognized key: "hotline"'],
  ])('refuses %s and says where', (_what, breakIt, message) => {
    const file = tiny();
    breakIt(file);
    expect(() => parseDirectory(file, 'test.json')).toThrow(DirectoryInvalidError);
    expect(() => parseDirectory(file, 'test.json')).toThrow(message);
  });
});
