import { describe, expect, it } from 'vitest';
import { decodeIntakeAnswer, decodeIntakeReply, encodeIntakeReply, Header, IntakeRule, type Problem, problemType, type Receipt } from './index.js';

const receipt: Receipt = { reportId: 'rpt_1', source: 'ncmec', sourceReportId: '171234567', stream: 'REPORTS', seq: 7, dropped: ['/report/reporter'] };
const refusal: Problem = {
  type: problemType(IntakeRule.UrlScheme),
  title: 'Invalid report',
  status: 400,
  detail: '/urls/0: must be http or https',
  rule: IntakeRule.UrlScheme,
  pointer: '/urls/0',
  errors: [{ pointer: '/urls/0', rule: IntakeRule.UrlScheme, detail: 'must be http or https' }],
};

describe('the intake reply, written by the gateway and read by the client', () => {
  it('carries a receipt with Relay-Status 202 and reads it back equal', () => {
    const reply = encodeIntakeReply({ status: 202, receipt });
    expect(reply.headers).toEqual({ [Header.Status]: '202', 'Content-Type': 'application/json' });
    expect(decodeIntakeReply(reply)).toEqual({ status: 202, receipt });
  });

  it('carries a problem with its status, media type and Retry-After, and reads it back equal', () => {
    const reply = encodeIntakeReply({ status: 429, problem: { ...refusal, status: 429 } }, 30);
    expect(reply.headers).toEqual({ [Header.Status]: '429', 'Content-Type': 'application/problem+json', 'Retry-After': '30' });
    expect(decodeIntakeReply(reply)).toEqual({ status: 429, problem: { ...refusal, status: 429 } });
  });

  it('reads a receipt of a gateway older than `dropped` as nothing dropped', () => {
    const { dropped: _dropped, ...older } = receipt;
    expect(decodeIntakeAnswer(202, new TextEncoder().encode(JSON.stringify(older)))).toEqual({ status: 202, receipt: { ...older, dropped: [] } });
  });

  it('reads a reply that is neither as an internal problem with the status it had', () => {
    const garbled = decodeIntakeReply({ data: new TextEncoder().encode('<html>'), headers: { [Header.Status]: '503' } });
    expect(garbled).toMatchObject({ status: 503, problem: { status: 503, rule: IntakeRule.Internal } });
    expect(decodeIntakeReply({ data: new Uint8Array(), headers: {} })).toMatchObject({ status: 500, problem: { rule: IntakeRule.Internal } });
  });
});
