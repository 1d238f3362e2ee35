import { idToken, KvBucket, StreamName, subjects } from '@relay/wire';
import { inboxPrefixOf, type Permissions, pullOnly, readBucket, SERVICE_BASE } from './permissions.js';

/**
 * The courier (decision 0127): pulls from and acks the two consumers of each
 * hotline that receives by webhook, exactly as that hotline would over NATS,
 * reads the directory (endpoints, signer list), and stores what it gives up
 * on in its own DLQ subject. It publishes nothing else: no referral, notice
 * or status, and it touches no other tenant's consumer.
 */
export function courierPermissions(webhookHotlines: readonly string[]): Permissions {
  const ids = [...new Set(webhookHotlines.map((h) => idToken('hotline', h)))].sort();
  return {
    publish: {
      allow: [
        ...SERVICE_BASE,
        subjects.dlq('courier'),
        ...readBucket(KvBucket.Directory),
        ...ids.flatMap((id) => [...pullOnly(StreamName.Referrals, `hotline-${id}`), ...pullOnly(StreamName.Notices, `hotline-${id}-notices`)]),
      ],
    },
    subscribe: { allow: [`${inboxPrefixOf('service', 'courier')}.>`] },
  };
}
