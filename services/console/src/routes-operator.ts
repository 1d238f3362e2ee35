import { computeStats, consumerLag, readFacts, redrive, streamState } from '@relay/bus';
import { StreamName } from '@relay/wire';
import { z } from 'zod';
import { auditConsole, ConsoleAction } from './audit.js';
import type { ConsoleRoutes } from './routes.js';
import type { Session } from './sessions.js';

const redriveBody = z.object({ reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500) }).strict();
const seqParams = z.object({ seq: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const statsQuery = z.object({ by: z.enum(['country', 'hoster']).default('country') });

/** The pipeline's own durable consumers, whose backlog is the relay's lag. */
const PIPELINE_CONSUMERS = [
  { stream: StreamName.Reports, durable: 'locator-reports' },
  { stream: StreamName.Rechecks, durable: 'locator-rechecks' },
  { stream: StreamName.Hosting, durable: 'dispatcher-hosting' },
] as const;

/** The operator's DLQ redrive (audited, with a reason), time-to-removal figures, the relay's health and its services' health. */
export function registerOperatorRoutes(r: ConsoleRoutes): void {
  const operator = (session: Session | undefined, reply: { code(n: number): { send(b: unknown): unknown } }): boolean => {
    if (session === undefined) return false;
    if (session.role.kind === 'operator') return true;
    reply.code(403).send({ error: 'operators only' });
    return false;
  };

  r.app.post('/api/dlq/:seq/redrive', async (req, reply) => {
    const session = await r.session(req, reply);
    if (!operator(session, reply) || session === undefined) return reply;
    const params = seqParams.safeParse(req.params);
    const body = redriveBody.safeParse(req.body);
    if (!params.success || !body.success) {
      return reply.code(400).send({ error: 'a DLQ sequence and a reason are required', issues: body.success ? [] : body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    }
    const tenant = await r.tenants.of(session.role);
    // Recorded before it acts (decision 0064): no redrive goes unaudited.
    await auditConsole(tenant.bus, tenant.user, {
      action: ConsoleAction.Redrive,
      person: session.user,
      target: `DLQ:${params.data.seq}`,
      reason: body.data.reason,
      address: req.ip,
    });
    return reply.send(await redrive(tenant.bus, params.data.seq));
  });

  r.app.get('/api/operator/stats', async (req, reply) => {
    const session = await r.session(req, reply);
    if (!operator(session, reply) || session === undefined) return reply;
    const query = statsQuery.safeParse(req.query);
    if (!query.success) return reply.code(400).send({ error: 'by must be country or hoster' });
    const tenant = await r.tenants.of(session.role);
    // The figures of `relay stats`, from the same code (INHOPE definitions, decision 0062).
    return reply.send(computeStats(await readFacts(tenant.bus), query.data.by));
  });

  r.app.get('/api/operator/health', async (req, reply) => {
    const session = await r.session(req, reply);
    if (!operator(session, reply) || session === undefined) return reply;
    const tenant = await r.tenants.of(session.role);
    const streams = await Promise.all(Object.values(StreamName).map(async (s) => ({ stream: s, state: (await streamState(tenant.bus, s).catch(() => undefined)) ?? null })));
    const consumers = await Promise.all(PIPELINE_CONSUMERS.map(async (c) => ({ ...c, lag: (await consumerLag(tenant.bus, c.stream, c.durable).catch(() => undefined)) ?? null })));
    return reply.send({ console: { nats: r.healthy() }, streams, consumers });
  });

  r.app.get('/api/operator/services', async (req, reply) => {
    const session = await r.session(req, reply);
    if (!operator(session, reply)) return reply;
    // The last round of the console's own background checks (service-health.ts): a page asking never makes it fetch.
    return reply.send({ services: r.watchedServices() });
  });
}
