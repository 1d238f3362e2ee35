import { type Bus, isProvenanceError, ProvenanceErrorCode, provenanceVerifier, type VerifyMessageAsync } from '@relay/bus';
import { type DirectoryKeys, directoryKeySchema, isEmptySignerList, policyOfList, readSignerList, type SignerList } from '@relay/directory';
import { DirectoryKeyRequiredError, SignersUnavailableError } from './errors.js';
import { Header } from '@relay/wire';

/** The organisation that signs every referral and notice but relocation waves. */
const SENDER = 'dispatcher';
/** The organisation that signs relocation-wave notices (`….hoster-relocated`, the watch service, decision 0120). */
const WAVE_SENDER = 'watch';
const WAVE_SUFFIX = '.hoster-relocated';
/** A refused message makes the client read the signer list again, at most this often (a rotation just applied). */
const REFRESH_MIN_MS = 2_000;
/** A signer list read from the relay is read again after this long. */
const MAX_AGE_MS = 60_000;

/** How a client verifies who sent what it receives. */
export interface ProvenanceOptions {
  /**
   * The signer list to verify with, e.g. one handed over with the
   * credentials; without it the client reads the relay's public list (KV
   * `relay-directory`, key `signers`) and follows its changes.
   */
  readonly signers?: SignerList;
  /**
   * The operator's public directory key (`O...`, as the services'
   * RELAY_DIRECTORY_KEY), or several while the operator rotates it: the
   * signer list read from the relay is used only when signed by one of them,
   * so neither the broker nor whoever can write KV can swap in their own keys
   * (decisions 0105, 0110). Required unless `signers` is given or `verify`
   * is false: a client without it is not built (`DirectoryKeyRequiredError`).
   */
  readonly directoryKey?: DirectoryKeys;
  /** False turns verification off: development servers only. Default true. */
  readonly verify?: boolean;
  /** Told about each refused message, which is terminated and never handed over. */
  readonly onRefused?: (refusal: Refusal) => void;
}

/**
 * Checks, when a client is built, that it can verify what it will receive:
 * a valid pinned directory key, or a signer list given, or verification
 * explicitly off (development servers).
 * @throws DirectoryKeyRequiredError otherwise.
 */
export function requireDirectoryKey(options: ProvenanceOptions | undefined): void {
  if (options?.verify === false || options?.signers !== undefined) return;
  const key = options?.directoryKey;
  if (key === undefined) throw new DirectoryKeyRequiredError('no directory key');
  const keys = typeof key === 'string' ? [key] : key;
  if (keys.length === 0) throw new DirectoryKeyRequiredError('an empty list of directory keys');
  for (const k of keys) {
    if (!directoryKeySchema.safeParse(k).success) throw new DirectoryKeyRequiredError(`directory key ${JSON.stringify(k)} is not a public operator nkey`);
  }
}

/** A referral or notice the client refused. */
export interface Refusal {
  readonly subject: string;
  /** Stream sequence. */
  readonly seq: number;
  /** Stable code: a `ProvenanceErrorCode`, or the decode error's. */
  readonly code: string;
  readonly error: unknown;
}

/** Who re-addressed a delivered copy, and where the original came from (decision 0109). */
export interface Readdressed {
  /** The operator organisation that re-addressed and re-signed it (`operator-<name>`). */
  readonly by: string;
  /** Its signing key. */
  readonly signer: string;
  /** The subject the original was signed for. */
  readonly originalSubject: string;
  /** The original's `Relay-Origin` and signer (the dispatcher's key, for a referral or notice). */
  readonly originalOrigin: string;
  readonly originalSigner: string;
}

/**
 * Tells a copy an operator re-addressed (`relay replay --to-subject`) from a
 * message the dispatcher sent to you: undefined for the latter. For a
 * delivery the client handed over, both signatures were verified: the
 * operator's over this subject and the dispatcher's over the original one.
 */
export function readdressedBy(headers: Readonly<Record<string, string>>): Readdressed | undefined {
  const originalSubject = headers[Header.ReplayOfSubject];
  if (originalSubject === undefined) return undefined;
  return {
    by: headers[Header.Origin] ?? '',
    signer: headers[Header.Signer] ?? '',
    originalSubject,
    originalOrigin: headers[Header.ReplayOfOrigin] ?? '',
    originalSigner: headers[Header.ReplayOfSigner] ?? '',
  };
}

/** The verify hook and refusal report for a tenant consumer, or none when verification is off. */
export interface ReceiveCheck {
  readonly verify?: VerifyMessageAsync;
  readonly onRefused: (err: unknown, subject: string, seq: number) => void;
}

/**
 * Prepares verification of referrals and notices: reads the signer list
 * first and fails closed when there is none.
 * @throws DirectoryKeyRequiredError without a pinned directory key (nor a signer list, nor verification off).
 * @throws SignersUnavailableError when verifying and no signer list (or an empty one) is available,
 *   or under a pinned directory key the list is unsigned, signed by another key or tampered with.
 */
export async function receiveCheck(bus: Bus, options: ProvenanceOptions): Promise<ReceiveCheck> {
  const onRefused = (error: unknown, subject: string, seq: number): void => {
    const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'refused';
    options.onRefused?.({ subject, seq, code, error });
  };
  requireDirectoryKey(options);
  if (options.verify === false) return { onRefused };
  const fixed = options.signers;
  const key = options.directoryKey;
  let list = fixed ?? (await fetchList(bus, key));
  let readAt = Date.now();
  if (!list || isEmptySignerList(list)) throw new SignersUnavailableError();
  const verifierOf = (l: SignerList) => provenanceVerifier({ expectedSigner: (subject) => (subject.endsWith(WAVE_SUFFIX) ? WAVE_SENDER : SENDER), ...policyOfList(l) });
  let verify = verifierOf(list);
  // A list read before the message was stored may lack the key a rotation added since: read it
  // again at once; otherwise after REFRESH_MIN_MS since the last read, so forgeries cannot flood the relay.
  const refresh = async (storedAt?: number): Promise<boolean> => {
    if (fixed) return false;
    const stale = storedAt !== undefined && readAt <= storedAt;
    const wait = readAt + REFRESH_MIN_MS - Date.now();
    // Clocks of client and server may differ: rather wait for the next read than refuse too early.
    if (!stale && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    readAt = Date.now();
    // A list not signed by the pinned key is refused here too: the last valid one stays.
    const next = await fetchList(bus, key).catch(() => undefined);
    if (!next || isEmptySignerList(next)) return false;
    list = next;
    verify = verifierOf(next);
    return true;
  };
  return {
    onRefused,
    verify: async (msg) => {
      if (!fixed && Date.now() - readAt > MAX_AGE_MS) await refresh();
      try {
        verify(msg);
      } catch (err) {
        // A key added or a window changed since the list was read: read it again once.
        if (!isProvenanceError(err) || !(err.code === ProvenanceErrorCode.UntrustedSigner || err.code === ProvenanceErrorCode.KeyNotValid)) throw err;
        if (!(await refresh(msg.storedAt))) throw err;
        verify(msg);
      }
    },
  };
}

async function fetchList(bus: Bus, key: DirectoryKeys | undefined): Promise<SignerList | undefined> {
  try {
    return await readSignerList(bus, key);
  } catch (err) {
    throw new SignersUnavailableError(err);
  }
}
