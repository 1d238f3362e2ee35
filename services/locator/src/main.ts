import { busConfigFromEnv, connectBus, ensureTopology, isConfigError, stopOnSignals } from '@relay/bus';
import { createCdnCatalogue, createSystemResolver, createZoneResolver, type HostResolver, isGeoDataError, isZoneFileError, openGeo } from '@relay/geo';
import { createLogger, createMetrics, keepHeapCompact, observeJetStream, startOpsServer } from '@relay/observability';
import { StreamName } from '@relay/wire';
import { type Directory, directoryVerifier, ServiceSigner, watchDirectory } from '@relay/directory';
import { locatorConfigFromEnv } from './config.js';
import { startLocator, statusLabel } from './locator.js';

keepHeapCompact();

/** A bad setting: print the variable and the rule, exit 2 (decision 0003). */
function refuse(lines: readonly string[]): never {
  process.stderr.write(`locator: invalid configuration:\n  ${lines.join('\n  ')}\n`);
  process.exit(2);
}

/** Runs `open`, turning a data error into a refusal naming `variable`. */
async function opening<T>(variable: string, open: () => T | Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    if (isGeoDataError(err) || isZoneFileError(err)) refuse([`${variable}: ${err.message}`]);
    throw err;
  }
}

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  let config;
  let busConfig;
  try {
    config = locatorConfigFromEnv(env);
    busConfig = busConfigFromEnv(env, 'locator');
  } catch (err) {
    if (isConfigError(err)) refuse(err.issues);
    throw err;
  }
  const log = createLogger('locator', config.logLevel);
  const metrics = createMetrics('locator');

  // NATS round trips run while the geolocation data and the zone are read (start-up time).
  const connecting = (async () => {
    const bus = await connectBus(busConfig, { metrics: metrics.bus });
    await ensureTopology(bus, { replicas: busConfig.replicas });
    return bus;
  })();
  // Awaited below; a refusal to connect while the data is read must not count as unhandled meanwhile.
  connecting.catch(() => undefined);
  const geo = await opening('RELAY_GEO_COUNTRY_DB / RELAY_GEO_ASN_DB', () =>
    openGeo({
      ...(config.countryDb === undefined ? {} : { countryDbPath: config.countryDb }),
      ...(config.asnDb === undefined ? {} : { asnDbPath: config.asnDb }),
    }),
  );
  const dns = config.dns;
  const resolver: HostResolver =
    dns.kind === 'zone'
      ? await opening('RELAY_DNS_ZONE_FILE', () =>
          createZoneResolver({ path: dns.zoneFile, onReloadError: (err) => log.error({ err }, 'zone file changed but is invalid: keeping the previous zone') }),
        )
      : createSystemResolver({ servers: dns.servers, timeoutMs: dns.timeoutMs });
  const bus = await connecting;
  // The directory's signers say who may have published what the locator consumes.
  const refused = metrics.counter('relay_directory_refused_total', 'Stored directory revisions refused (invalid or not signed by the pinned key)', []);
  // RELAY_DIRECTORY_KEY is required: only a directory it signed is followed; without one nothing passes (fail closed).
  const directory = await watchDirectory(bus, {
    key: config.directoryKey,
    onInvalid: (err) => {
      refused.inc({});
      log.error({ err }, 'stored directory is invalid or not validly signed: keeping the previous one');
    },
  });
  const current = (): Directory | undefined => directory.current()?.directory;
  const observations = metrics.counter('relay_locator_observations_total', 'Hosting observations published', ['status', 'outcome']);
  const locator = await startLocator({
    bus,
    locateDeps: { resolver, geo, cdn: createCdnCatalogue(), clock: () => new Date() },
    concurrency: config.concurrency,
    verify: {
      reports: directoryVerifier(current, () => ServiceSigner.Gateway, Date.now, true),
      rechecks: directoryVerifier(current, () => ServiceSigner.Dispatcher, Date.now, true),
    },
    observed: (o, emitted) => observations.inc({ status: statusLabel(o.status), outcome: emitted.duplicate ? 'duplicate' : 'stored' }),
    log,
  });
  const ops = await startOpsServer({
    port: config.opsPort,
    registry: metrics.registry,
    // Fail closed: a locator without a valid signed directory is not ready.
    checks: { nats: () => bus.isConnected(), consumers: () => locator.running(), directory: () => directory.current() !== undefined },
  });
  const stopGauges = observeJetStream(bus, metrics, {
    consumers: [
      { stream: StreamName.Reports, durable: 'locator-reports' },
      { stream: StreamName.Rechecks, durable: 'locator-rechecks' },
    ],
  });
  log.info({ dns: resolver.description, geo: geo.sources, opsPort: ops.port, server: bus.serverVersion }, 'locator ready');

  stopOnSignals(
    async () => {
      stopGauges();
      await locator.stop();
      directory.stop();
      await ops.stop();
      resolver.close();
      await bus.close();
    },
    { log },
  );
}

main(process.env).catch((err: unknown) => {
  process.stderr.write(`locator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
