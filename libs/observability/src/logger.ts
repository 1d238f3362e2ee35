import { pino, type Logger } from 'pino';

/** Log levels a service accepts in `LOG_LEVEL`. */
export const LogLevel = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LogLevel)[number];

/**
 * The process logger: JSON lines on stdout with the service name on every
 * line. Errors under `err` are serialised with their cause and code.
 */
export function createLogger(service: string, level: LogLevel = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service },
      serializers: { err: pino.stdSerializers.errWithCause },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? process.stdout,
  );
}

export type { Logger };
