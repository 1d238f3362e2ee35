import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import type { Directory } from '@relay/directory';

/** What arrived at the dev stack's webhook receiver. */
export interface DevWebhook {
  readonly hotline: string;
  /** `webhook-id`: the referral's or notice's id. */
  readonly id: string;
  /** `relay.v1.Referral` or `relay.v1.Notice`. */
  readonly type: string;
  /** The message in proto3 JSON (`data` of the body). */
  readonly data: Record<string, unknown>;
  /** The Standard Webhooks signature verified with the hotline's secret. */
  readonly verified: boolean;
}

/** The receiver `relay dev` runs on loopback for the demo hotlines that receive by webhook. */
export interface DevWebhookReceiver {
  readonly port: number;
  /** Resolves true once a webhook with this id arrived and verified, false after `timeoutMs`. */
  received(id: string, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Folder of the dev webhook secrets: `<stateDir>/webhooks` (RELAY_COURIER_SECRETS_DIR of the dev courier). */
export function devWebhookSecretsDir(stateDir: string): string {
  return join(stateDir, 'webhooks');
}

/**
 * Reuses (or makes) the Standard Webhooks secret of every hotline of
 * `directory` that receives by webhook, in the file its `secretRef` names
 * (0600), and returns each hotline's key bytes.
 */
export async function prepareDevWebhookSecrets(stateDir: string, directory: Directory): Promise<Map<string, Buffer>> {
  const dir = devWebhookSecretsDir(stateDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keys = new Map<string, Buffer>();
  for (const h of directory.data.hotlines) {
    if (h.delivery === undefined) continue;
    const file = join(dir, h.delivery.secretRef);
    if (!existsSync(file)) await writeFile(file, `whsec_${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    keys.set(h.id, Buffer.from((await readFile(file, 'utf8')).trim().slice('whsec_'.length), 'base64'));
  }
  return keys;
}

/** True when one of the `v1,<base64>` signatures of `header` is HMAC-SHA256 of `id.timestamp.body` (Standard Webhooks). */
function verifies(key: Buffer, id: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64'));
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  return fresh && header.split(' ').some((s) => s.startsWith('v1,') && s.length - 3 === expected.length && timingSafeEqual(Buffer.from(s.slice(3)), expected));
}

/**
 * Starts a webhook endpoint on 127.0.0.1:`port` at `/relay/<hotline>`, as a
 * hotline's case system would run one: it verifies each request with that
 * hotline's secret, answers 204 (401 when the signature does not verify) and
 * tells `onWebhook`.
 */
export async function startDevWebhookReceiver(port: number, keys: ReadonlyMap<string, Buffer>, onWebhook: (w: DevWebhook) => void): Promise<DevWebhookReceiver> {
  const arrived = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1_048_576) chunks.push(c);
    });
    req.on('end', () => {
      const hotline = /^\/relay\/([a-z0-9-]+)$/.exec(req.url ?? '')?.[1] ?? '';
      const key = keys.get(hotline);
      const header = (name: string): string => String(req.headers[name] ?? '');
      const body = Buffer.concat(chunks).toString('utf8');
      const verified = key !== undefined && verifies(key, header('webhook-id'), header('webhook-timestamp'), body, header('webhook-signature'));
      let parsed: { type?: string; data?: Record<string, unknown> } = {};
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        // Shown as it is: an empty type and data.
      }
      if (verified) arrived.add(header('webhook-id'));
      onWebhook({ hotline, id: header('webhook-id'), type: parsed.type ?? '', data: parsed.data ?? {}, verified });
      res.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    received: async (id, timeoutMs) => {
      const end = Date.now() + timeoutMs;
      while (!arrived.has(id) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      return arrived.has(id);
    },
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}
