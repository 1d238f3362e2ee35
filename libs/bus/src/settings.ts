import { existsSync } from 'node:fs';
import { durationSchema } from '@relay/wire';
import { z } from 'zod';

/**
 * One zod helper per kind of environment setting, shared by every service's
 * `config.ts` and the CLI (decision 0114), so a kind of value reads and fails
 * the same way wherever it is set. Each takes the raw string (or undefined
 * when unset) and yields a typed value.
 */

/** A duration setting (`15m`), in ms; `fallback` (itself a duration) when unset. */
export function durationSetting(fallback: string): z.ZodType<number, string | undefined> {
  return z.string().default(fallback).pipe(durationSchema);
}

/** A duration setting (`90d`) that may be left unset: undefined then. */
export function optionalDurationSetting(): z.ZodType<number | undefined, string | undefined> {
  return durationSchema.optional();
}

const PORT_RULE = 'must be a port number, 0-65535 (0 picks a free one)';

/**
 * A TCP port setting: decimal digits, 0-65535 (0 picks a free port), or unset
 * for `defaultPort`. Set but empty (`RELAY_OPS_PORT=`) is refused, not read as 0.
 */
export function portSetting(defaultPort: number): z.ZodType<number, string | undefined> {
  return z.string().regex(/^[0-9]{1,5}$/, PORT_RULE).transform(Number).pipe(z.number().max(65_535, PORT_RULE)).default(defaultPort);
}

/**
 * A whole number of something (bytes, reports, attempts, milliseconds of a
 * setting named `..._MS`) from `min` to `max`, in decimal digits only.
 */
export function wholeNumberSetting(min: number, max: number, fallback: number): z.ZodType<number, string | undefined> {
  return z
    .string()
    .regex(/^[0-9]+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .default(fallback);
}

/** A host name or address to listen on; `fallback` when unset. */
export function hostSetting(fallback: string): z.ZodType<string, string | undefined> {
  return z.string().min(1, 'must be a host name or address').default(fallback);
}

/** One of `values`, spelt exactly; `fallback` when unset. */
export function choiceSetting<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]): z.ZodType<T[number], string | undefined> {
  return z.enum(values).default(fallback);
}

/** A path to a file that must exist when the setting is read. */
export const existingFileSetting: z.ZodType<string, string> = z.string().min(1, 'must be a file path').refine((p) => existsSync(p), 'file does not exist');

/**
 * A path the service reads itself (and names in its own error when it
 * cannot). Unset, it is refused with `is required: <purpose>`; add
 * `.optional()` for a path that may be left out.
 */
export function pathSetting(purpose: string): z.ZodType<string, string> {
  return z.string({ error: (issue) => (issue.input === undefined ? `is required: ${purpose}` : 'must be a file path') }).min(1, 'must be a file path');
}

/**
 * The lines of a config error for zod issues, the one formatter of config
 * errors: `<VARIABLE>: <rule>` for an environment, the path joined with dots;
 * for a file a setting names, `<within>: <path in the file>: <rule>`.
 */
export function configIssues(error: z.ZodError, within?: string): string[] {
  return error.issues.map((i) => {
    const path = i.path.map(String).join('.');
    return within === undefined ? `${path || 'environment'}: ${i.message}` : `${within}: ${path || '(file)'}: ${i.message}`;
  });
}
