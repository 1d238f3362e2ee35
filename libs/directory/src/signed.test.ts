import { fileURLToPath } from 'node:url';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, openJsonBucket } from '@relay/bus';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { KvBucket, SIGNERS_KEY } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIRECTORY_KEY,
  type DirectoryFile,
  DirectorySignatureError,
  DirectorySignatureProblem,
  directoryKeysSchema,
  generateDirectoryKey,
  loadDirectoryFile,
  openDirectory,
  openSignerList,
  publishDirectory,
  readDirectory,
  readSignerList,
  seedDirectory,
  signDirectory,
  watchDirectory,
} from './index.js';

const dev = loadDirectoryFile(fileURLToPath(new URL('../../../deploy/dev/directory.json', import.meta.url)));
const key = generateDirectoryKey();
const other = generateDirectoryKey();
const seedOf = (k: { seed: string }) => new TextEncoder().encode(k.seed);
const withSigners: DirectoryFile = { ...structuredClone(dev.file), signers: { dispatcher: ['UCXWLZUOYIMPA5MC3SATFOC3GBRJOAFKZ3XGOUJKEUODZ7SCTDZ4HIYD'] } };

function problemOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof DirectorySignatureError ? err.problem : String(err);
  }
}

describe('a signed directory', () => {
  it('opens under the pinned key and is refused unsigned, by another key or with changed bytes', () => {
    const signed = signDirectory(withSigners, seedOf(key));
    expect(openDirectory(signed, key.publicKey).routingHotline('DE')?.id).toBe('eco');
    expect(openDirectory(signed, key.publicKey).signed).toEqual(signed);

    expect(problemOf(() => openDirectory(withSigners, key.publicKey))).toBe(DirectorySignatureProblem.Unsigned);
    expect(problemOf(() => openDirectory(signDirectory(withSigners, seedOf(other)), key.publicKey))).toBe(DirectorySignatureProblem.WrongKey);
    // A tamperer who also swaps in their own key is still refused: the key must be the pinned one.
    const tampered = { ...signed, directory: signed.directory.replace('"eco"', '"fsm"') };
    expect(problemOf(() => openDirectory(tampered, key.publicKey))).toBe(DirectorySignatureProblem.BadSignature);
    expect(problemOf(() => openDirectory({ ...signed, signedAt: new Date().toISOString() }, key.publicKey))).toBe(DirectorySignatureProblem.BadSignature);
    // Without a pinned key (development) a tampered signed file is refused all the same.
    expect(problemOf(() => openDirectory(tampered, undefined))).toBe(DirectorySignatureProblem.BadSignature);
  });

  it('signs its signer list so tenants can check it with the same key, and only that list', () => {
    const signed = signDirectory(withSigners, seedOf(key));
    expect(Object.keys(openSignerList(signed.signers, key.publicKey).signers)).toEqual(['dispatcher']);
    expect(problemOf(() => openSignerList(JSON.parse(signed.signers.list), key.publicKey))).toBe(DirectorySignatureProblem.Unsigned);
    const swapped = { ...signed.signers, list: signed.signers.list.replace('UCXW', 'UDXW') };
    expect(problemOf(() => openSignerList(swapped, key.publicKey))).toBe(DirectorySignatureProblem.BadSignature);
    // The directory's signature cannot pass for a signer list's (domain separation).
    const confused = { ...signed.signers, list: signed.directory, signature: signed.signature };
    expect(problemOf(() => openSignerList(confused, key.publicKey))).toBe(DirectorySignatureProblem.BadSignature);
  });
});

describe('a signed directory and its keys (decisions 0110, 0111)', () => {
  it('opens under a set of pinned keys when either signed it, and is refused once its key is no longer pinned', () => {
    const next = generateDirectoryKey();
    const byOld = signDirectory(withSigners, seedOf(key));
    const byNew = signDirectory(withSigners, seedOf(next));
    expect(openDirectory(byOld, [key.publicKey, next.publicKey]).signed?.key).toBe(key.publicKey);
    expect(openDirectory(byNew, [key.publicKey, next.publicKey]).signed?.key).toBe(next.publicKey);
    expect(openSignerList(byNew.signers, [key.publicKey, next.publicKey]).signers['dispatcher']).toHaveLength(1);
    expect(problemOf(() => openDirectory(byOld, [next.publicKey]))).toBe(DirectorySignatureProblem.WrongKey);
    expect(problemOf(() => openSignerList(byOld.signers, [next.publicKey]))).toBe(DirectorySignatureProblem.WrongKey);
    // Both keys pinned: a directory of one key cannot carry the signer list the other key signed.
    expect(problemOf(() => openDirectory({ ...byOld, signers: byNew.signers }, [key.publicKey, next.publicKey]))).toBe(DirectorySignatureProblem.Malformed);
  });

  it('is refused when it lists no signers, pinned or not: signing can never turn message checks off', () => {
    const bare = signDirectory(dev.file, seedOf(key));
    expect(problemOf(() => openDirectory(bare, key.publicKey))).toBe(DirectorySignatureProblem.NoSigners);
    expect(problemOf(() => openDirectory(bare, undefined))).toBe(DirectorySignatureProblem.NoSigners);
    expect(problemOf(() => openDirectory(signDirectory({ ...dev.file, signers: {} }, seedOf(key)), key.publicKey))).toBe(DirectorySignatureProblem.NoSigners);
  });

  it('reads RELAY_DIRECTORY_KEY as one key or several comma-separated, and names the rule when it is missing or malformed', () => {
    const next = generateDirectoryKey();
    expect(directoryKeysSchema.parse(key.publicKey)).toEqual([key.publicKey]);
    expect(directoryKeysSchema.parse(` ${key.publicKey}, ${next.publicKey},${key.publicKey}`)).toEqual([key.publicKey, next.publicKey]);
    expect(directoryKeysSchema.safeParse(undefined).error?.issues[0]?.message).toMatch(/^is required: the public directory key/);
    expect(directoryKeysSchema.safeParse(' , ').error?.issues[0]?.message).toMatch(/at least one public directory key/);
    expect(directoryKeysSchema.safeParse(`${key.publicKey},UABC`).error?.issues[0]?.message).toBe('must be a public operator nkey (O...)');
  });
});

describe('a signed directory in KV', () => {
  let server: NatsServer;
  let bus: Bus;
  beforeAll(async () => {
    server = await startNatsServer();
    bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'directory-signed-test'));
    await ensureTopology(bus, { replicas: 1 });
  });
  afterAll(async () => {
    await bus?.close();
    await server?.dispose();
  });

  it('is followed when correctly signed; unsigned, tampered, foreign-signed and older revisions are refused and the last valid one stays', async () => {
    const first = openDirectory(signDirectory(withSigners, seedOf(key), new Date(Date.now() - 60_000)), key.publicKey);
    const { revision } = await seedDirectory(bus, first);
    expect((await readDirectory(bus, key.publicKey))?.revision).toBe(revision);
    expect(Object.keys((await readSignerList(bus, key.publicKey))?.signers ?? {})).toEqual(['dispatcher']);

    const invalid: { revision: number; problem: string }[] = [];
    const watch = await watchDirectory(bus, {
      key: key.publicKey,
      onInvalid: (err, rev) => invalid.push({ revision: rev, problem: err instanceof DirectorySignatureError ? err.problem : 'other' }),
    });
    expect(watch.current()?.revision).toBe(revision);

    const raw = await openJsonBucket<unknown>(bus, KvBucket.Directory);
    const edited: DirectoryFile = structuredClone(withSigners);
    edited.routing = { ...edited.routing, DE: { hotline: 'fsm', note: 'operator switched' } };
    const unsigned = await raw.put(DIRECTORY_KEY, edited);
    const signedEdit = signDirectory(edited, seedOf(key));
    const tampered = await raw.put(DIRECTORY_KEY, { ...first.signed, directory: signedEdit.directory });
    const foreign = await raw.put(DIRECTORY_KEY, signDirectory(edited, seedOf(other)));
    await waitFor(() => invalid.length === 3, { what: 'three refusals' });
    expect(invalid).toEqual([
      { revision: unsigned, problem: DirectorySignatureProblem.Unsigned },
      { revision: tampered, problem: DirectorySignatureProblem.BadSignature },
      { revision: foreign, problem: DirectorySignatureProblem.WrongKey },
    ]);
    expect(watch.current()?.revision).toBe(revision);
    expect(watch.current()?.directory.routingHotline('DE')?.id).toBe('eco');
    await expect(readDirectory(bus, key.publicKey)).rejects.toBeInstanceOf(DirectorySignatureError);

    const next = await publishDirectory(bus, openDirectory(signedEdit, key.publicKey));
    await waitFor(() => watch.current()?.revision === next, { what: 'the signed revision to be followed' });
    expect(watch.current()?.directory.routingHotline('DE')?.id).toBe('fsm');

    // The first revision, validly signed but older, put back: refused as a rollback.
    const rollback = await raw.put(DIRECTORY_KEY, first.signed);
    await waitFor(() => invalid.length === 4, { what: 'the rollback to be refused' });
    expect(invalid[3]).toEqual({ revision: rollback, problem: DirectorySignatureProblem.Rollback });
    expect(watch.current()?.revision).toBe(next);
    watch.stop();

    // The signer list written unsigned (a compromised writer) is refused by a reader pinning the key.
    const signersBucket = await openJsonBucket<unknown>(bus, KvBucket.Directory);
    await signersBucket.put(SIGNERS_KEY, JSON.parse(signedEdit.signers.list));
    await expect(readSignerList(bus, key.publicKey)).rejects.toBeInstanceOf(DirectorySignatureError);
  });
});
