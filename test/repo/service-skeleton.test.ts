import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './references.js';
import { skeletonViolations } from './service-skeleton.js';

/** Every long-running service: a package of services/ with a main.ts, but the CLI (a tool, not a service). */
const SERVICES = readdirSync(join(REPO_ROOT, 'services')).filter((name) => name !== 'cli' && existsSync(join(REPO_ROOT, 'services', name, 'src', 'main.ts')));
const mainOf = (service: string): string => readFileSync(join(REPO_ROOT, 'services', service, 'src', 'main.ts'), 'utf8');
const indexOf = (service: string): string => readFileSync(join(REPO_ROOT, 'services', service, 'src', 'index.ts'), 'utf8');

// Decision 0114: a newcomer copies any service's main.ts to start a new one.
describe('the service skeleton', () => {
  it('covers every service', () => {
    expect(SERVICES.sort()).toEqual(['console', 'courier', 'dispatcher', 'gateway', 'locator', 'watch']);
  });

  it.each(SERVICES)('the %s main.ts follows it, step by step', (service) => {
    expect(skeletonViolations(service, mainOf(service))).toEqual([]);
  });

  it.each(SERVICES)('the %s front door offers start<Service> (from service.ts) and <service>ConfigFromEnv, and Durable when it consumes', (service) => {
    const capital = service.charAt(0).toUpperCase() + service.slice(1);
    const index = indexOf(service);
    expect(index).toMatch(new RegExp(`export \\{[^}]*\\bstart${capital}\\b`));
    expect(index).toMatch(new RegExp(`export \\{[^}]*\\b${service}ConfigFromEnv\\b`));
    const src = join(REPO_ROOT, 'services', service, 'src');
    expect(readFileSync(join(src, 'service.ts'), 'utf8')).toMatch(new RegExp(`export async function start${capital}\\(`));
    const consumes = readdirSync(src).some((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && readFileSync(join(src, f), 'utf8').includes('runConsumer('));
    if (consumes) expect(index).toMatch(/export \{[^}]*\bDurable\b/);
  });

  const locator = mainOf('locator');

  it('is left when main.ts wires a verifier itself', () => {
    const wired = locator.replace(
      'const locator = await',
      "const verify = directoryVerifier(() => undefined, () => ServiceSigner.Gateway);\nconst locator = await",
    );
    expect(skeletonViolations('locator', wired).join('\n')).toMatch(/step 7 must call configuredOrExit, startLocator, not directoryVerifier/);
  });

  it('is left by a helper function, a step out of order, or a start handed more than its deps', () => {
    expect(skeletonViolations('locator', `${locator}\nfunction refuse(): never {\n  process.exit(2);\n}\n`).join('\n')).toMatch(/defines a function or class of its own/);
    const swapped = locator.replace(/^(const logger = .*)\n(const metrics = .*)$/m, '$2\n$1');
    expect(skeletonViolations('locator', swapped).join('\n')).toMatch(/step 3 must call createLogger, not createMetrics/);
    const extra = locator.replace('startLocator({ config, bus, logger, metrics })', 'startLocator({ config, bus, logger, metrics, verify })');
    expect(skeletonViolations('locator', extra)).toEqual(['startLocator must be handed { config, bus, logger, metrics }, not { config, bus, logger, metrics, verify }']);
  });
});
