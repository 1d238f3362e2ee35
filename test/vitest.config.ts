import { relayProject } from '../vitest.shared.js';

export default relayProject('cross-service', {
  test: { include: ['e2e/**/*.test.ts', 'security/**/*.test.ts', 'deploy/**/*.test.ts', 'repo/**/*.test.ts'], testTimeout: 120_000 },
});
