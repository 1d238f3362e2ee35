import { type Bus, type ConsumerSpec, type Deliveries, pullDeliveries } from '@relay/bus';
import type { RelayMessageMap, RelayTypeName } from '@relay/wire';
import { ConsumerMissingError } from './errors.js';
import { type ProvenanceOptions, receiveCheck } from './provenance.js';

/**
 * Opens a tenant's consumer for reading, creating it first only when
 * `create` is set (development servers). Every message is verified first
 * (signed by the dispatcher with a key valid when it signed, over this very
 * subject); a refused one is terminated and reported, never handed over.
 * @throws DirectoryKeyRequiredError without `provenance.directoryKey` (nor a signer list, nor verification off).
 * @throws SignersUnavailableError when verifying and there is no signer list (fail closed).
 * @throws ConsumerMissingError when it does not exist or may not be read.
 */
export async function bindTenantConsumer<K extends RelayTypeName>(
  bus: Bus,
  spec: ConsumerSpec,
  type: K,
  create: boolean,
  provenance: ProvenanceOptions,
): Promise<Deliveries<RelayMessageMap[K]>> {
  const check = await receiveCheck(bus, provenance);
  try {
    return await pullDeliveries(bus, {
      stream: spec.stream,
      durable: spec.durable,
      types: [type],
      onRefused: check.onRefused,
      ...(check.verify ? { verify: check.verify } : {}),
      ...(create ? { create: spec } : {}),
    });
  } catch (err) {
    throw new ConsumerMissingError(spec.durable, err);
  }
}
