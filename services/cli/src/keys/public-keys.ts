import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { FileError } from '../errors.js';

/** A tenant's NATS user name: `hotline-<id>`, `police-<cc>`, `authority-<cc>` (what `relay accounts generate` names it). */
export const TENANT_USER = /^(hotline|police|authority)-[a-z0-9-]{1,64}$/;

const userName = z.string().regex(TENANT_USER, 'must be a tenant user name: hotline-<id>, police-<cc> or authority-<cc>');
const userKey = z.string().regex(/^U[A-Z2-7]{55}$/, 'must be a NATS user public key: U followed by 55 base32 characters (never a seed)');

/**
 * The tenants' public login keys handed to the operator: one JSON object,
 * user name -> public nkey, e.g. `{"hotline-eokm": "UABC..."}`, the entries
 * `relay keys login` prints (decision 0108).
 */
export const publicKeysSchema = z.record(userName, userKey);

/**
 * Reads `--public-keys <file>`.
 * @throws FileError when it cannot be read, is not JSON, or an entry does not validate (each named by its path).
 */
export async function readPublicKeys(file: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new FileError(`cannot read the public login keys ${file}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FileError(`${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const parsed = publicKeysSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length === 0 ? '(the file)' : i.path.join('.')}: ${i.message}`);
    throw new FileError(`${file} is not a file of public login keys ({"hotline-<id>": "U...", ...}): ${problems.join('; ')}`, parsed.error);
  }
  return new Map(Object.entries(parsed.data));
}
