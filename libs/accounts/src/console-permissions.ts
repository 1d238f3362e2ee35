import { countryToken, idToken, SIGNERS_DIRECT_GET, StreamName, subjectFilters, subjects } from '@relay/wire';
import { durableTakeover, inboxPrefixOf, knownDurables, type Permissions, type Tenants } from './permissions.js';

const api = '$JS.API';

/** What a console user reads: ordered consumers on one stream, each created with exactly `filter` (the server checks the filter in the subject against the request, from 2.9 on). */
export interface ConsoleRead {
  readonly stream: StreamName;
  readonly filter: string;
}

/**
 * Ordered consumers whose filter is fixed in the create subject
 * (`$JS.API.CONSUMER.CREATE.<stream>.<name>.<filter>`): a create with any
 * other filter, or without one, is refused by the server. Pulls and info on
 * the stream's consumers by name; the tenants' durables are denied apart.
 */
function filteredReads(read: ConsoleRead): string[] {
  return [
    `${api}.STREAM.INFO.${read.stream}`,
    `${api}.CONSUMER.CREATE.${read.stream}.*.${read.filter}`,
    `${api}.CONSUMER.INFO.${read.stream}.*`,
    `${api}.CONSUMER.MSG.NEXT.${read.stream}.*`,
    `$JS.FC.${read.stream}.>`,
  ];
}

/** The tenant a console user serves and what its people may read (the same as the tenant's own consumers) and publish. */
export type ConsoleTenant =
  | { readonly kind: 'hotline'; readonly hotline: string }
  | { readonly kind: 'police'; readonly country: string }
  | { readonly kind: 'authority'; readonly country: string };

/** The streams and filters a console tenant reads: exactly what the tenant's own durable consumers select (decision 0004), and its own status updates. */
export function consoleReads(tenant: ConsoleTenant): ConsoleRead[] {
  switch (tenant.kind) {
    case 'hotline': {
      const hotline = idToken('hotline', tenant.hotline);
      return [
        { stream: StreamName.Referrals, filter: subjectFilters.referrals({ hotline }) },
        { stream: StreamName.Notices, filter: subjectFilters.notices({ hotline }) },
        { stream: StreamName.Status, filter: subjects.status(hotline) },
      ];
    }
    case 'police':
      return [{ stream: StreamName.Notices, filter: `relay.notice.${countryToken(tenant.country)}.police.*` }];
    case 'authority': {
      const cc = countryToken(tenant.country);
      return [
        { stream: StreamName.Notices, filter: `relay.notice.${cc}.authority.*` },
        { stream: StreamName.Status, filter: subjects.status(`authority-${cc.toLowerCase()}`) },
      ];
    }
  }
}

/**
 * A console user `user` (`console-hotline-eokm`, `console-police-nl`):
 * the web console serves a tenant's people only through it (decision 0135),
 * so it reads no more than the tenant does, with ordered consumers whose
 * filters the broker fixes; a hotline's also publishes the hotline's status
 * updates (the ICCAM buttons) and an authority's its orders. Every user
 * appends audit records under its own name. No durable consumer may be
 * pulled or changed, so the tenant's own system loses nothing.
 */
export function consoleTenantPermissions(user: string, tenant: ConsoleTenant, tenants: Tenants): Permissions {
  const id = idToken('console user', user);
  const reads = consoleReads(tenant);
  const publishes =
    tenant.kind === 'hotline'
      ? [subjects.status(idToken('hotline', tenant.hotline))]
      : tenant.kind === 'authority'
        ? [subjects.status(`authority-${countryToken(tenant.country).toLowerCase()}`)]
        : [];
  return {
    publish: {
      allow: [
        `${api}.INFO`,
        SIGNERS_DIRECT_GET,
        ...reads.flatMap(filteredReads),
        ...publishes,
        subjectFilters.audit(id),
        `${api}.STREAM.MSG.GET.${StreamName.Audit}`,
      ],
      deny: knownDurables(tenants).flatMap((c) => durableTakeover(c.stream, c.durable)),
    },
    subscribe: { allow: [`${inboxPrefixOf('console', id)}.>`] },
  };
}
