import { createHash } from 'node:crypto';

/**
 * A deterministic id: `<prefix>_` + 32 hex characters (128 bits) of SHA-256
 * over the parts. The same parts always give the same id, which is what makes
 * redelivery and replay no-ops (hard rule 2).
 */
export function deriveId(prefix: string, ...parts: readonly (string | number | bigint)[]): string {
  const h = createHash('sha256');
  for (const part of parts) {
    const s = String(part);
    // Length-prefix every part so ("ab","c") and ("a","bc") differ.
    h.update(`${s.length}:${s};`);
  }
  return `${prefix}_${h.digest('hex').slice(0, 32)}`;
}
