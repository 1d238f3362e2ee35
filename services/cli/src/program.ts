import { Command } from 'commander';
import { registerDlq } from './commands/dlq.js';
import { registerLocate } from './commands/locate.js';
import { registerReplay } from './commands/replay.js';
import { registerReroute } from './commands/reroute.js';
import { registerRetention } from './commands/retention.js';
import { registerStats } from './commands/stats.js';
import type { CliContext } from './context.js';

/**
 * The `relay` program with every verb registered. A new verb is one file in
 * `commands/` exporting `register<Verb>(program, ctx)`, and one line here.
 */
export function createProgram(ctx: CliContext): Command {
  const program = new Command('relay')
    .description('Hotline Relay operator tool')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err });
  registerLocate(program, ctx);
  registerReplay(program, ctx);
  registerReroute(program, ctx);
  registerDlq(program, ctx);
  registerStats(program, ctx);
  registerRetention(program, ctx);
  return program;
}
