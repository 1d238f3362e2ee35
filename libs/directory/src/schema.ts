import { COUNTRY_CODE, COUNTRY_CODE_RULE, durationSchema } from '@relay/wire';
import { z } from 'zod';

const ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

const id = z.string().regex(ID, 'must be 1-64 characters of [a-z0-9-] (a subject token)');
const country = z.string().regex(COUNTRY_CODE, COUNTRY_CODE_RULE);
const sourceRefs = z.array(z.string().min(1)).describe('ids of provenance.sources');
const text = z.string().min(1);

const secretRef = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,127}$/, 'must be a file name of [a-z0-9._-] (a reference into the courier\'s secrets folder)');

/**
 * Webhook delivery of a hotline's referrals and notices (decision 0125).
 * Secrets travel by reference only: the names of files in the courier's
 * secrets folder, never the secret itself.
 */
const webhookDeliverySchema = z.strictObject({
  kind: z.literal('webhook'),
  /** The endpoint: https, or http to a loopback address only with `allowPrivate` (the dev stack). */
  url: z.url({ protocol: /^https?$/ }),
  /** File holding the Standard Webhooks secret (`whsec_<base64>`). */
  secretRef: secretRef,
  /** File holding the client certificate and its key (PEM) for mutual TLS. */
  clientCertRef: secretRef.optional(),
  /** The operator allows a private, loopback or link-local address for this endpoint. Default false. */
  allowPrivate: z.boolean().optional(),
});

/** Where a fact in the directory comes from. */
const sourceSchema = z.strictObject({ id: text, where: text, what: text });

/**
 * INHOPE membership as the sources support it: `member` when a source calls
 * the organisation an INHOPE member hotline, `unknown` when none does.
 * Only `member` hotlines are routed to unless `routing` names one explicitly
 * (decision 0030).
 */
export const Membership = { Member: 'member', Unknown: 'unknown' } as const;
export type Membership = (typeof Membership)[keyof typeof Membership];

const hotlineSchema = z.strictObject({
  id,
  country,
  name: text,
  website: z.url().optional(),
  membership: z.enum([Membership.Member, Membership.Unknown]),
  sources: sourceRefs.min(1),
  note: text.optional(),
  /** How the hotline receives referrals and notices when not over NATS (decision 0125): the courier POSTs them. */
  delivery: webhookDeliverySchema.optional(),
});

const authoritySchema = z.strictObject({
  id,
  country,
  name: text,
  website: z.url().optional(),
  /** True when it can order a hoster to remove content: it receives deadline escalations. */
  removalOrders: z.boolean(),
  role: text,
  note: text.optional(),
  sources: sourceRefs,
});

const policeSchema = z.strictObject({ country, name: text, note: text.optional(), sources: sourceRefs });

const deadlinePolicySchema = z.strictObject({
  /** Removal due this long after the hotline's notice to the hoster (ICCAM ISP). */
  afterHosterNotice: durationSchema,
  /** Removal due this long after an authority's removal order. */
  afterAuthorityOrder: durationSchema,
  note: text.optional(),
  sources: sourceRefs,
});

/**
 * When relocations of one hoster's open cases from one country to another are
 * a wave (issue 18, decision 0120): at least `minCases` cases, or cases on at
 * least `minDomains` registrable domains, whose moves follow each other within
 * `window`.
 */
const hosterWavePolicySchema = z.strictObject({
  minCases: z.number().int().min(2).max(1_000_000),
  minDomains: z.number().int().min(2).max(1_000_000),
  window: durationSchema,
  note: text.optional(),
});

/** The policy in force where the directory names none (decision 0120). */
export const DEFAULT_HOSTER_WAVE_POLICY = Object.freeze({ minCases: 20, minDomains: 10, window: 6 * 60 * 60 * 1000 });

const nkey = z.string().regex(/^U[A-Z2-7]{55}$/, 'must be a public user nkey (U...)');
const instant = z.iso.datetime({ offset: true });

/** A signing key: a plain public nkey (valid for ever) or one with a validity window. */
const signerKeySchema = z.union([
  nkey,
  z
    .strictObject({ key: nkey, notBefore: instant.optional(), notAfter: instant.optional() })
    .refine((k) => k.notBefore === undefined || k.notAfter === undefined || Date.parse(k.notBefore) < Date.parse(k.notAfter), 'notBefore must be before notAfter'),
]);

const signingSchema = z.strictObject({
  /** A signing time later than a verifier's clock plus this is refused. Default 5m. */
  maxClockSkew: durationSchema.optional(),
  /**
   * v1 signatures (decision 0007: neither subject nor signing time) are
   * accepted on messages their stream stored before this instant; absent,
   * never (decision 0102).
   */
  v1StoredBefore: instant.optional(),
});

/** The directory file: what `relay directory apply` stores and operators edit. */
export const directorySchema = z.strictObject({
  version: z.literal(1),
  provenance: z.strictObject({
    /** When the list was compiled (ISO 8601 date or month). */
    compiledAt: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'must be YYYY-MM or YYYY-MM-DD'),
    summary: text,
    sources: z.array(sourceSchema).min(1),
  }),
  hotlines: z.array(hotlineSchema).min(1),
  /** Which hotline takes the cases of a country, where the choice is not obvious. */
  routing: z.record(country, z.strictObject({ hotline: id, note: text.optional() })).default({}),
  authorities: z.array(authoritySchema).default([]),
  police: z.array(policeSchema).default([]),
  deadlines: z.strictObject({
    default: deadlinePolicySchema,
    byCountry: z.record(country, deadlinePolicySchema).default({}),
  }),
  /**
   * Public nkeys (U...) each organisation signs its messages with
   * (`Relay-Signer`), by organisation id: hotlines, `gateway`, `locator`,
   * `dispatcher`. Several keys during a rotation. A plain key is valid for
   * ever; `{key, notBefore?, notAfter?}` only from `notBefore` (inclusive) to
   * `notAfter` (exclusive) signing time. When present, consumers refuse messages
   * not signed by the organisation that must have sent them, with a key valid
   * when they were signed.
   */
  signers: z.record(id, z.array(signerKeySchema).min(1)).default({}),
  /** Relocation-wave thresholds per country the cases leave, and their default (decision 0120). */
  hosterWaves: z
    .strictObject({ default: hosterWavePolicySchema, byCountry: z.record(country, hosterWavePolicySchema).default({}) })
    .default({ default: DEFAULT_HOSTER_WAVE_POLICY, byCountry: {} }),
  /** Provenance settings (signed form v2, decision 0102). */
  signing: signingSchema.optional(),
  /** Where cases go when the hosting country has no routable hotline. */
  fallback: z.strictObject({ recipient: id, name: text, note: text.optional(), sources: sourceRefs }),
});

/** The directory as stored and edited (durations as text, e.g. `24h`). */
export type DirectoryFile = z.input<typeof directorySchema>;
/** The validated directory, durations in ms. */
export type DirectoryData = z.output<typeof directorySchema>;
/** How a hotline wants its referrals and notices POSTed (decision 0125). */
export type WebhookDelivery = z.output<typeof webhookDeliverySchema>;
/** One hotline. */
export type HotlineEntry = DirectoryData['hotlines'][number];
/** A removal authority or regulator of a country. */
export type AuthorityEntry = DirectoryData['authorities'][number];
/** The police liaison of a country. */
export type PoliceEntry = DirectoryData['police'][number];
/** Removal deadlines of a country, ms. */
export type DeadlinePolicy = DirectoryData['deadlines']['default'];
/** Relocation-wave thresholds of a country, `window` in ms. */
export type HosterWavePolicy = DirectoryData['hosterWaves']['default'];
/** The route for countries without a routable hotline. */
export type FallbackRoute = DirectoryData['fallback'];
