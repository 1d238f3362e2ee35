import { type Bus, type ConsumerRunner, runConsumer, type Stoppable, type VerifyMessage } from '@relay/bus';
import { locate, type LocateDeps } from '@relay/geo';
import { type HostingObservation, HostingStatus, RelayType, StreamName, subjectFilters } from '@relay/wire';
import type { Emitted } from './emit.js';
import { onRecheck } from './on-recheck.js';
import { onReport } from './on-report.js';

/** Durable consumer names of the contract. */
export const Durable = { Reports: 'locator-reports', Rechecks: 'locator-rechecks' } as const;

/** Everything a running locator is made of. */
export interface LocatorParts {
  readonly bus: Bus;
  readonly locateDeps: LocateDeps;
  /** Messages handled at once per consumer. Default 64. */
  readonly concurrency?: number;
  readonly observed?: (observation: HostingObservation, emitted: Emitted) => void;
  /** Provenance checks: reports must be signed by the gateway, rechecks by the dispatcher or an operator. */
  readonly verify?: { readonly reports: VerifyMessage; readonly rechecks: VerifyMessage };
  readonly log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** A running locator: both consumers. */
export interface RunningLocator extends Stoppable {
  /** True while both consumers run. */
  running(): boolean;
}

/** The name of a status for metrics labels: `located`, `masked`, ... */
export function statusLabel(status: HostingStatus): string {
  return (HostingStatus[status] ?? 'UNRECOGNIZED').replace('HOSTING_STATUS_', '').toLowerCase();
}

/**
 * Runs the locator's two durable consumers, `locator-reports` on REPORTS
 * and `locator-rechecks` on RECHECKS, with the handlers of on-report.ts and
 * on-recheck.ts. `stop()` lets in-flight messages finish and ack. The
 * process's `startLocator` runs them with its verifiers and ops port; tests
 * run them in-process.
 */
export async function runLocator(parts: LocatorParts): Promise<RunningLocator> {
  const deps = {
    bus: parts.bus,
    locate: (url: string) => locate(url, parts.locateDeps),
    ...(parts.observed === undefined ? {} : { observed: parts.observed }),
    // A repair request reads its report from REPORTS by sequence (decision 0154): it passes the same check.
    ...(parts.verify ? { verifyReport: parts.verify.reports } : {}),
  };
  const common = { service: 'locator', concurrency: parts.concurrency ?? 64, ...(parts.log === undefined ? {} : { log: parts.log }) };
  const runners: ConsumerRunner[] = [];
  try {
    runners.push(
      await runConsumer(
        parts.bus,
        {
          ...common,
          stream: StreamName.Reports,
          durable: Durable.Reports,
          filterSubject: subjectFilters.reports(),
          types: [RelayType.Report],
          ...(parts.verify ? { verify: parts.verify.reports } : {}),
        },
        onReport(deps),
      ),
    );
    runners.push(
      await runConsumer(
        parts.bus,
        {
          ...common,
          stream: StreamName.Rechecks,
          durable: Durable.Rechecks,
          filterSubject: subjectFilters.rechecks(),
          types: [RelayType.RecheckRequest],
          ...(parts.verify ? { verify: parts.verify.rechecks } : {}),
        },
        onRecheck(deps),
      ),
    );
  } catch (err) {
    await Promise.all(runners.map((r) => r.stop()));
    throw err;
  }
  let stopped = false;
  return {
    running: () => !stopped,
    stop: async () => {
      stopped = true;
      await Promise.all(runners.map((r) => r.stop()));
    },
  };
}
