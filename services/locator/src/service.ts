import { type Bus, ConfigError, type Stoppable } from '@relay/bus';
import { watchDirectory } from '@relay/directory';
import { createCdnCatalogue, createSystemResolver, createZoneResolver, type HostResolver, isGeoDataError, isZoneFileError, locate, openGeo } from '@relay/geo';
import { type Logger, type Metrics, observeJetStream, startOpsServer } from '@relay/observability';
import { StreamName } from '@relay/wire';
import type { LocatorConfig } from './config.js';
import { recheckRemapped } from './data-update.js';
import { Durable, runLocator, statusLabel } from './locator.js';
import { locatorVerifiers } from './verifiers.js';

/** What the locator runs on: config, a connected bus with topology ensured, logger and metrics. */
export interface LocatorDeps {
  readonly config: LocatorConfig;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** A running locator process: its consumers, directory watch, resolver and ops port. */
export interface LocatorService extends Stoppable {
  /** The port of `/metrics` and `/healthz` (useful with port 0). */
  readonly opsPort: number;
}

/** Runs `open`, turning a data error into a ConfigError naming `variable`. */
async function opening<T>(variable: string, open: () => T | Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    if (isGeoDataError(err) || isZoneFileError(err)) throw new ConfigError([`${variable}: ${err.message}`]);
    throw err;
  }
}

/**
 * Starts the locator on a connected bus (topology ensured), as its main.ts
 * does (decision 0114): reads the geolocation data and the zone, follows the
 * directory for its signers, runs the consumers with their verifiers, the
 * JetStream gauges and the ops port. `stop()` drains it all and leaves the
 * bus to the caller.
 * @throws ConfigError when the configured geolocation data or zone file is unusable.
 */
export async function startLocator(deps: LocatorDeps): Promise<LocatorService> {
  const { config, bus, logger: log, metrics } = deps;
  // RELAY_DIRECTORY_KEY is required: only a directory it signed is followed; without one nothing passes (fail closed, decision 0111).
  const refused = metrics.counter('relay_directory_refused_total', 'Stored directory revisions refused (invalid or not signed by the pinned key)', []);
  // The directory's NATS round trips run while the geolocation data and the zone are read (start-up time, decision 0083).
  const watching = watchDirectory(bus, {
    key: config.directoryKey,
    onInvalid: (err) => {
      refused.inc({});
      log.error({ err }, 'stored directory is invalid or not validly signed: keeping the previous one');
    },
  });
  // Awaited below; a refusal while the data is read must not count as unhandled meanwhile.
  watching.catch(() => undefined);
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
  const directory = await watching;
  const observations = metrics.counter('relay_locator_observations_total', 'Hosting observations published', ['status', 'outcome']);
  const locator = await runLocator({
    bus,
    locateDeps: { resolver, geo, cdn: createCdnCatalogue(), clock: () => new Date() },
    concurrency: config.concurrency,
    verify: locatorVerifiers(() => directory.current()?.directory, true),
    observed: (o, emitted) => observations.inc({ status: statusLabel(o.status), outcome: emitted.duplicate ? 'duplicate' : 'stored' }),
    log,
  });
  const ops = await startOpsServer({
    host: config.opsHost,
    port: config.opsPort,
    registry: metrics.registry,
    // Fail closed: under a pinned key a locator without a valid signed directory is not ready.
    checks: { nats: () => bus.isConnected(), consumers: () => locator.running(), directory: () => directory.current() !== undefined },
  });
  const stopGauges = observeJetStream(bus, metrics, {
    consumers: [
      { stream: StreamName.Reports, durable: Durable.Reports },
      { stream: StreamName.Rechecks, durable: Durable.Rechecks },
    ],
  });
  log.info({ dns: resolver.description, geo: geo.sources, opsPort: ops.port, server: bus.serverVersion }, 'locator ready');
  // New IP data may put open cases' addresses in another country: look at those now (issue 18, item 3).
  void recheckRemapped({ bus, geo, locate: (url) => locate(url, { resolver, geo, cdn: createCdnCatalogue(), clock: () => new Date() }), log })
    .then((r) => log.info(r, 'open cases checked against the IP data in force'))
    .catch((err: unknown) => log.warn({ err }, 'could not check open cases against the IP data; their scheduled rechecks will'));
  return {
    opsPort: ops.port,
    stop: async () => {
      stopGauges();
      await locator.stop();
      directory.stop();
      await ops.stop();
      resolver.close();
    },
  };
}
