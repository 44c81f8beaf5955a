/**
 * The XML reader against a model of what it must return: random element trees (prefixed and
 * default namespaces declared at any level, `xsi:type` under any prefix, entity and character
 * references, CDATA, comments, processing instructions, whitespace inside tags) are written
 * out, read back, and compared with the tree computed from the model itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseXml, XSI_NS, XmlError, type XmlElement } from './xml.js';

interface Spec {
  prefix: string;
  local: string;
  /** Namespace declarations on this element: prefix ('' for the default) -> URI. */
  declares: Array<[string, string]>;
  attrs: Array<[string, string]>;
  /** Text pieces, written before each child and after the last one. */
  texts: string[];
  children: Spec[];
}

const PREFIXES = ['', 'vcloud', 'soapenv', 'ns2', 'XMLSchema-instance', 'xsi'];
const URIS = ['urn:vim25', 'http://www.vmware.com/vcloud/v1.5', XSI_NS, 'http://schemas.xmlsoap.org/soap/envelope/'];
const local = fc.constantFrom('Task', 'TaskInfo', 'returnval', 'val', 'key', 'a', 'b.c', 'd-e', '_f1');
const text = fc.oneof(
  fc.constant(''),
  fc.constantFrom(' ', '\n  ', 'task-1', 'a & b', '<x>', '"quoted"', "it's", '日本', '😀', 'tab\there'),
);
const attrName = fc.constantFrom('type', 'href', 'name', 'status', 'xsi:type', 'XMLSchema-instance:type', 'vcloud:href');

const spec: fc.Arbitrary<Spec> = fc.letrec<{ node: Spec }>((tie) => ({
  node: fc
    .record({
      prefix: fc.constantFrom(...PREFIXES),
      local,
      declares: fc.uniqueArray(fc.tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...URIS)), { maxLength: 2, selector: ([p]) => p }),
      attrs: fc.uniqueArray(fc.tuple(attrName, text), { maxLength: 3, selector: ([n]) => n.replace(/^.*:/, '') }),
      children: fc.oneof({ depthSize: 'small' }, fc.constant<Spec[]>([]), fc.array(tie('node'), { maxLength: 4 })),
    })
    .chain((node) => fc.array(text, { minLength: node.children.length + 1, maxLength: node.children.length + 1 }).map((texts) => ({ ...node, texts }))),
})).node;

/** Writes text with every way XML allows: references, CDATA, comments and PIs between pieces. */
function writeText(value: string, style: number): string {
  if (!value) return style % 3 === 0 ? '<!-- c -->' : style % 3 === 1 ? '<?pi x?>' : '';
  if (style % 4 === 0 && !value.includes(']]>')) return `<![CDATA[${value}]]>`;
  return [...value]
    .map((ch) => {
      if (ch === '&') return '&amp;';
      if (ch === '<') return style % 2 ? '&#60;' : '&lt;';
      if (ch === '>') return '&gt;';
      if (ch === '😀') return '&#x1F600;';
      return ch;
    })
    .join('');
}

function writeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

function write(node: Spec, style: number): string {
  const qname = node.prefix ? `${node.prefix}:${node.local}` : node.local;
  const decl = node.declares.map(([p, uri]) => (p ? ` xmlns:${p}="${uri}"` : `\n\txmlns = '${uri}'`)).join('');
  const attrs = node.attrs.map(([n, v]) => ` ${n}="${writeAttr(v)}"`).join('');
  const inner = node.texts.map((t, i) => writeText(t, style + i) + (node.children[i] ? write(node.children[i]!, style + i + 1) : '')).join('');
  if (!inner && style % 2) return `<${qname}${decl}${attrs} />`;
  return `<${qname}${decl}${attrs}>${inner}</${qname} >`;
}

/** What the reader must return for `node`, resolving prefixes as XML namespaces do. */
function expected(node: Spec, scope: Map<string, string>): XmlElement {
  const inner = new Map(scope);
  for (const [p, uri] of node.declares) inner.set(p, uri);
  const attrs: Record<string, string> = {};
  for (const [n, v] of node.attrs) {
    const [p, l] = n.includes(':') ? n.split(':') : ['', n];
    attrs[p && inner.get(p!) === XSI_NS ? `xsi:${l}` : l!] = v;
  }
  return {
    name: node.local,
    ns: inner.get(node.prefix) ?? node.prefix,
    attrs,
    children: node.children.map((c) => expected(c, inner)),
    text: node.texts.join(''),
  };
}

/** Plain data, for a deep comparison that ignores which empty objects are shared. */
function plain(el: XmlElement): unknown {
  return { name: el.name, ns: el.ns, attrs: { ...el.attrs }, children: el.children.map(plain), text: el.text };
}

describe('parseXml', () => {
  it('returns the tree the document describes, whatever its prefixes, references and spacing', () => {
    fc.assert(
      fc.property(spec, fc.nat(7), (node, style) => {
        const doc = `\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- head -->\n${write(node, style)}\n`;
        expect(plain(parseXml(doc))).toEqual(plain(expected(node, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]))));
      }),
      { numRuns: 1500 },
    );
  });

  it('keeps a vim MoRef type apart from the xsi:type under another prefix, as vcsim writes it', () => {
    const root = parseXml(
      '<val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="ManagedObjectReference" type="Task">task-1</val>',
    );
    expect(root.attrs).toEqual({ 'xsi:type': 'ManagedObjectReference', type: 'Task' });
  });

  it('shares one frozen empty object and array between leaves, which callers cannot change', () => {
    const root = parseXml('<a><b/><c x="1"><d/></c></a>');
    const [b, c] = root.children;
    expect(b!.attrs).toBe(c!.children[0]!.attrs);
    expect(Object.isFrozen(b!.children)).toBe(true);
    expect(() => (b!.children as XmlElement[]).push(root)).toThrow(TypeError);
    expect(c!.attrs).toEqual({ x: '1' });
  });

  it.each([
    ['an end tag that does not match', '<a><b></a></b>'],
    ['an unclosed element', '<a><b></b>'],
    ['an attribute without quotes', '<a x=1/>'],
    ['an attribute without a value', '<a x/>'],
    ['an unterminated attribute value', '<a x="1/>'],
    ['a bad character reference', '<a>&#xZZ;</a>'],
    ['text after the root', '<a/>x'],
    ['a space before the name', '< a/>'],
    ['a second root', '<a/><a/>'],
  ])('refuses %s', (_what, doc) => {
    expect(() => parseXml(doc)).toThrow(XmlError);
  });
});
