import { CsamCategory, HashAlgorithm, IncidentType, Priority, SiteType } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { Format } from './decode.js';
import { readReport } from './read-report.js';

/** The native format reads relay.v1.Report in any form the proto3 JSON mapping allows (decision 0011). */

const NOW = new Date('2026-11-02T10:00:00Z');
const read = (doc: unknown) => readReport(Format.Native, doc, { source: 'eokm', now: NOW });
const MD5 = '9e107d9d372bb6826bd81d3542a419d6';

describe('native JSON per the proto3 JSON mapping', () => {
  it('reads proto field names and enum numbers as the lowerCamelCase names and enum names', () => {
    const canonical = read({
      sourceReportId: 'p3-1',
      incidentType: 'INCIDENT_TYPE_CHILD_PORNOGRAPHY',
      urls: ['https://e.org/1'],
      hashes: [{ algorithm: 'HASH_ALGORITHM_MD5', value: MD5 }],
      classification: { category: 'CSAM_CATEGORY_A1', siteType: 'SITE_TYPE_IMAGE_HOST' },
      priority: 'PRIORITY_HIGH',
      reporter: { organisation: 'EOKM', contactEmail: 'm@eokm.example.nl' },
      ncmecReportId: '171234567',
    });
    const proto = read({
      source_report_id: 'p3-1',
      incident_type: IncidentType.INCIDENT_TYPE_CHILD_PORNOGRAPHY,
      urls: ['https://e.org/1'],
      hashes: [{ algorithm: HashAlgorithm.HASH_ALGORITHM_MD5, value: MD5 }],
      classification: { category: CsamCategory.CSAM_CATEGORY_A1, site_type: SiteType.SITE_TYPE_IMAGE_HOST },
      priority: Priority.PRIORITY_HIGH,
      reporter: { organisation: 'EOKM', contact_email: 'm@eokm.example.nl' },
      ncmec_report_id: '171234567',
    });
    expect(canonical.ok && proto.ok).toBe(true);
    expect(proto.ok && canonical.ok && { ...proto.report, receivedAt: 0 }).toEqual(canonical.ok && { ...canonical.report, receivedAt: 0 });
    expect(proto.ok && proto.report.ncmecReportId).toBe('171234567');
  });

  it('reads null as an absent field', () => {
    const r = read({ sourceReportId: 'p3-2', urls: ['https://e.org/2'], incidentTime: null, hashes: null, classification: null, reporter: { organisation: null } });
    expect(r.ok && r.report).toMatchObject({ incidentTime: undefined, hashes: [], classification: undefined, reporter: { organisation: '' } });
  });

  it('refuses a field given under both names, and an enum number the relay does not know', () => {
    const twice = read({ sourceReportId: 'p3-3', source_report_id: 'p3-3', urls: ['https://e.org/3'] });
    expect(!twice.ok && twice.problem).toMatchObject({ rule: 'not-allowed-value', pointer: '/source_report_id' });
    const unknown = read({ sourceReportId: 'p3-4', urls: ['https://e.org/4'], priority: 99 });
    expect(!unknown.ok && unknown.problem).toMatchObject({ rule: 'not-allowed-value', pointer: '/priority' });
  });

  it('still refuses the server-set fields under either name', () => {
    const r = read({ sourceReportId: 'p3-5', urls: ['https://e.org/5'], received_at: '2026-11-02T10:00:00Z' });
    expect(!r.ok && r.problem.rule).toBe('server-set-field');
  });
});
