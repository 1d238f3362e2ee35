import { createServer } from 'node:net';
import { UsageError } from '../errors.js';

/**
 * Checks that nothing listens on 127.0.0.1:`port`, so a service does not die
 * on start with EADDRINUSE while the others come up.
 * @throws UsageError naming what the port is for and the flag that moves it.
 */
export async function ensurePortFree(port: number, what: string, flag: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
  if (!free) throw new UsageError(`port ${port} (${what}) is in use: stop what listens there, or pass ${flag} <port>`);
}
