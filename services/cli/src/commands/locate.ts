import type { Command } from 'commander';
import { choiceSetting, configIssues, existingFileSetting } from '@relay/bus';
import {
  createCdnCatalogue,
  createSystemResolver,
  createZoneResolver,
  type GeoLookup,
  type HostResolver,
  locate,
  normaliseUrl,
  openGeo,
} from '@relay/geo';
import { type HostingObservation, HostingStatus, LocationConfidence, messageToJson, ResolutionErrorCode } from '@relay/wire';
import { z } from 'zod';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { outputMode, printFields, printJson, printTable } from '../output.js';

/** The locator's settings `relay locate` honours, read with the helpers the locator reads them with (decision 0114). */
const locateEnvSchema = z.object({
  RELAY_DNS: choiceSetting(['system', 'zone'], 'system'),
  RELAY_DNS_ZONE_FILE: existingFileSetting.optional(),
  RELAY_GEO_COUNTRY_DB: existingFileSetting.optional(),
  RELAY_GEO_ASN_DB: existingFileSetting.optional(),
});

/**
 * The locator settings of the environment; set but empty counts as unset.
 * @throws UsageError naming each bad variable and its rule.
 */
function locateEnv(env: CliContext['env']): z.output<typeof locateEnvSchema> {
  const parsed = locateEnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) throw new UsageError(`invalid setting: ${configIssues(parsed.error).join('; ')}`);
  return parsed.data;
}

interface LocateOptions {
  readonly json?: boolean;
  readonly zone?: string;
}

const enumName = (e: Record<number, string>, value: number, prefix: string): string => (e[value] ?? String(value)).replace(prefix, '');

function printObservation(ctx: CliContext, o: HostingObservation, geo: GeoLookup, resolver: HostResolver): void {
  const status = enumName(HostingStatus, o.status, 'HOSTING_STATUS_');
  printFields(ctx, [
    ['URL', o.url],
    ['Normalised URL', o.normalizedUrl],
    ['Host', o.registrableDomain === '' || o.registrableDomain === o.host ? o.host : `${o.host} (registrable domain ${o.registrableDomain})`],
    ['CNAME chain', o.cnameChain.join(' -> ')],
    ['Status', o.cdn === '' ? status : `${status} by ${o.cdn}`],
    ['Jurisdiction', o.country],
    ['Network', o.asn === 0 ? '' : `AS${o.asn} ${o.asOrganisation}`],
    ['Confidence', o.confidence === LocationConfidence.LOCATION_CONFIDENCE_UNSPECIFIED ? '' : enumName(LocationConfidence, o.confidence, 'LOCATION_CONFIDENCE_')],
    ...(o.error ? ([['Error', `${enumName(ResolutionErrorCode, o.error.code, 'RESOLUTION_ERROR_CODE_')}: ${o.error.detail}`]] as const) : []),
    ['Resolved at', o.resolvedAt?.toISOString() ?? ''],
  ]);
  if (o.addresses.length > 0) {
    ctx.out('\n');
    printTable(
      ctx,
      ['address', 'country', 'secondary', 'asn', 'organisation', 'cdn', 'note'],
      o.addresses.map((a) => [a.ip, a.country, a.countrySecondary, a.asn === 0 ? '' : String(a.asn), a.asOrganisation, a.cdn, a.unroutable ? 'unroutable' : '']),
    );
  }
  ctx.out(`\nData: ${geo.sources.countryPrimary}; ${geo.sources.countrySecondary}; ${geo.sources.asn}. DNS: ${resolver.description}.\n`);
}

/**
 * `relay locate <url-or-ip> [--json] [--zone <file>]`: where the URL is
 * hosted, as the locator service would observe it, computed in this process
 * (no NATS). DNS is the system resolver, or the static zone of `--zone` (or
 * of RELAY_DNS=zone with RELAY_DNS_ZONE_FILE).
 */
export function registerLocate(program: Command, ctx: CliContext): void {
  program
    .command('locate')
    .description('show where a URL or IP address is hosted (country, network, CDN), from DNS and IP data only')
    .argument('<url-or-ip>', 'a URL (http/https), a host name or an IPv4/IPv6 address')
    .option('--json', 'print the HostingObservation in its proto3 JSON mapping')
    .option('--zone <file>', 'resolve names from this static zone file instead of DNS')
    .action(async (input: string, options: LocateOptions) => {
      // Refuse what is not a URL before loading any data.
      normaliseUrl(input);
      const env = locateEnv(ctx.env);
      const zoneFile = options.zone ?? (env.RELAY_DNS === 'zone' ? env.RELAY_DNS_ZONE_FILE : undefined);
      const resolver = zoneFile === undefined ? createSystemResolver() : createZoneResolver({ path: zoneFile });
      try {
        const geo = await openGeo({
          ...(env.RELAY_GEO_COUNTRY_DB === undefined ? {} : { countryDbPath: env.RELAY_GEO_COUNTRY_DB }),
          ...(env.RELAY_GEO_ASN_DB === undefined ? {} : { asnDbPath: env.RELAY_GEO_ASN_DB }),
        });
        const observation = await locate(input, { resolver, geo, cdn: createCdnCatalogue(), clock: () => new Date() });
        if (outputMode(options) === 'json') printJson(ctx, messageToJson('relay.v1.HostingObservation', observation));
        else printObservation(ctx, observation, geo, resolver);
      } finally {
        resolver.close();
      }
    });
}
