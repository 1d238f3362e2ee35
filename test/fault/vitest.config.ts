import { fileURLToPath } from 'node:url';
import { relayProject } from '../../vitest.shared.js';

// The fault suite (npm run test:fault): long, so not one of `npm test`'s projects.
// `vitest --config` takes the working directory as root: pin it to this folder.
// The network faults (several minutes of partitions, latency and flapping) run with
// `-- --long` only (run.mjs sets RELAY_FAULT_LONG; decision 0146).
const long = process.env['RELAY_FAULT_LONG'] === '1';
export default {
  ...relayProject('fault', {
    test: { include: ['**/*.test.ts'], exclude: long ? [] : ['cluster-network.test.ts'], testTimeout: 600_000, hookTimeout: 180_000, fileParallelism: false },
  }),
  root: fileURLToPath(new URL('.', import.meta.url)),
};
