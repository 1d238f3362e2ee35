import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['libs/*', 'services/*', 'test'],
    // Integration tests spawn nats-server processes; two cores do not gain from more.
    maxWorkers: 2,
  },
});
