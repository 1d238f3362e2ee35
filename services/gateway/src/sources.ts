import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, configIssues } from '@relay/bus';
import { idToken } from '@relay/wire';
import { z } from 'zod';

/**
 * The sources file (`RELAY_SOURCES_FILE`): who may submit reports, under which
 * source id, with which API keys. Keys are stored only as their SHA-256 in hex
 * (decision 0012): API keys are random and high-entropy, so a fast hash is as
 * good as a password hash here, and a leaked file reveals no usable key.
 */

const sourceId = z.string().superRefine((v, ctx) => {
  try {
    idToken('source', v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
  }
});

const hotlineId = z.string().superRefine((v, ctx) => {
  try {
    idToken('hotline', v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
  }
});

const sourceSchema = z.strictObject({
  id: sourceId.describe('Lower-case source id; the subject is relay.report.<id>'),
  name: z.string().max(200).optional(),
  keySha256: z
    .array(z.string().regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of the key in lower-case hex'))
    .min(1)
    .describe('SHA-256 (hex) of each API key of the source; several allow rotation'),
  rateLimitPerMinute: z.int().min(1).max(1_000_000).optional(),
  disabled: z.boolean().optional(),
  hotline: hotlineId
    .optional()
    .describe('The hotline (directory id) whose status updates this source may send with POST /v1/status (decision 0130); absent: none'),
});

/** The zod schema of the sources file. */
export const sourcesFileSchema = z
  .strictObject({ sources: z.array(sourceSchema).min(1) })
  .superRefine((file, ctx) => {
    const ids = new Set<string>();
    const keys = new Set<string>();
    const hotlines = new Set<string>();
    file.sources.forEach((s, i) => {
      if (s.hotline !== undefined) {
        if (hotlines.has(s.hotline)) ctx.addIssue({ code: 'custom', message: `hotline ${s.hotline} is already another source's`, path: ['sources', i, 'hotline'] });
        hotlines.add(s.hotline);
      }
      if (ids.has(s.id)) ctx.addIssue({ code: 'custom', message: `duplicate source id ${s.id}`, path: ['sources', i, 'id'] });
      ids.add(s.id);
      s.keySha256.forEach((k, j) => {
        if (keys.has(k)) ctx.addIssue({ code: 'custom', message: 'a key may belong to one source only', path: ['sources', i, 'keySha256', j] });
        keys.add(k);
      });
    });
  });

/** One organisation allowed to submit reports. */
export type SourceEntry = z.infer<typeof sourceSchema>;

/** The validated sources file. */
export type SourcesFile = z.infer<typeof sourcesFileSchema>;

/** SHA-256 of an API key in lower-case hex: what the sources file stores. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Validates a sources document.
 * @throws ConfigError naming `RELAY_SOURCES_FILE` and each broken rule with its path.
 */
export function parseSources(document: unknown, origin = 'RELAY_SOURCES_FILE'): SourcesFile {
  const parsed = sourcesFileSchema.safeParse(document);
  if (!parsed.success) {
    throw new ConfigError(configIssues(parsed.error, origin));
  }
  return parsed.data;
}

/**
 * Reads and validates the sources file.
 * @throws ConfigError when it cannot be read, is not JSON, or breaks the schema.
 */
export function loadSources(path: string): SourcesFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`RELAY_SOURCES_FILE: cannot read ${path}: ${(err as Error).message}`]);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`RELAY_SOURCES_FILE: ${path} is not JSON: ${(err as Error).message}`]);
  }
  return parseSources(document, `RELAY_SOURCES_FILE (${path})`);
}
