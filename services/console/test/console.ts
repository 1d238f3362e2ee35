// Test support of the console (decision 0116): a console in process on a test relay, its users, and an HTTP client that keeps cookies.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConsoleRole, hashConsolePassword, writeConsoleUsers } from '@relay/accounts';
import { type Bus, publishMessage } from '@relay/bus';
import { createLogger, createMetrics } from '@relay/observability';
import { type ConsoleAgent, consoleAgent } from '@relay/testing';
import { messageFromJson, RelayType, subjects } from '@relay/wire';
import { Audience, NoticeKind } from '@relay/wire';
import { consoleConfigFromEnv } from '../src/config.js';
import { type ConsoleService, startConsole } from '../src/service.js';

/** The password of every test user. */
export const PASSWORD = 'correct horse battery';

/** Writes a users file with one user per entry, all with {@link PASSWORD}. */
export async function writeUsers(file: string, users: Readonly<Record<string, ConsoleRole>>): Promise<void> {
  const password = await hashConsolePassword(PASSWORD);
  await writeConsoleUsers(file, {
    version: 1,
    users: Object.entries(users).map(([name, role]) => ({ name, role, password, createdAt: new Date().toISOString() })),
  });
}

/** A console on `natsUrl` with the given users, listening on a free loopback port. */
export interface TestConsole {
  readonly url: string;
  readonly service: ConsoleService;
  stop(): Promise<void>;
}

/** Starts the console in process as its main.ts would, minus signals. */
export async function startTestConsole(bus: Bus, natsUrl: string, users: Readonly<Record<string, ConsoleRole>>, env: Record<string, string> = {}): Promise<TestConsole> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-console-'));
  const usersFile = join(dir, 'users.json');
  await writeUsers(usersFile, users);
  const config = consoleConfigFromEnv({ NATS_URL: natsUrl, RELAY_HTTP_PORT: '0', RELAY_OPS_PORT: '0', RELAY_CONSOLE_USERS_FILE: usersFile, LOG_LEVEL: 'silent', ...env });
  const service = await startConsole({ config, bus, logger: createLogger('console', 'silent'), metrics: createMetrics('console') });
  return {
    url: `http://127.0.0.1:${service.httpPort}`,
    service,
    stop: async () => {
      await service.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A browser-like HTTP client (@relay/testing's), signing in with {@link PASSWORD} unless told otherwise. */
export type Agent = ConsoleAgent;

export function agent(base: string): Agent {
  return consoleAgent(base, { password: PASSWORD });
}

/** Publishes a referral of `caseId` to `hotline` in `country`, as the dispatcher would. */
export async function publishReferral(bus: Bus, r: { id: string; caseId: string; hotline: string; country: string; url: string; deadline?: Date }): Promise<void> {
  const referral = messageFromJson(RelayType.Referral, {
    id: r.id,
    caseId: r.caseId,
    reportId: `rep-${r.id}`,
    source: 'ncmec',
    url: r.url,
    jurisdiction: r.country,
    reason: 'ROUTING_REASON_HOSTED_IN',
    hotline: r.hotline,
    hosting: { url: r.url, country: r.country, asn: 43350, asOrganisation: 'NForce Entertainment B.V.' },
    ...(r.deadline === undefined ? {} : { deadline: r.deadline.toISOString() }),
    issuedAt: new Date().toISOString(),
  });
  await publishMessage(bus, subjects.referral(r.country, r.hotline), RelayType.Referral, referral, { msgId: `dispatcher:${r.id}`, origin: 'dispatcher' });
}

/** Publishes a police notice of `caseId` for `country`, as the dispatcher would. */
export async function publishPoliceNotice(bus: Bus, n: { id: string; caseId: string; country: string; url: string }): Promise<void> {
  const notice = messageFromJson(RelayType.Notice, {
    id: n.id,
    kind: 'NOTICE_KIND_POLICE_REFERRAL',
    audience: 'AUDIENCE_POLICE',
    country: n.country,
    caseId: n.caseId,
    url: n.url,
    issuedAt: new Date().toISOString(),
    summary: '=HYPERLINK("http://evil.example/")',
  });
  await publishMessage(bus, subjects.notice(n.country, Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL), RelayType.Notice, notice, { msgId: `dispatcher:${n.id}`, origin: 'dispatcher' });
}
