/**
 * A small, strict, namespace-aware XML reader for the vCD and vim25 adapters.
 *
 * Why our own: vendor XML arrives with any prefix (`vcloud:Task`, `soapenv:Body`, `ns2:...`),
 * and we must match on local names while still telling `xsi:type` from a plain `type`
 * attribute (vim MoRefs carry both). It also refuses what a gateway must never process:
 * DTDs and entity declarations (billion laughs, external entities), unbalanced or truncated
 * documents, and pathological nesting.
 */

export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

export interface XmlElement {
  /** Local name, without prefix. */
  name: string;
  /** Namespace URI ('' when none). */
  ns: string;
  /** Attributes by local name; `xsi:type` is stored as `xsi:type` whatever its prefix. */
  readonly attrs: Readonly<Record<string, string>>;
  /** Read-only: elements without attributes or children share one empty object and array. */
  readonly children: readonly XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

/** An element while it is being read. */
interface Building extends Omit<XmlElement, 'children'> {
  children: XmlElement[];
}

export class XmlError extends Error {
  override name = 'XmlError';
}

export interface XmlLimits {
  maxDepth?: number;
  maxElements?: number;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

const AMP = 0x26;
const utf16 = new TextDecoder('utf-16le');

/**
 * Decodes the five predefined entities and character references. Written as one pass into a
 * preallocated buffer: a body of millions of `&amp;` costs two buffers of its size, not a
 * string per reference (which took over 600 MB and seconds for 20 MB of `&amp;`).
 */
function decodeEntities(raw: string): string {
  const first = raw.indexOf('&');
  if (first === -1) return raw;
  // Decoded text is never longer than the source (a reference is longer than what it stands for).
  const out = new Uint16Array(raw.length);
  let n = 0;
  for (let i = 0; i < first; i++) out[n++] = raw.charCodeAt(i);
  let i = first;
  while (i < raw.length) {
    const c = raw.charCodeAt(i);
    if (c !== AMP) {
      out[n++] = c;
      i++;
      continue;
    }
    const end = raw.indexOf(';', i + 1);
    if (end === -1 || end - i > 12) throw new XmlError(`unterminated entity reference at ${i}`);
    const ref = raw.slice(i + 1, end);
    let code: number | undefined;
    if (ref.charCodeAt(0) === 0x23) {
      code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(code) || code < 0 || code > 0x10ffff || !/^#(x[0-9a-fA-F]+|[0-9]+)$/.test(ref)) {
        throw new XmlError(`bad character reference &${ref};`);
      }
    } else {
      const value = PREDEFINED[ref];
      if (value === undefined) throw new XmlError(`undeclared entity &${ref};`);
      code = value.charCodeAt(0);
    }
    if (code > 0xffff) {
      const v = code - 0x10000;
      out[n++] = 0xd800 + (v >> 10);
      out[n++] = 0xdc00 + (v & 0x3ff);
    } else {
      out[n++] = code;
    }
    i = end + 1;
  }
  return utf16.decode(out.subarray(0, n));
}

/** JavaScript's `\s` (and `String#trim`'s) set: what the reader has always taken as blank. */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function isBlank(input: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(input.charCodeAt(i))) return false;
  return true;
}

/** `[A-Za-z_]` */
function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

/** `[\w.\-]` */
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d;
}

const COLON = 0x3a;

/** Whether `text` is found in `input` at `at` (String#startsWith, without its cost per call). */
function sameAt(input: string, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (input.charCodeAt(at + i) !== text.charCodeAt(i)) return false;
  return true;
}

/** Shared by every element without attributes or children (most of a vim25 answer): read-only. */
const NO_ATTRS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_CHILDREN: XmlElement[] = Object.freeze([]) as unknown as XmlElement[];

/**
 * End of the name `[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?` starting at `from`, or -1. Names are
 * ASCII, as in every vendor document; `colonAt` receives the prefix separator's index.
 */
let colonAt = -1;
function scanName(input: string, from: number): number {
  colonAt = -1;
  if (!isNameStart(input.charCodeAt(from))) return -1;
  let i = from + 1;
  while (isNameChar(input.charCodeAt(i))) i++;
  if (input.charCodeAt(i) === COLON && isNameStart(input.charCodeAt(i + 1))) {
    colonAt = i;
    i += 2;
    while (isNameChar(input.charCodeAt(i))) i++;
  }
  return i;
}

const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;

/** Attribute names and values of the start tag being read (reused: the reader never nests). */
const attrNames: string[] = [];
const attrValues: string[] = [];
let attrCount = 0;

/**
 * Parses a whole document and returns its root element. Throws XmlError on anything malformed.
 * One pass over character codes: no regular expression or temporary array per element, since
 * vim25 answers are thousands of small elements and this is most of what reading them costs.
 */
export function parseXml(input: string, limits: XmlLimits = {}): XmlElement {
  const maxDepth = limits.maxDepth ?? 64;
  const maxElements = limits.maxElements ?? 500_000;
  const length = input.length;
  let pos = input.charCodeAt(0) === 0xfeff ? 1 : 0;
  let root: XmlElement | null = null;
  // The open elements, their qualified names and namespace scopes, as parallel stacks.
  const open: Building[] = [];
  const qnames: string[] = [];
  const scopes: Array<Map<string, string>> = [];
  let count = 0;
  const rootScope = new Map<string, string>([['xml', 'http://www.w3.org/XML/1998/namespace']]);

  while (pos < length) {
    const lt = input.indexOf('<', pos);
    const textEnd = lt === -1 ? length : lt;
    if (textEnd > pos) {
      const depth = open.length;
      if (depth) open[depth - 1]!.text += decodeEntities(input.slice(pos, textEnd));
      else if (!isBlank(input, pos, textEnd)) throw new XmlError('text outside the root element');
    }
    if (lt === -1) break;
    pos = lt;
    const next = input.charCodeAt(pos + 1);
    if (next === BANG) {
      if (input.startsWith('<!--', pos)) {
        const end = input.indexOf('-->', pos + 4);
        if (end === -1) throw new XmlError('unterminated comment');
        pos = end + 3;
      } else if (input.startsWith('<![CDATA[', pos)) {
        const end = input.indexOf(']]>', pos + 9);
        if (end === -1) throw new XmlError('unterminated CDATA');
        if (!open.length) throw new XmlError('CDATA outside the root element');
        open[open.length - 1]!.text += input.slice(pos + 9, end);
        pos = end + 3;
      } else {
        throw new XmlError('DTDs and entity declarations are not accepted');
      }
    } else if (next === QUESTION) {
      const end = input.indexOf('?>', pos + 2);
      if (end === -1) throw new XmlError('unterminated processing instruction');
      pos = end + 2;
    } else if (next === SLASH) {
      // The usual case first: the open element's name, then `>`.
      const expected = qnames[qnames.length - 1];
      if (expected !== undefined && input.charCodeAt(pos + 2 + expected.length) === GT && sameAt(input, pos + 2, expected)) {
        qnames.pop();
        open.pop();
        scopes.pop();
        pos += expected.length + 3;
        continue;
      }
      const nameEnd = scanName(input, pos + 2);
      if (nameEnd === -1) throw new XmlError(`bad end tag at ${pos}`);
      const close = input.indexOf('>', nameEnd);
      if (close === -1 || !isBlank(input, nameEnd, close)) throw new XmlError(`bad end tag at ${pos}`);
      const qname = qnames.pop();
      if (qname === undefined || qname.length !== nameEnd - pos - 2 || !input.startsWith(qname, pos + 2)) {
        throw new XmlError(`mismatched end tag </${input.slice(pos + 2, nameEnd)}>`);
      }
      open.pop();
      scopes.pop();
      pos = close + 1;
    } else {
      const nameEnd = scanName(input, pos + 1);
      if (nameEnd === -1) throw new XmlError(`bad start tag at ${pos}`);
      const qname = input.slice(pos + 1, nameEnd);
      const prefixEnd = colonAt === -1 ? -1 : colonAt - pos - 1;
      pos = nameEnd;
      attrCount = 0;
      let declares = false;
      for (;;) {
        while (pos < length && isSpace(input.charCodeAt(pos))) pos++;
        const c = input.charCodeAt(pos);
        if (c === GT || c === SLASH || !isNameStart(c)) break;
        const attrEnd = scanName(input, pos);
        let at = attrEnd;
        while (at < length && isSpace(input.charCodeAt(at))) at++;
        if (input.charCodeAt(at) !== EQUALS) break;
        at++;
        while (at < length && isSpace(input.charCodeAt(at))) at++;
        const quote = input.charCodeAt(at);
        if (quote !== QUOTE && quote !== APOSTROPHE) break;
        const valueEnd = input.indexOf(quote === QUOTE ? '"' : "'", at + 1);
        if (valueEnd === -1) break;
        const name = input.slice(pos, attrEnd);
        if (name === 'xmlns' || name.startsWith('xmlns:')) declares = true;
        attrNames[attrCount] = name;
        attrValues[attrCount++] = decodeEntities(input.slice(at + 1, valueEnd));
        pos = valueEnd + 1;
      }
      const selfClosing = input.charCodeAt(pos) === SLASH && input.charCodeAt(pos + 1) === GT;
      if (!selfClosing && input.charCodeAt(pos) !== GT) throw new XmlError(`bad start tag <${qname}> at ${pos}`);
      pos += selfClosing ? 2 : 1;

      if (++count > maxElements) throw new XmlError(`more than ${maxElements} elements`);
      if (open.length >= maxDepth) throw new XmlError(`nesting deeper than ${maxDepth}`);
      const parent = open.length ? open[open.length - 1] : undefined;
      if (!parent && root) throw new XmlError('more than one root element');

      let scope = parent ? scopes[scopes.length - 1]! : rootScope;
      if (declares) {
        scope = new Map(scope);
        for (let i = 0; i < attrCount; i++) {
          const k = attrNames[i]!;
          if (k === 'xmlns') scope.set('', attrValues[i]!);
          else if (k.startsWith('xmlns:')) scope.set(k.slice(6), attrValues[i]!);
        }
      }
      const prefix = prefixEnd === -1 ? '' : qname.slice(0, prefixEnd);
      const ns = scope.get(prefix) ?? prefix;
      const attrs: Record<string, string> = attrCount ? {} : NO_ATTRS;
      for (let i = 0; i < attrCount; i++) {
        const k = attrNames[i]!;
        if (declares && (k === 'xmlns' || k.startsWith('xmlns:'))) continue;
        const colon = k.indexOf(':');
        if (colon === -1) attrs[k] = attrValues[i]!;
        else if (scope.get(k.slice(0, colon)) === XSI_NS) attrs[`xsi:${k.slice(colon + 1)}`] = attrValues[i]!;
        else attrs[k.slice(colon + 1)] = attrValues[i]!;
      }
      const el: Building = { name: prefixEnd === -1 ? qname : qname.slice(prefixEnd + 1), ns, attrs, children: NO_CHILDREN, text: '' };
      if (!parent) root = el;
      else if (parent.children === NO_CHILDREN) parent.children = [el];
      else parent.children.push(el);
      if (!selfClosing) {
        open.push(el);
        qnames.push(qname);
        scopes.push(scope);
      }
    }
  }
  if (qnames.length) throw new XmlError(`truncated document: <${qnames[qnames.length - 1]!}> is not closed`);
  if (!root) throw new XmlError('no root element');
  return root;
}

/** First child with this local name (any namespace). */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** All children with this local name; one-vs-many never matters to callers. */
export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** Trimmed text of the first child with this name, or undefined when absent or empty. */
export function childText(el: XmlElement | undefined, name: string): string | undefined {
  const text = child(el, name)?.text.trim();
  return text ? text : undefined;
}

/** Depth-first search for the first descendant (or self) with this local name. */
export function find(el: XmlElement, name: string): XmlElement | undefined {
  if (el.name === name) return el;
  for (const c of el.children) {
    const hit = find(c, name);
    if (hit) return hit;
  }
  return undefined;
}

/** Escapes text for element content and attribute values. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
