// Operator: the whole relay at a glance. Flows and relocations on the map, open cases per country,
// deadlines at risk and missed, the DLQ with an audited redrive, time to removal (charts and tables),
// the services up or down, NATS health and lag.
import { countdown, el, post, replace, when } from './dom.js';
import { deadlineOf } from './hotline.js';
import { createRemovalChart, durationText } from './removal-chart.js';
import { createWorldMap } from './world-map.js';

const CLOSING = new Set(['STATUS_ACTION_CR', 'STATUS_ACTION_CU', 'STATUS_ACTION_NI']);

async function getJson(url) {
  const res = await fetch(url, { credentials: 'same-origin' });
  return res.ok ? res.json() : undefined;
}

function table(id, caption, headers, rows) {
  return el('div', { class: 'scroll' }, el('table', { id }, el('caption', {}, caption), el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, rows)));
}

export function operatorView(store, session) {
  const mapBox = el('figure', { class: 'map' }, el('figcaption', {}, 'Referral flows (reporting → hosting country); relocations move'));
  const openCases = el('div');
  const byHoster = el('div');
  const countryChart = createRemovalChart({ id: 'ttr-country', what: 'country', tableId: 'open-cases' });
  const hosterChart = createRemovalChart({ id: 'ttr-hoster', what: 'hoster', tableId: 'by-hoster' });
  const services = el('div');
  const deadlines = el('div');
  const dlq = el('div');
  const dlqResult = el('p', { id: 'dlq-result', role: 'status' });
  const health = el('div');
  let terms;
  let hotlines = {};
  let map;

  const flowsOf = () => {
    const counts = new Map();
    const add = (from, to, kind) => {
      if (!from || !to) return;
      const key = `${kind}:${from}:${to}`;
      const f = counts.get(key) ?? { from, to, kind, count: 0 };
      f.count++;
      counts.set(key, f);
    };
    for (const r of store.state.referrals.values()) {
      if (r.reason === 'ROUTING_REASON_RELOCATED') add(store.state.referrals.get(r.supersedes)?.jurisdiction, r.jurisdiction, 'relocation');
      else add(hotlines[r.source], r.jurisdiction, 'flow');
    }
    return [...counts.values()];
  };

  const renderDeadlines = () => {
    const superseded = new Set([...store.state.referrals.values()].map((r) => r.supersedes).filter(Boolean));
    const now = Date.now();
    const rows = [...store.state.referrals.values()]
      .filter((r) => !superseded.has(r.id))
      .filter((r) => !store.state.statuses.some((s) => s.referralId === r.id && CLOSING.has(s.action)))
      .map((r) => ({ r, deadline: deadlineOf(r, store.state.statuses, terms) }))
      .filter((x) => x.deadline)
      .map((x) => {
        const left = new Date(x.deadline).getTime() - now;
        const term = (terms?.byCountry[x.r.jurisdiction] ?? terms?.default)?.afterHosterNoticeMs ?? 86_400_000;
        return { ...x, left, state: left < 0 ? 'missed' : left < term / 4 ? 'at risk' : 'running' };
      })
      .filter((x) => x.state !== 'running')
      .sort((a, b) => a.left - b.left);
    replace(
      deadlines,
      table('deadlines', 'Deadlines at risk and missed', ['Country', 'Hotline', 'URL', 'Deadline', ''], rows.map((x) =>
        el('tr', { dataset: { state: x.state } }, el('td', {}, x.r.jurisdiction), el('td', {}, x.r.hotline), el('td', { class: 'url' }, x.r.url), el('td', {}, when(x.deadline)), el('td', {}, countdown(x.deadline, now))),
      )),
    );
  };

  const renderDlq = () => {
    const entries = [...store.state.dlq.entries()].sort((a, b) => b[0] - a[0]);
    replace(
      dlq,
      table('dlq', `Dead-letter queue (${entries.length})`, ['#', 'When', 'Service', 'Why', 'Subject', ''], entries.map(([seq, e]) => {
        const reason = el('input', { id: `reason-${seq}`, name: 'reason', required: true, minlength: 3, placeholder: 'why redrive it?', 'aria-label': `reason to redrive entry ${seq}` });
        const form = el(
          'form',
          {
            class: 'redrive',
            hidden: true,
            onsubmit: async (event) => {
              event.preventDefault();
              try {
                const outcome = await post(`/api/dlq/${seq}/redrive`, { reason: reason.value }, session.csrf);
                const detail = outcome.storedAs ? ` as ${outcome.storedAs}` : outcome.until ? ` until ${outcome.until}: the original is still inside the stream's duplicate window, so a republish would be dropped` : outcome.reason ? ` (${outcome.reason})` : '';
                dlqResult.textContent = `entry ${seq}: ${outcome.kind}${detail}`;
                if (outcome.kind === 'redriven' || outcome.kind === 'already-redriven' || outcome.kind === 'missing') store.removeDlq(seq);
              } catch (err) {
                dlqResult.textContent = `entry ${seq}: ${err.message}`;
              }
            },
          },
          el('label', { for: `reason-${seq}` }, 'Reason '),
          reason,
          el('button', { type: 'submit' }, 'Redrive'),
        );
        const ask = el('button', { type: 'button', 'data-redrive': seq, onclick: () => { form.hidden = false; reason.focus(); } }, 'Redrive…');
        return el('tr', { dataset: { seq } }, el('td', {}, seq), el('td', {}, when(e._time)), el('td', {}, e.service), el('td', {}, `${e.error?.code ?? ''}: ${e.error?.message ?? ''}`), el('td', { class: 'url' }, e.subject), el('td', {}, ask, form));
      })),
      dlqResult,
    );
  };

  const statsRows = (stats) =>
    (stats?.rows ?? []).map((row) =>
      el('tr', { dataset: { key: row.key } }, el('td', {}, row.key), el('td', {}, row.referrals), el('td', { class: 'open' }, row.open), el('td', {}, row.removed), el('td', {}, row.moved), el('td', {}, durationText(row.timeToRemoval.medianMs)), el('td', {}, durationText(row.timeToRemoval.p90Ms))),
    );
  const statsHeaders = ['', 'Referrals', 'Open', 'Removed', 'Moved', 'Median time to removal', 'p90'];
  const refreshStats = async () => {
    const [country, hoster, h, s] = await Promise.all([
      getJson('/api/operator/stats?by=country'),
      getJson('/api/operator/stats?by=hoster'),
      getJson('/api/operator/health'),
      getJson('/api/operator/services'),
    ]);
    replace(openCases, table('open-cases', 'Open cases and time to removal per country (INHOPE definitions, as relay stats)', ['Country', ...statsHeaders.slice(1)], statsRows(country)));
    replace(byHoster, table('by-hoster', 'Per hoster', ['Hoster', ...statsHeaders.slice(1)], statsRows(hoster)));
    if (s) renderServices(s.services);
    countryChart.draw(country);
    hosterChart.draw(hoster);
    if (h) {
      replace(
        health,
        table('health', `Health: console NATS ${h.console.nats ? 'connected' : 'DOWN'}`, ['Consumer', 'Stream', 'Pending', 'Unacked', 'Redelivered'], h.consumers.map((c) =>
          el('tr', {}, el('td', {}, c.durable), el('td', {}, c.stream), el('td', {}, c.lag?.pending ?? 'missing'), el('td', {}, c.lag?.ackPending ?? ''), el('td', {}, c.lag?.redelivered ?? '')),
        )),
      );
    }
  };

  const renderServices = (list) => {
    const down = list.filter((x) => x.state !== 'up').length;
    const caption = list.length === 0 ? 'Services: none watched (RELAY_CONSOLE_SERVICES is not set)' : down === 0 ? `Services: all ${list.length} up` : `Services: ${down} of ${list.length} not up`;
    replace(
      services,
      table('services', caption, ['Service', 'State', 'Last checked', 'Detail'], list.map((x) =>
        el('tr', { dataset: { service: x.name, state: x.state } }, el('td', {}, x.name), el('td', { class: 'state' }, x.state), el('td', {}, x.checkedAt ? when(x.checkedAt) : 'not yet'), el('td', { class: 'detail' }, x.detail)),
      )),
    );
  };

  let statsTimer;
  const render = () => {
    map?.draw(flowsOf());
    renderDeadlines();
    renderDlq();
    clearTimeout(statsTimer);
    statsTimer = setTimeout(() => void refreshStats(), 500);
  };

  void (async () => {
    [terms, hotlines] = await Promise.all([getJson('/api/deadlines'), getJson('/api/hotlines').then((h) => h ?? {})]);
    map = await createWorldMap();
    mapBox.prepend(map.element);
    store.subscribe(render);
    setInterval(renderDeadlines, 5_000);
    setInterval(() => void refreshStats(), 15_000);
  })();

  return el(
    'div',
    { class: 'operator' },
    el('h2', {}, 'The relay at a glance'),
    mapBox,
    services,
    el('div', { class: 'grid' }, el('div', {}, countryChart.element, openCases), deadlines),
    dlq,
    hosterChart.element,
    byHoster,
    health,
  );
}
