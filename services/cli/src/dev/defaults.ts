/**
 * Fixed default ports of the dev stack (`relay dev`), each overridable by a
 * flag. NATS is not on 4222 so the stack never collides with a nats-server
 * someone already runs there (decision 0050).
 */
export const DevPort = {
  /** The stack's own nats-server (client port). */
  Nats: 4322,
  /** The gateway's public HTTP API (`POST /v1/reports`, `/healthz`). */
  Http: 8080,
  /** The gateway's `/metrics`, `/healthz`, `/openapi.json` and `/docs`. */
  GatewayOps: 9101,
  /** The locator's `/metrics` and `/healthz`. */
  LocatorOps: 9102,
  /** The dispatcher's `/metrics` and `/healthz`. */
  DispatcherOps: 9103,
  /** The courier's `/metrics` and `/healthz`. */
  CourierOps: 9104,
  /** The demo webhook receiver the courier POSTs to (eco receives by webhook in the dev directory). */
  Webhooks: 9180,
  /** The watch's (relocation waves, decision 0120) `/metrics` and `/healthz`. */
  WatchOps: 9105,
  /** The console's web pages (`/`, `/sign-in`, `/healthz`). */
  Console: 8090,
  /** The console's `/metrics` and `/healthz`. */
  ConsoleOps: 9106,
} as const;
export type DevPort = (typeof DevPort)[keyof typeof DevPort];

/** The NATS URL of a dev stack on the default port: what verbs use when `NATS_URL` is not set. */
export const DEV_NATS_URL = `nats://127.0.0.1:${DevPort.Nats}`;

/** Folder of the dev stack's state (nats-server store, zone copy), relative to the working directory. */
export const DEV_STATE_DIR = '.relay';

/** How often the dev stack's dispatcher rechecks open cases, unless `--recheck-interval` says otherwise. */
export const DEV_RECHECK_INTERVAL = '10s';
