// The gateway runs as its own process (main.ts); no other package imports it.
// Its front door is only what running it in-process takes, as the other services offer.
export { gatewayConfigFromEnv } from './config.js';
export type { GatewayConfig } from './config.js';
export { startGateway } from './service.js';
export type { Gateway, GatewayDeps } from './service.js';
