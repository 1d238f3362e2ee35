import { fileURLToPath } from 'node:url';
import type { Bus, Stoppable } from '@relay/bus';
import { type Logger, type Metrics, startOpsServer } from '@relay/observability';
import { createSignInBackoff } from './backoff.js';
import type { ConsoleConfig } from './config.js';
import { createConsoleApp } from './http.js';
import { watchServices } from './service-health.js';
import { createSessionStore } from './sessions.js';
import { createTenantBuses } from './tenants.js';

/** What the console runs on: config, a connected bus with topology ensured, logger and metrics. */
export interface ConsoleDeps {
  readonly config: ConsoleConfig;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** A running console: its web app, its tenant connections and its ops port. */
export interface ConsoleService extends Stoppable {
  /** Port of the pages and API (useful with port 0). */
  readonly httpPort: number;
  /** Port of `/metrics` and `/healthz`. */
  readonly opsPort: number;
}

/** The pages and assets shipped with the package (`public/`, beside `src/` and `dist/`). */
export const PUBLIC_DIR = fileURLToPath(new URL('../public', import.meta.url));

/** What the build bundles for the pages (`build-assets.mjs`: the map and chart code, the world, country numbers), served as `/assets/gen/`. */
export const WEB_BUILD_DIR = fileURLToPath(new URL('../dist/web', import.meta.url));

/**
 * Starts the console on a connected bus, as its main.ts does (decision 0114):
 * the web app on the HTTP port, tenant connections opened at each tenant's
 * first sign-in, the ops port, the background checks of the watched services.
 * `stop()` ends the checks, closes the app and every tenant connection and
 * leaves the bus to the caller.
 */
export async function startConsole(deps: ConsoleDeps): Promise<ConsoleService> {
  const { config, bus, logger, metrics } = deps;
  const tenants = createTenantBuses(config.bus, config.keysDir);
  const healthy = (): boolean => bus.isConnected() && tenants.healthy();
  const watch = watchServices(config.watchedServices, logger);
  const app = await createConsoleApp({
    usersFile: config.usersFile,
    secureCookies: config.secureCookies,
    sessionTtlMs: config.sessionTtlMs,
    bus,
    tenants,
    sessions: createSessionStore(config.sessionTtlMs),
    backoff: createSignInBackoff(),
    logger,
    publicDir: PUBLIC_DIR,
    webBuildDir: WEB_BUILD_DIR,
    healthy,
    watchedServices: () => watch.current(),
    signIns: metrics.counter('relay_console_sign_ins_total', 'Console sign-in attempts by outcome', ['outcome']),
  });
  await app.listen({ port: config.httpPort, host: config.httpHost });
  const address = app.server.address();
  const httpPort = typeof address === 'object' && address !== null ? address.port : config.httpPort;
  const ops = await startOpsServer({ host: config.opsHost, port: config.opsPort, registry: metrics.registry, checks: { nats: healthy } });
  logger.info({ url: `http://${config.httpHost}:${httpPort}/`, opsPort: ops.port }, 'console listening');
  return {
    httpPort,
    opsPort: ops.port,
    stop: async () => {
      await watch.stop();
      await app.close();
      await ops.stop();
      await tenants.close();
    },
  };
}
