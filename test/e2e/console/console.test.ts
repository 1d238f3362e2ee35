// Must show of issue 20, in a real headless Chromium: what each person sees live, and only that.
import { publishMessage } from '@relay/bus';
import { ExitCode, runCli } from '@relay/cli';
import { auditRecords, DEMO_KEYS } from '@relay/testing';
import { exampleMessage, RelayType, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cyberTiplineXml, postReport } from '../harness/intake.js';
import { type ConsolePage, type ConsoleStack, DOWN_SERVICE, startConsoleStack } from './stack.js';

const URL_UNDER_TEST = 'http://moving.example.net/console/1';

/**
 * What Chart.js drew on the operator's time-to-removal canvases: each chart's categories and the
 * length in pixels of each median bar, from the library's own chart (the page's module instance).
 * Run in the page (the test project has no DOM types, so the expression is given as text).
 */
const DRAWN_CHARTS = `(async () => {
  const { Chart } = await import('/assets/gen/chart-lib.js');
  return Object.fromEntries(['ttr-country', 'ttr-hoster'].map((id) => {
    const chart = Chart.getChart(document.getElementById(id));
    return [id, chart ? { labels: chart.data.labels, medianBars: chart.getDatasetMeta(0).data.map((bar) => Math.round(Math.abs(bar.x - bar.base))) } : null];
  }));
})()`;
type DrawnCharts = Record<'ttr-country' | 'ttr-hoster', { labels: string[]; medianBars: number[] } | null>;

/** The elements, outside the tables' own scroll boxes, wider than the window. */
const WIDER_THAN_WINDOW =
  "[...document.querySelectorAll('body *')].filter((e) => !e.closest('.scroll') && e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''))";

describe('the relay console in a browser', () => {
  let stack: ConsoleStack;
  const pages: ConsolePage[] = [];
  const open = async (user: string): Promise<ConsolePage> => {
    const p = await stack.signedIn(user);
    pages.push(p);
    return p;
  };
  let policeNl: ConsolePage;
  let policeDe: ConsolePage;
  let eokm: ConsolePage;
  let eco: ConsolePage;
  let operator: ConsolePage;

  beforeAll(async () => {
    stack = await startConsoleStack(
      {
        'nl-liaison': { kind: 'police', country: 'NL' },
        'de-liaison': { kind: 'police', country: 'DE' },
        'eokm-analyst': { kind: 'hotline', hotline: 'eokm' },
        'eco-analyst': { kind: 'hotline', hotline: 'eco' },
        'relay-operator': { kind: 'operator' },
      },
      { 'moving.example.net': { a: ['185.107.56.1'] } },
    );
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('shows police NL the notice of a newly reported NL-hosted URL live', async () => {
    policeNl = await open('nl-liaison');
    const submitted = await postReport(stack.pipeline.gatewayUrl(), DEMO_KEYS.ncmec, cyberTiplineXml('console-1', [URL_UNDER_TEST]), 'application/xml');
    expect(submitted.ok).toBe(true);
    const row = policeNl.page.locator('#notices tr[data-kind="NOTICE_KIND_POLICE_REFERRAL"]', { hasText: URL_UNDER_TEST });
    await row.waitFor();
    await row.getByRole('button', { name: 'Details' }).click();
    await policeNl.page.locator('#case .timeline li').first().waitFor();
    // Issue 20: the timeline shows the observation the notice carries, with country, network, CDN and why.
    const observed = policeNl.page.locator('#case .timeline li[data-type="observation"][data-country="NL"]');
    await observed.waitFor();
    const words = await observed.textContent();
    expect(words).toMatch(/country NL · network AS\d+ \S.* · no CDN/);
    expect(words).toContain('why: reported by ncmec');
    expect(words).toContain('led to: notice police referral');
    const caseId = (await row.getAttribute('data-case')) ?? '';
    const answer = (await (await policeNl.page.context().request.get(`${stack.consoleUrl}/api/cases/${encodeURIComponent(caseId)}`)).json()) as { observations: unknown[] };
    expect(answer.observations).toEqual([
      expect.objectContaining({ country: 'NL', asn: expect.any(Number), asOrganisation: expect.stringMatching(/\S/), cdn: '', addresses: ['185.107.56.1'], cause: expect.objectContaining({ kind: 'report', source: 'ncmec' }) }),
    ]);
    await policeNl.screenshot('police-nl');
  });

  it('shows police DE nothing of it, and the server refuses the case when DE asks for it by URL', async () => {
    const de = await open('de-liaison');
    policeDe = de;
    const caseId = await policeNl.page.locator('#notices tr[data-kind="NOTICE_KIND_POLICE_REFERRAL"]').first().getAttribute('data-case');
    expect(caseId).toBeTruthy();
    // With DE's session cookie, as a person editing the URL would (not from the page, which logs a 404).
    const request = de.page.context().request;
    const manipulated = await request.get(`${stack.consoleUrl}/api/cases/${encodeURIComponent(caseId ?? '')}`);
    expect(manipulated.status()).toBe(404);
    expect(await request.get(`${stack.consoleUrl}/api/notices.csv`).then((r) => r.text())).not.toContain('moving.example.net');
    await expect(de.page.locator('#notices tbody tr').count()).resolves.toBe(0);
    await de.screenshot('police-de');
  });

  it('shows analyst eokm the referral; ISP is reported and the deadline counts down', async () => {
    eokm = await open('eokm-analyst');
    const row = eokm.page.locator('#inbox tr', { hasText: URL_UNDER_TEST });
    await row.waitFor();
    await row.getByRole('button', { name: 'Open' }).click();
    await expect(eokm.page.locator('#countdown').textContent()).resolves.toMatch(/no deadline yet/);
    await eokm.page.locator('button[data-action="ISP"]').click();
    await eokm.page.locator('#case .result', { hasText: /^ISP .* sent/ }).waitFor();
    // NL's term: removal within 24 h of the hotline's notice to the hoster (directory deadlines).
    await eokm.page.locator('#countdown', { hasText: /^2[34]h \d\dm \d\ds left$/ }).waitFor();
    await eokm.page.locator('#case .timeline li[data-type="relay.v1.StatusUpdate"]', { hasText: 'status isp by eokm' }).waitFor();
    // The status update travelled back through the hotline's own feed: the inbox says so.
    await eokm.page.locator(`#inbox tr[data-state="deadline running"]`, { hasText: URL_UNDER_TEST }).waitFor();
    await eokm.screenshot('analyst-eokm');
  });

  it('follows the site to a German hoster: eco sees the relocated referral, eokm the case-moved notice', async () => {
    eco = await open('eco-analyst');
    await stack.zone({ 'moving.example.net': { a: ['5.9.0.1'] } });
    await eco.page.locator('#inbox tr', { hasText: URL_UNDER_TEST }).filter({ hasText: 'relocated' }).waitFor({ timeout: 60_000 });
    await eokm.page.locator('#hotline-notices li[data-kind="NOTICE_KIND_CASE_MOVED_OUT"]', { hasText: URL_UNDER_TEST }).waitFor({ timeout: 30_000 });
    // eokm's timeline now holds both observations its messages carry: NL from the report, DE from the recheck that found the move.
    await eokm.page.locator('#inbox tr', { hasText: URL_UNDER_TEST }).getByRole('button', { name: 'Open' }).click();
    const timeline = eokm.page.locator('#case .timeline');
    await timeline.locator('li[data-type="observation"][data-country="DE"]', { hasText: /network AS\d+ .*· no CDN/ }).filter({ hasText: 'why: scheduled recheck' }).filter({ hasText: 'notice case moved out' }).waitFor();
    await timeline.locator('li[data-type="observation"][data-country="NL"]', { hasText: 'why: reported by ncmec' }).filter({ hasText: 'referral (hosted in)' }).waitFor();
    await eco.screenshot('analyst-eco');
    await eokm.screenshot('analyst-eokm-moved');
  });

  it('lets analyst eco report the content removed (CR) on the relocated referral', async () => {
    const row = eco.page.locator('#inbox tr', { hasText: URL_UNDER_TEST }).filter({ hasText: 'relocated' });
    await row.getByRole('button', { name: 'Open' }).click();
    await eco.page.locator('button[data-action="CR"]').click();
    await eco.page.locator('#case .result', { hasText: /^CR .* sent/ }).waitFor();
    await eco.page.locator('#case .timeline li[data-type="relay.v1.StatusUpdate"]', { hasText: 'status cr by eco' }).waitFor();
  });

  it('shows the operator the relocation arc and a DLQ entry, and redrives it with a reason, audited', async () => {
    // A report smuggled past the gateway carries no gateway signature: the locator dead-letters it.
    const alice = await stack.accounts.busAs('operator-alice', stack.server.url);
    const smuggled = { ...exampleMessage(RelayType.Report), id: 'rpt_smuggled', sourceReportId: 'smuggled', urls: ['http://moving.example.net/smuggled'] };
    await publishMessage(alice, subjects.report('ncmec'), RelayType.Report, smuggled, { msgId: 'ncmec:smuggled', origin: 'ncmec' });
    await alice.close();
    operator = await open('relay-operator');
    await operator.page.locator('#world-map path.arc.relocation[data-from="NL"][data-to="DE"]').waitFor();
    await operator.page.locator('#world-map path.arc.flow[data-from="US"][data-to="NL"]').waitFor();
    await operator.page.locator('#open-cases tr[data-key="DE"]').waitFor();
    // eco's CR gave DE a time to removal: Chart.js drew a bar for it, per country and per hoster.
    await expect
      .poll(async () => (await operator.page.evaluate<DrawnCharts>(DRAWN_CHARTS))['ttr-country']?.labels, { timeout: 30_000 })
      .toEqual(['DE']);
    const drawn = await operator.page.evaluate<DrawnCharts>(DRAWN_CHARTS);
    expect(drawn['ttr-country']?.medianBars[0]).toBeGreaterThan(10);
    expect(drawn['ttr-hoster']?.labels).toHaveLength(1);
    expect(drawn['ttr-hoster']?.medianBars[0]).toBeGreaterThan(10);
    await expect(operator.page.locator('#ttr-country').getAttribute('aria-label')).resolves.toMatch(/DE: median \d+\.\d (s|min|h|d), 90th percentile .*, 1 removed/);
    await expect(operator.page.locator('#open-cases tr[data-key="DE"] td').nth(3).textContent()).resolves.toBe('1');
    // The services the console watches: the pipeline's up, the one that is not running down.
    for (const name of stack.watched.filter((n) => n !== DOWN_SERVICE)) await operator.page.locator(`#services tr[data-service="${name}"][data-state="up"]`).waitFor();
    await operator.page.locator(`#services tr[data-service="${DOWN_SERVICE}"][data-state="down"]`, { hasText: 'connection refused' }).waitFor();
    await expect(operator.page.locator('#services caption').textContent()).resolves.toBe(`Services: 1 of ${stack.watched.length} not up`);
    // The only entry is the smuggled report: eokm's ISP and eco's CR, signed by the console as each hotline, were accepted.
    const entry = operator.page.locator('#dlq tbody tr', { hasText: 'signer-not-of-org' });
    await entry.waitFor();
    await expect(operator.page.locator('#dlq tbody tr').count()).resolves.toBe(1);
    await operator.screenshot('operator');
    await entry.getByRole('button', { name: 'Redrive…' }).click();
    await operator.page.keyboard.type('signer list fixed, try again');
    await operator.page.keyboard.press('Enter');
    // REPORTS still holds the original under its Nats-Msg-Id, so a republish now would be dropped:
    // the redrive is held (decision 0064), the entry stays, and the page says until when.
    await operator.page.locator('#dlq-result', { hasText: /^entry \d+: held until / }).waitFor();
    await operator.screenshot('operator-redrive');
    const breakGlass = await stack.accounts.busAs('break-glass', stack.server.url);
    const records = await auditRecords(breakGlass);
    await breakGlass.close();
    expect(records.find((r) => r.action === 'console-dlq-redrive')).toMatchObject({ actor: 'console-operator', reason: 'signer list fixed, try again', details: { person: 'relay-operator' } });
    expect(records.filter((r) => r.action === 'console-sign-in').map((r) => r.details['person'])).toEqual(expect.arrayContaining(['nl-liaison', 'de-liaison', 'eokm-analyst', 'eco-analyst', 'relay-operator']));
  });

  it('stays readable in a narrow window and usable with the keyboard', async () => {
    const { page } = policeNl;
    await page.setViewportSize({ width: 375, height: 800 });
    // Nothing but the tables' own scroll boxes is wider than the window.
    expect(await page.evaluate<string[]>(WIDER_THAN_WINDOW)).toEqual([]);
    await page.locator('#search').focus();
    await page.keyboard.type('moving.example');
    await page.keyboard.press('Tab');
    await expect(page.evaluate<string | undefined>('document.activeElement?.id')).resolves.toBe('kind');
    await expect(page.locator('#notices tbody tr').count()).resolves.toBeGreaterThan(0);
    await policeNl.screenshot('police-nl-narrow');
  });

  it("fits the operator's charts and tables in a narrow window too", async () => {
    await operator.page.setViewportSize({ width: 375, height: 800 });
    // Chart.js follows its box's size on the next frame: wait for the canvases to shrink.
    await expect.poll(() => operator.page.evaluate<string[]>(WIDER_THAN_WINDOW)).toEqual([]);
    await expect.poll(async () => (await operator.page.evaluate<DrawnCharts>(DRAWN_CHARTS))['ttr-country']?.medianBars[0]).toBeGreaterThan(10);
    await operator.screenshot('operator-narrow');
  });

  it("sends a removed person's open page back to the sign-in (decision 0148)", async () => {
    const code = await runCli(['console', 'users', 'remove', 'de-liaison', '--file', stack.usersFile], { out: () => undefined, err: () => undefined, env: {} });
    expect(code).toBe(ExitCode.Ok);
    // Nobody clicks: the console notices the users file changed and ends the page's live feed.
    await policeDe.page.waitForURL(/\/sign-in$/, { timeout: 15_000 });
    expect((await policeDe.page.context().request.get(`${stack.consoleUrl}/api/me`)).status()).toBe(401);
  });

  it('logged no console error on any page', () => {
    expect(pages.flatMap((p) => p.errors)).toEqual([]);
  });
});
