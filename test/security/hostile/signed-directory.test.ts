// Issue 16, item 2, on a real nats-server with the generated accounts and every
// service as its own user pinning the directory key: whoever may write the
// directory bucket (here an operator; as well a compromised dispatcher or
// broker) cannot make the services or @relay/client trust a directory or a
// signer list the offline key did not sign.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Bus, openJsonBucket } from '@relay/bus';
import { DirectoryKeyRequiredError, hotlineClient, isSignersUnavailableError } from '@relay/client';
import { DIRECTORY_KEY, type DirectoryFile, type DirectoryKeys, generateDirectoryKey, openDirectory, publishDirectory, signDirectory } from '@relay/directory';
import { startService, waitFor } from '@relay/testkit';
import { KvBucket, SIGNERS_KEY } from '@relay/wire';
import { DEV_ZONE_FILE } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAccountEnv } from '../../e2e/harness/accounts.js';
import { postReport } from '../../e2e/harness/intake.js';
import { counterValue, DEMO_KEYS, type ServiceName } from '../../e2e/harness/pipeline.js';
import { type HostileStack, startHostileStack } from './stack.js';

let stack: HostileStack;
let operator: Bus;
const stranger = generateDirectoryKey();

beforeAll(async () => {
  stack = await startHostileStack();
  operator = await stack.busAs('operator-alice');
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** Refusals counted by every copy of the dispatcher and the locator. */
async function refusals(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of ['dispatcher', 'locator'] as ServiceName[]) {
    for (const [i, p] of stack.pipeline.copies(name).entries()) out[`${name}-${i}`] = await counterValue(p, 'relay_directory_refused_total');
  }
  return out;
}

async function healthz(): Promise<number[]> {
  const codes: number[] = [];
  for (const name of ['dispatcher', 'locator'] as ServiceName[]) {
    for (const p of stack.pipeline.copies(name)) codes.push((await fetch(`http://127.0.0.1:${p.opsPort}/healthz`)).status);
  }
  return codes;
}

/** What `referrals()` of a hotline pinning the directory key (or `keys`) does with the signer list stored now. */
async function clientReads(keys: DirectoryKeys = stack.accounts.directoryKey.publicKey): Promise<string> {
  const client = hotlineClient(await stack.busAs('hotline-eokm'), { hotline: 'eokm', country: 'NL', provenance: { directoryKey: keys } });
  try {
    const referrals = await client.referrals();
    void referrals.close();
    return 'reads';
  } catch (err) {
    return isSignersUnavailableError(err) ? 'refuses' : String(err);
  }
}

describe('a directory the offline key did not sign', () => {
  it('is refused by the dispatcher and the locator, which stay ready on the last signed revision and follow the next signed one', async () => {
    const bucket = await openJsonBucket<unknown>(operator, KvBucket.Directory);
    const stored = await bucket.get(DIRECTORY_KEY);
    const signed = stored?.value as { directory: string };
    const file = JSON.parse(signed.directory) as DirectoryFile;
    const before = await refusals();
    expect(Object.values(before).every((n) => n === 0)).toBe(true);
    const evil: DirectoryFile = { ...file, signers: { ...file.signers, dispatcher: [stack.accounts.user('hotline-eokm').publicKey] } };

    await bucket.put(DIRECTORY_KEY, evil);
    await bucket.put(DIRECTORY_KEY, { ...signed, directory: JSON.stringify(evil, null, 2) });
    await bucket.put(DIRECTORY_KEY, signDirectory(evil, new TextEncoder().encode(stranger.seed)));
    await waitFor(async () => Object.values(await refusals()).every((n) => n === 3), { what: 'every service to refuse the three revisions' });
    expect((await healthz()).every((c) => c === 200)).toBe(true);

    // A revision the offline key signed is followed: nothing more is refused.
    await publishDirectory(operator, stack.accounts.signed(file));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(Object.values(await refusals()).every((n) => n === 3)).toBe(true);
  });

  it('makes @relay/client refuse an unsigned, tampered or foreign-signed signer list, and read a signed one', async () => {
    expect(await clientReads()).toBe('reads');
    const bucket = await openJsonBucket<unknown>(operator, KvBucket.Directory);
    const good = (await bucket.get(SIGNERS_KEY))?.value as { list: string };
    const evilList = good.list.replace(/"dispatcher":\[\{"key":"U[A-Z2-7]{55}"/, `"dispatcher":[{"key":"${stack.accounts.user('hotline-eokm').publicKey}"`);
    expect(evilList).not.toBe(good.list);

    await bucket.put(SIGNERS_KEY, JSON.parse(evilList));
    expect(await clientReads()).toBe('refuses');
    await bucket.put(SIGNERS_KEY, { ...good, list: evilList });
    expect(await clientReads()).toBe('refuses');
    const foreign = signDirectory({ ...stack.accounts.directory.file }, new TextEncoder().encode(stranger.seed)).signers;
    await bucket.put(SIGNERS_KEY, foreign);
    expect(await clientReads()).toBe('refuses');

    await bucket.put(SIGNERS_KEY, good);
    expect(await clientReads()).toBe('reads');
  });
});

describe('a service or client without a pinned key, and a directory without signers (decision 0111)', () => {
  it('keeps the dispatcher and the locator from starting, and a client from being built, without a directory key', async () => {
    const env = serviceAccountEnv(stack.accounts, stack.url);
    for (const name of ['dispatcher', 'locator'] as const) {
      const unpinned = Object.fromEntries(Object.entries(env[name]).filter(([k]) => k !== 'RELAY_DIRECTORY_KEY'));
      const started = startService(name, { natsUrl: stack.url, env: { ...unpinned, ...(name === 'locator' ? { RELAY_DNS: 'zone', RELAY_DNS_ZONE_FILE: DEV_ZONE_FILE } : {}) }, readyTimeoutMs: 30_000 });
      await expect(started).rejects.toThrow(/RELAY_DIRECTORY_KEY: is required/);
    }
    const eokm = await stack.busAs('hotline-eokm');
    expect(() => hotlineClient(eokm, { hotline: 'eokm', country: 'NL', provenance: {} })).toThrow(DirectoryKeyRequiredError);
  });

  it('has the services refuse a revision the pinned key signed without signers, staying ready, and the client refuse its list', async () => {
    const before = await refusals();
    const bucket = await openJsonBucket<unknown>(operator, KvBucket.Directory);
    const stored = await bucket.get(DIRECTORY_KEY);
    if (!stored) throw new Error('no directory stored');
    const bare: DirectoryFile = { ...stack.accounts.directory.file, signers: {} };
    const signed = signDirectory(bare, new TextEncoder().encode(stack.accounts.directoryKey.seed));
    await bucket.put(DIRECTORY_KEY, signed);
    await waitFor(async () => Object.entries(await refusals()).every(([k, n]) => n === (before[k] ?? 0) + 1), { what: 'every service to refuse the revision without signers' });
    expect((await healthz()).every((c) => c === 200)).toBe(true);
    const good = (await bucket.get(SIGNERS_KEY))?.value;
    await bucket.put(SIGNERS_KEY, signed.signers);
    expect(await clientReads()).toBe('refuses');
    await bucket.put(SIGNERS_KEY, good);
    expect(await clientReads()).toBe('reads');
    // The operator repairs it with a revision that lists signers: a service started now gets ready on it.
    const listed = JSON.parse((stored.value as { directory: string }).directory) as DirectoryFile;
    await publishDirectory(operator, stack.accounts.signed(listed));
  });
});

describe('the directory key, rotated with an overlap (decision 0110)', () => {
  it('loses no message and duplicates none while both keys are pinned, then refuses a revision signed by the key no longer pinned', async () => {
    const old = stack.accounts.directoryKey;
    const next = generateDirectoryKey();
    const urls: string[] = [];
    /** Sends `n` reports of Dutch-hosted URLs (referred to eokm) through the gateway. */
    const submit = async (batch: string, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const url = `http://images.example.nl/rotation/${batch}-${i}`;
        const sent = await postReport(stack.gatewayUrl, DEMO_KEYS.iwf, JSON.stringify({ sourceReportId: `IWF-ROTATION-${batch}-${i}`, urls: [url] }), 'application/json');
        expect(sent.ok).toBe(true);
        urls.push(url);
      }
    };
    // eokm's system reads throughout, pinning both keys as the operator asked before the rotation.
    const referralIds = new Map<string, Set<string>>();
    const referrals = await hotlineClient(await stack.busAs('hotline-eokm'), { hotline: 'eokm', country: 'NL', provenance: { directoryKey: [old.publicKey, next.publicKey] } }).referrals();
    const reading = (async () => {
      for await (const d of referrals) {
        if (d.message.url.includes('/rotation/')) referralIds.set(d.message.url, (referralIds.get(d.message.url) ?? new Set()).add(d.message.id));
        await d.ack();
      }
    })();
    const restartPinning = async (keys: string, more: Record<string, string> = {}): Promise<void> => {
      for (const name of ['locator', 'dispatcher'] as ServiceName[]) await stack.pipeline.restart(name, 0, { RELAY_DIRECTORY_KEY: keys, ...more });
    };
    try {
      await submit('before', 5);
      // 1. Every service pins both keys (a rolling restart); reports keep coming meanwhile.
      await Promise.all([restartPinning(`${old.publicKey},${next.publicKey}`), submit('overlap', 5)]);
      // 2. The operator applies a revision signed by the new key: followed at once, no restart.
      const bucket = await openJsonBucket<unknown>(operator, KvBucket.Directory);
      const fileWithSigners = JSON.parse(((await bucket.get(DIRECTORY_KEY))?.value as { directory: string }).directory) as DirectoryFile;
      const byNext = signDirectory(fileWithSigners, new TextEncoder().encode(next.seed));
      await publishDirectory(operator, openDirectory(byNext, next.publicKey));
      // ... and the dispatcher's seed file becomes that revision: a file the old key signed no longer starts it.
      const seedFile = join(stack.accounts.dir, 'directory-next.json');
      await writeFile(seedFile, JSON.stringify(byNext));
      await submit('new-key', 5);
      expect(await clientReads(next.publicKey)).toBe('reads');
      // 3. The old key is unpinned everywhere (a second rolling restart): the services get ready on the new key's revision.
      await Promise.all([restartPinning(next.publicKey, { RELAY_DIRECTORY_FILE: seedFile }), submit('unpinned', 5)]);
      expect((await healthz()).every((c) => c === 200)).toBe(true);

      // Nothing lost, nothing twice: every report of the rotation became exactly one referral to eokm.
      await waitFor(() => urls.every((u) => referralIds.has(u)), { what: 'a referral for every report sent during the rotation', timeoutMs: 60_000 });
      expect([...referralIds.values()].map((ids) => ids.size)).toEqual(urls.map(() => 1));

      // 4. A revision the retired key signed (put back by whoever may write the bucket) is refused by every service, which stay ready.
      await bucket.put(DIRECTORY_KEY, signDirectory(fileWithSigners, new TextEncoder().encode(old.seed)));
      await waitFor(async () => Object.values(await refusals()).every((n) => n === 1), { what: 'every service to refuse the revision of the retired key' });
      expect((await healthz()).every((c) => c === 200)).toBe(true);
      // ... and a client that pins only the new key refuses a signer list the retired key signed.
      const good = (await bucket.get(SIGNERS_KEY))?.value;
      await bucket.put(SIGNERS_KEY, signDirectory(fileWithSigners, new TextEncoder().encode(old.seed)).signers);
      expect(await clientReads(next.publicKey)).toBe('refuses');
      await bucket.put(SIGNERS_KEY, good);
      // Routing goes on under the new key's revision.
      await submit('after', 2);
      await waitFor(() => urls.every((u) => referralIds.has(u)), { what: 'the reports sent after the rotation to be referred', timeoutMs: 60_000 });
      expect([...referralIds.values()].map((ids) => ids.size)).toEqual(urls.map(() => 1));
    } finally {
      await referrals.close();
      await reading;
    }
  }, 300_000);
});
