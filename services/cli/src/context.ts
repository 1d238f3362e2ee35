/** What a command may touch: its output streams and the environment, read once in main.ts. */
export interface CliContext {
  /** Writes to standard output (text already ends with a newline where needed). */
  readonly out: (text: string) => void;
  /** Writes to standard error. */
  readonly err: (text: string) => void;
  /** The environment variables the CLI reads (RELAY_*, NATS_*). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Standard error when it is a terminal (progress bars); absent in tests and pipes. */
  readonly terminal?: NodeJS.WriteStream;
}
