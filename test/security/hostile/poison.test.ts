// Issue 14, attack 3, carried out as hotline eokm would: a raw NATS client
// publishing on its own status subject, with header names that are property
// names of every JavaScript object and with sizes that leave no room for a DLQ
// entry. Against the generated accounts, with every service as its own user.
import { jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { type Bus, consumerLag, headerValue, openJsonBucket, readStream, type StoredMessage } from '@relay/bus';
import { hotlineClient } from '@relay/client';
import { caseSchema, statusDurable } from '@relay/dispatcher';
import { waitFor } from '@relay/testkit';
import { decodeMessage, encodeMessage, Header, KvBucket, RelayType, type Referral, StatusAction, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEYS } from '../../e2e/harness/pipeline.js';
import { type HostileStack, startHostileStack } from './stack.js';

const HOSTILE = 'eokm';
const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'] as const;
const POISON = 300;
/** nats-server's default max_payload, which the stack keeps. */
const MAX_PAYLOAD = 1024 * 1024;
const VICTIM_URL = 'http://victim.example.de/gallery/1';

let stack: HostileStack;
let admin: Bus;

beforeAll(async () => {
  stack = await startHostileStack({ zone: { 'images.example.nl': ['185.107.56.1'], 'victim.example.de': ['88.198.1.1'] } });
  admin = await stack.busAs('break-glass');
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** Submits a report of a German URL as IWF and returns the referral the German hotline got. */
async function germanReferral(): Promise<Referral> {
  const res = await fetch(`${stack.gatewayUrl}/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEMO_KEYS.iwf}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sourceReportId: 'IWF-POISON-VICTIM', urls: [VICTIM_URL] }),
  });
  expect(res.status).toBe(202);
  return waitFor(
    async () => {
      for await (const m of readStream(admin, { stream: StreamName.Referrals, filterSubject: 'relay.referral.DE.*' })) {
        const r = decodeMessage(RelayType.Referral, m.data);
        if (r.url === VICTIM_URL) return r;
      }
      return undefined;
    },
    { timeoutMs: 30_000, what: 'the German referral' },
  );
}

/** What the hostile hotline sends: a well-formed but unsigned status about a case that is not its own. */
function poisonPayload(i: number): Uint8Array {
  return encodeMessage(RelayType.StatusUpdate, {
    id: `poison-${i}`,
    hotline: HOSTILE,
    referralId: 'ref_none',
    caseId: `case_${'0'.repeat(28)}${i.toString(16).padStart(4, '0')}`,
    action: StatusAction.STATUS_ACTION_CR,
    occurredAt: new Date(),
    note: '',
  });
}

function hostileHeaders(id: string, extra: Readonly<Record<string, string>>): MsgHdrs {
  const h = natsHeaders();
  h.set(Header.Type, RelayType.StatusUpdate);
  h.set(Header.MsgId, `${HOSTILE}:${id}`);
  for (const k of Object.keys(extra)) h.set(k, extra[k] ?? '');
  return h;
}

async function dlqOfHostile(): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  for await (const m of readStream(admin, { stream: StreamName.Dlq, filterSubject: subjects.dlq('dispatcher') })) {
    if (m.headers[Header.DlqSubject] === subjects.status(HOSTILE)) out.push(m);
  }
  return out;
}

describe('a hotline publishing poison statuses (attack 3)', () => {
  it('cannot stop another hotline’s status from being applied; every poison message is in the DLQ and terminated', async () => {
    const victim = await germanReferral();
    expect(victim.hotline).not.toBe(HOSTILE);

    const { nc } = await stack.probeAs(`hotline-${HOSTILE}`);
    const js = jetstream(nc);
    const subject = subjects.status(HOSTILE);
    for (let i = 0; i < POISON; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) => {
          const n = i + j;
          const name = NAMES[n % NAMES.length] ?? 'constructor';
          return js.publish(subject, poisonPayload(n), { headers: hostileHeaders(`poison-${n}`, { [name]: `hostile-${n}` }) });
        }),
      );
    }
    // Headers just under JetStream's 64 KiB: the DLQ entry's own headers push them over it.
    await js.publish(subject, poisonPayload(POISON), { headers: hostileHeaders('big-header', { 'X-Pad': 'x'.repeat(65_536 - 250) }) });
    // As large as the server takes: the DLQ entry (the same plus its own headers) is not.
    await js.publish(subject, new Uint8Array(MAX_PAYLOAD - 300).fill(0xff), { headers: hostileHeaders('big-payload', {}) });

    // Then the German hotline reports the notice to the hoster, signed, as its system would.
    const de = hotlineClient(await stack.busAs(`hotline-${victim.hotline}`), { hotline: victim.hotline, country: 'DE', provenance: { directoryKey: stack.accounts.directoryKey.publicKey } });
    await de.publishStatus({ id: 'isp-victim', referralId: victim.id, caseId: victim.caseId, action: StatusAction.STATUS_ACTION_ISP, occurredAt: new Date(), note: '' });
    const cases = await openJsonBucket(admin, KvBucket.Cases, (raw) => caseSchema.parse(raw));
    await waitFor(async () => (await cases.get(victim.caseId))?.value.deadline, { timeoutMs: 30_000, what: `the status of ${victim.hotline} to be applied` });

    const entries = await waitFor(
      async () => {
        const e = await dlqOfHostile();
        return e.length === POISON + 2 ? e : undefined;
      },
      { timeoutMs: 60_000, what: 'every poison message in the DLQ' },
    );
    await waitFor(async () => {
      const lag = await consumerLag(admin, StreamName.Status, statusDurable(HOSTILE));
      return lag?.pending === 0 && lag.ackPending === 0;
    }, { what: `${statusDurable(HOSTILE)} to have nothing pending` });

    const byMsgId = new Map(entries.map((e) => [e.headers[Header.DlqMsgId], e]));
    for (let n = 0; n < POISON; n++) {
      const entry = byMsgId.get(`${HOSTILE}:poison-${n}`);
      const name = NAMES[n % NAMES.length] ?? 'constructor';
      expect(entry && headerValue(entry.headers, name), `poison-${n}`).toBe(`hostile-${n}`);
      // Unsigned: refused by provenance, never applied.
      expect(entry?.headers[Header.Error]).toMatch(/^unsigned: /);
    }
    for (const id of ['big-header', 'big-payload']) {
      const entry = byMsgId.get(`${HOSTILE}:${id}`);
      expect(entry?.headers[Header.DlqMinimal], id).toBeDefined();
      expect(entry?.data.length).toBe(0);
    }
    // The services did all this within their rights.
    expect(stack.violations()).toEqual([]);
  }, 180_000);
});
