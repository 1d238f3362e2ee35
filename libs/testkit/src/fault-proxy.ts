import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback that a test puts between two processes to break
 * the link between them without root (issue 21): `cut` closes every
 * connection through it and refuses new ones (a partition the peers see at
 * once), `blackhole` keeps connections open but forwards nothing (a
 * partition the peers only see by their ping timeouts), `delay` holds each
 * chunk for a latency with jitter (order kept per direction), `heal` undoes
 * all of it.
 */
export interface FaultProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** Closes every connection through the proxy and refuses new ones until `heal`. */
  cut(): void;
  /** Forwards nothing in either direction, connections stay open, until `heal`. */
  blackhole(): void;
  /** Holds each chunk `ms` ± `jitterMs` (uniform) before forwarding it; order is kept. */
  delay(ms: number, jitterMs?: number): void;
  /** Forwards everything at once again and accepts connections. */
  heal(): void;
  /** Connections open now. */
  connections(): number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

type Mode = { kind: 'open' } | { kind: 'cut' } | { kind: 'blackhole' } | { kind: 'delay'; ms: number; jitterMs: number };

/** Starts a proxy on 127.0.0.1 (a free port unless `port` is given) to `127.0.0.1:targetPort`. */
export async function startFaultProxy(targetPort: number, options: { readonly port?: number } = {}): Promise<FaultProxy> {
  let mode: Mode = { kind: 'open' };
  const pairs = new Set<{ client: Socket; upstream: Socket }>();

  const forward = (from: Socket, to: Socket): void => {
    // Per direction, one queue drained in order by one timer: a chunk never overtakes the one before it.
    const queue: { chunk: Buffer; due: number }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const drain = (): void => {
      timer = undefined;
      const now = Date.now();
      while (queue.length > 0 && (queue[0]?.due ?? 0) <= now) {
        const next = queue.shift();
        if (next && !to.destroyed) to.write(next.chunk);
      }
      const head = queue[0];
      if (head !== undefined) timer = setTimeout(drain, Math.max(1, head.due - now));
    };
    from.on('data', (chunk: Buffer) => {
      if (mode.kind === 'blackhole' || mode.kind === 'cut') return;
      const now = Date.now();
      const due = mode.kind === 'delay' ? now + mode.ms + (Math.random() * 2 - 1) * mode.jitterMs : now;
      if (queue.length === 0 && due <= now) {
        to.write(chunk);
        return;
      }
      queue.push({ chunk, due: Math.max(due, queue.at(-1)?.due ?? 0) });
      timer ??= setTimeout(drain, Math.max(1, (queue[0]?.due ?? now) - now));
    });
    from.once('close', () => clearTimeout(timer));
  };

  const server: Server = createServer((client) => {
    if (mode.kind === 'cut') {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the fault proxy has no TCP address');

  return {
    port: address.port,
    cut() {
      mode = { kind: 'cut' };
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
      pairs.clear();
    },
    blackhole() {
      mode = { kind: 'blackhole' };
    },
    delay(ms, jitterMs = 0) {
      mode = { kind: 'delay', ms, jitterMs };
    },
    heal() {
      mode = { kind: 'open' };
    },
    connections: () => pairs.size,
    close: async () => {
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
