// Case detail: every message of the case the person's tenant may read, each with why it happened.
import { countdown, el, hostingText, label, replace, when } from './dom.js';

const WHY = {
  'relay.v1.Referral': (m) => `referral to ${m.hotline} (${m.jurisdiction}): ${label(m.reason, 'ROUTING_REASON_')}`,
  'relay.v1.Notice': (m) => `${label(m.kind, 'NOTICE_KIND_')} for ${label(m.audience, 'AUDIENCE_')} ${m.country}${m.summary ? `: ${m.summary}` : ''}`,
  'relay.v1.StatusUpdate': (m) => `status ${label(m.action, 'STATUS_ACTION_')} by ${m.hotline}${m.note ? `: ${m.note}` : ''}`,
};

/** Loads a case into `panel`; `actions(caseEvents)` may add buttons under the timeline. */
export async function showCase(panel, caseId, actions) {
  replace(panel, el('p', {}, `Loading case ${caseId}…`));
  const res = await fetch(`/api/cases/${encodeURIComponent(caseId)}`, { credentials: 'same-origin' });
  const answer = await res.json();
  if (!res.ok) {
    replace(panel, el('p', { class: 'error', role: 'alert' }, answer.error));
    return;
  }
  const items = answer.events.map((e) => {
    const m = e.message;
    const observed = m.hosting ?? m.hostingAfter;
    return el(
      'li',
      { dataset: { type: e.type } },
      el('time', { datetime: e.time }, when(e.time)),
      ' ',
      el('strong', {}, (WHY[e.type] ?? (() => e.type))(m)),
      observed ? el('div', { class: 'observation' }, `observed: ${hostingText(observed)}`) : null,
      m.hostingBefore ? el('div', { class: 'observation' }, `before: ${hostingText(m.hostingBefore)}`) : null,
      m.deadline ? el('div', {}, `deadline ${when(m.deadline)} (${countdown(m.deadline)})`) : null,
    );
  });
  const first = answer.events.find((e) => e.message.url)?.message.url ?? '';
  replace(
    panel,
    el('h2', { id: 'case-title', tabindex: '-1' }, `Case ${caseId}`),
    el('p', { class: 'url' }, first),
    el('ol', { class: 'timeline', 'aria-label': 'case timeline' }, items),
    actions ? actions(answer.events) : null,
  );
  panel.querySelector('#case-title')?.focus();
}
