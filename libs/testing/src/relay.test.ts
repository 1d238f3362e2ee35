import { readDirectory } from '@relay/directory';
import { streamState } from '@relay/bus';
import { StreamName } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { DEV_DIRECTORY_FILE, devDirectory, signedDirectory, startRelay } from './index.js';

describe('the shared relay fixture', () => {
  it('starts a server with the topology and the dev directory stored, and stops it on dispose', async () => {
    const relay = await startRelay();
    try {
      expect(await streamState(relay.bus, StreamName.Reports)).toBeDefined();
      expect((await readDirectory(relay.bus))?.directory.routingHotline('NL')?.id).toBe(devDirectory().routingHotline('NL')?.id);
      expect(DEV_DIRECTORY_FILE).toMatch(/deploy\/dev\/directory\.json$/);
    } finally {
      await relay.dispose();
    }
    await expect(relay.bus.closed()).resolves.toBeUndefined();
  });

  it('stores a signed directory that only its own key opens, for services that pin the key', async () => {
    const signed = signedDirectory();
    const relay = await startRelay({ directory: signed.directory });
    try {
      expect((await readDirectory(relay.bus, signed.key.publicKey))?.directory.routingHotline('NL')?.id).toBe(devDirectory().routingHotline('NL')?.id);
      await expect(readDirectory(relay.bus, signedDirectory().key.publicKey)).rejects.toThrow();
    } finally {
      await relay.dispose();
    }
  });

  it('stores no directory when asked not to', async () => {
    const relay = await startRelay({ directory: false });
    try {
      expect(await readDirectory(relay.bus)).toBeUndefined();
    } finally {
      await relay.dispose();
    }
  });
});
