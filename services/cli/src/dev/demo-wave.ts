import { randomBytes } from 'node:crypto';
import { type Bus, readStream, streamState } from '@relay/bus';
import { ReportFormat, submitReport } from '@relay/client';
import { Audience, type Notice, NoticeKind, type Referral, RoutingReason, StreamName } from '@relay/wire';
import type { CliContext } from '../context.js';
import { type DecodedMessage, decodeStored, messageSummary } from '../commands/message-lines.js';
import { type CaseFeed, type Expectation, waitForAll } from './case-feed.js';
import { DEMO_API_KEYS } from './demo-keys.js';
import { readZone, writeZone } from './zone-edit.js';

const NL_ADDRESS = '185.107.56.1';
const DE_ADDRESS = '5.9.0.1';
/** Customer sites the reseller moves: past the built-in threshold of 10 domains (decision 0120), so the wave is told, then revised. */
export const WAVE_SITES = 24;

/** The wave part of the demo: customer sites of one Dutch hoster, each on its own registrable domain. */
export interface WaveDemoPlan {
  readonly hosts: readonly string[];
  readonly cyberTiplineId: string;
}

/** Fresh customer hosts, so runs never meet in a reused store. */
export function planWaveDemo(): WaveDemoPlan {
  const tag = randomBytes(3).toString('hex');
  return { hosts: Array.from({ length: WAVE_SITES }, (_, i) => `shop${i + 1}-${tag}.nl`), cyberTiplineId: `wave-${tag}` };
}

/** Points every customer host at `address` in one write of the zone. */
async function pointAll(zoneFile: string, hosts: readonly string[], address: string): Promise<void> {
  const zone = readZone(zoneFile);
  await writeZone(zoneFile, { records: { ...zone.records, ...Object.fromEntries(hosts.map((h) => [h, { a: [address] }])) } });
}

/** Puts the customer sites on the Dutch hoster before the locator starts. */
export async function prepareWaveZone(plan: WaveDemoPlan, zoneFile: string): Promise<void> {
  await pointAll(zoneFile, plan.hosts, NL_ADDRESS);
}

function report(plan: WaveDemoPlan): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<report>
  <incidentSummary>
    <incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>
    <incidentDateTime>${new Date().toISOString()}</incidentDateTime>
  </incidentSummary>
  <internetDetails>
    <webPageIncident>
${plan.hosts.map((h) => `      <url>http://${h}/gallery/1</url>`).join('\n')}
    </webPageIncident>
  </internetDetails>
  <reporter>
    <reportingPerson>
      <email>trust-safety@esp.example.com</email>
    </reportingPerson>
  </reporter>
  <additionalInfo>CyberTipline report ${plan.cyberTiplineId}</additionalInfo>
</report>
`;
}

/** Every referral and notice about the plan's hosts, or a wave, from now on. */
async function followWave(bus: Bus, plan: WaveDemoPlan): Promise<CaseFeed> {
  let fresh: DecodedMessage[] = [];
  let failure: unknown;
  const ours = (url: string): boolean => plan.hosts.some((h) => url.startsWith(`http://${h}/`));
  const starts = await Promise.all([StreamName.Referrals, StreamName.Notices].map(async (stream) => ({ stream, startSeq: ((await streamState(bus, stream))?.lastSeq ?? 0) + 1 })));
  const loops = starts.map(async ({ stream, startSeq }) => {
    for await (const stored of readStream(bus, { stream, startSeq, follow: true })) {
      const d = decodeStored(stored);
      if (d.type === 'relay.v1.Referral' && ours((d.message as Referral).url)) fresh.push(d);
      if (d.type === 'relay.v1.Notice' && (d.message as Notice).kind === NoticeKind.NOTICE_KIND_HOSTER_RELOCATED) fresh.push(d);
    }
  });
  for (const loop of loops) loop.catch((err: unknown) => (failure ??= err));
  return {
    take: () => {
      if (failure !== undefined) throw failure instanceof Error ? failure : new Error('lost the message feed');
      const taken = fresh;
      fresh = [];
      return taken;
    },
    stop: async () => {
      await bus.close();
      await Promise.allSettled(loops);
    },
  };
}

const isWave = (d: DecodedMessage, audience: Audience, country: string, hotline = ''): boolean => {
  const n = d.message as Notice;
  return d.type === 'relay.v1.Notice' && n.kind === NoticeKind.NOTICE_KIND_HOSTER_RELOCATED && n.audience === audience && n.country === country && n.hotline === hotline;
};

/** Matches once `n` distinct cases were referred to `hotline` for `reason` (idempotent: it is asked again over what was seen). */
function referredAll(hotline: string, reason: RoutingReason, n: number): Expectation {
  const cases = new Set<string>();
  return {
    what: `${n} referrals to ${hotline}`,
    matches: (d) => {
      const r = d.message as Referral;
      if (d.type === 'relay.v1.Referral' && r.hotline === hotline && r.reason === reason) cases.add(r.caseId);
      return cases.size >= n;
    },
  };
}

/** What the wave demo needs from the running stack. */
export interface WaveDemoDeps {
  readonly ctx: CliContext;
  readonly bus: Bus;
  /** A connection the feed owns and closes. */
  readonly feedBus: Bus;
  readonly zoneFile: string;
  readonly recheckIntervalMs: number;
  readonly json: boolean;
}

/**
 * The wave scenario (issue 18): NCMEC reports 24 customer sites of one Dutch
 * hoster, each referred to eokm; the reseller moves them all to a German
 * hoster -> each case its own referral to eco, and eokm, eco, both police and
 * ATKM one relocation-wave notice each (revisions as the wave grows; the
 * final one follows the directory's window, 6 h by default).
 * @throws UnavailableError when a step does not happen in time.
 */
export async function playWaveDemo(deps: WaveDemoDeps, plan: WaveDemoPlan): Promise<void> {
  const { ctx } = deps;
  const say = (text: string): void => {
    if (!deps.json) ctx.out(`${text}\n`);
  };
  let referrals = 0;
  const show = (d: DecodedMessage): void => {
    if (deps.json) {
      ctx.out(`${JSON.stringify({ event: 'message', step: 'wave', stream: d.stored.stream, seq: d.stored.seq, summary: messageSummary(d) })}\n`);
      return;
    }
    if (d.type === 'relay.v1.Referral') {
      if ((d.message as Referral).hotline === 'eco') referrals++;
      return;
    }
    const w = (d.message as Notice).wave;
    say(`    ${d.stored.stream.padEnd(9)} ${messageSummary(d)}\n              wave ${w?.waveId ?? '?'} revision ${w?.revision ?? 0}: ${w?.caseCount ?? 0} cases on ${w?.domainCount ?? 0} domains left AS${w?.hosterBefore?.asn ?? 0} ${w?.countryFrom ?? ''} -> ${w?.countryTo ?? ''}${w?.final ? ' (final)' : ''}`);
  };
  const feed = await followWave(deps.feedBus, plan);
  try {
    say(`\nThen a reseller's customers move: ${WAVE_SITES} sites on ${WAVE_SITES} domains of the Dutch hoster AS43350, reported by NCMEC.`);
    const receipt = await submitReport(deps.bus, DEMO_API_KEYS.ncmec, report(plan), ReportFormat.CyberTipline);
    say(`    REPORTS   report ${receipt.reportId} stored as ${receipt.stream} #${receipt.seq}`);
    await waitForAll(feed, [referredAll('eokm', RoutingReason.ROUTING_REASON_HOSTED_IN, WAVE_SITES)], 60_000, show);
    say(`    -> each site referred to eokm. Now the reseller moves all ${WAVE_SITES} to ${DE_ADDRESS} (AS24940 Hetzner, DE).`);
    await pointAll(deps.zoneFile, plan.hosts, DE_ADDRESS);
    const waves: Expectation[] = [
      { what: 'wave notice for eokm', matches: (d) => isWave(d, Audience.AUDIENCE_HOTLINE, 'NL', 'eokm') },
      { what: 'wave notice for eco', matches: (d) => isWave(d, Audience.AUDIENCE_HOTLINE, 'DE', 'eco') },
      { what: 'wave notice for the Dutch police', matches: (d) => isWave(d, Audience.AUDIENCE_POLICE, 'NL') },
      { what: 'wave notice for the German police', matches: (d) => isWave(d, Audience.AUDIENCE_POLICE, 'DE') },
      { what: 'wave notice for ATKM', matches: (d) => isWave(d, Audience.AUDIENCE_AUTHORITY, 'NL') },
    ];
    await waitForAll(feed, [...waves, referredAll('eco', RoutingReason.ROUTING_REASON_RELOCATED, WAVE_SITES)], 3 * deps.recheckIntervalMs + 60_000, show);
    say(`\n      -> ${referrals} referrals to eco, one per case; and one wave notice each for eokm, eco, both police and ATKM,`);
    say(`         revised (same wave id) as the wave grows, final once no site moved for the directory's window (6 h by default).`);
    say(`         The figures Parliament asked for: npx relay stats hosters --country NL --from ${new Date().toISOString().slice(0, 7)} --to ${new Date().toISOString().slice(0, 7)}`);
  } finally {
    await feed.stop();
  }
}
