// Issue 16, item 2, on a real nats-server with the generated accounts and every
// service as its own user pinning the directory key: whoever may write the
// directory bucket (here an operator; as well a compromised dispatcher or
// broker) cannot make the services or @relay/client trust a directory or a
// signer list the offline key did not sign.
import { type Bus, openJsonBucket } from '@relay/bus';
import { hotlineClient, isSignersUnavailableError } from '@relay/client';
import { DIRECTORY_KEY, type DirectoryFile, generateDirectoryKey, publishDirectory, signDirectory } from '@relay/directory';
import { waitFor } from '@relay/testkit';
import { KvBucket, SIGNERS_KEY } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counterValue, type ServiceName } from '../../e2e/harness/pipeline.js';
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

/** What `referrals()` of a hotline pinning the directory key does with the signer list stored now. */
async function clientReads(): Promise<string> {
  const client = hotlineClient(await stack.busAs('hotline-eokm'), { hotline: 'eokm', country: 'NL', provenance: { directoryKey: stack.accounts.directoryKey.publicKey } });
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
