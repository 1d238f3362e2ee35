import { describe, expect, it } from 'vitest';
import { audienceKey, type Move } from './move.js';
import { applyMove, closeIfQuiet, type WaveSlot } from './wave.js';
import { waveNotices } from './wave-notices.js';

const MINUTE = 60_000;
const POLICY = { minCases: 3, minDomains: 100, window: 10 * MINUTE };
const T0 = Date.parse('2026-11-02T14:00:00Z');

const move = (i: number, at: number, domain = `d${i}.nl`): Move => ({
  caseId: `case_${i}`,
  at,
  from: 'NL',
  to: 'DE',
  asn: 43350,
  asOrganisation: 'NForce Entertainment B.V.',
  afterAsn: 24940,
  afterOrganisation: 'Hetzner Online GmbH',
  domain,
  knows: [audienceKey.hotline('NL', 'eokm')],
});

function run(moves: readonly Move[], slot?: WaveSlot): WaveSlot | undefined {
  let s = slot;
  for (const m of moves) s = applyMove(s, m, POLICY, m.at) ?? s;
  return s;
}

describe('a relocation wave', () => {
  it('is told at the threshold, revised when it doubled, and closed with a final revision once the window passed', () => {
    const s = run([0, 1, 2, 3, 4, 5].map((i) => move(i, T0 + i * MINUTE)))!;
    expect(s.outbox.map((p) => [p.revision, Object.keys(p.wave.cases).length, p.final])).toEqual([
      [1, 3, false],
      [2, 6, false],
    ]);
    expect(closeIfQuiet(s, POLICY, T0 + 5 * MINUTE + POLICY.window)).toBeUndefined();
    const closed = closeIfQuiet(s, POLICY, T0 + 5 * MINUTE + POLICY.window + 1)!;
    expect(closed.outbox.at(-1)).toMatchObject({ revision: 3, final: true });
  });

  it('is told by domains too: a reseller losing many domains with few sites each', () => {
    const s = run([0, 1].map((i) => move(i, T0 + i * MINUTE)), undefined);
    expect(s?.outbox).toEqual([]);
    const byDomains = applyMove(s, move(2, T0 + 2 * MINUTE), { ...POLICY, minCases: 100, minDomains: 3 }, T0);
    expect(byDomains?.outbox.map((p) => p.revision)).toEqual([1]);
  });

  it('starts a new wave, with a new id, after a gap longer than the window, and stays silent below the threshold', () => {
    const first = run([0, 1, 2].map((i) => move(i, T0 + i * MINUTE)))!;
    const later = applyMove(first, move(9, T0 + 2 * MINUTE + POLICY.window + 1), POLICY, T0 + 13 * MINUTE)!;
    expect(later.wave.id).not.toBe(first.wave.id);
    expect(Object.keys(later.wave.cases)).toEqual(['case_9']);
    // The previous wave, told once, was closed with its final revision.
    expect(later.outbox.at(-1)).toMatchObject({ final: true, revision: 2 });
    expect(later.outbox.at(-1)?.wave.id).toBe(first.wave.id);
  });

  it('changes nothing for a move it has counted, and only adds who knows the case for a second notice of it', () => {
    const s = run([0, 1, 2].map((i) => move(i, T0 + i * MINUTE)))!;
    expect(applyMove(s, move(1, T0 + MINUTE), POLICY, T0)).toBeUndefined();
    const police = applyMove(s, { ...move(1, T0 + MINUTE), knows: [audienceKey.police('NL')] }, POLICY, T0)!;
    expect(police.wave.cases['case_1']?.knows).toEqual(['hotline:NL:eokm', 'police:NL']);
    expect(police.outbox).toEqual(s.outbox);
  });

  it('gives each recipient the cases it knows, with the same wave id and a notice id per revision and recipient', () => {
    let s = run([0, 1].map((i) => move(i, T0 + i * MINUTE)))!;
    s = applyMove(s, { ...move(2, T0 + 2 * MINUTE), knows: [audienceKey.hotline('NL', 'eokm'), audienceKey.police('NL')] }, POLICY, T0)!;
    const notices = waveNotices(s.outbox[0]!);
    expect(notices.map((n) => n.subject)).toEqual(['relay.notice.NL.hotline.eokm.hoster-relocated', 'relay.notice.NL.police.hoster-relocated']);
    expect(notices[0]?.notice.wave?.caseIds).toEqual(['case_0', 'case_1', 'case_2']);
    expect(notices[1]?.notice.wave?.caseIds).toEqual(['case_2']);
    expect(notices[1]?.notice.wave).toMatchObject({ caseCount: 3, domainCount: 3, waveId: s.wave.id });
    expect(new Set(notices.map((n) => n.msgId)).size).toBe(2);
    expect(waveNotices(s.outbox[0]!).map((n) => n.msgId)).toEqual(notices.map((n) => n.msgId));
  });
});
