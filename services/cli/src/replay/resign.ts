import { type Bus, signingKeyOf } from '@relay/bus';
import { isEmptySignerList, keysOfList, readDirectory, signerListOf } from '@relay/directory';
import { UsageError } from '../errors.js';

/** Who re-signs copies re-addressed to another subject (decision 0109). */
export interface Resigner {
  /** The operator organisation (`operator-<name>`) the key is listed for: the copies' `Relay-Origin`. */
  readonly org: string;
  readonly key: string;
}

/**
 * Finds the operator organisation this connection's signing key
 * (`RELAY_SIGNING_KEY_FILE`) is listed for in the directory in force, valid
 * now. Undefined when the relay verifies nothing (no directory, or one
 * without signers: development), so copies go out unchanged as before.
 * `directoryKey` (`RELAY_DIRECTORY_KEY`) makes only a directory it signed count.
 * @throws UsageError when the relay verifies signatures and the connection has
 *   no signing key, or its key is not a listed operator key valid now.
 */
export async function findResigner(bus: Bus, directoryKey: string | undefined, now: number = Date.now()): Promise<Resigner | undefined> {
  const stored = await readDirectory(bus, directoryKey);
  if (!stored) return undefined;
  const list = signerListOf(stored.directory);
  if (isEmptySignerList(list)) return undefined;
  const key = signingKeyOf(bus);
  if (key === undefined) {
    throw new UsageError(
      '--to-subject: a signed message re-published on another subject must be re-signed by you: set RELAY_SIGNING_KEY_FILE to your operator signing key (relay keys generate --org operator-<name>), listed in the directory (decision 0109)',
    );
  }
  const orgs = Object.keys(list.signers).filter((org) => org.startsWith('operator-'));
  const org = orgs.find((o) => keysOfList(list, o).some((k) => k.key === key && (k.notBefore === undefined || now >= k.notBefore) && (k.notAfter === undefined || now < k.notAfter)));
  if (org === undefined) {
    throw new UsageError(`--to-subject: your signing key ${key} is not an operator key valid now in the directory's signers (operator-<name>): receivers would refuse the copies (decision 0109)`);
  }
  return { org, key };
}
