import { fileURLToPath } from 'node:url';
import { relayProject } from '../../vitest.shared.js';

// The fault suite (npm run test:fault): long, so not one of `npm test`'s projects.
// `vitest --config` takes the working directory as root: pin it to this folder.
export default {
  ...relayProject('fault', {
    test: { include: ['**/*.test.ts'], testTimeout: 600_000, hookTimeout: 180_000, fileParallelism: false },
  }),
  root: fileURLToPath(new URL('.', import.meta.url)),
};
