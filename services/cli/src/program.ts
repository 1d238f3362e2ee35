import { Command } from 'commander';
import { registerAccounts } from './commands/accounts.js';
import { registerAudit } from './commands/audit.js';
import { registerConsoleUsers } from './commands/console-users.js';
import { registerDev } from './commands/dev.js';
import { registerDirectory } from './commands/directory.js';
import { registerDlq } from './commands/dlq.js';
import { registerInspect } from './commands/inspect.js';
import { registerKeys } from './commands/keys.js';
import { registerLocate } from './commands/locate.js';
import { registerReplay } from './commands/replay.js';
import { registerReroute } from './commands/reroute.js';
import { registerRetention } from './commands/retention.js';
import { registerStats } from './commands/stats.js';
import { registerSubmit } from './commands/submit.js';
import { registerTail } from './commands/tail.js';
import { registerTopology } from './commands/topology.js';
import { registerZone } from './commands/zone.js';
import type { CliContext } from './context.js';
import { cliVersion } from './version.js';

/**
 * The `relay` program with every verb registered. A new verb is one file in
 * `commands/` exporting `register<Verb>(program, ctx)`, and one line here.
 */
export function createProgram(ctx: CliContext): Command {
  const program = new Command('relay')
    .description('Hotline Relay operator tool')
    .version(cliVersion(), '-V, --version', 'print the version of relay')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err });
  registerLocate(program, ctx);
  registerDev(program, ctx);
  registerSubmit(program, ctx);
  registerTail(program, ctx);
  registerInspect(program, ctx);
  registerDirectory(program, ctx);
  registerZone(program, ctx);
  registerAccounts(program, ctx);
  registerKeys(program, ctx);
  registerTopology(program, ctx);
  registerReplay(program, ctx);
  registerReroute(program, ctx);
  registerDlq(program, ctx);
  registerStats(program, ctx);
  registerRetention(program, ctx);
  registerAudit(program, ctx);
  registerConsoleUsers(program, ctx);
  return program;
}
