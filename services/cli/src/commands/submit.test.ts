import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReportFormat } from '@relay/client';
import { type NatsServer, type ServiceProcess, startNatsServer, startService } from '@relay/testkit';
import { DEV_SOURCES_FILE } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRelay } from '../../test/relay.js';
import { DEMO_API_KEYS } from '../dev/demo-keys.js';
import { ExitCode, runCli } from '../index.js';
import { detectFormat } from './submit.js';

const FIXTURES = fileURLToPath(new URL('../../../gateway/test-fixtures/', import.meta.url));

let server: NatsServer;
let gateway: ServiceProcess;
let dir: string;

beforeAll(async () => {
  server = await startNatsServer();
  gateway = await startService('gateway', { natsUrl: server.url, env: { RELAY_SOURCES_FILE: DEV_SOURCES_FILE } });
  dir = await mkdtemp(join(tmpdir(), 'relay-submit-'));
});

afterAll(async () => {
  await gateway?.stop();
  await server?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function relay(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runRelay(args, { NATS_URL: server.url });
}

async function reportFile(name: string, body: object | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
}

describe('relay submit', () => {
  it('tells the three formats apart by their content', async () => {
    expect(detectFormat(await readFile(join(FIXTURES, 'cybertipline-report.xml'), 'utf8'))).toBe(ReportFormat.CyberTipline);
    expect(detectFormat(await readFile(join(FIXTURES, 'xarf-csam.json'), 'utf8'))).toBe(ReportFormat.Xarf);
    expect(detectFormat(await readFile(join(FIXTURES, 'native-report.json'), 'utf8'))).toBe(ReportFormat.Native);
    expect(() => detectFormat('urls: [http://x.example/]', 'r.yaml')).toThrow(/r\.yaml is neither XML \(a CyberTipline report\) nor JSON/);
    expect(() => detectFormat('[1, 2]', 'r.json')).toThrow('r.json is JSON but not an object');
  });

  it('sends a native report over NATS intake and prints the receipt; sending it again changes nothing', async () => {
    const file = join(FIXTURES, 'native-report.json');
    const r = await relay('submit', file, '--key', DEMO_API_KEYS.eokm);
    expect(r.code, r.err).toBe(ExitCode.Ok);
    expect(r.out).toMatch(new RegExp(`^Accepted +native JSON report ${file}$`, 'm'));
    expect(r.out).toMatch(/^Source +eokm$/m);
    expect(r.out).toMatch(/^Source report id +EOKM-2026-004417$/m);
    const again = await relay('submit', file, '--key', DEMO_API_KEYS.eokm, '--json');
    const receipt = JSON.parse(again.out) as { reportId: string; seq: number };
    expect(r.out).toContain(receipt.reportId);
    expect(r.out).toMatch(new RegExp(`^Stored as +REPORTS #${receipt.seq}$`, 'm'));
  });

  it('sends a CyberTipline XML report over HTTP with --http and an X-ARF one over NATS', async () => {
    const xml = await relay('submit', join(FIXTURES, 'cybertipline-report.xml'), '--key', DEMO_API_KEYS.ncmec, '--http', `http://127.0.0.1:${gateway.httpPort}`, '--json');
    expect(xml.code, xml.err).toBe(ExitCode.Ok);
    // A CyberTipline <report> has no number of its own (NCMEC assigns it): the gateway derives the id from the document.
    expect(JSON.parse(xml.out)).toMatchObject({ source: 'ncmec', sourceReportId: expect.stringMatching(/^sha256-[0-9a-f]{64}$/), stream: 'REPORTS' });
    const xarf = await relay('submit', join(FIXTURES, 'xarf-csam.json'), '--key', DEMO_API_KEYS.iwf);
    expect(xarf.code, xarf.err).toBe(ExitCode.Ok);
    expect(xarf.out).toMatch(/^Not relayed +\/reporter\/domain, \/sender, /m);
    expect(xarf.out).toMatch(/^Accepted +X-ARF report /m);
    expect(xarf.out).toMatch(/^Source report id +3c1e8f52-7a4d-4f0e-9b61-2d5a7c9e0f13$/m);
  });

  it('sends --id as the report number of a CyberTipline report over NATS and HTTP; a native body naming another id is refused', async () => {
    const xml = join(FIXTURES, 'cybertipline-report.xml');
    const nats = await relay('submit', xml, '--key', DEMO_API_KEYS.ncmec, '--id', '171000123', '--json');
    expect(nats.code, nats.err).toBe(ExitCode.Ok);
    const receipt = JSON.parse(nats.out) as { sourceReportId: string; seq: number };
    expect(receipt.sourceReportId).toBe('171000123');
    // The same report with the same number over HTTP: the first receipt, nothing stored again.
    const http = await relay('submit', xml, '--key', DEMO_API_KEYS.ncmec, '--id', '171000123', '--http', `http://127.0.0.1:${gateway.httpPort}`, '--json');
    expect(http.code, http.err).toBe(ExitCode.Ok);
    expect(JSON.parse(http.out)).toMatchObject({ sourceReportId: '171000123', seq: receipt.seq });

    const native = join(FIXTURES, 'native-report.json');
    const other = await relay('submit', native, '--key', DEMO_API_KEYS.eokm, '--id', 'EOKM-other');
    expect(other.code).toBe(ExitCode.Data);
    expect(other.err).toMatch(/^\/sourceReportId +source-report-id-mismatch +the Relay-Source-Report-Id header names source report id EOKM-other but \/sourceReportId in the body names EOKM-2026-004417/m);
  });

  it('prints each refused field with its pointer and rule, and exits 3', async () => {
    const file = await reportFile('bad.json', { sourceReportId: 'has.dots', urls: ['ftp://files.example.com/x'], colour: 'red' });
    for (const transport of [[], ['--http', `http://127.0.0.1:${gateway.httpPort}`]]) {
      const r = await relay('submit', file, '--key', DEMO_API_KEYS.eokm, ...transport);
      expect(r.code).toBe(ExitCode.Data);
      expect(r.err).toMatch(/^\/sourceReportId +id-format +/m);
      expect(r.err).toMatch(/^\/urls\/0 +url-scheme +/m);
      expect(r.err).toMatch(/^\/colour +unknown-field +/m);
      expect(r.err).toMatch(/^relay: report refused \(400 Invalid report\): /m);
    }
    const json = await relay('submit', file, '--key', DEMO_API_KEYS.eokm, '--json');
    expect(JSON.parse(json.out)).toMatchObject({ status: 400, errors: expect.arrayContaining([expect.objectContaining({ pointer: '/colour', rule: 'unknown-field' })]) });
  });

  it('refuses a key the relay does not know with exit 2, and a missing key before sending anything', async () => {
    const file = join(FIXTURES, 'native-report.json');
    const wrong = await relay('submit', file, '--key', 'demo-eokm-not-a-key');
    expect(wrong.code).toBe(ExitCode.Usage);
    expect(wrong.err).toMatch(/^relay: report refused \(401 Unauthenticated\)/m);
    const none = await relay('submit', file);
    expect(none.code).toBe(ExitCode.Usage);
    expect(none.err).toBe('relay: no API key: pass --key <api key> or set RELAY_API_KEY (`relay dev` prints the demo keys)\n');
  });

  it('says which file cannot be read, and that no gateway answers when none runs', async () => {
    const missing = await relay('submit', join(dir, 'nope.json'), '--key', DEMO_API_KEYS.eokm);
    expect(missing.code).toBe(ExitCode.Data);
    expect(missing.err).toContain(`relay: cannot read ${join(dir, 'nope.json')}: ENOENT`);

    const lonely = await startNatsServer({}, { ...process.env, NATS_URL: '' });
    try {
      let err = '';
      const code = await runCli(['submit', join(FIXTURES, 'native-report.json'), '--key', DEMO_API_KEYS.eokm], { out: () => undefined, err: (t) => (err += t), env: { NATS_URL: lonely.url } });
      expect(code).toBe(ExitCode.Unavailable);
      expect(err).toBe(`relay: no gateway answered on relay.intake.submit at ${lonely.url}: is the relay running (npm start)?\n`);
    } finally {
      await lonely.dispose();
    }
  });
});
