import { randomBytes, randomInt } from 'node:crypto';
import { type Bus } from '@relay/bus';
import { ReportFormat, submitReport } from '@relay/client';
import { normaliseUrl } from '@relay/geo';
import { Audience, deriveId, type HostingObservation, type Notice, NoticeKind, type Referral, RoutingReason } from '@relay/wire';
import type { CliContext } from '../context.js';
import { UnavailableError } from '../errors.js';
import { type DecodedMessage, hostingWords, messageJson, messageSummary } from '../commands/message-lines.js';
import { type Expectation, followCase, waitForAll } from './case-feed.js';
import { DEMO_API_KEYS } from './demo-keys.js';
import type { DevWebhookReceiver } from './webhook-receiver.js';
import { setZoneRecord } from './zone-edit.js';

/** A Dutch hoster's address (AS43350 NForce Entertainment) and a German one's (AS24940 Hetzner). */
const NL_ADDRESS = '185.107.56.1';
const DE_ADDRESS = '5.9.0.1';

/** One run of the seed scenario: its own host and report number, so runs never meet in a reused store. */
export interface DemoPlan {
  readonly host: string;
  readonly url: string;
  readonly cyberTiplineId: string;
}

/** A fresh host under moving.example.net and a CyberTipline-style report number. */
export function planDemo(): DemoPlan {
  const host = `site-${randomBytes(3).toString('hex')}.moving.example.net`;
  return { host, url: `http://${host}/gallery/7`, cyberTiplineId: String(100_000_000 + randomInt(900_000_000)) };
}

/** Points the demo host at the Dutch hoster; done before the locator starts, so its first answer is NL. */
export async function prepareDemoZone(plan: DemoPlan, zoneFile: string): Promise<void> {
  await setZoneRecord(zoneFile, plan.host, [NL_ADDRESS]);
}

/**
 * The report as NCMEC's schema defines it: one web-page incident, no content.
 * The CyberTipline number goes into the report-level `additionalInfo` (the
 * schema's report has no number: NCMEC assigns it); the relay drops it.
 */
function cyberTiplineReport(plan: DemoPlan): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<report>
  <incidentSummary>
    <incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>
    <incidentDateTime>${new Date().toISOString()}</incidentDateTime>
  </incidentSummary>
  <internetDetails>
    <webPageIncident>
      <url>${plan.url}</url>
    </webPageIncident>
  </internetDetails>
  <reporter>
    <reportingPerson>
      <email>trust-safety@esp.example.com</email>
      <address><country>US</country></address>
    </reportingPerson>
  </reporter>
  <additionalInfo>CyberTipline report ${plan.cyberTiplineId}</additionalInfo>
</report>
`;
}

/** What the demo needs from the running stack. */
export interface DemoDeps {
  readonly ctx: CliContext;
  /** Connection to submit on. */
  readonly bus: Bus;
  /** A second connection the message feed owns and closes. */
  readonly feedBus: Bus;
  readonly zoneFile: string;
  readonly recheckIntervalMs: number;
  readonly json: boolean;
  /** The demo webhook receiver: the German hotline (eco) receives by webhook in the dev directory. */
  readonly webhooks?: DevWebhookReceiver;
}

const isReferral = (d: DecodedMessage, hotline: string, reason: RoutingReason): boolean =>
  d.type === 'relay.v1.Referral' && (d.message as Referral).hotline === hotline && (d.message as Referral).reason === reason;

const isNotice = (d: DecodedMessage, kind: NoticeKind, audience: Audience, country: string, hotline = ''): boolean => {
  const n = d.message as Notice;
  return d.type === 'relay.v1.Notice' && n.kind === kind && n.audience === audience && n.country === country && n.hotline === hotline;
};

/** Why each message of the scenario exists, for a newcomer. */
function whyOf(d: DecodedMessage): string {
  if (d.type === 'relay.v1.HostingObservation') return 'where the URL is hosted now, from DNS and IP data only (the relay never opens the URL)';
  if (d.type === 'relay.v1.Referral') {
    const r = d.message as Referral;
    return r.reason === RoutingReason.ROUTING_REASON_RELOCATED
      ? `the site is now hosted in ${r.jurisdiction}; ${r.hotline} takes ${r.jurisdiction}'s cases (directory revision ${r.directoryRevision}); it supersedes the old referral`
      : `hosted in ${r.jurisdiction}: ${r.hotline} is ${r.jurisdiction}'s hotline (directory revision ${r.directoryRevision}); it sends notice-and-takedown to the hoster`;
  }
  const n = d.message as Notice;
  if (n.kind === NoticeKind.NOTICE_KIND_POLICE_REFERRAL) return `the police of the hosting country hear of every referral there`;
  if (n.kind === NoticeKind.NOTICE_KIND_RELOCATION_IN) return `the case came into ${n.country} from another country`;
  if (n.kind === NoticeKind.NOTICE_KIND_CASE_MOVED_OUT) return n.hotline === '' ? `${n.country}'s police were told before; the site is out of their reach now` : `${n.hotline} had the case and can stop working on it`;
  return '';
}

/**
 * Plays the seed scenario on the running stack (decision 0053): NCMEC reports
 * a URL on a Dutch hoster -> referral to eokm and a Dutch police notice; the
 * zone moves the host to a German hoster -> at the next recheck a referral to
 * the German hotline, a German police notice, case-moved notices for eokm
 * and the Dutch police. Prints each message as it is stored.
 * @throws UnavailableError when a step does not happen in time.
 */
export async function playDemo(deps: DemoDeps, plan: DemoPlan): Promise<void> {
  const { ctx } = deps;
  const say = (text: string): void => {
    if (!deps.json) ctx.out(`${text}\n`);
  };
  const event = (value: Record<string, unknown>): void => {
    if (deps.json) ctx.out(`${JSON.stringify(value)}\n`);
  };
  const normalizedUrl = normaliseUrl(plan.url).normalizedUrl;
  const caseId = deriveId('case', normalizedUrl);
  let lastPlace = '';
  const show = (step: number) => (d: DecodedMessage) => {
    if (d.type === 'relay.v1.HostingObservation') {
      // Rechecks that find the site where it was are not news.
      const place = hostingWords(d.message as HostingObservation);
      if (place === lastPlace) return;
      lastPlace = place;
    }
    event({ event: 'message', step, ...messageJson(d) });
    say(`    ${d.stored.stream.padEnd(9)} ${messageSummary(d)}\n              why: ${whyOf(d)}`);
  };

  const feed = await followCase(deps.feedBus, { caseId, normalizedUrl });
  try {
    say(`\nSeed scenario: a report about a site on a Dutch hoster, and the site moving to Germany (case ${caseId}).\n`);
    say(`[1/2] NCMEC's CyberTipline sends the relay report ${plan.cyberTiplineId} (CyberTipline XML) about`);
    say(`      ${plan.url}. In the demo DNS zone ${plan.host} points to ${NL_ADDRESS}.`);
    const receipt = await submitReport(deps.bus, DEMO_API_KEYS.ncmec, cyberTiplineReport(plan), ReportFormat.CyberTipline);
    event({ event: 'receipt', step: 1, ...receipt });
    say(`    REPORTS   report ${receipt.reportId} stored as ${receipt.stream} #${receipt.seq}: acknowledged, so it cannot be lost`);
    const firstRoute: Expectation[] = [
      { what: 'referral to eokm', matches: (d) => isReferral(d, 'eokm', RoutingReason.ROUTING_REASON_HOSTED_IN) },
      { what: 'Dutch police notice', matches: (d) => isNotice(d, NoticeKind.NOTICE_KIND_POLICE_REFERRAL, Audience.AUDIENCE_POLICE, 'NL') },
    ];
    await waitForAll(feed, firstRoute, 60_000, show(1));
    say(`\n      -> The Dutch hotline EOKM has the referral and the Dutch police know: the site is hosted in the Netherlands.\n`);

    say(`[2/2] The site moves to a German hoster: the zone now points ${plan.host} to ${DE_ADDRESS}`);
    say(`      (what \`relay zone set ${plan.host} ${DE_ADDRESS}\` does). The relay notices at the case's next`);
    say(`      recheck (every ${Math.round(deps.recheckIntervalMs / 1000)} s here; every 1-4 h is usual in production).`);
    const movedAt = Date.now();
    await setZoneRecord(deps.zoneFile, plan.host, [DE_ADDRESS]);
    event({ event: 'moved', step: 2, host: plan.host, address: DE_ADDRESS });
    const relocation: Expectation[] = [
      { what: 'referral to the German hotline', matches: (d) => d.type === 'relay.v1.Referral' && (d.message as Referral).reason === RoutingReason.ROUTING_REASON_RELOCATED && (d.message as Referral).jurisdiction === 'DE' },
      { what: 'German police notice', matches: (d) => isNotice(d, NoticeKind.NOTICE_KIND_RELOCATION_IN, Audience.AUDIENCE_POLICE, 'DE') },
      { what: 'case-moved notice for eokm', matches: (d) => isNotice(d, NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, Audience.AUDIENCE_HOTLINE, 'NL', 'eokm') },
      { what: 'case-moved notice for the Dutch police', matches: (d) => isNotice(d, NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, Audience.AUDIENCE_POLICE, 'NL') },
    ];
    const [moved] = await waitForAll(feed, relocation, 2 * deps.recheckIntervalMs + 60_000, show(2));
    const germanHotline = (moved?.message as Referral | undefined)?.hotline ?? '?';
    const seconds = ((moved?.stored.time.getTime() ?? movedAt) - movedAt) / 1000;
    say(`\n      -> ${seconds.toFixed(1)} s after the move the German hotline ${germanHotline} had the case, the German police knew,`);
    say(`         and EOKM and the Dutch police were told it left their jurisdiction. No one had to notice by hand.\n`);
    const referralId = (moved?.message as Referral | undefined)?.id;
    if (deps.webhooks && referralId !== undefined) {
      // eco holds no NATS connection in the demo: the courier POSTs its referral to the demo receiver (decision 0125).
      const arrived = await deps.webhooks.received(referralId, 30_000);
      event({ event: 'webhook-delivered', step: 2, hotline: germanHotline, id: referralId, arrived });
      if (!arrived) throw new UnavailableError(`the courier did not POST referral ${referralId} to ${germanHotline}'s webhook within 30 s`);
      say(`      -> ${germanHotline}'s case system speaks no NATS: the courier POSTed the referral to its webhook, signed (Standard Webhooks).\n`);
    }
    say(`Look closer: npx relay inspect REFERRALS ${moved?.stored.seq ?? '<seq>'}   |   npx relay tail notices   |   npx relay directory show`);
    event({ event: 'demo-done', caseId, secondsToRelocation: seconds });
  } finally {
    await feed.stop();
  }
}
