import { createOperator } from '@nats-io/nkeys';
import { nativeSigner, verifyNative } from '@relay/bus';
import { type Directory, parseDirectory } from './directory.js';
import { DirectorySignatureError, DirectorySignatureProblem } from './errors.js';
import type { DirectoryFile } from './schema.js';
import { type DirectoryKeys, directoryKeySchema, pinnedKeysOf, type SignedDirectory, signedDirectorySchema, signedSignerListSchema } from './signed-form.js';
import { isEmptySignerList, type SignerList, signerListOf, signerListSchema } from './signers.js';

// Domain separation: a directory signature can never pass for a signer-list one, nor the reverse.
const DIRECTORY_CONTEXT = 'relay-directory/1';
const SIGNERS_CONTEXT = 'relay-signers/1';

const encoder = new TextEncoder();

/** The bytes a signature covers: context, signing time and the text, separated by newlines. */
function signedBytes(context: string, signedAt: string, text: string): Uint8Array {
  return encoder.encode(`${context}\n${signedAt}\n${text}`);
}

/** A new directory key pair: the seed (`SO...`) to keep offline and the public key (`O...`) services and clients pin. */
export function generateDirectoryKey(): { readonly seed: string; readonly publicKey: string } {
  const kp = createOperator();
  return { seed: new TextDecoder().decode(kp.getSeed()), publicKey: kp.getPublicKey() };
}

/** True when `value` has the shape of a signed directory (not yet checked). */
export function looksSigned(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'format' in value && (value).format === 'relay-signed-directory/1';
}

/**
 * Signs a directory file with the offline directory key (an operator nkey
 * seed, `SO...`) and signs its public signer list alongside.
 * @throws DirectoryInvalidError when the file does not validate.
 */
export function signDirectory(file: DirectoryFile, seed: Uint8Array, signedAt = new Date()): SignedDirectory {
  const directory = parseDirectory(file);
  const signer = nativeSigner(seed);
  directoryKeySchema.parse(signer.publicKey);
  const at = signedAt.toISOString();
  const text = JSON.stringify(directory.file, null, 2);
  const list = JSON.stringify(signerListOf(directory));
  const sig = (context: string, body: string) => Buffer.from(signer.sign(signedBytes(context, at, body))).toString('base64');
  return {
    format: 'relay-signed-directory/1',
    key: signer.publicKey,
    signedAt: at,
    directory: text,
    signature: sig(DIRECTORY_CONTEXT, text),
    signers: { format: 'relay-signed-signers/1', key: signer.publicKey, signedAt: at, list, signature: sig(SIGNERS_CONTEXT, list) },
  };
}

function check(context: string, key: string, pinned: readonly string[] | undefined, signedAt: string, text: string, signature: string, where: string): void {
  if (pinned !== undefined && !pinned.includes(key)) throw new DirectorySignatureError(where, DirectorySignatureProblem.WrongKey);
  if (!verifyNative(key, signedBytes(context, signedAt, text), Buffer.from(signature, 'base64'))) {
    throw new DirectorySignatureError(where, DirectorySignatureProblem.BadSignature);
  }
}

/**
 * Opens a stored or filed directory value. With pinned keys (one, or several
 * during a rotation) only a directory signed by one of them is accepted;
 * without (in-process tests only: every service requires a key) an unsigned
 * directory is accepted and a signed one is still checked against its own
 * key. A signed directory must list signers: one without any is refused, so
 * signing can never turn message verification off (decision 0111).
 * @throws DirectorySignatureError when unsigned under a pinned key, signed by a key not pinned, tampered with, or without signers.
 * @throws DirectoryInvalidError when the (signed) content does not validate.
 */
export function openDirectory(value: unknown, keys: DirectoryKeys | undefined, where = 'directory'): Directory {
  const pinned = pinnedKeysOf(keys);
  if (!looksSigned(value)) {
    if (pinned !== undefined) throw new DirectorySignatureError(where, DirectorySignatureProblem.Unsigned);
    return parseDirectory(value, where);
  }
  const parsed = signedDirectorySchema.safeParse(value);
  if (!parsed.success) throw new DirectorySignatureError(where, DirectorySignatureProblem.Malformed);
  const signed = parsed.data;
  check(DIRECTORY_CONTEXT, signed.key, pinned, signed.signedAt, signed.directory, signed.signature, where);
  // The list is signed with the directory, by the same key at the same time: no list of another revision passes.
  if (signed.signers.key !== signed.key || signed.signers.signedAt !== signed.signedAt) throw new DirectorySignatureError(where, DirectorySignatureProblem.Malformed);
  const list = openSignerList(signed.signers, signed.key, `${where} signers`);
  let raw: unknown;
  try {
    raw = JSON.parse(signed.directory);
  } catch {
    throw new DirectorySignatureError(where, DirectorySignatureProblem.Malformed);
  }
  const directory = parseDirectory(raw, where);
  if (isEmptySignerList(list) || isEmptySignerList(signerListOf(directory))) throw new DirectorySignatureError(where, DirectorySignatureProblem.NoSigners);
  return { ...directory, signed };
}

/**
 * Opens a stored signer list. With pinned keys only a list signed by one of
 * them is accepted; without any a plain list is accepted too (in-process tests).
 * @throws DirectorySignatureError when unsigned under a pinned key, signed by a key not pinned, or tampered with.
 */
export function openSignerList(value: unknown, keys: DirectoryKeys | undefined, where = 'signer list'): SignerList {
  const pinned = pinnedKeysOf(keys);
  const isSigned = typeof value === 'object' && value !== null && 'format' in value;
  if (!isSigned) {
    if (pinned !== undefined) throw new DirectorySignatureError(where, DirectorySignatureProblem.Unsigned);
    return signerListSchema.parse(value);
  }
  const parsed = signedSignerListSchema.safeParse(value);
  if (!parsed.success) throw new DirectorySignatureError(where, DirectorySignatureProblem.Malformed);
  const signed = parsed.data;
  check(SIGNERS_CONTEXT, signed.key, pinned, signed.signedAt, signed.list, signed.signature, where);
  try {
    return signerListSchema.parse(JSON.parse(signed.list));
  } catch {
    throw new DirectorySignatureError(where, DirectorySignatureProblem.Malformed);
  }
}
