import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { canonicalHost, parseAddress, readZoneFile, type Zone, type ZoneRecord, zoneSchema } from '@relay/geo';
import { FileError, UsageError } from '../errors.js';
import { DEV_STATE_DIR } from './defaults.js';

/** The dev stack's zone file, `./.relay/zone.json` (a copy of deploy/dev/zone.json). */
export function devZoneFile(cwd: string = process.cwd()): string {
  return resolve(cwd, DEV_STATE_DIR, 'zone.json');
}

/**
 * Reads a static zone file.
 * @throws FileError when it does not exist, saying how to get one.
 * @throws ZoneFileError when it is not a valid zone.
 */
export function readZone(path: string): Zone {
  if (!existsSync(path)) {
    throw new FileError(`zone file ${path} does not exist: the dev stack creates it (npm start), or pass --zone <file>`);
  }
  return readZoneFile(path);
}

/** A zone record answering with these addresses (IPv4 as A, IPv6 as AAAA), in canonical form. */
export function addressRecord(ips: readonly string[], ttl?: number): ZoneRecord {
  if (ips.length === 0) throw new UsageError('give at least one IP address');
  const parsed = ips.map((ip) => parseAddress(ip));
  const a = [...new Set(parsed.filter((p) => p.family === 4).map((p) => p.ip))];
  const aaaa = [...new Set(parsed.filter((p) => p.family === 6).map((p) => p.ip))];
  return { ...(a.length ? { a } : {}), ...(aaaa.length ? { aaaa } : {}), ...(ttl === undefined ? {} : { ttl }) };
}

/**
 * Sets `host` to answer with `ips` in the zone file at `path` and writes the
 * file atomically (temp file + rename), so a locator re-reading it never sees
 * half a file. Returns the record it replaced, if any.
 * @throws InvalidAddressError for an IP that is not one.
 * @throws UsageError for a host name the zone format does not allow.
 */
export async function setZoneRecord(path: string, hostText: string, ips: readonly string[]): Promise<{ host: string; record: ZoneRecord; previous: ZoneRecord | undefined }> {
  const host = canonicalHost(hostText);
  const zone = readZone(path);
  const previous = zone.records[host];
  const record = addressRecord(ips, previous?.ttl);
  const next = zoneSchema.safeParse({ records: { ...zone.records, [host]: record } });
  if (!next.success) {
    const issue = next.error.issues[0];
    const rule = issue?.code === 'invalid_key' ? issue.issues[0]?.message : issue?.message;
    throw new UsageError(`${JSON.stringify(hostText)} cannot be a zone host: ${rule ?? 'invalid'}`);
  }
  await writeZone(path, next.data);
  return { host, record, previous };
}

/** Writes a zone atomically. */
export async function writeZone(path: string, zone: Zone): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(zone, null, 2)}\n`);
  await rename(temp, path);
}
