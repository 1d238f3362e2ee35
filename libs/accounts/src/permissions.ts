import { countryToken, idToken, StreamName, SubjectRoot, subjects } from '@relay/wire';

/** Publish and subscribe rights of one NATS user. */
export interface Permissions {
  readonly publish: { readonly allow: readonly string[]; readonly deny?: readonly string[] };
  readonly subscribe: { readonly allow: readonly string[]; readonly deny?: readonly string[] };
  /** May answer requests it received (and only those, beyond `publish.allow`). */
  readonly allowResponses?: boolean;
}

/** Inbox prefix of a user: its replies arrive there and nowhere else. */
export function inboxPrefixOf(user: string): string {
  return `_INBOX_${user.replaceAll('-', '_')}`;
}

/** Rights to pull from and ack exactly one durable consumer, and nothing else in JetStream. */
function pullOnly(stream: string, durable: string): string[] {
  return [`$JS.API.CONSUMER.INFO.${stream}.${durable}`, `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`, `$JS.ACK.${stream}.${durable}.>`];
}

/** Streams and KV of every service may be read and created, never deleted or purged. */
const NO_DESTRUCTION = ['$JS.API.STREAM.DELETE.>', '$JS.API.STREAM.PURGE.>', '$JS.API.STREAM.MSG.DELETE.>'];
const KV = (bucket: string): string[] => [`$KV.${bucket}.>`, `$JS.API.DIRECT.GET.KV_${bucket}.>`];

/**
 * A hotline: submits reports only through `relay.intake.submit` (so the
 * gateway validates everything), publishes status only on its own subject, and
 * reads only its own referrals and its country's hotline notices, by pulling
 * from the consumers the broker made for it.
 */
export function hotlinePermissions(hotline: string): Permissions {
  const id = idToken('hotline', hotline);
  return {
    publish: {
      allow: [
        subjects.intakeSubmit(),
        subjects.status(id),
        ...pullOnly(StreamName.Referrals, `hotline-${id}`),
        ...pullOnly(StreamName.Notices, `hotline-${id}-notices`),
      ],
    },
    subscribe: { allow: [`${inboxPrefixOf(`hotline-${id}`)}.>`] },
  };
}

/** A police liaison: receives only its own country's police notices. */
export function policePermissions(country: string): Permissions {
  const cc = countryToken(country).toLowerCase();
  return {
    publish: { allow: pullOnly(StreamName.Notices, `police-${cc}`) },
    subscribe: { allow: [`${inboxPrefixOf(`police-${cc}`)}.>`] },
  };
}

/** The services: what each one publishes, serves and manages, and no destruction. */
export function servicePermissions(service: 'gateway' | 'locator' | 'dispatcher'): Permissions {
  const common = ['$JS.API.INFO', '$JS.API.STREAM.INFO.>', '$JS.API.STREAM.CREATE.>', '$JS.API.STREAM.UPDATE.>', '$JS.API.STREAM.MSG.GET.>', '$JS.API.CONSUMER.>', '$JS.ACK.>'];
  const inbox = `${inboxPrefixOf(service)}.>`;
  switch (service) {
    case 'gateway':
      return {
        publish: { allow: [...common, `${SubjectRoot.Report}.>`, `${SubjectRoot.Dlq}.gateway`], deny: NO_DESTRUCTION },
        subscribe: { allow: [`${subjects.intakeSubmit()} gateway`, subjects.intakeSubmit(), inbox] },
        allowResponses: true,
      };
    case 'locator':
      return {
        publish: { allow: [...common, `${SubjectRoot.Hosting}.>`, `${SubjectRoot.Dlq}.locator`], deny: NO_DESTRUCTION },
        subscribe: { allow: [inbox] },
      };
    case 'dispatcher':
      return {
        publish: {
          allow: [
            ...common,
            `${SubjectRoot.Referral}.>`,
            `${SubjectRoot.Notice}.>`,
            `${SubjectRoot.Recheck}.>`,
            `${SubjectRoot.Dlq}.dispatcher`,
            ...KV('relay-cases'),
            ...KV('relay-hosting'),
            ...KV('relay-directory'),
          ],
          deny: NO_DESTRUCTION,
        },
        subscribe: { allow: [inbox] },
      };
  }
}

/**
 * An operator: replay, inspect, redrive, reroute, directory changes. Full
 * JetStream rights except purging or deleting the AUDIT stream (which also
 * refuses it by configuration).
 */
export function operatorPermissions(): Permissions {
  return {
    publish: {
      allow: ['>'],
      deny: [`$JS.API.STREAM.DELETE.${StreamName.Audit}`, `$JS.API.STREAM.PURGE.${StreamName.Audit}`, `$JS.API.STREAM.MSG.DELETE.${StreamName.Audit}`],
    },
    subscribe: { allow: ['>'] },
  };
}
