/** Named readiness checks: each returns true when its part is ready. */
export type HealthChecks = Readonly<Record<string, () => boolean>>;

/** The body of `/healthz`. */
export interface HealthReport {
  readonly status: 'ok' | 'unavailable';
  readonly checks: Readonly<Record<string, boolean>>;
}

/** Runs every check; the service is ready only when all pass. */
export function checkHealth(checks: HealthChecks): HealthReport {
  const results: Record<string, boolean> = {};
  for (const [name, check] of Object.entries(checks)) {
    try {
      results[name] = check();
    } catch {
      results[name] = false;
    }
  }
  return { status: Object.values(results).every(Boolean) ? 'ok' : 'unavailable', checks: results };
}
