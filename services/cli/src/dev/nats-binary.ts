import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { RelayError } from '@relay/wire';
import { FileError } from '../errors.js';

/** Where Debian's nats-server package installs the binary (not on a normal user's PATH). */
const DEBIAN_NATS_SERVER = '/usr/sbin/nats-server';

/**
 * The nats-server binary: `NATS_SERVER_BIN`, else Debian's `/usr/sbin/nats-server`,
 * else `nats-server` on the PATH.
 * @throws FileError saying how to install it.
 */
export function natsServerBinary(env: Readonly<Record<string, string | undefined>>): string {
  const given = env['NATS_SERVER_BIN'];
  if (given !== undefined && given !== '') {
    if (!existsSync(given)) throw new FileError(`NATS_SERVER_BIN=${given} does not exist`);
    return given;
  }
  if (existsSync(DEBIAN_NATS_SERVER)) return DEBIAN_NATS_SERVER;
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  throw new FileError('nats-server is not installed: apt-get install -y nats-server (Debian), or set NATS_SERVER_BIN to its path');
}

/** nats-server refused a configuration that should have been valid. */
export class NatsConfigRejectedError extends RelayError {
  override name = 'NatsConfigRejectedError';

  constructor(message: string) {
    super('nats-config-rejected', message);
  }
}

/**
 * Checks a piece of nats-server configuration (an accounts block) with
 * `nats-server -t` (parse and validate, start nothing), inside a config with a
 * free port and a JetStream store in a temp folder.
 * @throws NatsConfigRejectedError with the server's message when it is invalid.
 */
export async function checkNatsConfig(bin: string, fragment: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-check-'));
  try {
    const file = join(dir, 'check.conf');
    await writeFile(file, `port: -1\njetstream { store_dir: ${JSON.stringify(join(dir, 'store'))} }\n${fragment}`);
    await promisify(execFile)(bin, ['-t', '-c', file], { cwd: dir }).catch((err: Error & { stderr?: string }) => {
      throw new NatsConfigRejectedError(`nats-server -t rejected the configuration: ${(err.stderr ?? err.message).trim()}`);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
