import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import type { StoredMessage } from '@relay/bus';
import { FileError } from '../errors.js';
import { decodePayload } from '../operator/decode.js';

/**
 * One line of `relay replay --out`: where the message was stored, every
 * header, the payload in proto3 JSON (decoded by `Relay-Type`) and the raw
 * bytes in base64, so the line can be published again byte for byte.
 */
export function replayLine(m: StoredMessage): string {
  const decoded = decodePayload(m);
  return JSON.stringify({
    stream: m.stream,
    seq: m.seq,
    subject: m.subject,
    time: m.time.toISOString(),
    headers: m.headers,
    type: decoded.type,
    message: decoded.message,
    ...(decoded.decodeError === undefined ? {} : { decodeError: decoded.decodeError }),
    data: Buffer.from(m.data).toString('base64'),
  });
}

/** A JSON Lines file being written. */
export interface JsonlFile {
  write(m: StoredMessage): Promise<void>;
  /** Flushes and gives the file its name. */
  finish(): Promise<void>;
  /** Removes what was written. */
  abort(): Promise<void>;
}

/**
 * Writes to `<path>.partial` and renames it to `path` only when complete, so
 * an interrupted replay never leaves a file that looks whole.
 * @throws FileError when the file cannot be created or written.
 */
export async function openJsonl(path: string): Promise<JsonlFile> {
  const partial = `${path}.partial`;
  const out: WriteStream = createWriteStream(partial, { flags: 'w', mode: 0o600 });
  let failure: Error | undefined;
  out.on('error', (err) => (failure = err));
  try {
    await once(out, 'open');
  } catch (err) {
    throw new FileError(`${path}: cannot be written: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const check = (): void => {
    if (failure) throw new FileError(`${path}: write failed: ${failure.message}`, failure);
  };
  return {
    write: async (m) => {
      check();
      if (!out.write(`${replayLine(m)}\n`)) await once(out, 'drain');
    },
    finish: async () => {
      check();
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      check();
      try {
        renameSync(partial, path);
      } catch (err) {
        throw new FileError(`${path}: cannot be created: ${err instanceof Error ? err.message : String(err)}`, err);
      }
    },
    abort: async () => {
      if (!out.closed) {
        const closed = once(out, 'close').catch(() => undefined);
        out.destroy();
        await closed;
      }
      rmSync(partial, { force: true });
    },
  };
}
