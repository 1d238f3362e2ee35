// Hotline analyst: the inbox of the hotline's referrals, the case timeline, ICCAM actions, the deadline countdown.
import { showCase } from './case.js';
import { countdown, el, hostingText, label, post, replace, when } from './dom.js';

const ACTIONS = [
  ['LEA', 'reported to police'],
  ['ISP', 'notice to hoster'],
  ['CR', 'content removed'],
  ['CU', 'content unavailable'],
  ['MO', 'moved'],
  ['NI', 'not illegal'],
];
const CLOSING = new Set(['STATUS_ACTION_CR', 'STATUS_ACTION_CU', 'STATUS_ACTION_NI']);

/**
 * The removal deadline of a referral: the one it carries, else the country's term after the
 * hotline's first notice to the hoster (ISP), as the dispatcher counts it (directory `deadlines`).
 */
export function deadlineOf(referral, statuses, terms) {
  if (referral.deadline) return referral.deadline;
  const isp = statuses.filter((s) => s.referralId === referral.id && s.action === 'STATUS_ACTION_ISP').map((s) => new Date(s.occurredAt ?? 0).getTime());
  if (isp.length === 0 || !terms) return undefined;
  const term = (terms.byCountry[referral.jurisdiction] ?? terms.default).afterHosterNoticeMs;
  return new Date(Math.min(...isp) + term).toISOString();
}

/** Where a referral stands for the analyst. */
export function referralState(referral, statuses, movedOut, deadline, now = Date.now()) {
  const own = statuses.filter((s) => s.referralId === referral.id);
  if (own.some((s) => CLOSING.has(s.action))) return 'closed';
  if (movedOut) return 'moved out';
  if (deadline && new Date(deadline).getTime() < now) return 'deadline missed';
  if (own.length === 0) return 'new';
  return deadline ? 'deadline running' : 'in progress';
}

export function hotlineView(store, session) {
  const body = el('tbody');
  const notices = el('ul', { id: 'hotline-notices', class: 'notices' });
  const panel = el('section', { id: 'case', class: 'case', 'aria-label': 'case detail' });
  const stateFilter = el(
    'select',
    { id: 'state', 'aria-label': 'referral state' },
    ['', 'new', 'in progress', 'deadline running', 'deadline missed', 'moved out', 'closed'].map((s) => el('option', { value: s }, s === '' ? 'every state' : s)),
  );
  let terms;
  fetch('/api/deadlines', { credentials: 'same-origin' })
    .then((res) => (res.ok ? res.json() : undefined))
    .then((t) => {
      terms = t;
    })
    .catch(() => undefined);
  let lastResult = '';
  const actionsFor = (events) => {
    const referrals = events.filter((e) => e.type === 'relay.v1.Referral').map((e) => e.message);
    const statuses = events.filter((e) => e.type === 'relay.v1.StatusUpdate').map((e) => e.message);
    const referral = referrals.at(-1);
    if (!referral) return null;
    const deadline = deadlineOf(referral, statuses, terms);
    const clock = el('p', { class: 'countdown', id: 'countdown', 'aria-live': 'off' }, deadline ? countdown(deadline) : 'no deadline yet: it starts with the notice to the hoster (ISP)');
    if (deadline) {
      const tick = setInterval(() => {
        if (!clock.isConnected) clearInterval(tick);
        else clock.textContent = countdown(deadline);
      }, 1000);
    }
    const result = el('p', { role: 'status', class: 'result' }, lastResult);
    const buttons = ACTIONS.map(([code, meaning]) =>
      el(
        'button',
        {
          type: 'button',
          title: meaning,
          'data-action': code,
          onclick: async (e) => {
            const button = e.currentTarget;
            button.disabled = true;
            try {
              await post(`/api/cases/${encodeURIComponent(referral.caseId)}/status`, { action: code, referralId: referral.id, requestId: crypto.randomUUID() }, session.csrf);
              lastResult = `${code} (${meaning}) sent for ${referral.id}`;
              // The case again, with the update in its timeline and the deadline it started.
              await showCase(panel, referral.caseId, actionsFor);
            } catch (err) {
              result.textContent = err.message;
              button.disabled = false;
            }
          },
        },
        code,
      ),
    );
    return el('div', { class: 'actions' }, el('h3', {}, 'Deadline'), clock, el('h3', {}, 'ICCAM actions'), el('div', { class: 'buttons', role: 'group', 'aria-label': 'ICCAM actions' }, buttons), result);
  };
  const render = () => {
    const { referrals, statuses, notices: all } = store.state;
    const movedOut = new Set(all.filter((n) => n.kind === 'NOTICE_KIND_CASE_MOVED_OUT').map((n) => n.caseId));
    const rows = [...referrals.values()]
      .map((r) => {
        const deadline = deadlineOf(r, statuses, terms);
        return { r, deadline, state: referralState(r, statuses, movedOut.has(r.caseId) && r.reason !== 'ROUTING_REASON_RELOCATED', deadline) };
      })
      .filter((x) => stateFilter.value === '' || x.state === stateFilter.value)
      .sort((a, b) => b.r._seq - a.r._seq);
    replace(
      body,
      rows.map(({ r, state, deadline }) =>
        el(
          'tr',
          { dataset: { case: r.caseId, referral: r.id, state } },
          el('td', {}, when(r.issuedAt ?? r._time)),
          el('td', { class: 'url' }, r.url),
          el('td', {}, hostingText(r.hosting)),
          el('td', {}, label(r.reason, 'ROUTING_REASON_')),
          el('td', { class: 'state' }, state),
          el('td', { class: 'deadline' }, deadline ? countdown(deadline) : ''),
          el('td', {}, el('button', { type: 'button', onclick: () => { lastResult = ''; void showCase(panel, r.caseId, actionsFor); } }, 'Open')),
        ),
      ),
    );
    replace(
      notices,
      all
        .slice()
        .sort((a, b) => b._seq - a._seq)
        .map((n) => el('li', { dataset: { kind: n.kind, case: n.caseId } }, el('time', {}, when(n.issuedAt ?? n._time)), ' ', el('strong', {}, label(n.kind, 'NOTICE_KIND_')), ' ', n.url, n.summary ? ` — ${n.summary}` : '')),
    );
  };
  stateFilter.addEventListener('change', render);
  store.subscribe(render);
  setInterval(render, 1000);
  return el(
    'div',
    { class: 'hotline' },
    el('h2', {}, `Inbox of ${session.role.hotline}`),
    el('div', { class: 'toolbar' }, stateFilter),
    el('div', { class: 'scroll' }, el('table', { id: 'inbox' }, el('thead', {}, el('tr', {}, ['Referred', 'URL', 'Hosting', 'Why', 'State', 'Deadline', ''].map((h) => el('th', { scope: 'col' }, h)))), body)),
    el('h2', {}, 'Notices'),
    notices,
    panel,
  );
}
