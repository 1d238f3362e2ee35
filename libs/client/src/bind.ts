import { type Bus, type ConsumerSpec, type Deliveries, pullDeliveries } from '@relay/bus';
import type { RelayMessageMap, RelayTypeName } from '@relay/wire';
import { ConsumerMissingError } from './errors.js';

/**
 * Opens a tenant's consumer for reading, creating it first only when
 * `create` is set (development servers).
 * @throws ConsumerMissingError when it does not exist or may not be read.
 */
export async function bindTenantConsumer<K extends RelayTypeName>(
  bus: Bus,
  spec: ConsumerSpec,
  type: K,
  create: boolean,
): Promise<Deliveries<RelayMessageMap[K]>> {
  try {
    return await pullDeliveries(bus, { stream: spec.stream, durable: spec.durable, types: [type], ...(create ? { create: spec } : {}) });
  } catch (err) {
    throw new ConsumerMissingError(spec.durable, err);
  }
}
