// Police liaison (and authority): the country's notices live, filter and search, case detail, CSV export.
import { showCase } from './case.js';
import { el, hostingText, label, replace, when } from './dom.js';

export function policeView(store, session) {
  const search = el('input', { id: 'search', type: 'search', placeholder: 'URL, case, hoster…', 'aria-label': 'search notices' });
  const kind = el(
    'select',
    { id: 'kind', 'aria-label': 'notice kind' },
    el('option', { value: '' }, 'every kind'),
    ['POLICE_REFERRAL', 'RELOCATION_IN', 'CASE_MOVED_OUT', 'DEADLINE_ESCALATION', 'NO_HOTLINE', 'CDN_ORIGIN_REQUEST', 'FILE_DETAILS'].map((k) =>
      el('option', { value: `NOTICE_KIND_${k}` }, label(k, '')),
    ),
  );
  const body = el('tbody');
  const count = el('p', { class: 'count', 'aria-live': 'polite' });
  const panel = el('section', { id: 'case', class: 'case', 'aria-label': 'case detail' });
  const render = () => {
    const q = search.value.trim().toLowerCase();
    const rows = store.state.notices
      .filter((n) => kind.value === '' || n.kind === kind.value)
      .filter((n) => q === '' || [n.url, n.caseId, n.summary, hostingText(n.hostingAfter), hostingText(n.hostingBefore)].join(' ').toLowerCase().includes(q))
      .sort((a, b) => b._seq - a._seq);
    count.textContent = `${rows.length} of ${store.state.notices.length} notices`;
    replace(
      body,
      rows.map((n) =>
        el(
          'tr',
          { dataset: { kind: n.kind, case: n.caseId } },
          el('td', {}, when(n.issuedAt ?? n._time)),
          el('td', {}, label(n.kind, 'NOTICE_KIND_')),
          el('td', { class: 'url' }, n.url),
          el('td', {}, hostingText(n.hostingAfter ?? n.hostingBefore)),
          el('td', {}, el('button', { type: 'button', onclick: () => showCase(panel, n.caseId) }, 'Details')),
        ),
      ),
    );
  };
  search.addEventListener('input', render);
  kind.addEventListener('change', render);
  store.subscribe(render);
  const where = session.role.country;
  return el(
    'div',
    { class: 'police' },
    el('h2', {}, `Notices for ${where}`),
    el('div', { class: 'toolbar' }, search, kind, el('a', { href: '/api/notices.csv', download: `notices-${session.tenant}.csv`, class: 'button' }, 'Export CSV'), count),
    el('div', { class: 'scroll' }, el('table', { id: 'notices' }, el('thead', {}, el('tr', {}, ['Issued', 'Kind', 'URL', 'Hosting', ''].map((h) => el('th', { scope: 'col' }, h)))), body)),
    panel,
  );
}
