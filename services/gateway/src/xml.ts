import { XMLParser } from 'fast-xml-parser';
import { type Problem, problem, Rule, toPointer } from './problems.js';

/** Deepest element nesting accepted in an XML report (the CyberTipline report needs 5). */
export const MAX_XML_DEPTH = 24;

/**
 * Elements NCMEC's schema lets repeat (`maxOccurs="unbounded"`) wherever they
 * occur; the parser always makes them arrays so a report with one URL has the
 * same shape, and the same JSON pointers, as one with many. Elements that
 * repeat only in some places (`additionalInfo`) become arrays where they do.
 */
const REPEATED: ReadonlySet<string> = new Set([
  'internetDetails',
  'url',
  'personOrUserReported',
  'intendedRecipient',
  'victim',
  'phone',
  'email',
  'address',
  'emailAddress',
  'incidentAddress',
  'ipCaptureEvent',
  'deviceId',
  'displayName',
  'profileUrl',
  'priorCTReports',
  'priorCTReport',
  'associatedAccount',
  'originalFileHash',
  'details',
  'nameValuePair',
]);

/** True when the parser always reads element `name` as an array (see {@link REPEATED}). */
export function isRepeatedElement(name: string): boolean {
  return REPEATED.has(name);
}

// Entity processing is off (no DTD is ever read, so no entity can expand):
// the five predefined entities and character references are decoded below,
// by hand, after parsing. Any DOCTYPE is refused before the parser runs.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  maxNestedTags: MAX_XML_DEPTH,
  isArray: (name) => REPEATED.has(name),
});

const DTD = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

/** An XML document read into a plain tree, or why it was refused. */
export type XmlReading = { readonly ok: true; readonly tree: unknown } | { readonly ok: false; readonly problem: Problem };

/**
 * Parses an XML report with fast-xml-parser: DTDs (and with them external
 * entities, XXE and entity-expansion bombs) are refused outright, entity
 * processing is off, nesting is limited, and names that could pollute
 * prototypes are refused by the parser. Attributes appear as `@name`.
 */
export function readXml(text: string): XmlReading {
  const dtd = DTD.exec(text);
  if (dtd) {
    return { ok: false, problem: problem(400, Rule.DtdForbidden, `XML with a document type declaration (<!${dtd[1]}) is never accepted`, '') };
  }
  const encoding = /^\s*<\?xml[^>]*\sencoding\s*=\s*["']([^"']*)["']/i.exec(text)?.[1];
  if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) {
    return { ok: false, problem: problem(415, Rule.UnsupportedCharset, `the XML declares encoding ${encoding.slice(0, 40)}; send UTF-8`) };
  }
  // Well-formedness is judged by libxml2, which reads every accepted document
  // again for NCMEC's schema (formats/cybertipline-xsd.ts): checking it here
  // too cost a third of the XML intake. The parser below is lenient, and
  // what it reads of a malformed document is never used.
  let tree: unknown;
  try {
    tree = parser.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/nested/i.test(message)) return { ok: false, problem: problem(400, Rule.TooDeep, `elements nest deeper than ${MAX_XML_DEPTH} levels`, '') };
    if (/SECURITY|reserved/i.test(message)) return { ok: false, problem: problem(400, Rule.ForbiddenKey, message.replace('[SECURITY] ', ''), '') };
    return { ok: false, problem: problem(400, Rule.MalformedXml, message.slice(0, 300), '') };
  }
  // Without an ampersand there is nothing to decode; otherwise values are decoded in place (the tree is the parser's fresh copy).
  if (!text.includes('&')) return { ok: true, tree };
  const failure = decodeEntities(tree, []);
  return failure ? { ok: false, problem: failure } : { ok: true, tree };
}

type Decoded = { ok: true; value: unknown } | { ok: false; problem: Problem };

/** Decodes entity references in every string of the tree, in place; the first problem found, if any. */
function decodeEntities(node: unknown, path: PropertyKey[]): Problem | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const record = node as Record<PropertyKey, unknown>;
  for (const key of Array.isArray(node) ? node.keys() : Object.keys(node)) {
    const value = record[key];
    if (typeof value === 'string') {
      const d = decodeText(value, [...path, key]);
      if (!d.ok) return d.problem;
      record[key] = d.value;
    } else {
      const failure = decodeEntities(value, [...path, key]);
      if (failure) return failure;
    }
  }
  return undefined;
}

function decodeText(s: string, path: PropertyKey[]): Decoded {
  if (!s.includes('&')) return { ok: true, value: s };
  let failure: Problem | undefined;
  const value = s.replace(/&([^;&\s]{0,32});/g, (whole, name: string) => {
    if (failure) return whole;
    const predefined = PREDEFINED[name];
    if (predefined !== undefined) return predefined;
    const code = /^#x([0-9a-fA-F]{1,6})$/.exec(name)?.[1] ?? /^#([0-9]{1,7})$/.exec(name)?.[1];
    if (code !== undefined) {
      const cp = name.startsWith('#x') ? parseInt(code, 16) : parseInt(code, 10);
      if (cp === 0) failure = problem(400, Rule.NullByte, 'a character reference encodes a null byte', toPointer(path));
      else if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        failure = problem(400, Rule.MalformedXml, `&${name}; is not a Unicode character`, toPointer(path));
      } else return String.fromCodePoint(cp);
      return whole;
    }
    failure = problem(400, Rule.UnknownEntity, `&${name.slice(0, 32)}; is not a predefined XML entity; no DTD entities are read`, toPointer(path));
    return whole;
  });
  return failure ? { ok: false, problem: failure } : { ok: true, value };
}
