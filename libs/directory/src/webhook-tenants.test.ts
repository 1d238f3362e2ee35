import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DirectoryFile, Membership, parseDirectory, webhookTenants } from './index.js';

const DEV_DIRECTORY = fileURLToPath(new URL('../../../deploy/dev/directory.json', import.meta.url));
const devFile = (): DirectoryFile => JSON.parse(readFileSync(DEV_DIRECTORY, 'utf8')) as DirectoryFile;

/** The dev directory with `delivery` set on hotline `id`. */
function withDelivery(id: string, delivery: unknown): DirectoryFile {
  const file = devFile();
  return { ...file, hotlines: file.hotlines.map((h) => (h.id === id ? ({ ...h, delivery } as typeof h) : h)) };
}

describe('webhook delivery in the directory', () => {
  it('lists the hotlines that receive by webhook: the dev directory has eco on the dev stack receiver', () => {
    expect(webhookTenants(parseDirectory(devFile()))).toEqual([
      { hotline: 'eco', country: 'DE', delivery: { kind: 'webhook', url: 'http://127.0.0.1:9180/relay/eco', secretRef: 'eco-webhook', allowPrivate: true } },
    ]);
  });

  it('leaves out a hotline whose membership is not confirmed: it has no consumer to read', () => {
    const file = withDelivery('cy-hotline', { kind: 'webhook', url: 'https://cy.example/hook', secretRef: 'cy' });
    expect(file.hotlines.find((h) => h.id === 'cy-hotline')?.membership).toBe(Membership.Unknown);
    expect(webhookTenants(parseDirectory(file)).map((t) => t.hotline)).toEqual(['eco']);
  });

  it('refuses a secret reference that is a path, a URL that is not http(s), and unknown settings, naming where', () => {
    for (const [delivery, where] of [
      [{ kind: 'webhook', url: 'https://iwf.example/hook', secretRef: '../accounts/users/dispatcher.nk' }, 'secretRef'],
      [{ kind: 'webhook', url: 'https://iwf.example/hook', secretRef: 'iwf', clientCertRef: '/etc/relay/secrets/tls/ca.pem' }, 'clientCertRef'],
      [{ kind: 'webhook', url: 'ftp://iwf.example/hook', secretRef: 'iwf' }, 'url'],
      [{ kind: 'webhook', url: 'https://iwf.example/hook', secretRef: 'iwf', secret: 'whsec_inline' }, 'delivery'],
    ] as const) {
      expect(() => parseDirectory(withDelivery('iwf', delivery)), where).toThrow(new RegExp(`hotlines\\.\\d+\\.delivery${where === 'delivery' ? '' : `\\.${where}`}`));
    }
  });
});
