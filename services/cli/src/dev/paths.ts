import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FileError } from '../errors.js';

/** The repository root (this file is services/cli/{src,dist}/dev/paths.*). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The services `relay dev` runs, in start order. */
export const DEV_SERVICES = ['gateway', 'locator', 'dispatcher', 'courier', 'watch', 'console'] as const;
export type DevService = (typeof DEV_SERVICES)[number];

/** The demo data of deploy/dev/ (decision 0050). */
export const DevData = {
  sources: `${REPO_ROOT}deploy/dev/sources.json`,
  zone: `${REPO_ROOT}deploy/dev/zone.json`,
  directory: `${REPO_ROOT}deploy/dev/directory.json`,
} as const;

/**
 * The built entry point of a service, as production runs it.
 * @throws FileError when it is not built yet, saying how to build it.
 */
export function serviceMain(name: DevService): string {
  const main = `${REPO_ROOT}services/${name}/dist/main.js`;
  if (!existsSync(main)) throw new FileError(`${main} does not exist: build first with \`npm run build\` (\`npm start\` builds before it starts the stack)`);
  return main;
}
