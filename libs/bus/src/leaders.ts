import { z } from 'zod';
import { type Bus, internals } from './connection.js';
import type { Following } from './follow.js';

/**
 * nats-server's advisory when a replicated stream (a KV bucket's too, `KV_<bucket>`)
 * elects a leader, published in the stream's account:
 * `$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.<stream>`.
 */
export const LEADER_ELECTED_ADVISORIES = '$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.>';

/** One leader election, as the advisory says it. */
export interface LeaderElection {
  /** The stream (`REFERRALS`, `KV_relay-cases`). */
  readonly stream: string;
  /** The new leader's server name; empty when the advisory does not say. */
  readonly leader: string;
}

const advisorySchema = z.object({ stream: z.string().min(1), leader: z.string().default('') });

/** The election an advisory reports; the subject's last token names the stream when the body does not parse. */
function electionOf(subject: string, data: Uint8Array): LeaderElection {
  const fromSubject = subject.slice(LEADER_ELECTED_ADVISORIES.length - 1);
  try {
    const parsed = advisorySchema.safeParse(JSON.parse(new TextDecoder().decode(data)));
    if (parsed.success) return parsed.data;
  } catch {
    // Not JSON: the subject still names the stream.
  }
  return { stream: fromSubject, leader: '' };
}

/** What {@link watchLeaderElections} reports. */
export interface LeaderElectionHandlers {
  /** A stream elected a leader. */
  readonly elected: (election: LeaderElection) => void;
  /**
   * The connection came back after a disconnect: advisories are not stored,
   * so elections meanwhile (the node this client used may have been the
   * leader that was lost) were missed.
   */
  readonly reconnected?: () => void;
}

/**
 * Reports each leader election of a stream in this connection's account,
 * and each reconnect, until stopped. A single server elects nothing (its
 * streams have one replica); in a cluster this follows leader changes after
 * a node is lost, cut off or stepped down. Needs subscribe permission on
 * {@link LEADER_ELECTED_ADVISORIES} (operators have it, decision 0155).
 */
export function watchLeaderElections(bus: Bus, handlers: LeaderElectionHandlers): Following {
  const { nc } = internals(bus);
  const sub = nc.subscribe(LEADER_ELECTED_ADVISORIES, {
    callback: (err, msg) => {
      if (err === null) handlers.elected(electionOf(msg.subject, msg.data));
    },
  });
  // The status feed ends with the connection; after stop() its events are ignored.
  let stopped = false;
  void (async () => {
    for await (const status of nc.status()) if (!stopped && status.type === 'reconnect') handlers.reconnected?.();
  })();
  return {
    stop: () => {
      stopped = true;
      sub.unsubscribe();
      return Promise.resolve();
    },
  };
}
