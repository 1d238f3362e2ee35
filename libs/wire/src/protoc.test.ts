import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeMessage, exampleMessage, RelayType } from './index.js';

const PROTO_DIR = fileURLToPath(new URL('../../../proto', import.meta.url));
const PROTOC = '/usr/bin/protoc';

describe('the bytes libs/wire writes', () => {
  it('are read by Debian protoc from the .proto files alone', () => {
    // protobuf-compiler is installed by .ci/run; without it this test must fail, not pass quietly.
    expect(existsSync(PROTOC), `${PROTOC} missing: apt-get install -y protobuf-compiler`).toBe(true);
    const referral = exampleMessage(RelayType.Referral);
    const text = execFileSync(PROTOC, [`-I${PROTO_DIR}`, '-I/usr/include', '--decode=relay.v1.Referral', 'relay/v1/referral.proto'], {
      input: encodeMessage(RelayType.Referral, referral),
      cwd: PROTO_DIR,
    }).toString();

    expect(text).toContain(`id: "${referral.id}"`);
    expect(text).toContain('jurisdiction: "NL"');
    expect(text).toContain('hotline: "eokm"');
    expect(text).toContain('reason: ROUTING_REASON_HOSTED_IN');
    expect(text).toContain('priority: PRIORITY_HIGH');
    expect(text).toContain('directory_revision: 7');
    expect(text).toMatch(/hashes \{\s+algorithm: HASH_ALGORITHM_MD5\s+value: "/);
    expect(text).toMatch(/hosting \{[\s\S]*country: "NL"[\s\S]*asn: 43350[\s\S]*as_organisation: "NForce Entertainment B.V."/);
    expect(text).toMatch(/sources: "ncmec"\s+sources: "iwf"/);
    expect(text).toMatch(new RegExp(`issued_at \\{\\s+seconds: ${(referral.issuedAt?.getTime() ?? 0) / 1000}\\s`));
  });
});
