import type { CliContext } from '../context.js';
import { printTable } from '../output.js';
import { DEV_NATS_URL } from './defaults.js';
import { DEMO_CONSOLE_PASSWORD, DEMO_CONSOLE_USERS } from './console-users.js';
import { DEMO_API_KEYS, exampleCurl } from './demo-keys.js';

/** Where the running stack can be reached, for the ready banner. */
export interface StackAddresses {
  readonly httpUrl: string;
  /** The gateway's ops port: `/metrics`, `/healthz`, `/openapi.json`, `/docs`. */
  readonly gatewayOpsUrl: string;
  readonly natsUrl: string;
  /** True when `relay dev` started the nats-server, false when it joined `NATS_URL`. */
  readonly ownNats: boolean;
  readonly natsStore: string;
  readonly locatorOpsUrl: string;
  readonly dispatcherOpsUrl: string;
  readonly courierOpsUrl: string;
  /** Where the demo webhook receiver listens (one path per hotline). */
  readonly webhookUrl: string;
  /** The console's web pages. */
  readonly consoleUrl: string;
  readonly zoneFile: string;
  /** The zone file is not the default `./.relay/zone.json`: commands need `--zone`. */
  readonly zoneIsDefault: boolean;
  readonly directory: string;
  /** The dev directory key's public half: what clients pin (RELAY_DIRECTORY_KEY, decision 0111). */
  readonly directoryKey: string;
  /** Where the dev signing keys of the services and demo tenants are. */
  readonly signingKeys: string;
  readonly recheckInterval: string;
  readonly pids: Readonly<Record<string, number>>;
}

/** Shell lines with aligned `# comments`, indented for the banner. */
function commented(lines: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...lines.map(([command]) => command.length));
  return lines.map(([command, comment]) => `  ${command.padEnd(width)}  # ${comment}`);
}

/** What the banner says as JSON (`relay dev --json`): one `ready` event line. */
export function readyEvent(a: StackAddresses): Record<string, unknown> {
  return { event: 'ready', ...a, apiKeys: DEMO_API_KEYS, curl: exampleCurl(a.httpUrl), consoleSignIns: { users: Object.keys(DEMO_CONSOLE_USERS), password: DEMO_CONSOLE_PASSWORD } };
}

/** Prints where to send reports, the demo keys, a copy-paste curl and what to try next. */
export function printReadyBanner(ctx: CliContext, a: StackAddresses): void {
  const natsPrefix = a.natsUrl === DEV_NATS_URL || !a.ownNats ? '' : `NATS_URL=${a.natsUrl} `;
  const zoneFlag = a.zoneIsDefault ? '' : ` --zone ${a.zoneFile}`;
  ctx.out(
    [
      '',
      'Hotline Relay dev stack is ready.',
      '',
      `  Send reports to    ${a.httpUrl}/v1/reports`,
      `  Gateway ops        ${a.gatewayOpsUrl}/docs   (API docs; /openapi.json, /metrics and /healthz beside it)`,
      `  NATS               ${a.natsUrl}   ${a.ownNats ? `(JetStream store in ${a.natsStore})` : '(joined from NATS_URL)'}`,
      `  Locator            ${a.locatorOpsUrl}/healthz   DNS from the static zone ${a.zoneFile}`,
      `  Dispatcher         ${a.dispatcherOpsUrl}/healthz   ${a.directory}; open cases rechecked every ${a.recheckInterval}`,
      `  Courier            ${a.courierOpsUrl}/healthz   POSTs eco's referrals and notices to the demo webhook receiver ${a.webhookUrl}`,
      `  Console            ${a.consoleUrl}/   sign in as ${Object.keys(DEMO_CONSOLE_USERS).join(', ')} with the password ${DEMO_CONSOLE_PASSWORD}`,
      `  Directory key      ${a.directoryKey}   (clients pin it: RELAY_DIRECTORY_KEY; signing keys in ${a.signingKeys}, operator-dev.nk signs what relay verbs publish here)`,
      `  Processes          ${Object.entries(a.pids)
        .map(([name, pid]) => `${name} ${pid}`)
        .join(', ')}`,
      '',
      'Demo API keys (public, for this dev stack only):',
      '',
    ].join('\n'),
  );
  printTable(
    ctx,
    ['source', 'api key'],
    Object.entries(DEMO_API_KEYS).map(([source, key]) => [source, key]),
  );
  ctx.out(
    [
      '',
      'Send a report (the IWF passing on a URL hosted in the Netherlands):',
      '',
      exampleCurl(a.httpUrl)
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
      '',
      'It is referred to the Dutch hotline (eokm) and the Dutch police are told. Then, in another terminal:',
      ...commented([
        [`${natsPrefix}npx relay tail referrals`, 'each referral as it is routed'],
        [`${natsPrefix}npx relay tail notices`, 'police notices, case-moved notices'],
        [`npx relay zone set images.example.nl 5.9.0.1${zoneFlag}`, 'the site moves to a German hoster: watch it relocate'],
        [`${natsPrefix}npx relay submit <file> --key ${DEMO_API_KEYS.ncmec}`, 'a native JSON, CyberTipline XML or X-ARF report'],
        ['npx relay dev --demo', '(instead of this command) the whole seed scenario'],
      ]),
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}
