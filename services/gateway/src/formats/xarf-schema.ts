import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { Rule, type Violation } from '../problems.js';

/**
 * Validation of X-ARF reports by the official X-ARF v4 JSON schemas, pinned in
 * `schemas/xarf-v4` (source and date in its README), with Ajv (draft 2020-12,
 * formats checked). Only category `content`, types `csam` and `csem` are
 * relayed, so only their schemas are loaded.
 */

const SCHEMA_DIR = new URL('../../schemas/xarf-v4/', import.meta.url);

/** The pinned schema files, relative to `schemas/xarf-v4`. */
export const XARF_SCHEMA_FILES = ['xarf-core.json', 'types/content-base.json', 'types/content-csam.json', 'types/content-csem.json'] as const;

/** The X-ARF types the relay accepts, and the `$id` of each one's schema. */
export const XARF_TYPES = {
  csam: 'https://xarf.org/schemas/v4/types/content-csam.json',
  csem: 'https://xarf.org/schemas/v4/types/content-csem.json',
} as const;
export type XarfType = keyof typeof XARF_TYPES;

// ajv-formats is CommonJS (`module.exports = plugin; exports.default = plugin`): under NodeNext its default import is the module.
const addFormats = addFormatsModule.default;

let validators: Readonly<Record<XarfType, ValidateFunction>> | undefined;

/** Compiles the pinned schemas once per process. */
function compiled(): Readonly<Record<XarfType, ValidateFunction>> {
  if (validators) return validators;
  // strict: false because the schemas carry annotations Ajv does not know (`x-recommended`); allErrors to list every violation.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const file of XARF_SCHEMA_FILES) ajv.addSchema(JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8')) as object);
  const get = (id: string): ValidateFunction => {
    const v = ajv.getSchema(id);
    if (!v) throw new TypeError(`pinned X-ARF schema ${id} did not load`);
    return v;
  };
  validators = { csam: get(XARF_TYPES.csam), csem: get(XARF_TYPES.csem) };
  return validators;
}

/** True when `type` names an X-ARF type the relay accepts. */
export function isRelayedXarfType(type: unknown): type is XarfType {
  return typeof type === 'string' && Object.hasOwn(XARF_TYPES, type);
}

/**
 * Validates an X-ARF document against the official schema of its type
 * (category `content`, type `csam` or `csem`; any other is refused).
 * Extension fields pass, as the spec says unknown fields always may.
 */
export function validateXarf(document: unknown): Violation[] {
  const doc = (typeof document === 'object' && document !== null ? document : {}) as Record<string, unknown>;
  if (doc.category !== 'content' || !isRelayedXarfType(doc.type)) {
    const pointer = doc.category === 'content' || !Object.hasOwn(doc, 'category') ? '/type' : '/category';
    return [{ pointer, rule: Rule.NotAllowedValue, detail: 'the relay accepts X-ARF category content, type csam or csem only' }];
  }
  const validate = compiled()[doc.type];
  if (validate(document)) return [];
  return (validate.errors ?? []).filter((e) => !['allOf', 'if', 'then'].includes(e.keyword)).map((e) => hashViolation(e, doc) ?? violationOf(e));
}

/** Hex digits per X-ARF hash value, as the schema's patterns require them. */
const HASH_HEX: Readonly<Record<string, number>> = { '/hash_values/md5': 32, '/hash_values/sha1': 40, '/hash_values/sha256': 64 };

/** A hash that misses the schema's pattern, told apart as the relay's other formats do: wrong length or wrong alphabet. */
function hashViolation(e: ErrorObject, doc: Record<string, unknown>): Violation | undefined {
  const hexLength = HASH_HEX[e.instancePath];
  if (e.keyword !== 'pattern' || hexLength === undefined) return undefined;
  const value = (doc.hash_values as Record<string, unknown> | undefined)?.[e.instancePath.split('/')[2] ?? ''];
  const length = typeof value === 'string' ? value.length : 0;
  return length === hexLength
    ? { pointer: e.instancePath, rule: Rule.HashAlphabet, detail: `must be ${hexLength} hex digits` }
    : { pointer: e.instancePath, rule: Rule.HashLength, detail: `has ${length} characters; X-ARF requires ${hexLength} hex digits` };
}

function violationOf(e: ErrorObject): Violation {
  const missing = e.keyword === 'required' ? (e.params as { missingProperty?: string }).missingProperty : undefined;
  const extra = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty?: string }).additionalProperty : undefined;
  const pointer = e.instancePath + (missing !== undefined ? `/${missing}` : extra !== undefined ? `/${extra}` : '');
  const detail = `not valid by the X-ARF v4 schema: ${e.message ?? e.keyword}`.slice(0, 300);
  switch (e.keyword) {
    case 'required':
      return { pointer, rule: Rule.Required, detail: 'is required by the X-ARF v4 schema' };
    case 'additionalProperties':
      return { pointer, rule: Rule.UnknownField, detail: `${(extra ?? '').slice(0, 64)} is not a field of this X-ARF object` };
    case 'type':
      return { pointer, rule: Rule.WrongType, detail };
    case 'enum':
    case 'const':
    case 'minimum':
    case 'maximum':
      return { pointer, rule: Rule.NotAllowedValue, detail };
    case 'maxLength':
      return { pointer, rule: Rule.TooLong, detail };
    case 'maxItems':
      return { pointer, rule: Rule.TooMany, detail };
    case 'format':
      return { pointer, rule: pointer === '/report_id' ? Rule.IdFormat : Rule.Format, detail };
    default:
      return { pointer, rule: Rule.Format, detail };
  }
}
