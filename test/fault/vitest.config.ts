import { relayProject } from '../../vitest.shared.js';

// The fault suite (npm run test:fault): long, so not part of `npm test`'s projects.
export default relayProject('fault', {
  test: { include: ['**/*.test.ts'], testTimeout: 600_000, hookTimeout: 180_000, fileParallelism: false },
});
