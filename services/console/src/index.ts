export { consoleConfigFromEnv, consoleEnvSchema } from './config.js';
export type { ConsoleConfig } from './config.js';
export { PUBLIC_DIR, startConsole } from './service.js';
export type { ConsoleDeps, ConsoleService } from './service.js';
export { csvCell, csvOf } from './csv.js';
export { formatPosition, parsePosition } from './feed.js';
export type { FeedEvent, FeedPosition } from './feed.js';
