import type { Directory } from './directory.js';
import type { WebhookDelivery } from './schema.js';

/** A confirmed hotline that receives by webhook: the courier reads its consumers for it (decision 0125). */
export interface WebhookTenant {
  readonly hotline: string;
  /** Its country; undefined for the fallback recipient, whose notices come from every country. */
  readonly country: string | undefined;
  readonly delivery: WebhookDelivery;
}

/**
 * The hotlines whose directory entry asks for webhook delivery, among those
 * that are tenants (confirmed members and the fallback recipient).
 */
export function webhookTenants(directory: Directory): WebhookTenant[] {
  const d = directory.data;
  const out: WebhookTenant[] = [];
  for (const h of d.hotlines) {
    if (h.delivery === undefined) continue;
    const fallback = h.id === d.fallback.recipient;
    if (!fallback && !directory.confirmed(h.id)) continue;
    out.push({ hotline: h.id, country: fallback ? undefined : h.country, delivery: h.delivery });
  }
  return out;
}
