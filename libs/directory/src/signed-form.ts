import { z } from 'zod';

// The shapes of the signed directory and signed signer list (decision 0105), apart from the code
// that signs and checks them, so that the directory's own module can name them without a cycle.

/** A directory signing key: an operator nkey (`O...`), kept offline as its seed (`SO...`). */
export const directoryKeySchema = z.string().regex(/^O[A-Z2-7]{55}$/, 'must be a public operator nkey (O...)');

/**
 * The pinned directory keys: one, or several while a key is rotated (decision 0110). A revision
 * signed by any of them is followed; a key no longer pinned signs nothing that is followed.
 */
export type DirectoryKeys = string | readonly string[];

/** RELAY_DIRECTORY_KEY: one public directory key, or several separated by commas (a rotation's overlap). */
export const directoryKeysSchema = z
  .string({ error: 'is required: the public directory key (O...) that signs the directory, or several separated by commas while rotating (decisions 0105, 0111)' })
  .transform((text) => [...new Set(text.split(',').map((k) => k.trim()).filter((k) => k !== ''))])
  .pipe(z.array(directoryKeySchema).min(1, 'must name at least one public directory key (O...), comma-separated when rotating'));

/** The pinned keys as a list (undefined stays undefined: nothing pinned, development only). */
export function pinnedKeysOf(keys: DirectoryKeys | undefined): readonly string[] | undefined {
  if (keys === undefined) return undefined;
  return typeof keys === 'string' ? [keys] : keys;
}

const instant = z.iso.datetime({ offset: true });
const base64 = z.string().regex(/^[A-Za-z0-9+/]+=*$/);

/** The signed public signer list, as stored under KV `signers` when the directory is signed. */
export const signedSignerListSchema = z.strictObject({
  format: z.literal('relay-signed-signers/1'),
  key: directoryKeySchema,
  signedAt: instant,
  /** The signer list's JSON text, exactly the bytes signed. */
  list: z.string(),
  signature: base64,
});
/** A signer list signed by the directory key. */
export type SignedSignerList = z.infer<typeof signedSignerListSchema>;

/** A signed directory revision: what `relay directory sign` writes and KV `current` stores. */
export const signedDirectorySchema = z.strictObject({
  format: z.literal('relay-signed-directory/1'),
  key: directoryKeySchema,
  signedAt: instant,
  /** The directory file's JSON text, exactly the bytes signed. */
  directory: z.string(),
  signature: base64,
  /** Its public signer list, signed at the same time so tenants can check it with the same pinned key. */
  signers: signedSignerListSchema,
});
/** A directory signed by the directory key. */
export type SignedDirectory = z.infer<typeof signedDirectorySchema>;
