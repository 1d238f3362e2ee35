import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type GeoLookup, openGeo, type ZoneRecord } from '@relay/geo';
import type { CliContext } from '../context.js';
import { devZoneFile, readZone, setZoneRecord } from '../dev/zone-edit.js';
import { outputMode, printFields, printJson, printTable } from '../output.js';

interface ZoneOptions {
  readonly zone?: string;
  readonly json?: boolean;
}

function zoneFileOf(options: ZoneOptions): string {
  return options.zone === undefined ? devZoneFile() : resolve(options.zone);
}

function answers(record: ZoneRecord | undefined): string {
  if (!record) return 'nothing (NXDOMAIN)';
  if (record.error !== undefined) return record.error;
  if (record.cname !== undefined) return `CNAME ${record.cname}`;
  return [...(record.a ?? []), ...(record.aaaa ?? [])].join(', ');
}

/** `5.9.0.1 (DE, AS24940 Hetzner Online GmbH)`: what the locator will make of an address. */
function whereIs(geo: GeoLookup, ip: string): string {
  const facts = geo.lookup(ip);
  if (facts.unroutable) return `${ip} (unroutable: ${facts.range})`;
  const network = facts.asn === 0 ? '' : `, AS${facts.asn} ${facts.asOrganisation}`;
  return `${ip} (${facts.country || 'country unknown'}${network})`;
}

/**
 * `relay zone show [--zone <file>] [--json]` and `relay zone set <host> <ip...>
 * [--zone <file>]`: the static DNS zone a locator with `RELAY_DNS=zone` reads
 * (default: the dev stack's `./.relay/zone.json`). The locator re-reads the
 * file within a second of a change, so `set` is how a site "moves" in a demo.
 */
export function registerZone(program: Command, ctx: CliContext): void {
  const zone = program.command('zone').description("show or change the static DNS zone (default: the dev stack's ./.relay/zone.json)");

  zone
    .command('show')
    .description('list every host of the zone and what it answers')
    .option('--zone <file>', 'the zone file')
    .option('--json', 'print the zone file as JSON')
    .action((options: ZoneOptions) => {
      const file = zoneFileOf(options);
      const records = readZone(file).records;
      if (outputMode(options) === 'json') {
        printJson(ctx, { file, records });
        return;
      }
      ctx.out(`${file}\n\n`);
      printTable(
        ctx,
        ['host', 'answers', 'ttl'],
        Object.entries(records).map(([host, r]) => [host, answers(r), r.ttl === undefined ? '' : String(r.ttl)]),
      );
    });

  zone
    .command('set')
    .description('make a host answer with these addresses (IPv4 as A, IPv6 as AAAA), replacing what it answered')
    .argument('<host>', 'host name, e.g. moving.example.net')
    .argument('<ip...>', 'one or more IPv4 or IPv6 addresses')
    .option('--zone <file>', 'the zone file')
    .option('--json', 'print the new record as JSON')
    .action(async (host: string, ips: string[], options: ZoneOptions) => {
      const file = zoneFileOf(options);
      const changed = await setZoneRecord(file, host, ips);
      if (outputMode(options) === 'json') {
        printJson(ctx, { file, host: changed.host, record: changed.record, previous: changed.previous ?? null });
        return;
      }
      const geo = await openGeo();
      const now = [...(changed.record.a ?? []), ...(changed.record.aaaa ?? [])].map((ip) => whereIs(geo, ip)).join(', ');
      printFields(ctx, [
        ['Zone', file],
        ['Host', changed.host],
        ['Answered', answers(changed.previous)],
        ['Answers now', now],
      ]);
      ctx.out('A locator reading this zone uses the new answer within a second; open cases see it at their next recheck.\n');
    });
}
