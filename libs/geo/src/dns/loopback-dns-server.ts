import { createSocket, type Socket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';

/** How the test server answers one name. */
export interface LoopbackRecord {
  readonly a?: readonly string[];
  readonly aaaa?: readonly string[];
  readonly cname?: string;
  readonly ttl?: number;
  /** Answer SERVFAIL, or never answer at all. */
  readonly fail?: 'SERVFAIL' | 'NO_ANSWER';
}

/** A real DNS server on 127.0.0.1 (UDP) for tests of the system resolver. */
export interface LoopbackDnsServer {
  /** `127.0.0.1:<port>`, for `createSystemResolver({ servers: [...] })`. */
  readonly address: string;
  /** Questions received, as `<TYPE> <name>`. */
  readonly queries: readonly string[];
  /** Replaces the answers from now on. */
  setRecords(records: Readonly<Record<string, LoopbackRecord>>): void;
  close(): Promise<void>;
}

type Answer = dnsPacket.Answer;

/**
 * Starts a small authoritative-style DNS server on a free loopback port that
 * answers like a recursive resolver would: CNAME chains are expanded in the
 * answer of an A/AAAA question; unknown names are NXDOMAIN. For tests only.
 */
export async function startLoopbackDnsServer(initial: Readonly<Record<string, LoopbackRecord>>): Promise<LoopbackDnsServer> {
  let records = initial;
  const queries: string[] = [];
  const socket: Socket = createSocket('udp4');

  const answer = (name: string, type: string): { rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'NONE'; answers: Answer[] } => {
    const answers: Answer[] = [];
    let current = name.toLowerCase();
    for (let hops = 0; hops < 16; hops++) {
      const r = records[current];
      if (r === undefined) return { rcode: hops === 0 ? 'NXDOMAIN' : 'NOERROR', answers };
      if (r.fail === 'SERVFAIL') return { rcode: 'SERVFAIL', answers: [] };
      if (r.fail === 'NO_ANSWER') return { rcode: 'NONE', answers: [] };
      const ttl = r.ttl ?? 60;
      if (r.cname !== undefined) {
        answers.push({ type: 'CNAME', name: current, ttl, data: r.cname });
        if (type === 'CNAME') return { rcode: 'NOERROR', answers };
        current = r.cname;
        continue;
      }
      if (type === 'A') for (const ip of r.a ?? []) answers.push({ type: 'A', name: current, ttl, data: ip });
      if (type === 'AAAA') for (const ip of r.aaaa ?? []) answers.push({ type: 'AAAA', name: current, ttl, data: ip });
      return { rcode: 'NOERROR', answers };
    }
    return { rcode: 'SERVFAIL', answers: [] };
  };

  socket.on('message', (msg, rinfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const q = query.questions?.[0];
    if (q === undefined) return;
    queries.push(`${q.type} ${q.name}`);
    const { rcode, answers } = answer(q.name, q.type);
    if (rcode === 'NONE') return;
    const response = dnsPacket.encode({
      id: query.id ?? 0,
      type: 'response',
      // QR + RD + RA, and the rcode in the low four bits.
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (rcode === 'NXDOMAIN' ? 3 : rcode === 'SERVFAIL' ? 2 : 0),
      questions: [q],
      answers,
    });
    socket.send(response, rinfo.port, rinfo.address);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    queries,
    setRecords: (next) => {
      records = next;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
