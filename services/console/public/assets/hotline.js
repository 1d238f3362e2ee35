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

/** Where a referral stands for the analyst. */
export function referralState(referral, statuses, movedOut, now = Date.now()) {
  const own = statuses.filter((s) => s.referralId === referral.id);
  if (own.some((s) => CLOSING.has(s.action))) return 'closed';
  if (movedOut) return 'moved out';
  if (referral.deadline && new Date(referral.deadline).getTime() < now) return 'deadline missed';
  if (own.length === 0) return 'new';
  return referral.deadline ? 'deadline running' : 'in progress';
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
  let openCase;
  const actionsFor = (events) => {
    const referrals = events.filter((e) => e.type === 'relay.v1.Referral').map((e) => e.message);
    const referral = referrals.at(-1);
    if (!referral) return null;
    const clock = el('p', { class: 'countdown', id: 'countdown', 'aria-live': 'off' }, referral.deadline ? countdown(referral.deadline) : 'no deadline');
    if (referral.deadline) {
      const tick = setInterval(() => {
        if (!clock.isConnected) clearInterval(tick);
        else clock.textContent = countdown(referral.deadline);
      }, 1000);
    }
    const result = el('p', { role: 'status', class: 'result' });
    const buttons = ACTIONS.map(([code, meaning]) =>
      el(
        'button',
        {
          type: 'button',
          title: meaning,
          'data-action': code,
          onclick: async (e) => {
            e.currentTarget.disabled = true;
            try {
              await post(`/api/cases/${encodeURIComponent(referral.caseId)}/status`, { action: code, referralId: referral.id, requestId: crypto.randomUUID() }, session.csrf);
              result.textContent = `${code} (${meaning}) sent for ${referral.id}`;
            } catch (err) {
              result.textContent = err.message;
            } finally {
              e.currentTarget.disabled = false;
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
      .map((r) => ({ r, state: referralState(r, statuses, movedOut.has(r.caseId) && r.reason !== 'ROUTING_REASON_RELOCATED') }))
      .filter((x) => stateFilter.value === '' || x.state === stateFilter.value)
      .sort((a, b) => b.r._seq - a.r._seq);
    replace(
      body,
      rows.map(({ r, state }) =>
        el(
          'tr',
          { dataset: { case: r.caseId, referral: r.id, state } },
          el('td', {}, when(r.issuedAt ?? r._time)),
          el('td', { class: 'url' }, r.url),
          el('td', {}, hostingText(r.hosting)),
          el('td', {}, label(r.reason, 'ROUTING_REASON_')),
          el('td', { class: 'state' }, state),
          el('td', { class: 'deadline' }, r.deadline ? countdown(r.deadline) : ''),
          el('td', {}, el('button', { type: 'button', onclick: () => { openCase = r.caseId; void showCase(panel, r.caseId, actionsFor); } }, 'Open')),
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
    void openCase;
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
