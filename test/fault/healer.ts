// `relay audit --repair --follow` beside the fault cluster's pipeline, as a
// deployment runs it (decision 0155): the built CLI in its own process, as an
// operator of the generated accounts. Its rounds are read from its JSON lines.
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { processCpuSeconds } from '@relay/testkit';

/** One round, as `relay audit --follow --json` prints it. */
export interface HealerRound {
  readonly at: string;
  readonly trigger: string;
  /** Reports not accounted for after the round's repair (absent when the round failed). */
  readonly lost?: number;
  readonly repair?: { readonly asked: number; readonly repaired: number; readonly targets?: readonly string[]; readonly dismissed?: Readonly<Record<string, number>> };
  readonly error?: string;
  readonly tookMs?: number;
}

/** The running follower. */
export interface Healer {
  /** Rounds printed so far. */
  rounds(): HealerRound[];
  /** CPU the follower's process has used so far, seconds. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** services/cli/bin/relay.js, found from the package's entry point (dist/index.js). */
const cliBin = join(dirname(dirname(createRequire(import.meta.url).resolve('@relay/cli'))), 'bin', 'relay.js');

/** Starts the follower with `env` (the operator's NATS settings): a round every `every`, over the last `since`. */
export function startHealer(env: Readonly<Record<string, string>>, options: { every: string; since: string }): Healer {
  let out = '';
  const args = ['audit', '--follow', '--repair', '--reason', 'fault suite: heal what the server lost', '--every', options.every, '--since', options.since, '--json'];
  const child: ChildProcess = spawn(process.execPath, [cliBin, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env, NATS_CLIENT_NAME: 'relay-healer' }, stdio: ['ignore', 'pipe', 'ignore'] });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    rounds: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as HealerRound),
    cpuSeconds: () => (child.pid === undefined ? 0 : processCpuSeconds(child.pid)),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** What the follower did over the file: rounds by trigger, failed rounds (with their errors), repairs. */
export function healerSummary(healer: Healer): string {
  const rounds = healer.rounds();
  const failed = rounds.filter((r) => r.error !== undefined);
  const elected = rounds.filter((r) => r.trigger.startsWith('leader elected:'));
  const asked = rounds.reduce((n, r) => n + (r.repair?.asked ?? 0), 0);
  const repaired = rounds.reduce((n, r) => n + (r.repair?.repaired ?? 0), 0);
  const dismissed = rounds.reduce((n, r) => n + Object.values(r.repair?.dismissed ?? {}).reduce((a, b) => a + b, 0), 0);
  const longest = Math.max(0, ...rounds.map((r) => r.tookMs ?? 0));
  const lines = [
    `relay audit --follow, rounds it finished and printed (one still running at the end is not): ${rounds.length} rounds (${elected.length} after a leader election), ${failed.length} failed, ${asked} repair requests, ${repaired} accounted for, ${dismissed} gaps gone on the second read (late, not re-driven); the longest round took ${(longest / 1000).toFixed(1)} s`,
  ];
  for (const r of failed.slice(0, 5)) lines.push(`  failed at ${r.at} (${r.trigger}): ${r.error ?? ''}`);
  for (const r of rounds.filter((x) => (x.repair?.asked ?? 0) > 0).slice(0, 10)) {
    lines.push(`  repaired at ${r.at} (${r.trigger}): asked ${r.repair?.asked ?? 0} (${(r.repair?.targets ?? []).slice(0, 5).join(' ')}), accounted for ${r.repair?.repaired ?? 0}`);
  }
  for (const r of rounds.filter((x) => Object.keys(x.repair?.dismissed ?? {}).length > 0).slice(0, 10)) {
    lines.push(`  late, not re-driven, at ${r.at} (${r.trigger}): ${JSON.stringify(r.repair?.dismissed)}`);
  }
  return lines.join('\n');
}

/** Each round the follower printed: when, why, how long, and what it found and asked for. */
export function roundLines(healer: Healer): string {
  return healer
    .rounds()
    .map((r) => `  ${r.at} (${r.trigger}): ${r.error === undefined ? `${r.lost ?? 0} lost, asked ${r.repair?.asked ?? 0}` : `failed: ${r.error}`}, took ${((r.tookMs ?? 0) / 1000).toFixed(1)} s`)
    .join('\n');
}
