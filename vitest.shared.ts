import { defineProject, mergeConfig, type UserWorkspaceConfig } from 'vitest/config';

/**
 * The vitest project settings every package shares: workspace packages resolve
 * to their TypeScript sources (the `@relay/source` export condition), so tests
 * never run against a stale `dist/`.
 */
export function relayProject(name: string, overrides: UserWorkspaceConfig = {}): UserWorkspaceConfig {
  return mergeConfig(
    defineProject({
      ssr: { resolve: { conditions: ['@relay/source'] } },
      resolve: { conditions: ['@relay/source'] },
      test: {
        name,
        include: ['src/**/*.test.ts'],
        testTimeout: 30_000,
        hookTimeout: 60_000,
      },
    }),
    overrides,
  );
}
