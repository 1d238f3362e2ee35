import { readFile } from 'node:fs/promises';
import { connect, nkeyAuthenticator } from '@nats-io/transport-node';
import type { NatsCluster } from '@relay/testkit';
import { waitFor } from '@relay/testkit';
import { z } from 'zod';

/** What one node's monitoring (`/jsz?streams=true`) says about a stream's group. */
const jszSchema = z.object({
  account_details: z
    .array(
      z.object({
        stream_detail: z
          .array(
            z.object({
              name: z.string(),
              cluster: z
                .object({
                  leader: z.string().optional(),
                  replicas: z.array(z.object({ name: z.string(), current: z.boolean() })).optional(),
                })
                .optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

type StreamGroup = { readonly leader: string | undefined; readonly replicas: readonly { name: string; current: boolean }[] };

/** The testkit names cluster nodes n1, n2, n3 in order. */
export const nodeName = (index: number): string => `n${index + 1}`;

async function groupsSeenBy(cluster: NatsCluster, index: number): Promise<Map<string, StreamGroup> | undefined> {
  const node = cluster.nodes[index];
  if (!node) return undefined;
  try {
    const res = await fetch(`${node.monitorUrl}/jsz?streams=true`, { signal: AbortSignal.timeout(2_000) });
    const jsz = jszSchema.parse(await res.json());
    const out = new Map<string, StreamGroup>();
    for (const account of jsz.account_details ?? []) {
      for (const s of account.stream_detail ?? []) out.set(s.name, { leader: s.cluster?.leader, replicas: s.cluster?.replicas ?? [] });
    }
    return out;
  } catch {
    // A killed or restarting node does not answer.
    return undefined;
  }
}

/**
 * The node index of `stream`'s leader, as the leader itself reports it
 * (the authoritative view: it lists its followers and whether they are current).
 */
export async function streamLeader(cluster: NatsCluster, stream: string): Promise<{ index: number; followers: number[]; current: boolean } | undefined> {
  for (let i = 0; i < cluster.nodes.length; i++) {
    const group = (await groupsSeenBy(cluster, i))?.get(stream);
    if (group?.leader !== nodeName(i)) continue;
    const followers = group.replicas.map((r) => Number(r.name.slice(1)) - 1);
    return { index: i, followers, current: group.replicas.length === cluster.nodes.length - 1 && group.replicas.every((r) => r.current) };
  }
  return undefined;
}

/** Waits until `stream` has a leader other than node `not`. */
export function newLeader(cluster: NatsCluster, stream: string, not: number): Promise<number> {
  return waitFor(
    async () => {
      const l = await streamLeader(cluster, stream);
      return l !== undefined && l.index !== not ? l.index : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: `a new ${stream} leader after n${not + 1}` },
  );
}

/** Waits until every one of `streams` has a leader and all its followers are current (caught up). */
export async function allCurrent(cluster: NatsCluster, streams: readonly string[]): Promise<void> {
  await waitFor(
    async () => {
      for (const s of streams) if (!(await streamLeader(cluster, s))?.current) return false;
      return true;
    },
    { timeoutMs: 120_000, intervalMs: 250, what: `every follower of ${streams.join(', ')} to be current` },
  );
}

/** Waits until every node's full `/healthz` is ok (every stream and consumer current): a fresh cluster. */
export async function fullyHealthy(cluster: NatsCluster): Promise<void> {
  await waitFor(
    async () => {
      for (const n of cluster.nodes) {
        const ok = await fetch(`${n.monitorUrl}/healthz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
        if (!ok) return false;
      }
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: 'every cluster node to be healthy' },
  );
}

/**
 * Asks `stream`'s leader to step down (`$JS.API.STREAM.LEADER.STEPDOWN`), as
 * the user whose NATS settings `env` holds (break-glass: no other identity
 * may), so the others elect a new one.
 */
export async function stepDown(env: Readonly<Record<string, string>>, stream: string): Promise<void> {
  const seed = (await readFile(env['NATS_NKEY_SEED_FILE'] ?? '', 'utf8')).trim();
  const nc = await connect({ servers: (env['NATS_URL'] ?? '').split(','), authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)), inboxPrefix: env['NATS_INBOX_PREFIX'] ?? '_INBOX' });
  try {
    const reply = (await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, undefined, { timeout: 10_000 })).json<{ success?: boolean; error?: unknown }>();
    if (reply.success !== true) throw new Error(`stepdown of ${stream} refused: ${JSON.stringify(reply.error)}`);
  } finally {
    await nc.close();
  }
}
