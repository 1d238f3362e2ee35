import { z } from 'zod';

// The shapes of the signed directory and signed signer list (decision 0105), apart from the code
// that signs and checks them, so that the directory's own module can name them without a cycle.

/** A directory signing key: an operator nkey (`O...`), kept offline as its seed (`SO...`). */
export const directoryKeySchema = z.string().regex(/^O[A-Z2-7]{55}$/, 'must be a public operator nkey (O...)');

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
