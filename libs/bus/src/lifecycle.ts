/** Anything with a stop: consumer runners, responders, HTTP servers, the bus. */
export interface Stoppable {
  stop(): Promise<void>;
}

/** Logger shape shutdown needs (pino fits). */
export interface ShutdownLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * On the first SIGTERM or SIGINT, runs `stop` (drain consumers, close the
 * bus) and exits 0; if that takes longer than `timeoutMs`, or a second
 * signal arrives, exits 1. Messages not yet acked are redelivered by
 * JetStream, so a forced exit loses nothing.
 */
export function stopOnSignals(
  stop: () => Promise<void>,
  options: { log: ShutdownLog; timeoutMs?: number; exit?: (code: number) => void },
): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      options.log.error({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    options.log.info({ signal }, 'draining');
    const timer = setTimeout(() => {
      options.log.error({ timeoutMs: options.timeoutMs ?? 10_000 }, 'drain timed out: exiting');
      exit(1);
    }, options.timeoutMs ?? 10_000);
    timer.unref();
    stop().then(
      () => {
        clearTimeout(timer);
        options.log.info({}, 'stopped');
        exit(0);
      },
      (err: unknown) => {
        options.log.error({ err }, 'error while stopping');
        exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
