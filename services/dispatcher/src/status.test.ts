import { type Bus, readStream } from '@relay/bus';
import { waitFor } from '@relay/testkit';
import { deriveId, errorFromHeader, Header, NoticeKind, RecheckReason, StatusAction, type StatusUpdate, StreamName } from '@relay/wire';
import { createMetrics } from '@relay/observability';
import { observation, publishedFor, publishObservation, publishStatus, startRelay, type TestRelay } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxPublished, readCase } from '../test/dispatcher.js';
import { type CaseState, caseIdOf, runDispatcher, createManualClock, type Dispatcher } from './index.js';

const HOUR = 3_600_000;
const metrics = createMetrics('dispatcher-test');
const clock = createManualClock(Date.parse('2026-11-02T09:15:00Z'));
let relay: TestRelay;
let bus: Bus;
let dispatcher: Dispatcher;
const url = (name: string): string => `http://${name}-${deriveId('u', Math.random()).slice(2, 10)}.example.nl/x`;

beforeAll(async () => {
  relay = await startRelay();
  bus = relay.bus;
  // A long recheck interval: these tests move the clock by hours and are about statuses, not rechecks.
  dispatcher = await runDispatcher({ bus: await relay.connect('dispatcher'), settings: { recheckIntervalMs: 7 * 24 * HOUR, tickMs: 20 }, clock, metrics });
});
afterAll(async () => {
  await dispatcher?.stop();
  await relay?.dispose();
});

/** Opens an NL case and returns it once referred. */
async function dutchCase(name: string): Promise<CaseState> {
  const u = url(name);
  await publishObservation(bus, observation({ url: u, resolvedAt: clock.now(), cause: { source: 'ncmec' } }));
  return waitFor(async () => {
    const c = await readCase(bus, caseIdOf(u));
    return c?.routing && (await outboxPublished(bus, c)) ? c : undefined;
  });
}

/** The DLQ entry of the status published as `msgId`. */
async function dlqEntry(msgId: string) {
  return waitFor(async () => {
    for await (const m of readStream(bus, { stream: StreamName.Dlq, filterSubject: 'relay.dlq.dispatcher' })) {
      if (m.headers[Header.DlqMsgId] === msgId) return m;
    }
    return undefined;
  });
}

async function escalations(caseId: string) {
  return (await publishedFor(bus, caseId)).notices.filter((x) => x.notice.kind === NoticeKind.NOTICE_KIND_DEADLINE_ESCALATION);
}

function status(c: CaseState, action: StatusAction, patch: Partial<StatusUpdate> = {}): StatusUpdate {
  return { id: `${action}-${c.id.slice(5, 13)}`, hotline: 'eokm', referralId: c.routing?.referralId ?? '', caseId: c.id, action, occurredAt: new Date(clock.now()), note: '', ...patch };
}

describe('hotline status on a real nats-server', () => {
  it('escalates a missed Dutch deadline (24 h after ISP) to ATKM and the Dutch police', async () => {
    const c = await dutchCase('late');
    await publishStatus(bus, status(c, StatusAction.STATUS_ACTION_ISP));
    const withDeadline = await waitFor(async () => (await readCase(bus, c.id))?.deadline);
    expect(withDeadline.dueAt).toBe(clock.now() + 24 * HOUR);
    clock.advance(24 * HOUR + 1);
    const notices = await waitFor(async () => {
      const n = (await publishedFor(bus, c.id)).notices.filter((x) => x.notice.kind === NoticeKind.NOTICE_KIND_DEADLINE_ESCALATION);
      return n.length === 2 ? n : undefined;
    });
    expect(notices.map((n) => n.subject).sort()).toEqual(['relay.notice.NL.authority.deadline-escalation', 'relay.notice.NL.police.deadline-escalation']);
    expect(notices[0]?.notice.deadline?.getTime()).toBe(withDeadline.dueAt);

    // The operations dashboard sees the missed deadline and the routing of the report.
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/relay_missed_deadlines_total\{country="NL",service="dispatcher-test"\} 1\n/);
    expect(text).toMatch(/relay_routing_latency_seconds_count\{service="dispatcher-test"\} [1-9]/);
  });

  it('escalates a deadline that was set before the dispatcher restarted', async () => {
    const c = await dutchCase('restart');
    await publishStatus(bus, status(c, StatusAction.STATUS_ACTION_ISP));
    const deadline = await waitFor(async () => (await readCase(bus, c.id))?.deadline);
    await dispatcher.stop();
    // A new dispatcher knows the deadline only from KV.
    dispatcher = await runDispatcher({ bus: await relay.connect('dispatcher-restarted'), settings: { recheckIntervalMs: 7 * 24 * HOUR, tickMs: 20 }, clock });
    await waitFor(() => dispatcher.stats().deadlines >= 1, { what: 'the deadline to be reloaded' });
    clock.set(deadline.dueAt);
    const escalations = await waitFor(async () => {
      const n = (await publishedFor(bus, c.id)).notices.filter((x) => x.notice.kind === NoticeKind.NOTICE_KIND_DEADLINE_ESCALATION);
      return n.length === 2 ? n : undefined;
    });
    expect(new Set(escalations.map((n) => n.subject))).toEqual(new Set(['relay.notice.NL.authority.deadline-escalation', 'relay.notice.NL.police.deadline-escalation']));
  });

  it('does not escalate when the hotline reports removal (CR) before the deadline', async () => {
    const c = await dutchCase('removed');
    await publishStatus(bus, status(c, StatusAction.STATUS_ACTION_ISP));
    await waitFor(async () => (await readCase(bus, c.id))?.deadline);
    await publishStatus(bus, status(c, StatusAction.STATUS_ACTION_CR));
    await waitFor(async () => (await readCase(bus, c.id))?.status === 'closed');
    clock.advance(48 * HOUR);
    // Two full ticks after the clock moved: an escalation would have been claimed by now.
    await dispatcher.tick();
    await dispatcher.tick();
    expect(dispatcher.stats().deadlines).toBe(0);
    expect((await publishedFor(bus, c.id)).notices.map((n) => n.notice.kind)).toEqual([NoticeKind.NOTICE_KIND_POLICE_REFERRAL]);
  });

  it('refuses a status from a hotline the case is not routed to, with a clear error on the DLQ', async () => {
    const c = await dutchCase('other');
    const intruder = status(c, StatusAction.STATUS_ACTION_CR, { hotline: 'iwf', id: `iwf-${c.id}` });
    await publishStatus(bus, intruder);
    const entry = await waitFor(async () => {
      for await (const m of readStream(bus, { stream: StreamName.Dlq, filterSubject: 'relay.dlq.dispatcher' })) {
        if (m.headers[Header.DlqMsgId] === `iwf:${intruder.id}`) return m;
      }
      return undefined;
    });
    expect(errorFromHeader(entry.headers[Header.Error] ?? '')).toMatchObject({ code: 'status-not-routed-hotline' });
    expect(entry.headers[Header.DlqSubject]).toBe('relay.status.iwf');
    expect((await readCase(bus, c.id))?.status).toBe('open');
  });

  it('refuses a status backdated before its referral to the DLQ, and escalates nothing', async () => {
    const c = await dutchCase('backdated');
    // Two days before the referral: a 24 h deadline from then would escalate at once.
    const backdated = status(c, StatusAction.STATUS_ACTION_ISP, { id: `isp-old-${c.id}`, occurredAt: new Date(clock.now() - 48 * HOUR) });
    await publishStatus(bus, backdated);
    const entry = await dlqEntry(`eokm:${backdated.id}`);
    expect(errorFromHeader(entry.headers[Header.Error] ?? '')).toMatchObject({ code: 'status-time-out-of-bounds' });
    expect(errorFromHeader(entry.headers[Header.Error] ?? '').message).toMatch(/outside .* \(referral ref_\w+ issued\)/);
    await dispatcher.tick();
    await dispatcher.tick();
    expect((await readCase(bus, c.id))?.deadline).toBeUndefined();
    expect(await escalations(c.id)).toEqual([]);
  });

  it('takes an authority order only from the authority, once: a repeated order escalates once', async () => {
    const c = await dutchCase('ordered');
    const byHotline = status(c, StatusAction.STATUS_ACTION_AUTHORITY_ORDER, { id: `order-eokm-${c.id}` });
    await publishStatus(bus, byHotline);
    expect(errorFromHeader((await dlqEntry(`eokm:${byHotline.id}`)).headers[Header.Error] ?? '')).toMatchObject({ code: 'status-not-authority' });

    const order = (id: string) => status(c, StatusAction.STATUS_ACTION_AUTHORITY_ORDER, { id, hotline: 'authority-nl' });
    await publishStatus(bus, order('atkm-1'));
    const deadline = await waitFor(async () => (await readCase(bus, c.id))?.deadline);
    expect(deadline).toMatchObject({ kind: 'authority-order', dueAt: clock.now() + 12 * HOUR });
    await publishStatus(bus, order('atkm-2'));
    await waitFor(async () => (await readCase(bus, c.id))?.statuses.some((s) => s.id === 'authority-nl/atkm-2'));
    expect((await readCase(bus, c.id))?.deadline).toEqual(deadline);

    clock.set(deadline.dueAt);
    await waitFor(async () => ((await escalations(c.id)).length === 2 ? true : undefined));
    await publishStatus(bus, order('atkm-3'));
    await waitFor(async () => (await readCase(bus, c.id))?.statuses.some((s) => s.id === 'authority-nl/atkm-3'));
    clock.advance(24 * HOUR);
    await dispatcher.tick();
    await dispatcher.tick();
    expect((await escalations(c.id)).map((n) => n.subject).sort()).toEqual(['relay.notice.NL.authority.deadline-escalation', 'relay.notice.NL.police.deadline-escalation']);
  });

  it('rechecks at once when the hotline reports the content moved (MO)', async () => {
    const c = await dutchCase('mo');
    await publishStatus(bus, status(c, StatusAction.STATUS_ACTION_MO));
    const rechecks = await waitFor(async () => {
      const r = (await publishedFor(bus, c.id)).rechecks;
      return r.length === 1 ? r : undefined;
    });
    expect(rechecks[0]).toMatchObject({ reason: RecheckReason.RECHECK_REASON_MOVED_STATUS, url: c.url, sequence: 1n });
  });
});
