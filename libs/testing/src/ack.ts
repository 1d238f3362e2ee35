import { type Bus, type ConsumerSpec, ensureConsumer, pullDeliveries } from '@relay/bus';
import type { RelayTypeName } from '@relay/wire';

/**
 * Makes a tenant's consumer (as `relay topology apply` does) and acknowledges
 * its next `count` messages, as the tenant's system would: retention erases
 * only what the tenants acked (decision 0106).
 */
export async function ackAsTenant(bus: Bus, spec: ConsumerSpec, type: RelayTypeName, count = 1): Promise<void> {
  await ensureConsumer(bus, spec);
  const deliveries = await pullDeliveries(bus, { stream: spec.stream, durable: spec.durable, types: [type] });
  let acked = 0;
  for await (const d of deliveries) {
    await d.ack();
    if (++acked >= count) break;
  }
  await deliveries.close();
}
