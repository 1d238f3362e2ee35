import { type Bus, openJsonBucket } from '@relay/bus';
import { caseIdOf } from '@relay/cases';
import { waitFor } from '@relay/testkit';
import { KvBucket } from '@relay/wire';
import { expect } from 'vitest';

/** The part of a stored case a hostile test looks at: each test names the fields it reads. */
export interface CaseView {
  readonly routing?: unknown;
}

/** The stored case `caseId`, read as `reader` (an operator). */
export async function caseOf<C extends CaseView>(reader: Bus, caseId: string): Promise<C | undefined> {
  return (await (await openJsonBucket<C>(reader, KvBucket.Cases)).get(caseId))?.value;
}

/**
 * Submits a one-URL native report for `host` to the gateway at `gatewayUrl` with `apiKey` (its
 * source report id `<idPrefix>-<first label of host>`) and waits until its case is routed, read as `reader`.
 */
export async function routedCase<C extends CaseView>(
  gatewayUrl: string,
  reader: Bus,
  apiKey: string,
  idPrefix: string,
  host: string,
): Promise<{ caseId: string; routing: NonNullable<C['routing']> }> {
  const url = `http://${host}/gallery/1`;
  const res = await fetch(`${gatewayUrl}/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sourceReportId: `${idPrefix}-${host.split('.')[0]}`, urls: [url] }),
  });
  expect(res.status).toBe(202);
  const caseId = caseIdOf(url);
  const routing = await waitFor(async () => (await caseOf<C>(reader, caseId))?.routing as NonNullable<C['routing']> | undefined, { what: `the case of ${url} to be routed` });
  return { caseId, routing };
}
