import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import { type Bus, busConfigFromEnv, connectBus, openJsonBucket, publishMessage } from '@relay/bus';
import { type DirectoryFile, exportSigners, generateDirectoryKey, openDirectory, signDirectory } from '@relay/directory';
import { exampleMessage, KvBucket, RelayType, SIGNERS_KEY, subjects } from '@relay/wire';
import { devDirectory, startRelay, type TestRelay } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hotlineClient, isSignersUnavailableError } from './index.js';

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
async function opens(): Promise<string> {
  const client = hotlineClient(bus, { hotline: 'eokm', country: 'NL', createConsumer: true, provenance: { directoryKey: key.publicKey } });
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
    expect(await opens()).toMatch(/^refused: .*signed by another key than the pinned directory key/);
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
