/** The logging the dispatcher needs (pino fits); a silent one for tests. */
export interface DispatcherLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Logs nothing. */
export const silentLog: DispatcherLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
