export type { CliContext } from './context.js';
export {
  CliErrorCode,
  describeError,
  ExitCode,
  exitCodeFor,
  FindingsError,
  isFindingsError,
  isUnavailableError,
  isUsageError,
  UnavailableError,
  UsageError,
} from './errors.js';
export { outputMode, printFields, printJson, printTable } from './output.js';
export type { OutputMode } from './output.js';
export { createProgram } from './program.js';
export { runCli } from './run.js';
export { GapKind, Outcome, urlKey } from './reconcile/check.js';
export type { Duplicate, Gap, Reconciliation } from './reconcile/check.js';
export { reconcile } from './reconcile/reconcile.js';
export type { ReconcileOptions } from './reconcile/reconcile.js';
