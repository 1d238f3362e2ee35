import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import { type Bus, busConfigFromEnv, connectBus, openJsonBucket, publishMessage } from '@relay/bus';
import { type DirectoryFile, exportSigners, generateDirectoryKey, openDirectory, signDirectory } from '@relay/directory';
import { exampleMessage, KvBucket, RelayType, SIGNERS_KEY, subjects } from '@relay/wire';
import { devDirectory, startRelay, type TestRelay } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryKeyRequiredError, hotlineClient, isDirectoryKeyRequiredError, isSignersUnavailableError, policeClient } from './index.js';

const key = generateDirectoryKey();
const other = generateDirectoryKey();
const dispatcherKey = createUser();
const file: DirectoryFile = { ...devDirectory().file, signers: { dispatcher: [dispatcherKey.getPublicKey()] } };
const signedWith = (k: { seed: string }) => signDirectory(file, new TextEncoder().encode(k.seed));

let relay: TestRelay;
let bus: Bus;
let dispatcher: Bus;
let dir: string;

beforeAll(async () => {
  relay = await startRelay({ directory: false });
  bus = relay.bus;
  dir = await mkdtemp(join(tmpdir(), 'relay-client-key-'));
  await writeFile(join(dir, 'dispatcher.nk'), dispatcherKey.getSeed());
  dispatcher = await connectBus(busConfigFromEnv({ NATS_URL: relay.server.url, RELAY_SIGNING_KEY_FILE: join(dir, 'dispatcher.nk') }, 'dispatcher'));
});
afterAll(async () => {
  await dispatcher?.close();
  await relay?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Why `referrals()` refuses the signer list stored now. */
async function opens(directoryKey: string | readonly string[] = key.publicKey): Promise<string> {
  const client = hotlineClient(bus, { hotline: 'eokm', country: 'NL', createConsumer: true, provenance: { directoryKey } });
  try {
    const referrals = await client.referrals();
    void referrals.close();
    return 'opened';
  } catch (err) {
    return isSignersUnavailableError(err) ? `refused: ${err.cause instanceof Error ? err.cause.message : ''}` : String(err);
  }
}

describe('a client pinning the directory key', () => {
  it('reads the signer list only when the pinned key signed it: unsigned, foreign-signed and tampered lists are refused', async () => {
    const signers = await openJsonBucket<unknown>(bus, KvBucket.Directory);
    const good = signedWith(key);
    await signers.put(SIGNERS_KEY, JSON.parse(good.signers.list));
    expect(await opens()).toMatch(/^refused: .*not signed, but a directory key is pinned/);
    await signers.put(SIGNERS_KEY, signedWith(other).signers);
    expect(await opens()).toMatch(/^refused: .*signed by a key that is not pinned/);
    // A key swapped into the list after signing: the signature no longer matches.
    await signers.put(SIGNERS_KEY, { ...good.signers, list: good.signers.list.replace(dispatcherKey.getPublicKey(), createUser().getPublicKey()) });
    expect(await opens()).toMatch(/^refused: .*tampered/);

    // The signed list as the dispatcher exports it from a signed directory: referrals are verified and handed over.
    await exportSigners(bus, openDirectory(good, key.publicKey));
    await publishMessage(dispatcher, subjects.referral('NL', 'eokm'), RelayType.Referral, { ...exampleMessage(RelayType.Referral), id: 'ref_signed', jurisdiction: 'NL', hotline: 'eokm' }, {
      msgId: 'dispatcher:ref_signed',
      origin: 'dispatcher',
    });
    const refused: string[] = [];
    const referrals = await hotlineClient(bus, { hotline: 'eokm', country: 'NL', createConsumer: true, provenance: { directoryKey: key.publicKey, onRefused: (r) => refused.push(r.code) } }).referrals();
    for await (const d of referrals) {
      expect(d.message.id).toBe('ref_signed');
      await d.ack();
      break;
    }
    expect(refused).toEqual([]);
    await referrals.close();
  });
});

describe('a client without a pinned directory key', () => {
  it('is not built: a hotline or police client without one, or with a malformed one, throws DirectoryKeyRequiredError', () => {
    const built = (make: () => unknown): unknown => {
      try {
        make();
        return 'built';
      } catch (err) {
        return err;
      }
    };
    // As a JavaScript caller could: the type requires provenance, the client checks it anyway.
    const noProvenance = { hotline: 'eokm', country: 'NL' } as unknown as Parameters<typeof hotlineClient>[1];
    for (const err of [
      built(() => hotlineClient(bus, noProvenance)),
      built(() => hotlineClient(bus, { hotline: 'eokm', country: 'NL', provenance: {} })),
      built(() => policeClient(bus, { country: 'NL', provenance: { onRefused: () => undefined } })),
      built(() => policeClient(bus, { country: 'NL', provenance: { directoryKey: [] } })),
      built(() => hotlineClient(bus, { hotline: 'eokm', country: 'NL', provenance: { directoryKey: dispatcherKey.getPublicKey() } })),
    ]) {
      expect(err).toBeInstanceOf(DirectoryKeyRequiredError);
      expect(isDirectoryKeyRequiredError(err) && err.code).toBe('directory-key-required');
    }
    expect(built(() => policeClient(bus, { country: 'NL', provenance: { directoryKey: key.publicKey } }))).toBe('built');
  });
});

describe('a client pinning two directory keys (a rotation)', () => {
  it('takes a list signed by either pinned key, and refuses one signed by a key no longer pinned', async () => {
    const next = generateDirectoryKey();
    await exportSigners(bus, openDirectory(signedWith(key), key.publicKey));
    expect(await opens([key.publicKey, next.publicKey])).toBe('opened');
    await exportSigners(bus, openDirectory(signedWith(next), next.publicKey));
    expect(await opens([key.publicKey, next.publicKey])).toBe('opened');
    // The rotation is over: the old key is unpinned, and a list it signed (put back by whoever can write KV) is refused.
    expect(await opens(next.publicKey)).toBe('opened');
    await exportSigners(bus, openDirectory(signedWith(key), key.publicKey));
    expect(await opens(next.publicKey)).toMatch(/^refused: .*signed by a key that is not pinned/);
  });
});
