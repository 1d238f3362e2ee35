// The console beside the pipeline as production runs it: a nats-server with the generated
// accounts, the services as their users with signing on, the console as its own user with a
// `console-<tenant>` connection per tenant (decision 0135), and a headless Chromium from Debian.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConsoleRole, hashConsolePassword, writeConsoleUsers } from '@relay/accounts';
import { freePort, type NatsServer, type ServiceProcess, startNatsServer, startService } from '@relay/testkit';
import { type Browser, chromium, type Page } from 'playwright-core';
import { makeTestAccounts, provisionAsAdmin, serviceAccountEnv, type TestAccounts } from '../harness/accounts.js';
import { type ZoneRecord, writeZone } from '../harness/intake.js';
import { type Pipeline, REPO_ROOT, ServiceName, startPipeline } from '../harness/pipeline.js';

/** Where the screenshots go (gitignored): CI keeps them as artefacts. */
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'console');

/** A service the console is told to watch that does not run in this stack: its page must say down. */
export const DOWN_SERVICE = 'courier';

/** The password of every console user of the test. */
export const PASSWORD = 'correct horse battery staple';

/** Debian's chromium, as CI installs it; nothing is downloaded. */
const CHROMIUM = { executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] };

export interface ConsoleStack {
  readonly accounts: TestAccounts;
  /** The services the console watches (`RELAY_CONSOLE_SERVICES`): the pipeline's, up, and {@link DOWN_SERVICE}, which never runs. */
  readonly watched: readonly string[];
  readonly server: NatsServer;
  readonly pipeline: Pipeline;
  readonly console: ServiceProcess;
  readonly consoleUrl: string;
  /** The console's users file (`RELAY_CONSOLE_USERS_FILE`), for `relay console users --file`. */
  readonly usersFile: string;
  readonly browser: Browser;
  /** Rewrites the locator's zone (a site moves). */
  zone(records: Readonly<Record<string, ZoneRecord>>): Promise<void>;
  /** A new page that records console errors and failed requests; signed in as `user`. */
  signedIn(user: string): Promise<ConsolePage>;
  stop(): Promise<void>;
}

/** A browser page of one person, with what went wrong in it. */
export interface ConsolePage {
  readonly page: Page;
  /** Console errors and uncaught exceptions of the page. */
  readonly errors: string[];
  screenshot(name: string): Promise<void>;
}

/** Starts everything; `users` are the console's people, `zone` the locator's first zone. */
export async function startConsoleStack(users: Readonly<Record<string, ConsoleRole>>, zone: Readonly<Record<string, ZoneRecord>>): Promise<ConsoleStack> {
  const accounts = await makeTestAccounts();
  const dir = await mkdtemp(join(tmpdir(), 'relay-console-e2e-'));
  const server = await startNatsServer({ extraConfig: accounts.generated.config }, { ...process.env, NATS_URL: '' });
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async (): Promise<void> => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
    await server.dispose();
    await accounts.dispose();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await provisionAsAdmin(accounts, server.url);
    const zoneFile = join(dir, 'zone.json');
    await writeZone(zoneFile, zone);
    const env = serviceAccountEnv(accounts, server.url);
    const pipeline = await startPipeline({
      natsUrl: server.url,
      zoneFile,
      serviceEnv: { ...env, dispatcher: { ...env.dispatcher, RELAY_RECHECK_INTERVAL: '2s' } },
    });
    stops.push(() => pipeline.stop());
    const usersFile = join(dir, 'console-users.json');
    const password = await hashConsolePassword(PASSWORD);
    await writeConsoleUsers(usersFile, { version: 1, users: Object.entries(users).map(([name, role]) => ({ name, role, password, createdAt: new Date().toISOString() })) });
    // Each pipeline service by its ops port, as production lists them, and one nobody listens for.
    const watched = [
      ...Object.values(ServiceName).map((name) => `${name}=http://127.0.0.1:${pipeline.copies(name)[0]?.opsPort ?? 0}`),
      `${DOWN_SERVICE}=http://127.0.0.1:${await freePort()}`,
    ];
    const console = await startService('console', {
      natsUrl: server.url,
      env: {
        ...accounts.envOf('console', server.url),
        RELAY_CONSOLE_USERS_FILE: usersFile,
        RELAY_CONSOLE_KEYS_DIR: join(accounts.dir, 'users'),
        RELAY_CONSOLE_SERVICES: watched.join(','),
      },
    });
    stops.push(() => console.stop());
    const consoleUrl = `http://127.0.0.1:${console.httpPort ?? 0}`;
    const browser = await chromium.launch(CHROMIUM);
    stops.push(() => browser.close());
    await mkdir(ARTIFACTS, { recursive: true });
    return {
      accounts,
      watched: watched.map((w) => w.slice(0, w.indexOf('='))),
      server,
      pipeline,
      console,
      consoleUrl,
      usersFile,
      browser,
      zone: (records) => writeZone(zoneFile, records),
      signedIn: async (user) => {
        const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(`${user}: ${m.text()}`);
        });
        page.on('pageerror', (e) => errors.push(`${user}: ${e.message}`));
        await page.goto(`${consoleUrl}/`);
        await page.waitForURL(/\/sign-in$/);
        await page.fill('#user', user);
        await page.fill('#password', PASSWORD);
        await page.press('#password', 'Enter');
        await page.waitForURL(`${consoleUrl}/`);
        await page.locator('#live[data-state="live"]').waitFor();
        return { page, errors, screenshot: async (name) => void (await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })) };
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
