// Proof that a suite measured with provenance on: what the services and the
// bench published is signed, and nothing was refused into the DLQ (a refused
// message would be work the figures left out).
import { type Bus, readStream, streamState } from '@relay/bus';
import { Header, StreamName } from '@relay/wire';

/** The streams whose messages every publisher signs. */
const SIGNED_STREAMS = [StreamName.Reports, StreamName.Hosting, StreamName.Referrals, StreamName.Notices, StreamName.Rechecks] as const;

/**
 * Checks the last message of every signed stream that has one for a signer,
 * and that the DLQ is empty.
 * @throws Error naming the stream with an unsigned message, or how many messages were refused.
 */
export async function assertProvenanceOn(bus: Bus): Promise<void> {
  for (const stream of SIGNED_STREAMS) {
    const state = await streamState(bus, stream);
    if (!state || state.messages === 0) continue;
    for await (const m of readStream(bus, { stream, startSeq: state.lastSeq })) {
      if (!m.headers[Header.Signer]) throw new Error(`${stream} seq ${m.seq} is unsigned: the suite did not measure with provenance on`);
      break;
    }
  }
  const refused = (await streamState(bus, StreamName.Dlq))?.messages ?? 0;
  if (refused > 0) throw new Error(`${refused} messages went to the DLQ (see \`relay tail dlq\`): the figures leave their work out`);
}
