import { readDirectory } from '@relay/directory';
import type { ConsoleRoutes } from './routes.js';

/**
 * `GET /api/deadlines`: the removal terms of the stored directory, ms, by
 * country and the default, so a page counts a deadline down from the
 * hotline's notice to the hoster (ISP) or an authority's order, as the
 * dispatcher does. The directory is published to every tenant; no case data.
 */
export function registerDeadlineRoutes(r: ConsoleRoutes): void {
  r.app.get('/api/deadlines', async (req, reply) => {
    if ((await r.session(req, reply)) === undefined) return reply;
    const stored = await readDirectory(r.bus);
    const deadlines = stored?.directory.data.deadlines;
    if (deadlines === undefined) return reply.code(503).send({ error: 'no directory stored yet' });
    const terms = (p: { afterHosterNotice: number; afterAuthorityOrder: number }) => ({ afterHosterNoticeMs: p.afterHosterNotice, afterAuthorityOrderMs: p.afterAuthorityOrder });
    return reply.send({
      default: terms(deadlines.default),
      byCountry: Object.fromEntries(Object.entries(deadlines.byCountry).map(([cc, p]) => [cc, terms(p)])),
    });
  });

  /** `GET /api/hotlines`: each hotline's country, from the directory: where a referral's report came from, for the operator's map. */
  r.app.get('/api/hotlines', async (req, reply) => {
    if ((await r.session(req, reply)) === undefined) return reply;
    const stored = await readDirectory(r.bus);
    if (stored === undefined) return reply.code(503).send({ error: 'no directory stored yet' });
    return reply.send(Object.fromEntries(stored.directory.data.hotlines.map((h) => [h.id, h.country])));
  });
}
