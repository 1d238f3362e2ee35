import { formatPosition, openFeed, parsePosition } from './feed.js';
import type { ConsoleRoutes } from './routes.js';

/** A comment line every 15 s keeps proxies from closing an idle feed and notices an ended session. */
const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/events`: server-sent events of everything the person's tenant may
 * read, history first, then live. Each event's id is the position after it
 * (`R12-N40`); a reconnect sends it back as `Last-Event-ID` (the browser does so
 * by itself) and resumes right after it: no gap, no repeat.
 */
export function registerFeedRoutes(r: ConsoleRoutes): void {
  r.app.get('/api/events', async (req, reply) => {
    const session = await r.session(req, reply);
    if (session === undefined) return reply;
    const header = req.headers['last-event-id'];
    const from = parsePosition(Array.isArray(header) ? header[0] : header);
    if (from === null) return reply.code(400).send({ error: 'Last-Event-ID is not a position this console wrote' });
    const tenant = await r.tenants.of(session.role);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    res.write('retry: 1000\n\n');
    let closed = false;
    let stopFeed: (() => Promise<void>) | undefined;
    let stopListening: () => void = () => undefined;
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      stopListening();
      void stopFeed?.();
      res.end();
    };
    const heartbeat = setInterval(() => {
      if (r.sessions.get(session.id) === undefined) close();
      else res.write(': heartbeat\n\n');
    }, HEARTBEAT_MS);
    req.raw.on('close', close);
    // Sign-out, expiry, or the users file no longer holding the account: the page hears why, then the stream ends.
    stopListening = r.sessions.onEnd(session.id, (reason) => {
      if (!closed) res.write(`event: session-ended\ndata: ${JSON.stringify({ reason })}\n\n`);
      close();
    });
    // Ended while the tenant's connection opened: nothing to follow.
    if (closed) return;
    try {
      const feed = await openFeed(tenant.bus, tenant.reads, from ?? {}, (event, position) => {
        if (!closed) res.write(`id: ${formatPosition(position)}\ndata: ${JSON.stringify(event)}\n\n`);
      });
      stopFeed = () => feed.stop();
      if (closed) await feed.stop();
    } catch (err) {
      r.logger.error({ err, tenant: tenant.tenant }, 'live feed refused');
      res.write(`event: feed-error\ndata: ${JSON.stringify({ error: 'the live feed could not be opened' })}\n\n`);
      close();
    }
  });
}
