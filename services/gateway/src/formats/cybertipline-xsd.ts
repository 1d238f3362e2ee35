import { readFileSync } from 'node:fs';
import { type ErrorDetail, ParseOption, XmlDocument, XmlParseError, XmlValidateError, XsdValidator } from 'libxml2-wasm';
import { CONTENT_KEY, looksLikeContent } from '../fields.js';
import { Rule, type Violation } from '../problems.js';
import { isRepeatedElement } from '../xml.js';

/**
 * Validation of CyberTipline XML by NCMEC's own schema: the copy pinned in
 * `schemas/ncmec/cyber_tipline.xsd` (source and date in its README), checked
 * with libxml2 compiled to WebAssembly. Runs only after the pre-parse guards
 * of `xml.ts` (size, UTF-8, no DTD or entities, depth) accepted the text.
 */

/** The pinned schema file. */
export const CYBERTIPLINE_XSD_PATH = new URL('../../schemas/ncmec/cyber_tipline.xsd', import.meta.url);

/** Most elements unknown to the pinned schema that are set aside in one report (decision 0098). */
export const MAX_UNKNOWN_ELEMENTS = 20;

/** The root elements the relay reads: the report, and a file of it sent later (decision 0101); NCMEC's response documents are not relayed. */
const ROOTS: ReadonlySet<string> = new Set(['report', 'fileDetails']);

interface Schema {
  readonly validator: XsdValidator;
  /** Every element name the pinned schema declares, anywhere. */
  readonly declared: ReadonlySet<string>;
}

let schema: Schema | undefined;

/** Compiles the pinned schema once per process (about 30 ms); later calls reuse it. */
export function cyberTiplineSchema(): Schema {
  if (schema) return schema;
  const xsdText = readFileSync(CYBERTIPLINE_XSD_PATH, 'utf8');
  const xsd = XmlDocument.fromString(xsdText, { option: ParseOption.XML_PARSE_NONET });
  try {
    schema = {
      validator: XsdValidator.fromDoc(xsd),
      declared: new Set(Array.from(xsdText.matchAll(/<xs:element\s+name="([^"]+)"/g), (m) => m[1] ?? '')),
    };
  } finally {
    xsd.dispose();
  }
  return schema;
}

/**
 * The outcome of validating one document: valid (perhaps after setting aside
 * elements a newer NCMEC schema added, listed by pointer), or the violations.
 */
export type XsdResult = { readonly ok: true; readonly setAside: readonly string[] } | { readonly ok: false; readonly violations: readonly Violation[] };

/**
 * Validates a CyberTipline document against the pinned XSD. When the only
 * failures are elements the pinned schema does not declare anywhere (NCMEC
 * added them later, e.g. `reportAnnotations/informational`), those elements
 * are removed from libxml2's copy of the document and it is validated again:
 * the rest of the report must still be valid. An unknown element whose name or
 * text says it carries content is refused instead. Decision 0098.
 */
export function validateCyberTiplineXml(text: string): XsdResult {
  const { validator, declared } = cyberTiplineSchema();
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromString(text, { option: ParseOption.XML_PARSE_NONET });
  } catch (err) {
    const first = err instanceof XmlParseError ? err.details[0] : undefined;
    const where = first ? ` at line ${first.line}, column ${first.col}` : '';
    return refuse({ pointer: '', rule: Rule.MalformedXml, detail: `not well-formed XML${where}: ${first ? first.message.trim().slice(0, 300) : message(err)}` });
  }
  try {
    const root = doc.root.name;
    if (!ROOTS.has(root)) {
      return refuse({
        pointer: `/${root.slice(0, 64)}`,
        rule: Rule.NotAllowedValue,
        detail: `a <${root.slice(0, 64)}> document is not relayed; send the CyberTipline <report> or a <fileDetails> of it`,
      });
    }
    const setAside: string[] = [];
    for (;;) {
      const details = failures(validator, doc);
      if (details.length === 0) return { ok: true, setAside };
      const unknown = details.map((d) => unknownElement(d, declared, root));
      if (unknown.some((u) => u === undefined) || setAside.length + unknown.length > MAX_UNKNOWN_ELEMENTS) {
        return { ok: false, violations: details.map((d) => violationOf(d)) };
      }
      const nodes = unknown.map((u, i) => ({ u, detail: details[i], node: u === undefined ? null : doc.get(u.xpath) }));
      for (const { u, detail, node } of nodes) {
        if (u === undefined || detail === undefined || node === null) return { ok: false, violations: details.map((d) => violationOf(d)) };
        if (CONTENT_KEY.test(u.name) || looksLikeContent(node.content)) {
          return refuse({ pointer: pointerOf(u.xpath), rule: Rule.ContentNotAccepted, detail: `<${u.name.slice(0, 64)}> would carry content; only URLs and metadata are accepted` });
        }
      }
      for (const { u, node } of nodes) {
        setAside.push(pointerOf(u?.xpath ?? ''));
        node?.remove();
      }
    }
  } finally {
    doc.dispose();
  }
}

function refuse(v: Violation): XsdResult {
  return { ok: false, violations: [v] };
}

function failures(validator: XsdValidator, doc: XmlDocument): readonly ErrorDetail[] {
  try {
    validator.validate(doc);
    return [];
  } catch (err) {
    if (err instanceof XmlValidateError && err.details.length > 0) return err.details;
    throw err;
  }
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).trim().slice(0, 300);
}

/** The element a failure is about, when the failure is only that the pinned schema does not know it. */
function unknownElement(d: ErrorDetail, declared: ReadonlySet<string>, root: string): { name: string; xpath: string } | undefined {
  const m = /^Element '([^']+)': This element is not expected\./.exec(d.message);
  const name = m?.[1];
  if (name === undefined || declared.has(name) || d.xpath === undefined || !d.xpath.startsWith(`/${root}/`)) return undefined;
  return { name, xpath: d.xpath };
}

/** libxml2's message as a violation with a stable rule. */
function violationOf(d: ErrorDetail): Violation {
  const text = d.message.trim().replace(/\s+/g, ' ').slice(0, 300);
  const pointer = d.xpath === undefined ? '' : pointerOf(d.xpath);
  const element = /^Element '([^']+)'/.exec(text)?.[1] ?? '';
  let rule: Rule = Rule.Format;
  if (/This element is not expected/.test(text)) rule = CONTENT_KEY.test(element) ? Rule.ContentNotAccepted : Rule.UnknownField;
  else if (/Missing child element|attribute '[^']+' is required/i.test(text)) rule = Rule.Required;
  else if (/attribute '[^']+' is not allowed/i.test(text)) rule = Rule.UnknownField;
  else if (/not an element of the set|not accepted by the pattern|is not a valid value of the atomic type 'xs:(boolean|int|long|double)'|fixed value/.test(text)) {
    rule = Rule.NotAllowedValue;
  }
  return { pointer, rule, detail: `not valid by NCMEC's schema: ${text}` };
}

/**
 * The JSON pointer, into the tree `xml.ts` reads, of the node libxml2 names by
 * XPath: `/report/internetDetails[2]/emailIncident` is
 * `/report/internetDetails/1/emailIncident`; an element the parser always
 * reads as an array gets index 0 when libxml2 gives none.
 */
export function pointerOf(xpath: string): string {
  const out: string[] = [];
  for (const step of xpath.split('/').slice(1)) {
    const m = /^([^[]+)(?:\[(\d+)\])?$/.exec(step);
    const name = m?.[1] ?? step;
    out.push(`/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    if (m?.[2] !== undefined) out.push(`/${Number(m[2]) - 1}`);
    else if (isRepeatedElement(name)) out.push('/0');
  }
  return out.join('');
}
