import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, repositoryFiles } from './references.js';

describe('the country-code pattern', () => {
  it('is written once, in libs/wire (COUNTRY_CODE); everything else imports it', () => {
    const pattern = '/^[A-Z]{2}$/';
    const sources = repositoryFiles(REPO_ROOT).filter((f) => /^(libs|services)\/[^/]+\/src\/.*\.ts$/.test(f) && !f.endsWith('.test.ts') && !f.includes('/gen/'));
    const copies = sources.filter((f) => readFileSync(join(REPO_ROOT, f), 'utf8').includes(pattern));
    expect(copies).toEqual(['libs/wire/src/country.ts']);
  });
});
