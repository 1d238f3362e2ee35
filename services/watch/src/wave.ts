import type { HosterWavePolicy } from '@relay/directory';
import { deriveId } from '@relay/wire';
import { z } from 'zod';
import type { AudienceKey, Move } from './move.js';

const waveCaseSchema = z.object({
  at: z.number(),
  domain: z.string(),
  asn: z.number(),
  org: z.string(),
  knows: z.array(z.string()),
});

const waveSchema = z.object({
  id: z.string(),
  asn: z.number(),
  asOrganisation: z.string(),
  from: z.string(),
  to: z.string(),
  firstAt: z.number(),
  lastAt: z.number(),
  cases: z.record(z.string(), waveCaseSchema),
  /** Revisions issued so far; 0 while below the threshold. */
  revision: z.number(),
  /** Cases at the last revision. */
  toldCases: z.number(),
  /** The window passed without a further move. */
  final: z.boolean(),
});

/** A revision to issue: the wave as it stood, to every audience that knows some of its cases. */
const pendingSchema = z.object({ wave: waveSchema, revision: z.number(), final: z.boolean(), issuedAt: z.number() });

/** What the watch keeps per hoster and country pair (KV `relay-waves`, key `<asn>.<from>.<to>`). */
export const waveSlotSchema = z.object({
  v: z.literal(1),
  wave: waveSchema,
  /** Revisions decided but not yet published (the outbox): published, then removed by compare-and-set. */
  outbox: z.array(pendingSchema),
});

export type Wave = z.infer<typeof waveSchema>;
export type WaveCase = z.infer<typeof waveCaseSchema>;
export type PendingRevision = z.infer<typeof pendingSchema>;
export type WaveSlot = z.infer<typeof waveSlotSchema>;

/** The wave id: the hoster left, the two countries and the wave's first move (not the recipient: every revision to every audience names one wave). */
export function waveIdOf(m: Move): string {
  return deriveId('wave', m.asn, m.from, m.to, m.caseId, m.at);
}

/** Cases and distinct registrable domains of a wave. */
export function sizeOf(w: Wave): { readonly cases: number; readonly domains: number } {
  const domains = new Set(Object.values(w.cases).map((c) => c.domain).filter((d) => d !== ''));
  return { cases: Object.keys(w.cases).length, domains: domains.size };
}

function reached(w: Wave, policy: HosterWavePolicy): boolean {
  const size = sizeOf(w);
  return size.cases >= policy.minCases || size.domains >= policy.minDomains;
}

function revised(w: Wave, final: boolean, now: number): { wave: Wave; pending: PendingRevision } {
  const wave = { ...w, revision: w.revision + 1, toldCases: sizeOf(w).cases, final };
  return { wave, pending: { wave, revision: wave.revision, final, issuedAt: now } };
}

function opened(m: Move): Wave {
  return {
    id: waveIdOf(m),
    asn: m.asn,
    asOrganisation: m.asOrganisation,
    from: m.from,
    to: m.to,
    firstAt: m.at,
    lastAt: m.at,
    cases: { [m.caseId]: { at: m.at, domain: m.domain, asn: m.afterAsn, org: m.afterOrganisation, knows: [...m.knows].sort() } },
    revision: 0,
    toldCases: 0,
    final: false,
  };
}

/** A wave closed: final, with a last revision when it was ever told. */
function closed(w: Wave, now: number): { wave: Wave; pending?: PendingRevision } {
  if (w.revision === 0) return { wave: { ...w, final: true } };
  return revised(w, true, now);
}

/**
 * Applies one move, pure. A move joins the hoster's current wave between the
 * two countries when it lies within `window` of it (a run of moves with no
 * gap longer than the window); otherwise it starts a new wave, closing the
 * previous one. A wave is first told when it reaches the policy's threshold
 * (cases or domains), then again each time its cases doubled since the last
 * revision, and a last time when it closes: a handful of revisions of one
 * notice per recipient, not one per case. A move already counted (a
 * redelivery, a replay, the second notice of the same relocation) only adds
 * who knows the case. Returns undefined when nothing changes.
 */
export function applyMove(slot: WaveSlot | undefined, m: Move, policy: HosterWavePolicy, now: number): WaveSlot | undefined {
  const outbox = [...(slot?.outbox ?? [])];
  const current = slot?.wave;
  const joins = current !== undefined && !current.final && m.at <= current.lastAt + policy.window && m.at >= current.firstAt - policy.window;
  let wave: Wave;
  if (current && current.cases[m.caseId]) {
    const known = current.cases[m.caseId]!;
    const knows = [...new Set([...known.knows, ...m.knows])].sort();
    if (knows.length === known.knows.length) return undefined;
    return { v: 1, wave: { ...current, cases: { ...current.cases, [m.caseId]: { ...known, knows } } }, outbox };
  }
  if (!joins) {
    if (current && !current.final) {
      const c = closed(current, now);
      if (c.pending) outbox.push(c.pending);
    }
    wave = opened(m);
  } else {
    wave = {
      ...current,
      firstAt: Math.min(current.firstAt, m.at),
      lastAt: Math.max(current.lastAt, m.at),
      cases: { ...current.cases, [m.caseId]: { at: m.at, domain: m.domain, asn: m.afterAsn, org: m.afterOrganisation, knows: [...m.knows].sort() } },
    };
  }
  const due = wave.revision === 0 ? reached(wave, policy) : sizeOf(wave).cases >= 2 * wave.toldCases;
  if (due) {
    const r = revised(wave, false, now);
    wave = r.wave;
    outbox.push(r.pending);
  }
  return { v: 1, wave, outbox };
}

/**
 * Closes the slot's wave once `window` passed since its latest move (by the
 * clock `now`), pure; undefined when it is still open or already final.
 */
export function closeIfQuiet(slot: WaveSlot, policy: HosterWavePolicy, now: number): WaveSlot | undefined {
  if (slot.wave.final || now <= slot.wave.lastAt + policy.window) return undefined;
  const c = closed(slot.wave, now);
  return { v: 1, wave: c.wave, outbox: c.pending ? [...slot.outbox, c.pending] : slot.outbox };
}

/** Every audience that knows at least one case of the wave, sorted. */
export function audiencesOf(w: Wave): AudienceKey[] {
  return [...new Set(Object.values(w.cases).flatMap((c) => c.knows))].sort();
}
