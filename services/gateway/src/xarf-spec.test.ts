import { CsamCategory, HashAlgorithm, IncidentType } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { fixture } from '../test/gateway.js';
import { decodeBody } from './decode.js';
import { readReport } from './read-report.js';

/** X-ARF v4 as its spec defines it: the official samples, extension fields, evidence, `_internal`, `ncmec_report_id`. */

const NOW = new Date('2026-11-02T10:00:00Z');

function read(doc: unknown) {
  const decoded = decodeBody(Buffer.from(JSON.stringify(doc)), 'application/vnd.xarf+json', 1024 * 1024);
  if (!decoded.ok) throw new Error(decoded.problem.detail);
  return readReport(decoded.format, decoded.tree, { source: 'iwf', now: NOW });
}

const csamSample = (): Record<string, unknown> => JSON.parse(fixture('xarf/official-content-csam.json')) as Record<string, unknown>;
const csemSample = (): Record<string, unknown> => JSON.parse(fixture('xarf/official-content-csem.json')) as Record<string, unknown>;

describe('the official X-ARF v4 samples', () => {
  it('accepts the csam sample: its text evidence is dropped unread, ncmec_report_id is kept', () => {
    const r = read(csamSample());
    if (!r.ok) throw new Error(JSON.stringify(r.problem));
    expect(r.report).toMatchObject({
      sourceReportId: 'b7ca7591-811e-4d40-83d9-dc043c08555d',
      incidentType: IncidentType.INCIDENT_TYPE_CHILD_PORNOGRAPHY,
      urls: ['https://example.com/illegal-content'],
      hashes: [{ algorithm: HashAlgorithm.HASH_ALGORITHM_SHA256, value: Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex') }],
      classification: { category: CsamCategory.CSAM_CATEGORY_A1 },
      ncmecReportId: '12345678',
    });
    expect(r.dropped).toEqual([
      '/reporter/domain',
      '/sender',
      '/source_identifier',
      '/domain',
      '/detection_method',
      '/media_type',
      '/content_removed',
      '/account_suspended',
      '/evidence',
      '/tags',
    ]);
    expect(JSON.stringify(r.report)).not.toContain('SGFzaCBtYXRjaCBub3RpZmljYXRpb24=');
  });

  it('accepts the csem sample, whose classification, media_type and file_hash are extension fields: ignored and listed', () => {
    const r = read(csemSample());
    if (!r.ok) throw new Error(JSON.stringify(r.problem));
    expect(r.report).toMatchObject({
      sourceReportId: '40daae21-fbe5-4b5d-bfb3-7ea6c2f82cae',
      urls: ['https://example.com/illegal-content'],
      hashes: [],
      classification: { category: CsamCategory.CSAM_CATEGORY_UNSPECIFIED },
      ncmecReportId: 'NCMEC-2025-0001234',
    });
    expect(r.dropped).toEqual(expect.arrayContaining(['/classification', '/media_type', '/file_hash', '/evidence', '/reporting_obligations']));
  });
});

describe('X-ARF per the spec', () => {
  it('refuses an image-evidence sample: the relay never carries material', () => {
    const doc = csamSample();
    doc['evidence'] = [{ content_type: 'image/jpeg', description: 'Screenshot', payload: Buffer.alloc(64, 1).toString('base64') }];
    const r = read(doc);
    expect(!r.ok && r.problem).toMatchObject({ status: 400, rule: 'content-not-accepted', pointer: '/evidence/0/content_type' });
  });

  it.each(['video/mp4', 'audio/ogg', 'application/octet-stream', 'application/zip', 'application/pdf'])('refuses %s evidence', (contentType) => {
    const r = read({ ...csamSample(), evidence: [{ content_type: contentType, payload: 'AAAA' }] });
    expect(!r.ok && r.problem.rule).toBe('content-not-accepted');
  });

  it.each(['text/plain', 'text/csv; charset=utf-8', 'application/json', 'message/rfc822'])('accepts %s evidence and drops it', (contentType) => {
    const r = read({ ...csamSample(), evidence: [{ content_type: contentType, payload: 'dGV4dA==' }] });
    expect(r.ok && r.dropped).toContain('/evidence');
  });

  it('accepts extension fields and ignores them, strips _internal', () => {
    const r = read({ ...csamSample(), x_hotline_queue: 'queue-7', vendor: { score: 3 }, _internal: { ticket: 'ABUSE-1', analyst: 'john.doe' } });
    if (!r.ok) throw new Error(JSON.stringify(r.problem));
    expect(r.dropped).toEqual(expect.arrayContaining(['/x_hotline_queue', '/vendor', '/_internal']));
    expect(JSON.stringify(r.report)).not.toMatch(/ABUSE-1|john\.doe|queue-7/);
  });

  it('still validates by the schema: an X-ARF object that allows no extensions refuses one', () => {
    const r = read({ ...csamSample(), reporter: { org: 'A', contact: 'a@example.org', domain: 'example.org', phone: '+31 20 000' } });
    expect(!r.ok && r.problem).toMatchObject({ rule: 'unknown-field', pointer: '/reporter/phone' });
  });

  it('refuses what the schema requires and is missing, by pointer', () => {
    const doc = csamSample();
    delete doc['detection_method'];
    const r = read(doc);
    expect(!r.ok && r.problem).toMatchObject({ rule: 'required', pointer: '/detection_method' });
  });

  it('links one incident reported in both formats: ncmec_report_id is on the relay report', () => {
    const r = read({ ...csamSample(), ncmec_report_id: '171234567' });
    expect(r.ok && r.report.ncmecReportId).toBe('171234567');
  });
});
