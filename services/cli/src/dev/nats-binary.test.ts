import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeFor } from '../errors.js';
import { checkNatsConfig, NatsConfigRejectedError, natsServerBinary } from './nats-binary.js';

describe('the nats-server binary', () => {
  it('is found where Debian installs it, or where NATS_SERVER_BIN says', () => {
    expect(natsServerBinary({ PATH: '' })).toBe('/usr/sbin/nats-server');
    expect(natsServerBinary({ NATS_SERVER_BIN: '/usr/sbin/nats-server' })).toBe('/usr/sbin/nats-server');
  });

  it('says how to install it when it is missing (exit 3)', () => {
    let err: unknown;
    try {
      natsServerBinary({ NATS_SERVER_BIN: '/nonexistent/nats-server' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('NATS_SERVER_BIN=/nonexistent/nats-server does not exist');
    expect(exitCodeFor(err)).toBe(ExitCode.Data);
  });

  it('checks a configuration with nats-server -t: a good accounts block passes, a broken one is refused with the server’s reason', async () => {
    const bin = natsServerBinary({});
    await expect(checkNatsConfig(bin, 'accounts { A { jetstream: enabled, users: [{ user: a, password: b }] } }\n')).resolves.toBeUndefined();
    const broken = checkNatsConfig(bin, 'accounts { A { users: [ }\n');
    await expect(broken).rejects.toBeInstanceOf(NatsConfigRejectedError);
    await expect(broken).rejects.toThrow(/nats-server -t rejected the configuration: .*[Pp]arse error/);
  });
});
