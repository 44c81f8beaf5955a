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
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
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

const NAME = /[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?/y;
const ATTR = /\s*([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)\s*=\s*("([^"]*)"|'([^']*)')/y;

interface Frame {
  el: XmlElement;
  qname: string;
  scope: Map<string, string>;
}

/** Parses a whole document and returns its root element. Throws XmlError on anything malformed. */
export function parseXml(input: string, limits: XmlLimits = {}): XmlElement {
  const maxDepth = limits.maxDepth ?? 64;
  const maxElements = limits.maxElements ?? 500_000;
  let pos = input.charCodeAt(0) === 0xfeff ? 1 : 0;
  let root: XmlElement | null = null;
  const stack: Frame[] = [];
  let count = 0;
  const rootScope = new Map<string, string>([['xml', 'http://www.w3.org/XML/1998/namespace']]);

  while (pos < input.length) {
    const lt = input.indexOf('<', pos);
    const textEnd = lt === -1 ? input.length : lt;
    if (textEnd > pos) {
      const raw = input.slice(pos, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.el.text += decodeEntities(raw);
      else if (raw.trim()) throw new XmlError('text outside the root element');
    }
    if (lt === -1) break;
    pos = lt;
    if (input.startsWith('<!--', pos)) {
      const end = input.indexOf('-->', pos + 4);
      if (end === -1) throw new XmlError('unterminated comment');
      pos = end + 3;
    } else if (input.startsWith('<![CDATA[', pos)) {
      const end = input.indexOf(']]>', pos + 9);
      if (end === -1) throw new XmlError('unterminated CDATA');
      const top = stack[stack.length - 1];
      if (!top) throw new XmlError('CDATA outside the root element');
      top.el.text += input.slice(pos + 9, end);
      pos = end + 3;
    } else if (input.startsWith('<!', pos)) {
      throw new XmlError('DTDs and entity declarations are not accepted');
    } else if (input.startsWith('<?', pos)) {
      const end = input.indexOf('?>', pos + 2);
      if (end === -1) throw new XmlError('unterminated processing instruction');
      pos = end + 2;
    } else if (input.startsWith('</', pos)) {
      NAME.lastIndex = pos + 2;
      const m = NAME.exec(input);
      if (!m) throw new XmlError(`bad end tag at ${pos}`);
      const close = input.indexOf('>', NAME.lastIndex);
      if (close === -1 || input.slice(NAME.lastIndex, close).trim()) throw new XmlError(`bad end tag at ${pos}`);
      const frame = stack.pop();
      if (!frame || frame.qname !== m[0]) throw new XmlError(`mismatched end tag </${m[0]}>`);
      pos = close + 1;
    } else {
      NAME.lastIndex = pos + 1;
      const m = NAME.exec(input);
      if (!m) throw new XmlError(`bad start tag at ${pos}`);
      const qname = m[0];
      pos = NAME.lastIndex;
      const rawAttrs: Array<[string, string]> = [];
      for (;;) {
        ATTR.lastIndex = pos;
        const a = ATTR.exec(input);
        if (!a) break;
        rawAttrs.push([a[1]!, decodeEntities(a[3] ?? a[4] ?? '')]);
        pos = ATTR.lastIndex;
      }
      while (pos < input.length && /\s/.test(input[pos]!)) pos++;
      const selfClosing = input.startsWith('/>', pos);
      if (!selfClosing && input[pos] !== '>') throw new XmlError(`bad start tag <${qname}> at ${pos}`);
      pos += selfClosing ? 2 : 1;

      if (++count > maxElements) throw new XmlError(`more than ${maxElements} elements`);
      if (stack.length >= maxDepth) throw new XmlError(`nesting deeper than ${maxDepth}`);
      const parent = stack[stack.length - 1];
      if (!parent && root) throw new XmlError('more than one root element');

      let scope = parent?.scope ?? rootScope;
      for (const [k, v] of rawAttrs) {
        if (k === 'xmlns' || k.startsWith('xmlns:')) {
          if (scope === (parent?.scope ?? rootScope)) scope = new Map(scope);
          scope.set(k === 'xmlns' ? '' : k.slice(6), v);
        }
      }
      const [prefix, local] = splitName(qname);
      const ns = scope.get(prefix) ?? (prefix ? prefix : '');
      const attrs: Record<string, string> = {};
      for (const [k, v] of rawAttrs) {
        if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
        const [p, l] = splitName(k);
        if (p && scope.get(p) === XSI_NS) attrs[`xsi:${l}`] = v;
        else attrs[l] = v;
      }
      const el: XmlElement = { name: local, ns, attrs, children: [], text: '' };
      if (parent) parent.el.children.push(el);
      else root = el;
      if (!selfClosing) stack.push({ el, qname, scope });
    }
  }
  if (stack.length) throw new XmlError(`truncated document: <${stack[stack.length - 1]!.qname}> is not closed`);
  if (!root) throw new XmlError('no root element');
  return root;
}

function splitName(qname: string): [string, string] {
  const colon = qname.indexOf(':');
  return colon === -1 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
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
