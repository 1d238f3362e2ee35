import { createHmac } from 'node:crypto';

const PREFIX = 'whsec_';

/** A Standard Webhooks secret that is not `whsec_` + base64 of at least 24 bytes. */
export class WebhookSecretError extends Error {
  override readonly name = 'WebhookSecretError';
  readonly code = 'webhook-secret-invalid';
}

/**
 * The key bytes of a Standard Webhooks secret (`whsec_<base64>`).
 * @throws WebhookSecretError when it is not one.
 */
export function webhookKey(secret: string): Buffer {
  const text = secret.trim();
  if (!text.startsWith(PREFIX)) throw new WebhookSecretError('a webhook secret starts with whsec_');
  const b64 = text.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new WebhookSecretError('a webhook secret is whsec_ and base64');
  const key = Buffer.from(b64, 'base64');
  // Standard Webhooks asks for 24 to 64 random bytes.
  if (key.length < 24 || key.length > 64) throw new WebhookSecretError('a webhook secret holds 24 to 64 bytes');
  return key;
}

/**
 * The `webhook-signature` header of the Standard Webhooks specification:
 * `v1,` and base64 of HMAC-SHA256 over `<id>.<timestamp>.<body>` with the
 * secret's key bytes. `timestamp` is Unix seconds.
 */
export function webhookSignature(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}
