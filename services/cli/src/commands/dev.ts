import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { parseDuration } from '@relay/wire';
import type { CliContext } from '../context.js';
import { DEV_RECHECK_INTERVAL, DEV_STATE_DIR, DevPort } from '../dev/defaults.js';
import { runDevStack } from '../dev/stack.js';
import { UsageError } from '../errors.js';

interface DevOptions {
  readonly demo?: boolean;
  readonly exit?: boolean;
  readonly json?: boolean;
  readonly dir: string;
  readonly natsPort: string;
  readonly httpPort: string;
  readonly gatewayOpsPort: string;
  readonly locatorOpsPort: string;
  readonly dispatcherOpsPort: string;
  readonly courierOpsPort: string;
  readonly webhookPort: string;
  readonly watchOpsPort: string;
  readonly consolePort: string;
  readonly consoleOpsPort: string;
  readonly recheckInterval: string;
  readonly logLevel?: string;
}

function portOf(flag: string, text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65_535) throw new UsageError(`${flag} ${JSON.stringify(text)} must be a port number (1-65535)`);
  return port;
}

/**
 * `relay dev [--demo [--exit]]`: the whole relay on this machine (decision
 * 0050). Without `NATS_URL` it starts its own nats-server with JetStream in
 * `./.relay/`; with it, it joins that server. Gateway, locator and dispatcher
 * run as child processes exactly as in production, with the demo sources,
 * DNS zone and directory. Ctrl-C stops everything.
 */
export function registerDev(program: Command, ctx: CliContext): void {
  program
    .command('dev')
    .description('run the whole relay locally (nats-server, gateway, locator, dispatcher, courier) with the demo data; Ctrl-C stops it')
    .option('--demo', 'play the seed scenario once the stack is ready: a Dutch-hosted report, then the site moving to Germany')
    .option('--exit', 'with --demo: stop the stack after the scenario instead of running until Ctrl-C')
    .option('--json', 'print JSON lines (ready, demo messages, stopped) on stdout; service logs stay JSON on stderr')
    .option('--dir <path>', 'state folder: nats-server store and the zone copy', DEV_STATE_DIR)
    .option('--nats-port <port>', 'client port of the stack’s nats-server (not 4222, so it never meets a shared server)', String(DevPort.Nats))
    .option('--http-port <port>', 'gateway HTTP API port (/v1/reports, /healthz)', String(DevPort.Http))
    .option('--gateway-ops-port <port>', 'gateway /metrics, /healthz, /openapi.json and /docs port', String(DevPort.GatewayOps))
    .option('--locator-ops-port <port>', 'locator /healthz and /metrics port', String(DevPort.LocatorOps))
    .option('--dispatcher-ops-port <port>', 'dispatcher /healthz and /metrics port', String(DevPort.DispatcherOps))
    .option('--courier-ops-port <port>', 'courier (webhook delivery) /healthz and /metrics port', String(DevPort.CourierOps))
    .option('--webhook-port <port>', 'port of the demo webhook receiver that hotlines receiving by webhook (eco) are POSTed to', String(DevPort.Webhooks))
    .option('--watch-ops-port <port>', 'watch (relocation waves) /healthz and /metrics port', String(DevPort.WatchOps))
    .option('--console-port <port>', 'console web pages port', String(DevPort.Console))
    .option('--console-ops-port <port>', 'console /healthz and /metrics port', String(DevPort.ConsoleOps))
    .option('--recheck-interval <duration>', 'how often open cases are re-located (2s, 10s, 15m)', DEV_RECHECK_INTERVAL)
    .addOption(new Option('--log-level <level>', 'LOG_LEVEL of the services (default info; warn with --demo)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .action(async (options: DevOptions) => {
      if (options.exit === true && options.demo !== true) throw new UsageError('--exit only applies with --demo (without it, Ctrl-C stops the stack)');
      const recheckIntervalMs = parseDuration(options.recheckInterval);
      if (recheckIntervalMs === undefined) throw new UsageError(`--recheck-interval ${JSON.stringify(options.recheckInterval)} must be a duration like 2s, 10s or 15m`);
      const cwd = process.cwd();
      await runDevStack(ctx, {
        cwd,
        stateDir: resolve(cwd, options.dir),
        ports: {
          nats: portOf('--nats-port', options.natsPort),
          http: portOf('--http-port', options.httpPort),
          gatewayOps: portOf('--gateway-ops-port', options.gatewayOpsPort),
          locatorOps: portOf('--locator-ops-port', options.locatorOpsPort),
          dispatcherOps: portOf('--dispatcher-ops-port', options.dispatcherOpsPort),
          courierOps: portOf('--courier-ops-port', options.courierOpsPort),
          webhooks: portOf('--webhook-port', options.webhookPort),
          watchOps: portOf('--watch-ops-port', options.watchOpsPort),
          console: portOf('--console-port', options.consolePort),
          consoleOps: portOf('--console-ops-port', options.consoleOpsPort),
        },
        recheckInterval: options.recheckInterval,
        recheckIntervalMs,
        logLevel: options.logLevel ?? (options.demo === true ? 'warn' : 'info'),
        json: options.json === true,
        demo: options.demo === true,
        exitAfterDemo: options.exit === true,
        readyTimeoutMs: 60_000,
      });
    });
}
