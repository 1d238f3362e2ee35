import { SIGNERS_DIRECT_GET } from '@relay/wire';
import { type Bus, internals } from './connection.js';

/**
 * Reads the raw public signer list (KV `relay-directory`, key `signers`) by a
 * direct get of its last value: the one right tenants hold on the directory
 * bucket (decision 0103). Undefined when none is stored or it was deleted.
 * @throws when the server does not answer or refuses (no right).
 */
export async function readSignerListBytes(bus: Bus, timeoutMs = 5_000): Promise<Uint8Array | undefined> {
  const reply = await internals(bus).nc.request(SIGNERS_DIRECT_GET, new Uint8Array(0), { timeout: timeoutMs });
  const code = reply.headers?.code ?? 0;
  if (code === 404) return undefined;
  if (code >= 400) throw new Error(`direct get of the signer list refused: ${code} ${reply.headers?.description ?? ''}`.trim());
  // A KV delete or purge leaves a marker with an empty payload.
  const op = reply.headers?.get('KV-Operation');
  if (op === 'DEL' || op === 'PURGE' || reply.data.length === 0) return undefined;
  return reply.data;
}
