import { auditRecords, startRelay, type TestRelay } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agent, publishPoliceNotice, publishReferral, startTestConsole, type TestConsole } from '../test/console.js';

describe('the console lets nobody in without a session and refuses what a session may not do', () => {
  let relay: TestRelay;
  let console: TestConsole;

  beforeAll(async () => {
    relay = await startRelay();
    console = await startTestConsole(relay.bus, relay.server.url, {
      'nl-liaison': { kind: 'police', country: 'NL' },
      'de-liaison': { kind: 'police', country: 'DE' },
      anna: { kind: 'hotline', hotline: 'eokm' },
      erik: { kind: 'hotline', hotline: 'eco' },
      guessed: { kind: 'police', country: 'NL' },
      roamer: { kind: 'police', country: 'NL' },
    });
    await publishReferral(relay.bus, { id: 'ref-nl-1', caseId: 'case-nl-1', hotline: 'eokm', country: 'NL', url: 'http://images.example.nl/a' });
    await publishReferral(relay.bus, { id: 'ref-de-1', caseId: 'case-de-1', hotline: 'eco', country: 'DE', url: 'http://images.example.de/b' });
    await publishPoliceNotice(relay.bus, { id: 'not-nl-1', caseId: 'case-nl-1', country: 'NL', url: 'http://images.example.nl/a' });
  });
  afterAll(async () => {
    await console?.stop();
    await relay?.dispose();
  });

  it('answers no page or API without a session', async () => {
    const anonymous = agent(console.url);
    const page = await anonymous.fetch('/');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/sign-in');
    for (const path of ['/api/me', '/api/events', '/api/cases/case-nl-1', '/api/notices.csv']) {
      expect((await anonymous.fetch(path)).status, path).toBe(401);
    }
    const csrf = await anonymous.token();
    const status = await anonymous.fetch('/api/cases/case-nl-1/status', { method: 'POST', headers: { 'x-csrf-token': csrf }, json: { action: 'ISP', referralId: 'ref-nl-1', requestId: crypto.randomUUID() } });
    expect(status.status).toBe(401);
  });

  it('refuses a state-changing request without the CSRF token, sign-in included', async () => {
    const a = agent(console.url);
    const blind = await a.fetch('/api/sign-in', { method: 'POST', json: { user: 'anna', password: 'whatever it is' } });
    expect(blind.status).toBe(403);
    expect((await a.signIn('anna')).status).toBe(200);
    const forged = await a.fetch('/api/cases/case-nl-1/status', { method: 'POST', headers: { 'x-csrf-token': 'not-the-token' }, json: { action: 'ISP', referralId: 'ref-nl-1', requestId: crypto.randomUUID() } });
    expect(forged.status).toBe(403);
    const signOut = await a.fetch('/api/sign-out', { method: 'POST' });
    expect(signOut.status).toBe(403);
    expect((await a.fetch('/api/me')).status).toBe(200);
  });

  it('sets the session cookie HttpOnly, SameSite=Strict, for the whole site, not Secure on loopback', async () => {
    const a = agent(console.url);
    expect((await a.signIn('nl-liaison')).status).toBe(200);
    const session = a.setCookies.find((c) => c.startsWith('relay-console='));
    expect(session).toBeDefined();
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Strict/);
    expect(session).toMatch(/; Path=\//);
    expect(session).not.toMatch(/; Secure/);
  });

  it("serves a case only to the tenant it was routed to: another tenant's case id in the URL is not found", async () => {
    const anna = agent(console.url);
    await anna.signIn('anna');
    const own = await anna.fetch('/api/cases/case-nl-1');
    expect(own.status).toBe(200);
    expect(JSON.stringify(await own.json())).toContain('ref-nl-1');
    const other = await anna.fetch('/api/cases/case-de-1');
    expect(other.status).toBe(404);
    expect(JSON.stringify(await other.json())).not.toContain('images.example.de');
    const de = agent(console.url);
    await de.signIn('de-liaison');
    expect((await de.fetch('/api/cases/case-nl-1')).status).toBe(404);
    expect((await de.fetch('/api/cases/..%2F..%2Fetc')).status).toBe(400);
  });

  it('lets an analyst report an ICCAM action on its own referral only', async () => {
    const erik = agent(console.url);
    await erik.signIn('erik');
    const me = (await (await erik.fetch('/api/me')).json()) as { csrf: string };
    const foreign = await erik.fetch('/api/cases/case-nl-1/status', { method: 'POST', headers: { 'x-csrf-token': me.csrf }, json: { action: 'ISP', referralId: 'ref-nl-1', requestId: crypto.randomUUID() } });
    expect(foreign.status).toBe(404);
    const own = await erik.fetch('/api/cases/case-de-1/status', { method: 'POST', headers: { 'x-csrf-token': me.csrf }, json: { action: 'ISP', referralId: 'ref-de-1', requestId: crypto.randomUUID() } });
    expect(own.status).toBe(200);
    const records = await auditRecords(relay.bus);
    expect(records.some((r) => r.action === 'console-status' && r.actor === 'console-hotline-eco' && r.details['person'] === 'erik')).toBe(true);
  });

  it('exports notices as CSV with formula cells neutralised', async () => {
    const a = agent(console.url);
    await a.signIn('nl-liaison');
    const res = await a.fetch('/api/notices.csv');
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await res.text();
    expect(text).toContain('images.example.nl/a');
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example/"")"`);
  });
  it('backs off after three failed sign-ins of one account, even for the right password, and audits the failures', async () => {
    const a = agent(console.url);
    for (let i = 0; i < 3; i++) expect((await a.signIn('guessed', `wrong password ${i}`)).status).toBe(401);
    const locked = await a.signIn('guessed');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    const failures = (await auditRecords(relay.bus)).filter((r) => r.action === 'console-sign-in-failed' && r.target === 'console-user:guessed');
    expect(failures).toHaveLength(3);
    const metrics = await (await fetch(`http://127.0.0.1:${console.service.opsPort}/metrics`)).text();
    expect(metrics).toMatch(/relay_console_sign_ins_total\{outcome="failed",service="console"\} [3-9]/);
    expect(metrics).toMatch(/relay_console_sign_ins_total\{outcome="backoff",service="console"\} [1-9]/);
  });

  it('backs off per address too: guessing across accounts from one address is slowed', async () => {
    // The earlier test's three failures came from this address as well.
    const a = agent(console.url);
    expect((await a.signIn('roamer', 'not the password')).status).toBe(429);
  });

});
