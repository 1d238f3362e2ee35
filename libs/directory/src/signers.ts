import { DEFAULT_MAX_SKEW_MS, type ProvenancePolicy, type SignerKey } from '@relay/bus';
import { z } from 'zod';
import type { Directory } from './directory.js';

const nkey = z.string().regex(/^U[A-Z2-7]{55}$/);
const instant = z.iso.datetime({ offset: true });

/** The signer list as exported (JSON): keys by organisation with their windows, the skew and the v1 cut-over. */
export const signerListSchema = z.strictObject({
  version: z.literal(1),
  signers: z.record(z.string(), z.array(z.strictObject({ key: nkey, notBefore: instant.optional(), notAfter: instant.optional() }))),
  maxClockSkewMs: z.number().int().positive(),
  v1StoredBefore: instant.optional(),
});
/** A signer list: what a receiver verifies against. */
export type SignerList = z.infer<typeof signerListSchema>;

/** The signer list of a directory (plain keys become open windows). */
export function signerListOf(directory: Directory): SignerList {
  const { signers, signing } = directory.data;
  return {
    version: 1,
    signers: Object.fromEntries(Object.entries(signers).map(([org, keys]) => [org, keys.map((k) => (typeof k === 'string' ? { key: k } : k))])),
    maxClockSkewMs: signing?.maxClockSkew ?? DEFAULT_MAX_SKEW_MS,
    ...(signing?.v1StoredBefore === undefined ? {} : { v1StoredBefore: signing.v1StoredBefore }),
  };
}

/** True when the list names no signer at all. */
export function isEmptySignerList(list: SignerList): boolean {
  return Object.keys(list.signers).length === 0;
}

/** The keys of `org` in `list`, windows in Unix ms. */
export function keysOfList(list: SignerList, org: string): SignerKey[] {
  if (!Object.hasOwn(list.signers, org)) return [];
  return (list.signers[org] ?? []).map((k) => ({
    key: k.key,
    ...(k.notBefore === undefined ? {} : { notBefore: Date.parse(k.notBefore) }),
    ...(k.notAfter === undefined ? {} : { notAfter: Date.parse(k.notAfter) }),
  }));
}

/** The organisations that may re-address a message (decision 0109): the operators, `operator-<name>`. */
export function operatorsOfList(list: SignerList): string[] {
  return Object.keys(list.signers).filter((org) => org.startsWith('operator-'));
}

/**
 * The parts of a {@link ProvenancePolicy} a signer list decides: keys, skew,
 * v1 cut-over, and who may re-address a message (the listed operators, on
 * any subject: the original's signature must still verify, decision 0109).
 */
export function policyOfList(list: SignerList): Pick<ProvenancePolicy, 'keysOf' | 'maxSkewMs' | 'v1StoredBefore' | 'replayers'> {
  const operators = operatorsOfList(list);
  return {
    keysOf: (org) => keysOfList(list, org),
    replayers: () => operators,
    maxSkewMs: list.maxClockSkewMs,
    ...(list.v1StoredBefore === undefined ? {} : { v1StoredBefore: Date.parse(list.v1StoredBefore) }),
  };
}
