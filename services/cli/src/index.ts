export type { CliContext } from './context.js';
export { CliErrorCode, describeError, ExitCode, exitCodeFor, isUnavailableError, isUsageError, UnavailableError, UsageError } from './errors.js';
export { FileError, IncompleteError, isFileError, isIncompleteError } from './errors.js';
export { outputMode, printFields, printJson, printTable } from './output.js';
export type { OutputMode } from './output.js';
export { createProgram } from './program.js';
export { runCli } from './run.js';
