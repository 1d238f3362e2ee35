import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();

// The stack's processes live in their own process groups (decision 0051), so
// a Ctrl-C in the terminal reaches only `relay dev`. If this process exits
// without stopping them (an error), take them down with it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Remembers a detached child until it exits, so it is killed if this process exits first. */
export function trackDetached(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}
