import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@relay/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { isRunning, type RelayProcess, spawnRelay } from '../../test/relay-process.js';

let cwd: string | undefined;
let relay: RelayProcess | undefined;
let pids: number[] = [];

afterEach(async () => {
  relay?.child.kill('SIGKILL');
  for (const pid of pids) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  if (cwd !== undefined) await rm(cwd, { recursive: true, force: true });
  pids = [];
});

/** The lines of `out` that contain `text`. */
const linesWith = (out: string, text: RegExp): string[] => out.split('\n').filter((l) => text.test(l));

describe('relay dev --demo --exit', () => {
  it('plays the seed scenario: a Dutch-hosted report, then the site relocating to Germany, each message once', async () => {
    cwd = await mkdtemp(join(tmpdir(), 'relay-demo-'));
    const ports = { nats: await freePort(), http: await freePort(), gatewayOps: await freePort(), locator: await freePort(), dispatcher: await freePort(), courier: await freePort(), webhooks: await freePort(), watch: await freePort(), console: await freePort(), consoleOps: await freePort() };
    relay = spawnRelay(
      [
        'dev',
        '--demo',
        '--exit',
        '--recheck-interval',
        '2s',
        '--nats-port',
        String(ports.nats),
        '--http-port',
        String(ports.http),
        '--gateway-ops-port',
        String(ports.gatewayOps),
        '--locator-ops-port',
        String(ports.locator),
        '--dispatcher-ops-port',
        String(ports.dispatcher),
        '--courier-ops-port',
        String(ports.courier),
        '--webhook-port',
        String(ports.webhooks),
        '--watch-ops-port',
        String(ports.watch),
        '--console-port',
        String(ports.console),
        '--console-ops-port',
        String(ports.consoleOps),
      ],
      { cwd },
    );
    const code = await relay.exited;
    const out = relay.out();
    const processes = /^ {2}Processes +(.*)$/m.exec(out)?.[1] ?? '';
    pids = [...processes.matchAll(/ (\d+)/g)].map((m) => Number(m[1]));
    expect(code, relay.err()).toBe(0);

    // Where to send reports is printed before the scenario starts.
    expect(out).toContain(`Send reports to    http://127.0.0.1:${ports.http}/v1/reports`);
    expect(out).toContain(`Gateway ops        http://127.0.0.1:${ports.gatewayOps}/docs`);
    expect(out).toContain(`nats://127.0.0.1:${ports.nats}`);

    // Step 1: NCMEC's report on a Dutch hoster goes to EOKM and the Dutch police.
    expect(out).toMatch(/REPORTS +report rpt_\w+ stored as REPORTS #1/);
    expect(out).toMatch(/HOSTING +hosting http:\/\/site-\w+\.moving\.example\.net\/gallery\/7: NL, AS43350 NForce Entertainment B\.V\. \[report rpt_\w+\]/);
    expect(linesWith(out, /REFERRALS +referral ref_\w+ to eokm \(NL, hosted-in\)/)).toHaveLength(1);
    expect(linesWith(out, /NOTICES +notice police-referral to police \(NL\)/)).toHaveLength(1);

    // Step 2: the zone moves the host to a German hoster; the next recheck relocates the case.
    expect(out).toMatch(/HOSTING +hosting http:\/\/site-\w+\.moving\.example\.net\/gallery\/7: DE, AS24940 Hetzner Online GmbH \[recheck of case_\w+/);
    const relocated = linesWith(out, /REFERRALS +referral ref_\w+ to eco \(DE, relocated\)/);
    expect(relocated).toHaveLength(1);
    const first = /referral (ref_\w+) to eokm/.exec(out)?.[1];
    expect(relocated[0]).toContain(`supersedes ${first}`);
    expect(linesWith(out, /NOTICES +notice relocation-in to police \(DE\)/)).toHaveLength(1);
    expect(linesWith(out, /NOTICES +notice case-moved-out to hotline eokm \(NL\)/)).toHaveLength(1);
    expect(linesWith(out, /NOTICES +notice case-moved-out to police \(NL\)/)).toHaveLength(1);
    expect(out).toContain('the German hotline eco had the case');
    // eco receives by webhook: the courier POSTs its referral (and its notices) to the demo receiver, signed.
    const id = /referral (ref_\w+) to eco/.exec(out)?.[1] ?? '';
    expect(linesWith(out, new RegExp(`WEBHOOK +eco's case system received referral ${id} over HTTP .*Standard Webhooks signature verified`))).toHaveLength(1);
    expect(out).not.toContain('signature INVALID');

    // Then a reseller's 24 customer sites move together: one referral each to eco, and one relocation-wave notice
    // (HOSTER_RELOCATED, revised as it grows) for eokm, eco, both police and ATKM (issue 18).
    for (const recipient of [/hotline eokm \(NL\)/, /hotline eco \(DE\)/, /police \(NL\)/, /police \(DE\)/, /authority \(NL\)/]) {
      expect(linesWith(out, new RegExp(`NOTICES +notice hoster-relocated to ${recipient.source}`)).length, recipient.source).toBeGreaterThanOrEqual(1);
    }
    expect(out).toMatch(/wave wave_\w+ revision 1: \d+ cases on \d+ domains left AS43350 NL -> DE/);
    expect(out).toContain('-> 24 referrals to eco, one per case');

    // --exit: the stack is stopped, nothing is left running.
    expect(relay.err()).toContain('stopped: gateway exited with code 0, locator exited with code 0, dispatcher exited with code 0, courier exited with code 0, watch exited with code 0, console exited with code 0, nats-server stopped');
    expect(pids).toHaveLength(7);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
  }, 240_000);
});
