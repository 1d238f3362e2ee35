import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookDelivery } from '@relay/directory';
import type { EndpointSecrets } from './endpoint.js';
import { DeliveryError, DeliveryErrorCode } from './errors.js';
import { webhookKey } from './signature.js';

/**
 * Reads an endpoint's secrets from the files its directory entry names in
 * `folder` (decision 0125): `secretRef` holds the `whsec_` secret,
 * `clientCertRef` one PEM file with the client certificate and its key.
 * The directory holds only the names; the references are file names without
 * a path (the schema allows no `/`), so no entry can point outside `folder`.
 * @throws DeliveryError (webhook-secret) when a file is missing or not a valid secret.
 */
export function readEndpointSecrets(folder: string, delivery: WebhookDelivery): EndpointSecrets {
  const read = (ref: string): string => {
    try {
      return readFileSync(join(folder, ref), 'utf8');
    } catch (err) {
      throw new DeliveryError(DeliveryErrorCode.Secret, `secret ${ref} cannot be read from the secrets folder`, { retryable: false, cause: err });
    }
  };
  let key: Buffer;
  try {
    key = webhookKey(read(delivery.secretRef));
  } catch (err) {
    if (err instanceof DeliveryError) throw err;
    throw new DeliveryError(DeliveryErrorCode.Secret, `secret ${delivery.secretRef}: ${(err as Error).message}`, { retryable: false, cause: err });
  }
  if (delivery.clientCertRef === undefined) return { key };
  const pem = read(delivery.clientCertRef);
  return { key, clientCert: { cert: pem, key: pem } };
}
