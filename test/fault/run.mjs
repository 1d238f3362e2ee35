// Runs the fault suite with vitest: `--long` (ours) becomes RELAY_FAULT_LONG=1 and every
// other argument goes to vitest as given (CI passes its reporters).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const long = args.includes('--long');
const config = fileURLToPath(new URL('./vitest.config.ts', import.meta.url));
const result = spawnSync('npx', ['vitest', 'run', '--config', config, ...args.filter((a) => a !== '--long')], {
  stdio: 'inherit',
  env: { ...process.env, ...(long ? { RELAY_FAULT_LONG: '1' } : {}) },
});
process.exit(result.status ?? 1);
