import { setTimeout as sleep } from 'node:timers/promises';
import type { PeerInfo, StreamInfo } from '@nats-io/jetstream';
import { type Bus, internals } from './connection.js';

/** Why a stream's replicas are not all current, or undefined when they are. */
async function behind(bus: Bus, stream: string): Promise<string | undefined> {
  let info: StreamInfo;
  try {
    info = await internals(bus).jsm.streams.info(stream);
  } catch (err) {
    return `${stream}: ${err instanceof Error ? err.message : String(err)}`;
  }
  // A stream of one replica (a single server) has no group to catch up.
  if (info.config.num_replicas <= 1) return undefined;
  const cluster = info.cluster;
  if (cluster?.leader === undefined || cluster.leader === '') return `${stream}: no leader`;
  const followers = cluster.replicas ?? [];
  if (followers.length < info.config.num_replicas - 1) return `${stream}: ${followers.length} of ${info.config.num_replicas - 1} followers known`;
  const lagging = followers.filter((r) => !r.current || r.offline || r.active / 1e6 > SILENT_MS);
  if (lagging.length > 0) return `${stream}: ${lagging.map((r) => `${r.name} ${stateOf(r)}`).join(', ')}`;
  return undefined;
}

/**
 * Resolves once every stream named has a leader and every replica it should
 * have is current (what `nats stream report` shows), or when `timeoutMs` has
 * passed or `signal` fires: then with what was still behind, stream by
 * stream. An empty list means current. Reads stream info only (the right to
 * read a stream's state is enough).
 */
export async function replicasBehind(bus: Bus, streams: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<string[]> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const left = (await Promise.all(streams.map((s) => behind(bus, s)))).filter((s): s is string => s !== undefined);
    if (left.length === 0 || performance.now() >= until || signal?.aborted === true) return left;
    await sleep(POLL_MS, undefined, signal ? { signal } : {}).catch(() => undefined);
  }
}

const POLL_MS = 500;

/**
 * A replica not heard from for this long is behind, even while its leader
 * still calls it current (nats-server 2.9 does so for a few seconds after the
 * node is gone). Raft followers answer every second or so.
 */
const SILENT_MS = 3_000;

function stateOf(r: PeerInfo): string {
  if (r.offline) return 'offline';
  if (r.current) return `not heard from for ${Math.round(r.active / 1e9)}s`;
  return `${r.lag} behind`;
}
