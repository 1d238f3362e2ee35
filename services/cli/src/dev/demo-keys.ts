/**
 * The demo API keys of deploy/dev/sources.json (which holds only their
 * SHA-256). Public on purpose, listed in the README: for a dev stack only.
 */
export const DEMO_API_KEYS = {
  ncmec: 'demo-ncmec-46736cfad86967225733f35e5d789c18',
  eokm: 'demo-eokm-237e4e35b7044668047a8c1f097f320e',
  iwf: 'demo-iwf-8b68404bc446f9ca31e62088e913f663',
} as const;
export type DemoSource = keyof typeof DEMO_API_KEYS;

/**
 * The report the README's `curl` example and the ready banner send: the IWF
 * passing on a URL hosted in the Netherlands (in the demo zone), with a hash
 * and the analyst's assessment, and no content (hard rule 1).
 */
export const EXAMPLE_REPORT = {
  sourceReportId: 'IWF-2026-000123',
  incidentType: 'INCIDENT_TYPE_CHILD_PORNOGRAPHY',
  urls: ['http://images.example.nl/gallery/1'],
  hashes: [{ algorithm: 'HASH_ALGORITHM_MD5', value: '9e107d9d372bb6826bd81d3542a419d6' }],
  classification: { legal: 'LEGAL_CLASSIFICATION_BASELINE', siteType: 'SITE_TYPE_IMAGE_HOST' },
  priority: 'PRIORITY_NORMAL',
  reporter: { organisation: 'Internet Watch Foundation', country: 'GB' },
} as const;

/** The copy-paste `curl` that posts {@link EXAMPLE_REPORT} to the gateway at `httpUrl`. */
export function exampleCurl(httpUrl: string): string {
  return [
    `curl -s ${httpUrl}/v1/reports \\`,
    `  -H 'Authorization: Bearer ${DEMO_API_KEYS.iwf}' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '${JSON.stringify(EXAMPLE_REPORT)}'`,
  ].join('\n');
}
