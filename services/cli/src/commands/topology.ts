import type { Command } from 'commander';
import { ensureTenantConsumers, ensureTopology, type TopologyReport } from '@relay/bus';
import { loadDirectoryFile, tenantsOf } from '@relay/directory';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { outputMode, printJson, printTable } from '../output.js';
import { withBus } from '../operator/connect.js';

interface ApplyOptions {
  readonly directory: string;
  readonly replicas: string;
  readonly json?: boolean;
}

function replicasOf(value: string): 1 | 3 | 5 {
  if (value === '1' || value === '3' || value === '5') return Number(value) as 1 | 3 | 5;
  throw new UsageError(`--replicas must be 1, 3 or 5, not ${JSON.stringify(value)}`);
}

/**
 * `relay topology apply --directory <file>`: creates every stream and KV
 * bucket, brings them to the wanted settings, and creates every tenant's
 * durable consumer from the directory. Run it as the admin identity
 * (decision 0097): the runtime services may only check that the topology
 * exists, and no tenant may create a consumer. Idempotent; it deletes nothing.
 */
export function registerTopology(program: Command, ctx: CliContext): void {
  const topology = program.command('topology').description('provision streams, buckets and tenant consumers (as the admin identity)');
  topology
    .command('apply')
    .description('create or update every stream and bucket, and each tenant consumer of the directory; deletes nothing')
    .requiredOption('--directory <file>', 'the directory whose tenants get consumers, e.g. deploy/dev/directory.json')
    .option('--replicas <n>', 'replicas of every stream and bucket: 1 for one server, 3 in a cluster', '1')
    .option('--json', 'print what was done as JSON')
    .action(async (options: ApplyOptions) => {
      const replicas = replicasOf(options.replicas);
      const tenants = tenantsOf(loadDirectoryFile(options.directory));
      await withBus(ctx, 'relay-topology', async (bus) => {
        const report: TopologyReport = await ensureTopology(bus, { replicas });
        const consumers = await ensureTenantConsumers(bus, tenants);
        if (outputMode(options) === 'json') {
          printJson(ctx, { streams: report, tenantConsumers: consumers });
          return;
        }
        printTable(
          ctx,
          ['STREAM OR BUCKET', 'OUTCOME'],
          Object.entries(report).map(([name, outcome]) => [name, outcome]),
        );
        ctx.out(`${consumers} tenant consumers ensured from ${options.directory}.\n`);
      });
    });
}
