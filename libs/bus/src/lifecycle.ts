import { isConfigError } from './errors.js';

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

/**
 * Runs a start-up step of a service's main.ts (reading its config, starting
 * it: sync or async) and turns a bad setting into the refusal every service
 * gives: the service name, each variable and the rule it broke on stderr,
 * exit code 2 (decision 0114). Any other error is left to fail the process.
 */
export function configuredOrExit<T>(service: string, step: () => T): T {
  const refuse = (err: unknown): never => {
    if (!isConfigError(err)) throw err;
    process.stderr.write(`${service}: ${err.message}\n`);
    return process.exit(2);
  };
  try {
    const result = step();
    return (result instanceof Promise ? result.catch(refuse) : result) as T;
  } catch (err) {
    return refuse(err);
  }
}
