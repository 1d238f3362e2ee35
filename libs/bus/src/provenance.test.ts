import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { encodeMessage, exampleMessage, Header, parseSubject, RelayType, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bus,
  busConfigFromEnv,
  connectBus,
  ensureTopology,
  provenanceVerifier,
  publishBytes,
  readStream,
  runConsumer,
  signatureHeaders,
  signerFromSeed,
} from './index.js';

const seedOf = (): string => new TextDecoder().decode(createUser().getSeed());
const EOKM_OLD = seedOf();
const EOKM_NEW = seedOf();
const IWF = seedOf();
const keys: Record<string, string[]> = {
  eokm: [signerFromSeed(EOKM_OLD).publicKey, signerFromSeed(EOKM_NEW).publicKey],
  iwf: [signerFromSeed(IWF).publicKey],
};

let server: NatsServer;
let plain: Bus;
const signed: Record<string, Bus> = {};

async function busSigningWith(name: string, seed: string): Promise<Bus> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-sign-'));
  await writeFile(join(dir, 'key.nk'), seed);
  return connectBus(busConfigFromEnv({ NATS_URL: server.url, RELAY_SIGNING_KEY_FILE: join(dir, 'key.nk') }, name));
}

beforeAll(async () => {
  server = await startNatsServer();
  plain = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'plain'));
  await ensureTopology(plain, { replicas: 1 });
  signed['eokm-old'] = await busSigningWith('eokm-old', EOKM_OLD);
  signed['eokm-new'] = await busSigningWith('eokm-new', EOKM_NEW);
  signed['iwf'] = await busSigningWith('iwf', IWF);
});
afterAll(async () => {
  await Promise.all([plain, ...Object.values(signed)].map((b) => b?.close()));
  await server?.dispose();
});

const status = (id: string): Uint8Array => encodeMessage(RelayType.StatusUpdate, { ...exampleMessage(RelayType.StatusUpdate), id });

describe('provenance', () => {
  it('accepts signed status from its own hotline (old and rotated key) and dead-letters every forgery with its reason', async () => {
    const eokm = subjects.status('eokm');
    const publish = (bus: Bus, id: string, extra: Record<string, string> = {}) =>
      publishBytes(bus, eokm, status(id), { msgId: `eokm:${id}`, origin: 'eokm', headers: { [Header.Type]: RelayType.StatusUpdate, ...extra } });

    await publish(signed['eokm-old'] as Bus, 'good-old-key');
    await publish(signed['eokm-new'] as Bus, 'good-rotated-key');
    await publish(plain, 'unsigned');
    await publish(signed['iwf'] as Bus, 'signed-by-iwf');
    // A valid eokm signature over different bytes: the payload was altered after signing.
    const forgedHeaders = {
      [Header.Type]: RelayType.StatusUpdate,
      ...signatureHeaders(signerFromSeed(EOKM_OLD), eokm, status('original'), {
        [Header.Type]: RelayType.StatusUpdate,
        [Header.MsgId]: 'eokm:tampered',
        [Header.Origin]: 'eokm',
      }),
    };
    await publishBytes(plain, eokm, status('tampered'), { msgId: 'eokm:tampered', origin: 'eokm', headers: forgedHeaders });
    // An iwf-signed status replayed onto eokm's subject under eokm's origin.
    const iwfSigned = signatureHeaders(signerFromSeed(IWF), subjects.status('iwf'), status('replayed'), {
      [Header.Type]: RelayType.StatusUpdate,
      [Header.MsgId]: 'iwf:replayed',
      [Header.Origin]: 'iwf',
    });
    await publishBytes(plain, eokm, status('replayed'), {
      msgId: 'iwf:replayed',
      origin: 'eokm',
      headers: { [Header.Type]: RelayType.StatusUpdate, ...iwfSigned },
    });

    const accepted: string[] = [];
    const runner = await runConsumer(
      plain,
      {
        stream: StreamName.Status,
        durable: 'provenance',
        filterSubject: eokm,
        types: [RelayType.StatusUpdate],
        service: 'provenance-test',
        verify: provenanceVerifier({
          expectedSigner: (subject) => {
            const parsed = parseSubject(subject);
            return parsed.kind === 'status' ? parsed.hotline : '';
          },
          keysOf: (org) => keys[org] ?? [],
        }),
      },
      async (m) => {
        accepted.push(m.message.id);
        await Promise.resolve();
      },
    );
    const refused = new Map<string, string>();
    await waitFor(async () => {
      refused.clear();
      for await (const m of readStream(plain, { stream: StreamName.Dlq })) {
        refused.set(m.headers[Header.DlqMsgId] ?? '', (m.headers[Header.Error] ?? '').split(':')[0] ?? '');
      }
      return refused.size === 4 && accepted.length === 2;
    });
    await runner.stop();

    expect(accepted.sort()).toEqual(['good-old-key', 'good-rotated-key']);
    expect(Object.fromEntries(refused)).toEqual({
      'eokm:unsigned': 'unsigned',
      'eokm:signed-by-iwf': 'signer-not-of-org',
      'eokm:tampered': 'signature-invalid',
      'iwf:replayed': 'signature-invalid',
    });
  });
});
