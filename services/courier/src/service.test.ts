import { type Bus, consumerLag, ensureTenantConsumers, isConfigError } from '@relay/bus';
import { type DirectoryFile, exportSigners, openDirectory, publishDirectory, signDirectory, tenantsOf } from '@relay/directory';
import { createLogger, createMetrics } from '@relay/observability';
import { devDirectory, signedDirectory, startRelay, type TestRelay } from '@relay/testing';
import { waitFor } from '@relay/testkit';
import { StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatcherBus, publishReferral, secretsFolder } from '../test/courier.js';
import { startReceiver, type TestReceiver } from '../test/receiver.js';
import { courierConfigFromEnv, type CourierService, startCourier } from './index.js';

let relay: TestRelay;
let dispatcher: Bus;
let receiver: TestReceiver;
let courier: CourierService | undefined;
const secrets = secretsFolder('iwf-webhook');
let file: DirectoryFile;
let key: { seed: string; publicKey: string };

/** The dev directory where iwf receives by webhook at `url`, signed by the test directory key. */
function signedWith(url: string | undefined, dispatcherKey: string): DirectoryFile {
  const dev = devDirectory().file;
  return {
    ...dev,
    signers: { ...dev.signers, dispatcher: [dispatcherKey] },
    hotlines: dev.hotlines.map((h) =>
      h.id !== 'iwf' ? { ...h, delivery: undefined } : url === undefined ? h : { ...h, delivery: { kind: 'webhook', url, secretRef: secrets.ref, allowPrivate: true } },
    ),
  };
}

beforeAll(async () => {
  receiver = await startReceiver(secrets.secret);
  relay = await startRelay({ directory: false });
  const signing = await dispatcherBus(relay);
  dispatcher = signing.bus;
  const dispatcherKey = signing.signers.signers['dispatcher']?.[0]?.key ?? '';
  file = signedWith(receiver.url, dispatcherKey);
  const signed = signedDirectory(file);
  key = signed.key;
  await publishDirectory(relay.bus, signed.directory);
  await exportSigners(relay.bus, signed.directory);
  await ensureTenantConsumers(relay.bus, tenantsOf(signed.directory));
});
afterAll(async () => {
  await courier?.stop();
  await dispatcher?.close();
  await receiver?.close();
  await relay?.dispose();
});

describe('the courier service', () => {
  it('refuses to start without a pinned directory key or a secrets folder, naming each variable', () => {
    let error: unknown;
    try {
      courierConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:1', RELAY_COURIER_SECRETS_DIR: '/nonexistent/webhooks', RELAY_WEBHOOK_TIMEOUT: '1s', RELAY_WEBHOOK_CONNECT_TIMEOUT: '2s' });
    } catch (err) {
      error = err;
    }
    expect(isConfigError(error)).toBe(true);
    const issues = (error as { issues: string[] }).issues.join('\n');
    expect(issues).toMatch(/RELAY_DIRECTORY_KEY/);
    expect(issues).toMatch(/RELAY_COURIER_SECRETS_DIR: folder does not exist/);
  });

  it('delivers to the endpoints of the signed directory, verified against the pinned key, is ready and counts attempts; an endpoint removed from the directory gets nothing more', async () => {
    const config = courierConfigFromEnv({
      NATS_URL: relay.server.url,
      RELAY_DIRECTORY_KEY: key.publicKey,
      RELAY_COURIER_SECRETS_DIR: secrets.dir,
      RELAY_OPS_PORT: '0',
      // Another loopback address than the default: the ops server must listen where it is told (a pod's probes, 0.0.0.0).
      RELAY_OPS_HOST: '127.0.0.2',
      RELAY_WEBHOOK_RETRY_INITIAL: '50ms',
    });
    const bus = await relay.connect('courier');
    courier = await startCourier({ config, bus, logger: createLogger('courier', 'silent'), metrics: createMetrics('courier') });
    const ops = `http://127.0.0.2:${courier.opsPort}`;
    await waitFor(async () => (await fetch(`${ops}/healthz`)).status === 200, { what: 'the courier to be ready' });

    await publishReferral(dispatcher, 'ref_svc_1', 'case_svc_1', 'iwf', 'GB');
    await waitFor(() => receiver.requests.some((r) => r.id === 'ref_svc_1' && r.status < 300), { what: 'the referral to reach iwf' });
    expect(await (await fetch(`${ops}/metrics`)).text()).toMatch(/relay_courier_attempts_total\{hotline="iwf",outcome="delivered",status="204",service="courier"\} 1/);

    expect(courier.hotlines()).toEqual(['iwf']);
    // The operator takes iwf off webhook delivery: a new signed revision.
    await publishDirectory(relay.bus, openDirectory(signDirectory({ ...file, hotlines: file.hotlines.map((h) => ({ ...h, delivery: undefined })) }, new TextEncoder().encode(key.seed)), key.publicKey));
    await waitFor(() => courier?.hotlines().length === 0, { what: 'the courier to stop reading iwf' });
    const before = receiver.requests.length;
    await publishReferral(dispatcher, 'ref_svc_2', 'case_svc_2', 'iwf', 'GB');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(receiver.requests.length).toBe(before);
    // It waits on iwf's consumer for iwf's own system (or the courier, once the operator switches it back).
    expect(await consumerLag(relay.bus, StreamName.Referrals, 'hotline-iwf')).toMatchObject({ pending: 1, ackPending: 0 });
  });
});
