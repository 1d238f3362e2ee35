import { validateCyberTiplineXml } from './formats/cybertipline-xsd.js';
import { invalid, type Problem, problem, Rule, toPointer } from './problems.js';
import { readXml } from './xml.js';

/** The intake formats the gateway reads. */
export const Format = {
  Native: 'native',
  CyberTipline: 'cybertipline',
  /** NCMEC's `<fileDetails>`: a file of a CyberTipline report, sent after it (decision 0101). */
  FileDetails: 'cybertipline-file-details',
  Xarf: 'xarf',
} as const;
export type Format = (typeof Format)[keyof typeof Format];

/** Media types accepted on `POST /v1/reports` and `relay.intake.submit`. */
export const MediaType = {
  Json: 'application/json',
  Xarf: 'application/vnd.xarf+json',
  Xml: 'application/xml',
  TextXml: 'text/xml',
} as const;
export type MediaType = (typeof MediaType)[keyof typeof MediaType];

/** Deepest nesting of arrays and objects accepted in a JSON report. */
export const MAX_JSON_DEPTH = 16;

/** Keys that could reach an object's prototype; refused anywhere in a report. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A body read into a plain tree and the format it is in, or why it was refused. */
export type Decoded = { readonly ok: true; readonly format: Format; readonly tree: unknown } | { readonly ok: false; readonly problem: Problem };

/**
 * Reads a submitted body: checks the media type and charset, the size, that
 * it is UTF-8 without null bytes, parses JSON or XML with nesting limits and
 * without prototype-polluting keys, and tells which format it is in
 * (`application/json` with a top-level `xarf_version` is X-ARF; XML with the
 * root `<fileDetails>` is a file of a CyberTipline report); XML is then
 * validated by NCMEC's schema (`formats/cybertipline-xsd.ts`). Pure.
 */
export function decodeBody(body: Uint8Array, contentType: string | undefined, maxBytes: number): Decoded {
  const media = parseMediaType(contentType);
  if (!media.ok) return media;
  if (body.byteLength > maxBytes) {
    return refuse(problem(413, Rule.BodyTooLarge, `the body has ${body.byteLength} bytes; at most ${maxBytes} are accepted`));
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return refuse(problem(400, Rule.NotUtf8, 'the body is not valid UTF-8', ''));
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return refuse(problem(400, Rule.NullByte, `the body contains a null byte (character ${nul})`, ''));
  if (media.type === MediaType.Xml || media.type === MediaType.TextXml) {
    const xml = readXml(text);
    if (!xml.ok) return xml;
    const root = typeof xml.tree === 'object' && xml.tree !== null && Object.hasOwn(xml.tree, 'fileDetails') ? Format.FileDetails : Format.CyberTipline;
    const tree = checkTree(root, xml.tree);
    if (!tree.ok) return tree;
    // NCMEC's schema runs only on text the guards above let through (no DTD, entities or deep nesting).
    const xsd = validateCyberTiplineXml(text);
    return xsd.ok ? tree : refuse(invalid(xsd.violations));
  }
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) return refuse(problem(400, Rule.TooDeep, `arrays and objects nest deeper than ${MAX_JSON_DEPTH} levels`, ''));
  let tree: unknown;
  try {
    tree = JSON.parse(text);
  } catch (err) {
    return refuse(problem(400, Rule.MalformedJson, `not valid JSON: ${err instanceof Error ? err.message.slice(0, 200) : 'parse error'}`, ''));
  }
  if (typeof tree !== 'object' || tree === null || Array.isArray(tree)) {
    return refuse(problem(400, Rule.WrongType, 'the report must be a JSON object', ''));
  }
  const xarf = media.type === MediaType.Xarf || Object.hasOwn(tree, 'xarf_version');
  return checkTree(xarf ? Format.Xarf : Format.Native, tree);
}

function refuse(p: Problem): Decoded {
  return { ok: false, problem: p };
}

function parseMediaType(contentType: string | undefined): { ok: true; type: MediaType } | { ok: false; problem: Problem } {
  const accepted = Object.values(MediaType).join(', ');
  if (contentType === undefined || contentType.trim() === '') {
    return { ok: false, problem: problem(415, Rule.UnsupportedMediaType, `a Content-Type is required: one of ${accepted}`) };
  }
  const [type = '', ...params] = contentType.split(';').map((p) => p.trim().toLowerCase());
  if (!(Object.values(MediaType) as string[]).includes(type)) {
    return { ok: false, problem: problem(415, Rule.UnsupportedMediaType, `${type.slice(0, 100)} is not accepted; use one of ${accepted}`) };
  }
  for (const param of params) {
    const [name, value = ''] = param.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (name === 'charset' && value !== 'utf-8' && value !== 'utf8') {
      return { ok: false, problem: problem(415, Rule.UnsupportedCharset, `charset ${value.slice(0, 40)} is not accepted; send UTF-8`) };
    }
  }
  return { ok: true, type: type as MediaType };
}

/** Deepest nesting of `[`/`{` outside strings; a cheap scan so JSON.parse never meets a stack-breaking document. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
      if (max > MAX_JSON_DEPTH) return max;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Walks the tree once: no prototype keys, no null bytes in keys or values (JSON `\u0000` escapes). */
function checkTree(format: Format, tree: unknown): Decoded {
  const stack: { node: unknown; path: PropertyKey[] }[] = [{ node: tree, path: [] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, path } = item;
    if (typeof node === 'string') {
      if (node.includes('\u0000')) return refuse(problem(400, Rule.NullByte, 'the value contains a null byte', toPointer(path)));
    } else if (Array.isArray(node)) {
      node.forEach((child, i) => stack.push({ node: child, path: [...path, i] }));
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) {
        if (FORBIDDEN_KEYS.has(key)) return refuse(problem(400, Rule.ForbiddenKey, `the key ${key} is never accepted`, toPointer([...path, key])));
        if (key.includes('\u0000')) return refuse(problem(400, Rule.NullByte, 'a key contains a null byte', toPointer(path)));
        stack.push({ node: child, path: [...path, key] });
      }
    }
  }
  return { ok: true, format, tree };
}
