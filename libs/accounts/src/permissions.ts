import { LEADER_ELECTED_ADVISORIES, type TenantList, tenantConsumerSpecs } from '@relay/bus';
import { countryToken, idToken, INBOX_ROOT, KvBucket, SIGNERS_DIRECT_GET, StreamName, SubjectRoot, subjectFilters, subjects } from '@relay/wire';

/** Publish and subscribe rights of one NATS user. */
export interface Permissions {
  readonly publish: { readonly allow: readonly string[]; readonly deny?: readonly string[] };
  readonly subscribe: { readonly allow: readonly string[]; readonly deny?: readonly string[] };
}

/** The role token of an inbox, from the user's role. */
export type InboxRole = 'hotline' | 'police' | 'authority' | 'service' | 'operator' | 'admin' | 'break-glass' | 'console';

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
export function pullOnly(stream: string, durable: string): string[] {
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
export function readBucket(bucket: KvBucket): string[] {
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
export const SERVICE_BASE = [`${api}.INFO`, `${api}.STREAM.INFO.*`];

/** The streams whose contents are the audit trail: nobody but break-glass may change them. */
const AUDIT_STREAMS = [StreamName.Audit, StreamName.AuditMirror];

/** The streams whose messages retention anonymises into ARCHIVE and then erases (decision 0106). */
const RETAINED_STREAMS = [StreamName.Referrals, StreamName.Notices, StreamName.Status];

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
export type ServiceName = 'gateway' | 'locator' | 'dispatcher' | 'watch' | 'console';

/**
 * A runtime service: exactly the subjects it publishes, its own consumers and
 * buckets, read-only stream info, and replies only into requesters' inboxes.
 * No service may create, update, purge or delete a stream, or create, change
 * or delete another identity's consumer. The gateway also publishes the
 * status updates of `statusHotlines` (`POST /v1/status`, decision 0130): each
 * hotline's own subject, never an authority's or operator's.
 */
export function servicePermissions(service: ServiceName, statusHotlines: readonly string[] = []): Permissions {
  const inbox = `${inboxPrefixOf('service', service)}.>`;
  switch (service) {
    case 'gateway':
      return {
        publish: {
          allow: [
            ...SERVICE_BASE,
            `${SubjectRoot.Report}.>`,
            subjects.dlq('gateway'),
            ...statusHotlines.map((h) => subjects.status(idToken('hotline', h))),
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
            // Open cases' last addresses, rechecked at once when the IP data moved them (decision 0120): read only.
            ...readBucket(KvBucket.Cases),
            ...ownConsumer(StreamName.Reports, 'locator-reports'),
            ...ownConsumer(StreamName.Rechecks, 'locator-rechecks'),
            // A repair request names a report whose observation was lost: read once by sequence (decision 0154).
            `${api}.STREAM.MSG.GET.${StreamName.Reports}`,
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
    case 'watch':
      return {
        publish: {
          allow: [
            ...SERVICE_BASE,
            // Relocation waves only (decision 0120): one kind of notice, to every audience, and nothing else.
            ...WAVE_NOTICE_SUBJECTS,
            subjects.dlq('watch'),
            // It reads the relocations the dispatcher told, on its own consumer, and keeps its waves.
            ...ownConsumer(StreamName.Notices, 'watch-notices'),
            ...ownBucket(KvBucket.Waves),
            // The directory: wave thresholds, hotlines, and the signers of the notices it reads.
            ...readBucket(KvBucket.Directory),
          ],
        },
        subscribe: { allow: [inbox] },
      };
    case 'console':
      // The web console's own connection (decision 0135): it sees that the streams exist, reads the
      // directory (its deadline policy, for the countdowns) and audits sign-ins under its own name.
      // Everything a person sees goes through a tenant's console user.
      return {
        publish: { allow: [...SERVICE_BASE, subjectFilters.audit('console'), `${api}.STREAM.MSG.GET.${StreamName.Audit}`, ...readBucket(KvBucket.Directory)] },
        subscribe: { allow: [inbox] },
      };
  }
}

/** The subjects of relocation-wave notices: `relay.notice.<CC>.police|authority.hoster-relocated`, `relay.notice.<CC>.hotline.<id>.hoster-relocated`. */
const WAVE_NOTICE_SUBJECTS = [
  `${SubjectRoot.Notice}.*.police.hoster-relocated`,
  `${SubjectRoot.Notice}.*.authority.hoster-relocated`,
  `${SubjectRoot.Notice}.*.hotline.*.hoster-relocated`,
];

/**
 * Read a stream with the ephemeral ordered consumers of libs/bus `readStream`
 * and KV watches: create one (always named, `oc_<nuid>_<n>`, so never the
 * unnamed create), see its state, pull from it, and answer the flow control
 * of a push one. No ack (ordered consumers take none), no delete (the server
 * drops them after five idle minutes).
 */
function orderedReads(stream: string): string[] {
  return [
    `${api}.CONSUMER.CREATE.${stream}.>`,
    `${api}.CONSUMER.INFO.${stream}.>`,
    `${api}.CONSUMER.MSG.NEXT.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/** The subjects that would let a reader create over (a create with an existing name is an update), or pull from, a durable consumer. */
export function durableTakeover(stream: string, durable: string): string[] {
  return [`${api}.CONSUMER.CREATE.${stream}.${durable}`, `${api}.CONSUMER.CREATE.${stream}.${durable}.>`, `${api}.CONSUMER.MSG.NEXT.${stream}.${durable}`];
}

/**
 * Every durable consumer whose name is known when the accounts are
 * generated: the tenants' (decision 0004), the locator's and the
 * dispatcher's, one on STATUS per sender (decision 0090: hotlines,
 * authorities, operators). The names are the services' (locator, dispatcher):
 * keep them in step.
 */
export function knownDurables(tenants: Tenants): { stream: string; durable: string }[] {
  const senders = [...tenants.hotlines.map((h) => h.id), ...tenants.authorityCountries.map((cc) => `authority-${countryToken(cc).toLowerCase()}`), ...tenants.operators.map((o) => `operator-${o}`)];
  return [
    ...tenantConsumerSpecs(tenants).map((c) => ({ stream: c.stream, durable: c.durable })),
    { stream: StreamName.Reports, durable: 'locator-reports' },
    { stream: StreamName.Rechecks, durable: 'locator-rechecks' },
    { stream: StreamName.Hosting, durable: 'dispatcher-hosting' },
    { stream: StreamName.Notices, durable: 'watch-notices' },
    { stream: StreamName.Status, durable: 'dispatcher-status' },
    ...senders.map((id) => ({ stream: StreamName.Status, durable: `dispatcher-status-${id}` })),
  ];
}

/** Who gets a NATS user: the tenants from the directory (`tenantsOf`), the services, the operators. */
export interface Tenants extends TenantList {
  /** Hotlines (ids) whose referrals and notices the courier POSTs by webhook (decision 0127); none when absent. */
  readonly webhookHotlines?: readonly string[];
  /** Operator names (lower-case ids, without the `operator-` of their user names). */
  readonly operators: readonly string[];
}

/** The contract subjects a replay or a DLQ redrive may publish to, and retention's archive (never the DLQ or AUDIT). */
const REPUBLISHED = [SubjectRoot.Report, SubjectRoot.Hosting, SubjectRoot.Referral, SubjectRoot.Notice, SubjectRoot.Status, SubjectRoot.Recheck, SubjectRoot.Archive];

/**
 * A day-to-day operator `user` (`operator-alice`): exactly what the `relay`
 * verbs use, each listed in decision 0113. It reads every relay stream (stream
 * info, one message by sequence, ordered consumers: tail, inspect, stats,
 * replay's selection, reconcile, audit) and the case and directory buckets;
 * re-publishes on the contract's subjects (replay, DLQ redrive, reroute's
 * manual rechecks, retention's archive); deletes single messages of DLQ
 * (redrive) and of REFERRALS, NOTICES and STATUS (retention); writes the directory
 * bucket (directory apply); submits on the intake; appends audit records
 * under its own name only, `relay.audit.<user>.*` (decision 0112); and hears
 * streams' leader elections (`relay audit --follow`, decision 0155). It may not
 * change any stream or the audit trail, write the case, hosting, report-id or
 * rate-limit buckets, touch a durable consumer (a create over one would
 * widen a tenant's filter, a pull would steal its deliveries), subscribe
 * anywhere else but its own inbox (so not on the intake, where the reporters' API
 * keys travel and a queue subscriber could forge receipts), or publish as
 * another user. Break-glass does what this refuses.
 */
export function operatorPermissions(user: string, tenants: Tenants): Permissions {
  const id = idToken('operator', user);
  const streams = Object.values(StreamName);
  return {
    publish: {
      allow: [
        `${api}.INFO`,
        // What `nats stream report` and `nats stream ls` read (docs/operations.md): names, settings, states.
        `${api}.STREAM.NAMES`,
        `${api}.STREAM.LIST`,
        ...streams.flatMap((s) => [
          `${api}.STREAM.INFO.${s}`,
          `${api}.STREAM.MSG.GET.${s}`,
          `${api}.CONSUMER.NAMES.${s}`,
          `${api}.CONSUMER.LIST.${s}`,
          ...orderedReads(s),
        ]),
        ...[StreamName.Dlq, ...RETAINED_STREAMS].map((s) => `${api}.STREAM.MSG.DELETE.${s}`),
        ...[KvBucket.Cases, KvBucket.Directory].map((b) => `${api}.STREAM.INFO.KV_${b}`),
        ...readBucket(KvBucket.Cases),
        ...ownBucket(KvBucket.Directory),
        subjects.intakeSubmit(),
        ...REPUBLISHED.map((root) => `${root}.>`),
        subjectFilters.audit(id),
      ],
      deny: knownDurables(tenants).flatMap((c) => durableTakeover(c.stream, c.durable)),
    },
    // Leader elections (metadata only): `relay audit --follow` audits after each (decision 0155).
    subscribe: { allow: [`${inboxPrefixOf('operator', id)}.>`, LEADER_ELECTED_ADVISORIES] },
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
