export { startNatsCluster } from './cluster.js';
export type { NatsCluster } from './cluster.js';
export { isNatsServerMissingError, isNatsServerStartError, NatsServerMissingError, NatsServerStartError } from './errors.js';
export { freePort } from './ports.js';
export { DEFAULT_NATS_SERVER_BIN, natsServerBinary, startNatsServer } from './server.js';
export type { NatsServer, NatsServerOptions } from './server.js';
export { waitFor } from './wait.js';
export type { WaitOptions } from './wait.js';
