// Proof that a suite measured with provenance on: what the services and the
// bench published is signed, and nothing was refused into the DLQ (a refused
// message would be work the figures left out) but what the suite's load refuses by design.
import { type Bus, readStream, streamState } from '@relay/bus';
import { errorFromHeader, Header, StreamName } from '@relay/wire';

/** The streams whose messages every publisher signs. */
const SIGNED_STREAMS = [StreamName.Reports, StreamName.Hosting, StreamName.Referrals, StreamName.Notices, StreamName.Rechecks] as const;

/**
 * Checks the last message of every signed stream that has one for a signer,
 * and that the DLQ holds nothing but entries with one of `expectedCodes`.
 * @throws Error naming the stream with an unsigned message, or how many messages were refused and why.
 */
export async function assertProvenanceOn(bus: Bus, expectedCodes: readonly string[] = []): Promise<void> {
  for (const stream of SIGNED_STREAMS) {
    const state = await streamState(bus, stream);
    if (!state || state.messages === 0) continue;
    for await (const m of readStream(bus, { stream, startSeq: state.lastSeq })) {
      if (!m.headers[Header.Signer]) throw new Error(`${stream} seq ${m.seq} is unsigned: the suite did not measure with provenance on`);
      break;
    }
  }
  const refused = new Map<string, number>();
  if (((await streamState(bus, StreamName.Dlq))?.messages ?? 0) > 0) {
    for await (const m of readStream(bus, { stream: StreamName.Dlq })) {
      const code = errorFromHeader(m.headers[Header.Error] ?? '').code;
      if (!expectedCodes.includes(code)) refused.set(code, (refused.get(code) ?? 0) + 1);
    }
  }
  if (refused.size > 0) {
    const why = [...refused].map(([code, n]) => `${n} ${code}`).join(', ');
    throw new Error(`messages went to the DLQ (${why}; see \`relay tail dlq\`): the figures leave their work out`);
  }
}
