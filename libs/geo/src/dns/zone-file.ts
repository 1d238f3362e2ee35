import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isIpAddress } from '../address.js';
import { ZoneFileError } from '../errors.js';

const hostName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/, 'must be a lower-case host name without a trailing dot');

const ipv4 = z.string().refine((s) => isIpAddress(s) && !s.includes(':'), 'must be an IPv4 address in dotted-quad form');
const ipv6 = z.string().refine((s) => isIpAddress(s) && s.includes(':'), 'must be an IPv6 address');

/** One name in a static zone (the format fixed in the common brief). */
const zoneRecordSchema = z
  .object({
    a: z.array(ipv4).optional(),
    aaaa: z.array(ipv6).optional(),
    cname: hostName.optional(),
    ttl: z.number().int().positive().optional(),
    error: z.enum(['NXDOMAIN', 'SERVFAIL', 'TIMEOUT']).optional(),
  })
  .strict();

/** `{ "records": { "<host>": { a?, aaaa?, cname?, ttl?, error? } } }` */
export const zoneSchema = z.object({ records: z.record(hostName, zoneRecordSchema) }).strict();

/** A parsed static zone. */
export type Zone = z.infer<typeof zoneSchema>;
/** One record of a static zone. */
export type ZoneRecord = z.infer<typeof zoneRecordSchema>;

/**
 * Reads and validates a zone file.
 * @throws ZoneFileError naming the file and the first wrong field (`records.x.a.0: ...`).
 */
export function readZoneFile(path: string): Zone {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ZoneFileError(path, `cannot read: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ZoneFileError(path, `not JSON: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const parsed = zoneSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // A bad host name is reported by zod as "invalid key" with the rule one level down.
    const message = issue?.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue?.message;
    throw new ZoneFileError(path, `${issue?.path.join('.') || 'top level'}: ${message ?? 'invalid'}`);
  }
  return parsed.data;
}
