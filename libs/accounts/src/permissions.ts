import { countryToken, idToken, INBOX_ROOT, KvBucket, SIGNERS_DIRECT_GET, StreamName, SubjectRoot, subjects } from '@relay/wire';

/** Publish and subscribe rights of one NATS user. */
export interface Permissions {
  readonly publish: { readonly allow: readonly string[]; readonly deny?: readonly string[] };
  readonly subscribe: { readonly allow: readonly string[]; readonly deny?: readonly string[] };
}

/** The role token of an inbox, from the user's role. */
export type InboxRole = 'hotline' | 'police' | 'authority' | 'service' | 'operator' | 'admin' | 'break-glass';

/**
 * Inbox prefix of a user, `_INBOX.<role>.<user>`: its replies arrive there and
 * nowhere else. Nothing else lives under `_INBOX.` and no stream captures it,
 * so a service that answers requests is allowed to publish to the requesters'
 * inboxes and nowhere else (no `allow_responses`, which lets a requester steer
 * a reply onto any subject, `$JS.API.STREAM.PURGE.*` included).
 */
export function inboxPrefixOf(role: InboxRole, user: string): string {
  return `${INBOX_ROOT}.${role}.${user}`;
}

const api = '$JS.API';

/** Rights to pull from and ack exactly one durable consumer, and nothing else in JetStream. */
function pullOnly(stream: string, durable: string): string[] {
  return [`${api}.CONSUMER.INFO.${stream}.${durable}`, `${api}.CONSUMER.MSG.NEXT.${stream}.${durable}`, `$JS.ACK.${stream}.${durable}.>`];
}

/**
 * A service's own durable consumer: it may create it and bring it to its
 * settings (create with a name is also the update), read its state, pull and
 * ack. Never delete it, never touch another consumer.
 */
function ownConsumer(stream: string, durable: string): string[] {
  return [
    `${api}.CONSUMER.CREATE.${stream}.${durable}`,
    `${api}.CONSUMER.CREATE.${stream}.${durable}.>`,
    `${api}.CONSUMER.DURABLE.CREATE.${stream}.${durable}`,
    ...pullOnly(stream, durable),
  ];
}

/** A KV bucket the service owns: read it (below) and write its keys. The bucket itself is made by the admin identity. */
function ownBucket(bucket: KvBucket): string[] {
  return [`$KV.${bucket}.>`, ...readBucket(bucket)];
}

/**
 * Read a KV bucket: get keys, and follow it with the ephemeral ordered
 * consumers that watches and key listings use (and their flow control).
 */
function readBucket(bucket: KvBucket): string[] {
  const stream = `KV_${bucket}`;
  return [
    `${api}.DIRECT.GET.${stream}`,
    `${api}.DIRECT.GET.${stream}.>`,
    `${api}.STREAM.MSG.GET.${stream}`,
    `${api}.CONSUMER.CREATE.${stream}`,
    `${api}.CONSUMER.CREATE.${stream}.>`,
    `${api}.CONSUMER.INFO.${stream}.>`,
    `${api}.CONSUMER.MSG.NEXT.${stream}.>`,
    `${api}.CONSUMER.DELETE.${stream}.>`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/**
 * What every runtime service may do in JetStream besides its own consumers
 * and buckets: see that the streams it needs exist with the wanted settings
 * (read-only; the admin identity makes and changes them).
 */
const SERVICE_BASE = [`${api}.INFO`, `${api}.STREAM.INFO.*`];

/** The streams whose contents are the audit trail: nobody but break-glass may change them. */
const AUDIT_STREAMS = [StreamName.Audit, StreamName.AuditMirror];

/** The streams whose messages retention anonymises into ARCHIVE and then erases (decision 0106). */
const RETAINED_STREAMS = [StreamName.Referrals, StreamName.Notices, StreamName.Status];

/** Stream operations that destroy or rewrite history. */
const DESTROY = (stream: string): string[] => [
  `${api}.STREAM.DELETE.${stream}`,
  `${api}.STREAM.PURGE.${stream}`,
  `${api}.STREAM.MSG.DELETE.${stream}`,
];

/**
 * A hotline: submits reports only through `relay.intake.submit` (so the
 * gateway validates everything), publishes status only on its own subject, and
 * reads only its own referrals and its own notices, by pulling from the
 * consumers the broker made for it. Like every tenant, it may read the
 * public signer list (one key, by direct get) to verify what it receives.
 */
export function hotlinePermissions(hotline: string): Permissions {
  const id = idToken('hotline', hotline);
  return {
    publish: {
      allow: [
        subjects.intakeSubmit(),
        subjects.status(id),
        SIGNERS_DIRECT_GET,
        ...pullOnly(StreamName.Referrals, `hotline-${id}`),
        ...pullOnly(StreamName.Notices, `hotline-${id}-notices`),
      ],
    },
    subscribe: { allow: [`${inboxPrefixOf('hotline', `hotline-${id}`)}.>`] },
  };
}

/** A police liaison: receives only its own country's police notices. */
export function policePermissions(country: string): Permissions {
  const cc = countryToken(country).toLowerCase();
  return {
    publish: { allow: [SIGNERS_DIRECT_GET, ...pullOnly(StreamName.Notices, `police-${cc}`)] },
    subscribe: { allow: [`${inboxPrefixOf('police', `police-${cc}`)}.>`] },
  };
}

/**
 * A removal authority (NL: ATKM): receives only its own country's authority
 * notices (deadline escalations) and publishes its removal orders on its own
 * status subject (`relay.status.authority-<cc>`, decision 0095).
 */
export function authorityPermissions(country: string): Permissions {
  const cc = countryToken(country).toLowerCase();
  return {
    publish: { allow: [subjects.status(`authority-${cc}`), SIGNERS_DIRECT_GET, ...pullOnly(StreamName.Notices, `authority-${cc}`)] },
    subscribe: { allow: [`${inboxPrefixOf('authority', `authority-${cc}`)}.>`] },
  };
}

/** The runtime services. */
export type ServiceName = 'gateway' | 'locator' | 'dispatcher';

/**
 * A runtime service: exactly the subjects it publishes, its own consumers and
 * buckets, read-only stream info, and replies only into requesters' inboxes.
 * No service may create, update, purge or delete a stream, or create, change
 * or delete another identity's consumer.
 */
export function servicePermissions(service: ServiceName): Permissions {
  const inbox = `${inboxPrefixOf('service', service)}.>`;
  switch (service) {
    case 'gateway':
      return {
        publish: {
          allow: [
            ...SERVICE_BASE,
            `${SubjectRoot.Report}.>`,
            subjects.dlq('gateway'),
            // The report-id ledger (decision 0092) and the shared rate-limit counts (decision 0093): keys only.
            ...[KvBucket.Intake, KvBucket.RateLimits].flatMap((b) => [`$KV.${b}.>`, `${api}.DIRECT.GET.KV_${b}.>`, `${api}.STREAM.MSG.GET.KV_${b}`]),
            // A fileDetails joins its report, read by the sequence the ledger noted (decision 0101).
            `${api}.STREAM.MSG.GET.${StreamName.Reports}`,
            // Answers to intake requests: hotlines submit, operators may too.
            `${INBOX_ROOT}.hotline.>`,
            `${INBOX_ROOT}.operator.>`,
          ],
        },
        subscribe: { allow: [`${subjects.intakeSubmit()} gateway`, inbox] },
      };
    case 'locator':
      return {
        publish: {
          allow: [
            ...SERVICE_BASE,
            `${SubjectRoot.Hosting}.>`,
            subjects.dlq('locator'),
            // The directory's signers, to verify who published a report or recheck.
            ...readBucket(KvBucket.Directory),
            ...ownConsumer(StreamName.Reports, 'locator-reports'),
            ...ownConsumer(StreamName.Rechecks, 'locator-rechecks'),
          ],
        },
        subscribe: { allow: [inbox] },
      };
    case 'dispatcher':
      return {
        publish: {
          allow: [
            ...SERVICE_BASE,
            `${SubjectRoot.Referral}.>`,
            `${SubjectRoot.Notice}.>`,
            `${SubjectRoot.Recheck}.>`,
            subjects.dlq('dispatcher'),
            ...ownConsumer(StreamName.Hosting, 'dispatcher-hosting'),
            // A referral's hashes are read once from its report (decision 0094), by sequence.
            `${api}.STREAM.MSG.GET.${StreamName.Reports}`,
            // Every consumer on STATUS is the dispatcher's: one per hotline (decision 0090), made as the
            // directory changes, and the single one of earlier releases (read for its ack floor).
            ...[`CONSUMER.CREATE`, `CONSUMER.DURABLE.CREATE`, `CONSUMER.INFO`, `CONSUMER.MSG.NEXT`].map((op) => `${api}.${op}.${StreamName.Status}.>`),
            `$JS.ACK.${StreamName.Status}.>`,
            ...ownBucket(KvBucket.Cases),
            ...ownBucket(KvBucket.HostingHistory),
            ...ownBucket(KvBucket.Directory),
            // It may see whether every tenant's consumer exists (and says so when one is missing),
            // but only the admin identity creates or changes them.
            `${api}.CONSUMER.INFO.${StreamName.Referrals}.*`,
            `${api}.CONSUMER.INFO.${StreamName.Notices}.*`,
            // Retention (decision 0106): read by sequence, find every consumer's ack floor, copy
            // anonymised into ARCHIVE, erase the original. No consumer of its own on these streams.
            `${SubjectRoot.Archive}.>`,
            ...RETAINED_STREAMS.flatMap((s) => [`${api}.STREAM.MSG.GET.${s}`, `${api}.STREAM.MSG.DELETE.${s}`, `${api}.CONSUMER.LIST.${s}`]),
          ],
        },
        subscribe: { allow: [inbox] },
      };
  }
}

/**
 * A day-to-day operator: replay, inspect, tail, redrive, reroute, directory
 * changes, statistics and retention. Broad rights, but the audit trail is out
 * of reach (no update, which could shrink or seal it, purge or delete of AUDIT
 * or its mirror); the services' own state is read-only (no write to the case,
 * hosting, report-id or rate-limit buckets); and the intake is not theirs to
 * listen to: requests there carry the reporters' API keys, and a subscriber in
 * the gateway's queue group could answer with forged receipts.
 */
export function operatorPermissions(): Permissions {
  return {
    publish: {
      allow: ['>'],
      deny: [
        ...AUDIT_STREAMS.flatMap((s) => [...DESTROY(s), `${api}.STREAM.UPDATE.${s}`]),
        ...[KvBucket.Cases, KvBucket.HostingHistory, KvBucket.Intake, KvBucket.RateLimits].map((b) => `$KV.${b}.>`),
      ],
    },
    subscribe: { allow: ['>'], deny: [`${SubjectRoot.IntakeSubmit}`, `${SubjectRoot.IntakeSubmit}.>`] },
  };
}

/**
 * The bootstrap identity (`relay topology apply`, `relay dev`, the deploy
 * scripts, the testkit): creates and updates streams, buckets and every
 * consumer, including the tenants'. It deletes nothing, reads no message and
 * may not change the audit trail once it exists.
 */
export function adminPermissions(user: string): Permissions {
  return {
    publish: {
      allow: [
        `${api}.INFO`,
        `${api}.STREAM.NAMES`,
        `${api}.STREAM.LIST`,
        `${api}.STREAM.INFO.>`,
        `${api}.STREAM.CREATE.>`,
        `${api}.STREAM.UPDATE.>`,
        `${api}.CONSUMER.NAMES.>`,
        `${api}.CONSUMER.LIST.>`,
        `${api}.CONSUMER.INFO.>`,
        `${api}.CONSUMER.CREATE.>`,
        `${api}.CONSUMER.DURABLE.CREATE.>`,
      ],
      deny: AUDIT_STREAMS.map((s) => `${api}.STREAM.UPDATE.${s}`),
    },
    subscribe: { allow: [`${inboxPrefixOf('admin', user)}.>`] },
  };
}

/**
 * Break-glass: everything, for recovering from what the other identities may
 * not do (changing AUDIT's settings, deleting a stream). Its seed is kept
 * offline and every use is an incident (docs/operations.md).
 */
export function breakGlassPermissions(): Permissions {
  return { publish: { allow: ['>'] }, subscribe: { allow: ['>'] } };
}
