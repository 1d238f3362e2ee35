// Case detail: every message of the case the person's tenant may read, each with why it happened,
// and every observation those messages carry (where the URL was hosted, and why the relay looked).
import { countdown, el, label, replace, when } from './dom.js';

const WHY = {
  'relay.v1.Referral': (m) => `referral to ${m.hotline} (${m.jurisdiction}): ${label(m.reason, 'ROUTING_REASON_')}`,
  'relay.v1.Notice': (m) => `${label(m.kind, 'NOTICE_KIND_')} for ${label(m.audience, 'AUDIENCE_')} ${m.country}${m.summary ? `: ${m.summary}` : ''}`,
  'relay.v1.StatusUpdate': (m) => `status ${label(m.action, 'STATUS_ACTION_')} by ${m.hotline}${m.note ? `: ${m.note}` : ''}`,
};

/** Why the locator looked again, by the dispatcher's recheck reason. */
const RECHECK = {
  RECHECK_REASON_SCHEDULED: 'scheduled recheck',
  RECHECK_REASON_MOVED_STATUS: 'recheck after the hotline reported the content moved (MO)',
  RECHECK_REASON_MANUAL: 'recheck asked for by an operator',
  RECHECK_REASON_DATA_UPDATE: 'recheck after the IP data changed',
};

/** Why an observation was made: the report that listed the URL, or the recheck. */
export function whyObserved(cause) {
  if (cause?.kind === 'report') return `reported by ${cause.source || 'an unnamed source'}${cause.reportId ? ` (report ${cause.reportId})` : ''}`;
  if (cause?.kind === 'recheck') return RECHECK[cause.reason] ?? 'recheck';
  return 'cause not recorded';
}

/** Country, network and CDN of an observation, each said even when unknown or absent. */
export function observationFacts(o) {
  const network = o.asn ? `AS${o.asn}${o.asOrganisation ? ` ${o.asOrganisation}` : ''}` : 'unknown';
  const status = o.status && o.status !== 'HOSTING_STATUS_LOCATED' ? ` (${label(o.status, 'HOSTING_STATUS_')})` : '';
  return [`country ${o.country || 'unknown'}${status}`, `network ${network}`, o.cdn ? `CDN ${o.cdn}` : 'no CDN'];
}

/** What an observation led to, by the messages that carry it. */
function ledTo(o) {
  return o.carriedBy
    .map((c) => {
      const what = c.type === 'relay.v1.Referral' ? `referral (${label(c.what, 'ROUTING_REASON_')})` : `notice ${label(c.what, 'NOTICE_KIND_')}`;
      return c.role === 'before' ? `${what}, as where it was before` : what;
    })
    .filter((t, i, all) => all.indexOf(t) === i)
    .join('; ');
}

function observationItem(o) {
  return el(
    'li',
    { class: 'observed', dataset: { type: 'observation', country: o.country, asn: String(o.asn ?? 0), cdn: o.cdn ?? '' } },
    el('time', { datetime: o.resolvedAt }, when(o.resolvedAt)),
    ' ',
    el('strong', {}, `observed ${o.host || 'the URL'}${o.addresses.length ? ` at ${o.addresses.join(', ')}` : ''}`),
    el('div', { class: 'observation' }, observationFacts(o).join(' · ')),
    el('div', { class: 'observation' }, `why: ${whyObserved(o.cause)}`),
    el('div', { class: 'observation' }, `led to: ${ledTo(o)}`),
  );
}

function eventItem(e) {
  const m = e.message;
  return el(
    'li',
    { dataset: { type: e.type } },
    el('time', { datetime: e.time }, when(e.time)),
    ' ',
    el('strong', {}, (WHY[e.type] ?? (() => e.type))(m)),
    m.deadline ? el('div', {}, `deadline ${when(m.deadline)} (${countdown(m.deadline)})`) : null,
  );
}

/** Loads a case into `panel`; `actions(caseEvents)` may add buttons under the timeline. */
export async function showCase(panel, caseId, actions) {
  replace(panel, el('p', {}, `Loading case ${caseId}…`));
  const res = await fetch(`/api/cases/${encodeURIComponent(caseId)}`, { credentials: 'same-origin' });
  const answer = await res.json();
  if (!res.ok) {
    replace(panel, el('p', { class: 'error', role: 'alert' }, answer.error));
    return;
  }
  // One timeline: an observation at the time DNS was resolved, a message at the time it was stored.
  const items = [
    ...(answer.observations ?? []).map((o) => ({ at: o.resolvedAt, node: observationItem(o) })),
    ...answer.events.map((e) => ({ at: e.time, node: eventItem(e) })),
  ]
    .sort((a, b) => String(a.at).localeCompare(String(b.at)))
    .map((x) => x.node);
  const first = answer.events.find((e) => e.message.url)?.message.url ?? '';
  replace(
    panel,
    el('h2', { id: 'case-title', tabindex: '-1' }, `Case ${caseId}`),
    el('p', { class: 'url' }, first),
    el('ol', { class: 'timeline', 'aria-label': 'case timeline' }, items),
    el('p', { class: 'observation' }, 'Observations are those the case’s referrals and notices carry: a recheck that found the URL where it was sends nothing, so it is not listed.'),
    actions ? actions(answer.events) : null,
  );
  panel.querySelector('#case-title')?.focus();
}
