// The provenance test vectors in docs/ are what the signing code makes, and a
// verifier in a second language (Debian's Python with python3-nacl) decides
// every one of them as the TypeScript verifier does.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeVectors, type VectorFile, verifyVectorsInTypeScript } from './vectors.js';

const docs = (name: string): string => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));
const committed = (): VectorFile => JSON.parse(readFileSync(docs('provenance-vectors.json'), 'utf8')) as VectorFile;

describe('provenance test vectors', () => {
  it('are what the TypeScript signing code produces (regenerate: npx tsx test/security/provenance/write-vectors.ts)', () => {
    expect(committed()).toEqual(JSON.parse(JSON.stringify(makeVectors())));
  });

  it('cover a valid message and every refusal the document names', () => {
    const expects = new Set(committed().vectors.map((v) => v.expect));
    expect([...expects].sort()).toEqual(['accept', 'signature-invalid', 'signed-in-future', 'signer-key-not-valid', 'signer-not-of-org']);
    expect(committed().vectors.map((v) => v.name)).toEqual(
      expect.arrayContaining(['valid', 'tampered-payload', 'wrong-subject', 'expired-key', 'not-yet-valid-key', 'future-signing-time']),
    );
  });

  it('are decided by the TypeScript verifier as each vector expects', () => {
    const file = committed();
    expect(verifyVectorsInTypeScript(file)).toEqual(Object.fromEntries(file.vectors.map((v) => [v.name, v.expect])));
  });

  it("are decided by the Python verifier (Debian's /usr/bin/python3 with python3-nacl) exactly as expected: the valid accepted, every tampered one refused", () => {
    const file = committed();
    // Debian's interpreter, not a pyenv shim on PATH that cannot see python3-nacl.
    const out = execFileSync('/usr/bin/python3', [docs('provenance_verify.py'), docs('provenance-vectors.json')], { encoding: 'utf8' });
    const decided = JSON.parse(out) as Record<string, string>;
    expect(decided).toEqual(Object.fromEntries(file.vectors.map((v) => [v.name, v.expect])));
    expect(Object.entries(decided).filter(([, d]) => d === 'accept').map(([n]) => n).sort()).toEqual(['valid', 'valid-old-key-in-window']);
  });
});
