// Issue 16, items 1, 3 and 4, on a real nats-server with the generated accounts
// and every service as its own user: the signature covers the subject and a
// signing time, signer keys have validity windows, and both the services and
// @relay/client refuse what fails (the client terminates and reports it, never
// hands it over). A rotation with overlapping keys loses no message. Login
// keys sign nothing (decision 0108), and an operator's re-addressed replay
// verifies as the operator's copy of the dispatcher's message (decision 0109).
import { jetstreamManager } from '@nats-io/jetstream';
import { createUser } from '@nats-io/nkeys';
import { nanos } from '@nats-io/transport-node';
import { type Bus, busConfigFromEnv, connectBus, publishBytes, readStream, signatureHeaders, signerFromSeed } from '@relay/bus';
import { runCli } from '@relay/cli';
import { hotlineClient, readdressedBy, type Refusal } from '@relay/client';
import { publishDirectory, readSignerList } from '@relay/directory';
import { waitFor } from '@relay/testkit';
import { encodeMessage, exampleMessage, Header, type Referral, RelayType, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Inbox, inbox } from '../../e2e/harness/collect.js';
import { type HostileStack, startHostileStack } from './stack.js';

const newSeed = (): string => new TextDecoder().decode(createUser().getSeed());
const EXPIRED_DISPATCHER = newSeed();
const EXPIRED_LOCATOR = newSeed();
// A rotation of each organisation from one key to the next (the services' own generated keys stay listed: they keep running).
const ROTATION = { dispatcherFrom: newSeed(), dispatcherTo: newSeed(), locatorFrom: newSeed(), locatorTo: newSeed() };
const LONG_AGO = '2020-01-01T00:00:00Z';
const publicOf = (seed: string): string => signerFromSeed(seed).publicKey;

let stack: HostileStack;
let operator: Bus;
const refused: Record<string, Refusal[]> = { eokm: [], iwf: [] };
let eokm: Inbox<Referral>;
let iwf: Inbox<Referral>;
const unsignedAs: Record<string, Bus> = {};

/** The organisations' generated signing keys (as the stack's directory lists them), with `extra` keys added. */
function signersWith(extra: Record<string, readonly (string | { key: string; notBefore?: string; notAfter?: string })[]>) {
  const signers: Record<string, (string | { key: string; notBefore?: string; notAfter?: string })[]> = {};
  for (const u of stack.accounts.generated.users) if (u.signingKey) (signers[u.org] ??= []).push(u.signingKey.publicKey);
  for (const [org, keys] of Object.entries(extra)) signers[org] = [...keys];
  return signers;
}

/** Applies a directory with these signers as the operator does (`relay directory apply`), and waits for the public list to follow. */
async function applySigners(signers: ReturnType<typeof signersWith>): Promise<void> {
  await publishDirectory(operator, stack.accounts.signed({ ...stack.accounts.directory.file, signers }));
  const want = JSON.stringify(Object.keys(signers).sort());
  await waitFor(async () => JSON.stringify(Object.keys((await readSignerList(operator))?.signers ?? {}).sort()) === want, { what: 'the signer list to follow' });
}

/** A connection as a generated user that does not sign: what it publishes carries the headers given, as a forger's would. */
async function forgerAs(name: string): Promise<Bus> {
  const env = { ...stack.accounts.envOf(name, stack.url) };
  delete env['RELAY_SIGNING_KEY_FILE'];
  const bus = await connectBus(busConfigFromEnv(env, `forger-${name}`));
  unsignedAs[name] = bus;
  return bus;
}

function referralTo(id: string, country: string, hotline: string): Uint8Array {
  return encodeMessage(RelayType.Referral, { ...exampleMessage(RelayType.Referral), id, jurisdiction: country, hotline });
}

/** Headers of `data` signed by `seed` for `signedFor` (which may differ from where it is published). */
function signedHeaders(seed: string, signedFor: string, data: Uint8Array, msgId: string, type: string, signedAt = Date.now()): Record<string, string> {
  const base = { [Header.MsgId]: msgId, [Header.Origin]: 'ncmec', [Header.Type]: type };
  return { ...base, ...signatureHeaders(signerFromSeed(seed), signedFor, data, base, signedAt) };
}

async function publishAs(bus: Bus, subject: string, data: Uint8Array, headers: Record<string, string>): Promise<void> {
  await publishBytes(bus, subject, data, { msgId: headers[Header.MsgId] ?? '', origin: headers[Header.Origin] ?? '', headers });
}

/** DLQ entries (original subject -> error code) the services wrote. */
async function dlqCodes(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const m of readStream(operator, { stream: StreamName.Dlq })) {
    out.set(m.headers[Header.DlqMsgId] ?? '', (m.headers[Header.Error] ?? '').split(':')[0] ?? '');
  }
  return out;
}

beforeAll(async () => {
  stack = await startHostileStack();
  operator = await stack.busAs('operator-alice');
  // An old dispatcher and locator key each, retired long ago, beside the keys in use.
  await applySigners(
    signersWith({
      dispatcher: [stack.accounts.signingKey('dispatcher').publicKey, { key: publicOf(EXPIRED_DISPATCHER), notAfter: LONG_AGO }],
      locator: [stack.accounts.signingKey('locator').publicKey, { key: publicOf(EXPIRED_LOCATOR), notAfter: LONG_AGO }],
    }),
  );
  const open = async (name: 'eokm' | 'iwf', country: string) =>
    inbox(
      await hotlineClient(await stack.busAs(`hotline-${name}`), {
        hotline: name,
        country,
        provenance: { directoryKey: stack.accounts.directoryKey.publicKey, onRefused: (r) => refused[name]?.push(r) },
      }).referrals(),
    );
  eokm = await open('eokm', 'NL');
  iwf = await open('iwf', 'GB');
}, 120_000);

afterAll(async () => {
  await eokm?.close();
  await iwf?.close();
  await Promise.all(Object.values(unsignedAs).map((b) => b.close()));
  await stack?.stop();
});

describe('provenance a receiver can check', () => {
  it("refuses, in @relay/client, a dispatcher-signed referral re-published on another hotline's subject", async () => {
    const dispatcherSeed = stack.accounts.signingKey('dispatcher').seed;
    const forger = await forgerAs('dispatcher');
    const genuine = referralTo('ref_genuine', 'NL', 'eokm');
    await publishAs(forger, subjects.referral('NL', 'eokm'), genuine, signedHeaders(dispatcherSeed, subjects.referral('NL', 'eokm'), genuine, 'dispatcher:ref_genuine', RelayType.Referral));
    // The same signed bytes for eokm, published on iwf's subject (a v1 signature covered no subject and verified).
    const copy = referralTo('ref_copied', 'NL', 'eokm');
    await publishAs(forger, subjects.referral('GB', 'iwf'), copy, signedHeaders(dispatcherSeed, subjects.referral('NL', 'eokm'), copy, 'dispatcher:ref_copied', RelayType.Referral));

    await eokm.next((r) => r.message.id === 'ref_genuine', 'the genuine referral at eokm');
    await waitFor(() => refused['iwf']?.find((r) => r.subject === 'relay.referral.GB.iwf'), { what: 'iwf to refuse the copy' });
    expect(refused['iwf']).toEqual([expect.objectContaining({ subject: 'relay.referral.GB.iwf', code: 'signature-invalid' })]);
    expect(iwf.received.map((r) => r.message.id)).not.toContain('ref_copied');
  });

  it("refuses, in the dispatcher, a locator-signed observation re-published on another country's subject", async () => {
    const observation = encodeMessage(RelayType.HostingObservation, { ...exampleMessage(RelayType.HostingObservation), id: 'obs_copied' });
    const forger = await forgerAs('locator');
    await publishAs(
      forger,
      subjects.hosting('DE'),
      observation,
      signedHeaders(stack.accounts.signingKey('locator').seed, subjects.hosting('NL'), observation, 'locator:obs_copied', RelayType.HostingObservation),
    );
    const codes = await waitFor(async () => ((await dlqCodes()).has('locator:obs_copied') ? dlqCodes() : undefined), { what: 'the DLQ entry' });
    expect(codes.get('locator:obs_copied')).toBe('signature-invalid');
  });

  it('refuses a message signed with an expired key, in the dispatcher and in @relay/client', async () => {
    const referral = referralTo('ref_expired', 'NL', 'eokm');
    await publishAs(
      await forgerAs('dispatcher'),
      subjects.referral('NL', 'eokm'),
      referral,
      signedHeaders(EXPIRED_DISPATCHER, subjects.referral('NL', 'eokm'), referral, 'dispatcher:ref_expired', RelayType.Referral),
    );
    const observation = encodeMessage(RelayType.HostingObservation, { ...exampleMessage(RelayType.HostingObservation), id: 'obs_expired' });
    await publishAs(
      await forgerAs('locator'),
      subjects.hosting('NL'),
      observation,
      signedHeaders(EXPIRED_LOCATOR, subjects.hosting('NL'), observation, 'locator:obs_expired', RelayType.HostingObservation),
    );

    await waitFor(() => refused['eokm']?.find((r) => r.code === 'signer-key-not-valid'), { what: 'eokm to refuse the referral' });
    expect(eokm.received.map((r) => r.message.id)).not.toContain('ref_expired');
    const codes = await waitFor(async () => ((await dlqCodes()).has('locator:obs_expired') ? dlqCodes() : undefined), { what: 'the DLQ entry' });
    expect(codes.get('locator:obs_expired')).toBe('signer-key-not-valid');
  });

  it('loses no message in a rotation with overlapping keys: old-key messages signed in their window still verify after the old key is retired', async () => {
    const dispatcher = stack.accounts.signingKey('dispatcher').publicKey;
    const locator = stack.accounts.signingKey('locator').publicKey;
    const toEokm = await forgerAs('dispatcher');
    const toDispatcher = await forgerAs('locator');
    const sendReferral = async (id: string, seed: string): Promise<void> => {
      const data = referralTo(id, 'NL', 'eokm');
      await publishAs(toEokm, subjects.referral('NL', 'eokm'), data, signedHeaders(seed, subjects.referral('NL', 'eokm'), data, `dispatcher:${id}`, RelayType.Referral));
    };
    // Observations of distinct URLs: each one the dispatcher accepts becomes a referral to eokm.
    const sendObservation = async (id: string, seed: string): Promise<string> => {
      const url = `http://images.example.nl/rotation/${id}`;
      const data = encodeMessage(RelayType.HostingObservation, { ...exampleMessage(RelayType.HostingObservation), id, url, normalizedUrl: url });
      await publishAs(toDispatcher, subjects.hosting('NL'), data, signedHeaders(seed, subjects.hosting('NL'), data, `locator:${id}`, RelayType.HostingObservation));
      return url;
    };
    const { dispatcherFrom, dispatcherTo, locatorFrom, locatorTo } = ROTATION;
    const urls: string[] = [];
    // 0. Each organisation signs with its "from" key.
    await applySigners(signersWith({ dispatcher: [dispatcher, publicOf(dispatcherFrom)], locator: [locator, publicOf(locatorFrom)] }));
    await sendReferral('ref_rot_old_1', dispatcherFrom);
    urls.push(await sendObservation('obs_rot_old_1', locatorFrom));
    // 1. The next keys are listed beside them (the client read its list before: it reads it again).
    await applySigners(
      signersWith({ dispatcher: [dispatcher, publicOf(dispatcherFrom), publicOf(dispatcherTo)], locator: [locator, publicOf(locatorFrom), publicOf(locatorTo)] }),
    );
    await sendReferral('ref_rot_new_1', dispatcherTo);
    await sendReferral('ref_rot_old_2', dispatcherFrom);
    urls.push(await sendObservation('obs_rot_new_1', locatorTo), await sendObservation('obs_rot_old_2', locatorFrom));
    // 2. The old keys are retired from now on; what they signed before stays valid, in the stream and on redelivery.
    const retiredAt = new Date().toISOString();
    await applySigners(
      signersWith({
        dispatcher: [dispatcher, { key: publicOf(dispatcherFrom), notAfter: retiredAt }, publicOf(dispatcherTo)],
        locator: [locator, { key: publicOf(locatorFrom), notAfter: retiredAt }, publicOf(locatorTo)],
      }),
    );
    await sendReferral('ref_rot_new_2', dispatcherTo);
    urls.push(await sendObservation('obs_rot_new_2', locatorTo));
    // A message the retired key signs now is refused by the dispatcher, which follows the directory as it changes.
    await sendObservation('obs_rot_after_retirement', locatorFrom);

    for (const id of ['ref_rot_old_1', 'ref_rot_new_1', 'ref_rot_old_2', 'ref_rot_new_2']) await eokm.next((r) => r.message.id === id, id, 60_000);
    // The dispatcher routed every observation signed in its key's window.
    for (const url of urls) await eokm.next((r) => r.message.url === url, `the referral for ${url}`, 60_000);
    expect(refused['eokm']?.map((r) => r.code)).toEqual(['signer-key-not-valid']); // only the expired key's referral, above
    const codes = await waitFor(async () => ((await dlqCodes()).has('locator:obs_rot_after_retirement') ? dlqCodes() : undefined), { what: 'the DLQ entry' });
    expect([...codes].filter(([id]) => id.includes('rot'))).toEqual([['locator:obs_rot_after_retirement', 'signer-key-not-valid']]);
  });
});

describe('signing keys apart from login keys, and re-addressed replays (decisions 0108, 0109)', () => {
  it('refuses what is signed with a NATS login key, which no directory lists: in the dispatcher and in @relay/client', async () => {
    const status = encodeMessage(RelayType.StatusUpdate, { ...exampleMessage(RelayType.StatusUpdate), id: 'status_login_key', hotline: 'eokm' });
    const base = { [Header.MsgId]: 'eokm:status_login_key', [Header.Origin]: 'eokm', [Header.Type]: RelayType.StatusUpdate };
    const eokmLogin = signerFromSeed(stack.accounts.user('hotline-eokm').seed);
    await publishAs(await forgerAs('hotline-eokm'), subjects.status('eokm'), status, { ...base, ...signatureHeaders(eokmLogin, subjects.status('eokm'), status, base) });
    const referral = referralTo('ref_login_key', 'NL', 'eokm');
    await publishAs(
      await forgerAs('dispatcher'),
      subjects.referral('NL', 'eokm'),
      referral,
      signedHeaders(stack.accounts.user('dispatcher').seed, subjects.referral('NL', 'eokm'), referral, 'dispatcher:ref_login_key', RelayType.Referral),
    );

    const codes = await waitFor(async () => ((await dlqCodes()).has('eokm:status_login_key') ? dlqCodes() : undefined), { what: 'the DLQ entry' });
    expect(codes.get('eokm:status_login_key')).toBe('signer-not-of-org');
    await waitFor(() => refused['eokm']?.find((r) => r.code === 'signer-not-of-org'), { what: 'eokm to refuse the referral' });
    expect(eokm.received.map((r) => r.message.id)).not.toContain('ref_login_key');
  });

  it('re-addresses a referral with relay replay: @relay/client verifies the copy and attributes it to the operator', async () => {
    const { nc } = await stack.probeAs('break-glass');
    const jsm = await jetstreamManager(nc);
    const { config } = await jsm.streams.info(StreamName.Referrals);
    // A copy keeps the original's Nats-Msg-Id, which REFERRALS drops for a day: shorten its window to get past it.
    await jsm.streams.update(StreamName.Referrals, { ...config, duplicate_window: nanos(500) });
    try {
      const referral = referralTo('ref_readdressed', 'NL', 'eokm');
      const from = subjects.referral('NL', 'eokm');
      await publishAs(await forgerAs('dispatcher'), from, referral, signedHeaders(stack.accounts.signingKey('dispatcher').seed, from, referral, 'dispatcher:ref_readdressed', RelayType.Referral));
      await eokm.next((r) => r.message.id === 'ref_readdressed', 'the referral at eokm');
      await new Promise((resolve) => setTimeout(resolve, 1_500));

      const env = { ...stack.accounts.envOf('operator-alice', stack.url), RELAY_DIRECTORY_KEY: stack.accounts.directoryKey.publicKey };
      const args = ['replay', '--stream', 'REFERRALS', '--referral', 'ref_readdressed', '--to-subject', 'relay.referral.GB.iwf', '--reason', 'eokm passed it to iwf', '--json'];
      const run = async (e: Record<string, string>) => {
        let out = '';
        let err = '';
        const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env: e });
        return { code, out, err };
      };
      // Without a signing key the operator cannot re-sign: refused before anything is published.
      const unsigned: Record<string, string> = { ...env };
      delete unsigned['RELAY_SIGNING_KEY_FILE'];
      const refusedRun = await run(unsigned);
      expect(refusedRun.code).toBe(2);
      expect(refusedRun.err).toContain('RELAY_SIGNING_KEY_FILE');

      const refusedBefore = refused['iwf']?.length ?? 0;
      const r = await run(env);
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ read: 1, written: 1, resigned: 1, resignedBy: 'operator-alice' });
      const copy = await iwf.next((m) => m.message.id === 'ref_readdressed', 'the copy at iwf');
      expect(copy.subject).toBe('relay.referral.GB.iwf');
      expect(readdressedBy(copy.headers)).toEqual({
        by: 'operator-alice',
        signer: stack.accounts.signingKey('operator-alice').publicKey,
        originalSubject: from,
        originalOrigin: 'ncmec',
        originalSigner: stack.accounts.signingKey('dispatcher').publicKey,
      });
      expect(refused['iwf']?.slice(refusedBefore)).toEqual([]);
    } finally {
      await jsm.streams.update(StreamName.Referrals, config);
    }
  });
});
