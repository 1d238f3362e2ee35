import { getStoredMessage, streamState } from '@relay/bus';
import { DEMO_KEYS } from '@relay/testing';
import { decodeMessage, deriveId, Header, RelayType, StatusAction, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.dispose();
});

const caseId = deriveId('case', 'http://images.example.nl/gallery/1');
const referralId = deriveId('ref', caseId, 1);

async function post(key: string, body: unknown, type = 'application/json') {
  const res = await t.gateway.http.inject({
    method: 'POST',
    url: '/v1/status',
    headers: { authorization: `Bearer ${key}`, 'content-type': type },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, json: res.json<Record<string, unknown>>() };
}

const statusCount = async (): Promise<number> => (await streamState(t.bus, StreamName.Status))?.messages ?? 0;

describe('POST /v1/status', () => {
  it("stores a hotline's update on its own status subject with the idempotency key a NATS publish uses", async () => {
    const body = { id: 'eokm-42-isp', referralId, caseId, action: 'STATUS_ACTION_ISP', occurredAt: '2026-11-02T09:15:00Z', note: 'NTD sent to the hoster' };
    const first = await post(DEMO_KEYS.eokm, body);
    expect(first.status).toBe(202);
    expect(first.json).toMatchObject({ statusId: 'eokm-42-isp', hotline: 'eokm', stream: 'STATUS', duplicate: false });

    const stored = await getStoredMessage(t.bus, StreamName.Status, first.json['seq'] as number);
    expect(stored?.subject).toBe('relay.status.eokm');
    expect(stored?.headers[Header.MsgId]).toBe('eokm:eokm-42-isp');
    expect(stored?.headers[Header.Origin]).toBe('eokm');
    expect(stored?.headers[Header.Type]).toBe(RelayType.StatusUpdate);
    const update = decodeMessage(RelayType.StatusUpdate, stored?.data ?? new Uint8Array());
    expect(update).toMatchObject({ id: 'eokm-42-isp', hotline: 'eokm', referralId, caseId, action: StatusAction.STATUS_ACTION_ISP, note: 'NTD sent to the hoster' });
    expect(update.occurredAt?.toISOString()).toBe('2026-11-02T09:15:00.000Z');

    const before = await statusCount();
    const again = await post(DEMO_KEYS.eokm, body);
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ seq: first.json['seq'], duplicate: true });
    expect(await statusCount()).toBe(before);
  });

  it('refuses a source that is not a hotline, an unknown key and a body naming another hotline, storing nothing', async () => {
    const before = await statusCount();
    const body = { id: 'x-1', referralId, caseId, action: 'STATUS_ACTION_CR' };
    const ncmec = await post(DEMO_KEYS.ncmec, body);
    expect(ncmec).toMatchObject({ status: 403, json: { rule: 'forbidden' } });
    const unknown = await post('demo-eokm-00000000000000000000000000000000', body);
    expect(unknown).toMatchObject({ status: 401, json: { rule: 'unauthenticated' } });
    const other = await post(DEMO_KEYS.eokm, { ...body, hotline: 'iwf' });
    expect(other).toMatchObject({ status: 403, json: { rule: 'forbidden', pointer: '/hotline' } });
    expect(await statusCount()).toBe(before);
  });

  it('answers what was wrong and where, for every field', async () => {
    const res = await post(DEMO_KEYS.iwf, { id: '', caseId: 'case_1', action: 'STATUS_ACTION_UNSPECIFIED', occurredAt: 'yesterday', priority: 'x' });
    expect(res.status).toBe(400);
    const errors = (res.json['errors'] as { pointer: string; rule: string }[]).map((e) => `${e.pointer} ${e.rule}`).sort();
    expect(errors).toEqual(['/action not-allowed-value', '/caseId format', '/id format', '/occurredAt format', '/priority unknown-field', '/referralId required']);

    expect(await post(DEMO_KEYS.iwf, '{"id": "a",')).toMatchObject({ status: 400, json: { rule: 'malformed-json' } });
    expect(await post(DEMO_KEYS.iwf, { id: 'a', referralId, caseId, action: 'STATUS_ACTION_CR', constructor: {} })).toMatchObject({
      status: 400,
      json: { rule: 'forbidden-key', pointer: '/constructor' },
    });
    expect(await post(DEMO_KEYS.iwf, { id: 'a', referralId, caseId, action: 'STATUS_ACTION_CR', note: 'data:image/png;base64,AAAA' })).toMatchObject({
      status: 400,
      json: { rule: 'content-not-accepted', pointer: '/note' },
    });
    expect(await post(DEMO_KEYS.iwf, '<status/>', 'application/xml')).toMatchObject({ status: 415, json: { rule: 'unsupported-media-type' } });
  });

  it('is documented in the OpenAPI document by the schema it validates with', async () => {
    const doc = (await t.gateway.ops.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, { post?: { requestBody: { content: Record<string, { schema: { $ref: string } }> }; responses: Record<string, unknown> } }>;
      components: { schemas: Record<string, { required?: string[]; additionalProperties?: boolean; properties: Record<string, { enum?: string[] }> }> };
    }>();
    const post = doc.paths['/v1/status']?.post;
    expect(post?.requestBody.content['application/json']?.schema.$ref).toBe('#/components/schemas/StatusUpdate');
    expect(Object.keys(post?.responses ?? {})).toEqual(['202', '400', '401', '403', '413', '415', '429', '503']);
    const schema = doc.components.schemas['StatusUpdate'];
    expect(schema?.required).toEqual(['id', 'referralId', 'caseId', 'action']);
    expect(schema?.additionalProperties).toBe(false);
    expect(schema?.properties['action']?.enum).toContain('STATUS_ACTION_CR');
    expect(schema?.properties['action']?.enum).not.toContain('STATUS_ACTION_UNSPECIFIED');
  });
});
