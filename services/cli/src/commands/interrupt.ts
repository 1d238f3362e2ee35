/**
 * Calls `handler` on SIGINT (Ctrl-C) or SIGTERM instead of letting Node exit,
 * so a long-running verb (`tail`, `dev`) can stop cleanly. Returns the
 * function that removes the handlers again.
 */
export function onInterrupt(handler: (signal: NodeJS.Signals) => void): () => void {
  const listener = (signal: NodeJS.Signals): void => handler(signal);
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}
