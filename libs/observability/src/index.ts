export { checkHealth } from './health.js';
export type { HealthChecks, HealthReport } from './health.js';
export { createLogger, LogLevel } from './logger.js';
export type { Logger } from './logger.js';
export { createMetrics } from './metrics.js';
export type { Metrics } from './metrics.js';
export { startOpsServer } from './ops-server.js';
export type { OpsServer } from './ops-server.js';
