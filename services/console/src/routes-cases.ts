import { publishMessage } from '@relay/bus';
import { RelayType, StatusAction, subjects } from '@relay/wire';
import { z } from 'zod';
import { auditConsole, ConsoleAction } from './audit.js';
import { CASE_ID, caseHistory, streamHistory } from './cases.js';
import { csvOf } from './csv.js';
import { caseObservations } from './observations.js';
import type { ConsoleRoutes } from './routes.js';

/** The ICCAM actions an analyst may click (docs/architecture.md §1). */
const ICCAM_ACTIONS = ['LEA', 'ISP', 'CR', 'CU', 'MO', 'NI'] as const;

const statusBody = z
  .object({
    action: z.enum(ICCAM_ACTIONS),
    referralId: z.string().regex(/^[A-Za-z0-9_:.-]{1,128}$/),
    /** The page's id of this click: a repeated request stores one update (the hotline's idempotency key). */
    requestId: z.uuid(),
    note: z.string().max(500).optional(),
  })
  .strict();

const caseParams = z.object({ caseId: z.string().regex(CASE_ID, 'not a case id') });

interface NoticeJson {
  id?: string;
  kind?: string;
  country?: string;
  caseId?: string;
  url?: string;
  hotline?: string;
  summary?: string;
  issuedAt?: string;
  deadline?: string;
}

/** Case detail, the ICCAM buttons, and the CSV export of notices. */
export function registerCaseRoutes(r: ConsoleRoutes): void {
  const { app } = r;
  app.get('/api/cases/:caseId', async (req, reply) => {
    const session = await r.session(req, reply);
    if (session === undefined) return reply;
    const params = caseParams.safeParse(req.params);
    if (!params.success) return reply.code(400).send({ error: 'not a case id' });
    const tenant = await r.tenants.of(session.role);
    const events = await caseHistory(tenant.bus, tenant.reads, params.data.caseId);
    // Another tenant's case is not among this tenant's messages: the same answer as no case at all.
    if (events.length === 0) return reply.code(404).send({ error: `no case ${params.data.caseId} for ${session.tenant}` });
    // The observations are those the events carry, so they need no read beyond the tenant's own (decision 0149).
    return reply.send({ caseId: params.data.caseId, events, observations: caseObservations(events) });
  });

  app.post('/api/cases/:caseId/status', async (req, reply) => {
    const session = await r.session(req, reply);
    if (session === undefined) return reply;
    if (session.role.kind !== 'hotline') return reply.code(403).send({ error: 'only a hotline analyst reports ICCAM actions' });
    const hotline = session.role.hotline;
    const params = caseParams.safeParse(req.params);
    const body = statusBody.safeParse(req.body);
    if (!params.success || !body.success) {
      return reply.code(400).send({ error: 'invalid status update', issues: body.success ? [] : body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    }
    const tenant = await r.tenants.of(session.role);
    const events = await caseHistory(tenant.bus, tenant.reads, params.data.caseId);
    const referral = events.find((e) => e.type === RelayType.Referral && (e.message as { id?: string }).id === body.data.referralId);
    if (referral === undefined) return reply.code(404).send({ error: `no referral ${body.data.referralId} of case ${params.data.caseId} for ${session.tenant}` });
    const action = StatusAction[`STATUS_ACTION_${body.data.action}`];
    await auditConsole(tenant.bus, tenant.user, {
      action: ConsoleAction.Status,
      person: session.user,
      target: `referral:${body.data.referralId}`,
      reason: `ICCAM action ${body.data.action}`,
      address: req.ip,
      details: { case: params.data.caseId, action: body.data.action },
    });
    const id = `console-${body.data.requestId}`;
    const stored = await publishMessage(
      tenant.bus,
      subjects.status(hotline),
      RelayType.StatusUpdate,
      { id, hotline, referralId: body.data.referralId, caseId: params.data.caseId, action, occurredAt: new Date(), note: body.data.note ?? `by ${session.user} in the console` },
      { msgId: `${hotline}:${id}`, origin: hotline },
    );
    return reply.send({ id, seq: stored.seq, duplicate: stored.duplicate });
  });

  app.get('/api/notices.csv', async (req, reply) => {
    const session = await r.session(req, reply);
    if (session === undefined) return reply;
    const tenant = await r.tenants.of(session.role);
    const rows: string[][] = [];
    for (const read of tenant.reads.filter((x) => x.stream === 'NOTICES')) {
      for (const e of await streamHistory(tenant.bus, read)) {
        const n = e.message as NoticeJson;
        rows.push([n.issuedAt ?? e.time, n.kind ?? '', n.country ?? '', n.url ?? '', n.caseId ?? '', n.hotline ?? '', n.deadline ?? '', n.summary ?? '', n.id ?? '']);
      }
    }
    const csv = csvOf(['issued_at', 'kind', 'country', 'url', 'case_id', 'hotline', 'deadline', 'summary', 'notice_id'], rows);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="notices-${session.tenant}.csv"`)
      .send(csv);
  });
}
