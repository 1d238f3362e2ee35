import type { Logger } from '@relay/observability';
import { z } from 'zod';
import type { WatchedService } from './watched-services.js';

/** What the operator page says of a service. */
export const ServiceState = { Up: 'up', Down: 'down', Unchecked: 'unchecked' } as const;
export type ServiceState = (typeof ServiceState)[keyof typeof ServiceState];

/** The last check of one watched service. */
export interface ServiceHealth {
  readonly name: string;
  /** Its ops base URL, as configured. */
  readonly url: string;
  /** Up when `/healthz` answered 200, as a Kubernetes probe counts it. */
  readonly state: ServiceState;
  /** When the answer (or the failure) came, ISO; null before the first check. */
  readonly checkedAt: string | null;
  /** Why, in words: `ok`, `HTTP 503: directory not ready`, `connection refused`, `no answer within 2 s`. */
  readonly detail: string;
}

/** How the console checks the services. */
export interface HealthCheckOptions {
  /** Between the end of one round and the start of the next, ms. */
  readonly intervalMs: number;
  /** Longest wait for one answer, body included, ms. */
  readonly timeoutMs: number;
  /** Most bytes of an answer read; a longer one is cut (its status still counts). */
  readonly maxBodyBytes: number;
}

/** A check every 5 s (so a freshly started dev stack shows up soon), 2 s to answer as Kubernetes' probes, 4 KiB of body. */
export const HEALTH_CHECKS: HealthCheckOptions = { intervalMs: 5_000, timeoutMs: 2_000, maxBodyBytes: 4_096 };

/** The body of a relay service's `/healthz` (@relay/observability): which of its checks fail. */
const healthBody = z.object({ status: z.string(), checks: z.record(z.string(), z.boolean()) });

/** Reads at most `max` bytes of `res`'s body; undefined when it is longer (the rest is not read). */
async function boundedText(res: Response, max: number): Promise<string | undefined> {
  if (res.body === null) return '';
  // Typed as any by the fetch types; a fetch body yields bytes.
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks).toString('utf8');
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}

/** The failing checks a relay service names in its `/healthz` body, if it sent one. */
function failingChecks(text: string | undefined): string {
  if (text === undefined) return '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return '';
  }
  const body = healthBody.safeParse(json);
  if (!body.success) return '';
  const failing = Object.entries(body.data.checks).filter(([, ok]) => !ok).map(([name]) => name);
  return failing.length === 0 ? '' : `: ${failing.join(', ')} not ready`;
}

function failureText(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs / 1000} s`;
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return 'host not found';
  if (typeof cause?.message === 'string' && cause.message !== '') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Checks one service now: GET its `/healthz`, no redirects followed, within `timeoutMs`, at most `maxBodyBytes` read. */
export async function checkService(service: WatchedService, options: Omit<HealthCheckOptions, 'intervalMs'>): Promise<ServiceHealth> {
  const base = { name: service.name, url: service.url };
  try {
    const res = await fetch(service.healthUrl, { redirect: 'manual', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(options.timeoutMs) });
    const text = await boundedText(res, options.maxBodyBytes);
    const checkedAt = new Date().toISOString();
    if (res.status === 200) return { ...base, state: ServiceState.Up, checkedAt, detail: 'ok' };
    return { ...base, state: ServiceState.Down, checkedAt, detail: `HTTP ${res.status}${failingChecks(text)}` };
  } catch (err) {
    return { ...base, state: ServiceState.Down, checkedAt: new Date().toISOString(), detail: failureText(err, options.timeoutMs) };
  }
}

/** The services' last checks, renewed in the background until stopped. */
export interface ServiceWatch {
  /** The last check of each service, in configured order. */
  current(): readonly ServiceHealth[];
  /** Ends the checks, after the round in flight. */
  stop(): Promise<void>;
}

/**
 * Checks every service at once now and then every `intervalMs` after a round
 * ends (a hung service costs at most `timeoutMs` a round, never a pile-up),
 * logging each change between up and down. Nothing runs when `services` is empty.
 */
export function watchServices(services: readonly WatchedService[], logger: Logger, options: HealthCheckOptions = HEALTH_CHECKS): ServiceWatch {
  let board: readonly ServiceHealth[] = services.map((s) => ({ name: s.name, url: s.url, state: ServiceState.Unchecked, checkedAt: null, detail: 'not checked yet' }));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const round = async (): Promise<void> => {
    const next = await Promise.all(services.map((s) => checkService(s, options)));
    for (const [i, now] of next.entries()) {
      const before = board[i]?.state;
      if (before === now.state) continue;
      if (now.state === ServiceState.Down) logger.warn({ service: now.name, url: now.url, detail: now.detail }, 'watched service is down');
      else if (before === ServiceState.Down) logger.info({ service: now.name, url: now.url }, 'watched service is up again');
    }
    board = next;
  };
  let inFlight: Promise<void> = Promise.resolve();
  const loop = (): void => {
    inFlight = round()
      .catch((err: unknown) => logger.error({ err }, 'checking the watched services failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, options.intervalMs).unref();
      });
  };
  if (services.length > 0) loop();
  return {
    current: () => board,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
