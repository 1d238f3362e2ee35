import { CommanderError } from 'commander';
import type { CliContext } from './context.js';
import { describeError, ExitCode, exitCodeFor } from './errors.js';
import { createProgram } from './program.js';

/**
 * Runs `relay` with `args` (without `node` and the script path) and returns
 * the exit code; errors are printed to `ctx.err` as one `relay: ...` line.
 */
export async function runCli(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  try {
    await createProgram(ctx).parseAsync([...args], { from: 'user' });
    return ExitCode.Ok;
  } catch (err) {
    // Commander has already printed its own usage message.
    if (!(err instanceof CommanderError)) ctx.err(`relay: ${describeError(err)}\n`);
    return exitCodeFor(err);
  }
}
