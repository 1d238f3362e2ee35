#!/usr/bin/env node
// The `relay` command. npm links a bin only when its file exists at install
// time, and dist/ is built after `npm ci`, so this committed launcher loads
// the built CLI (services/cli/dist/main.js) instead of being it.
import('../dist/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/main.js')) {
    process.stderr.write('relay: the CLI is not built yet: run `npm run build` at the repository root\n');
    process.exit(1);
  }
  throw err;
});
