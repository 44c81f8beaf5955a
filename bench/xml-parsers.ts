/**
 * The XML reader (src/adapters/xml.ts) against maintained parsers, on the vendors' answers:
 * every vCD and vim25 fixture (captured and constructed, src/adapters/{vcd,vsphere-soap}/__fixtures__)
 * and two realistic pages built from them: a vCD query page of 128 TaskRecords and a vim25
 * RetrievePropertiesEx of 100 TaskInfo objects (one fixture's record repeated with distinct ids).
 *
 * What each parser is asked for:
 * - xml.ts: the tree the adapters read (local names, namespaces resolved, `xsi:type` told apart
 *   from `type`), with its refusal of DTDs and its depth and size limits;
 * - saxes (strict, namespace-aware SAX): the same tree, built from its events;
 * - fast-xml-parser (`preserveOrder`, attributes kept) and txml: their own trees only, without
 *   resolving namespaces (which the adapters would still need): a lower bound of their cost.
 *
 * Run: `npx tsx bench/xml-parsers.ts [--rounds N]`. Prints the median time per document of
 * each parser over rounds that alternate the parsers, and the ratio to xml.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { parse as txmlParse } from 'txml/txml';
import { parseXml, XSI_NS, type XmlElement } from '../src/adapters/xml.js';

const FIXTURES = ['vcd', 'vsphere-soap'].map((d) => new URL(`../src/adapters/${d}/__fixtures__/`, import.meta.url));

function fixtures(): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of FIXTURES) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.xml')).sort()) out.set(name, readFileSync(new URL(name, dir), 'utf8'));
  }
  return out;
}

/** `count` copies of the first `open`...`close` element of `doc`, each with its ids made distinct. */
function repeat(doc: string, open: string, close: string, count: number, id: RegExp): string {
  const start = doc.indexOf(open);
  const end = doc.indexOf(close, start) + close.length;
  const one = doc.slice(start, end);
  const copies = Array.from({ length: count }, (_, i) => one.replace(id, (m) => `${m.slice(0, -4)}${String(i).padStart(4, '0')}`));
  return doc.slice(0, start) + copies.join('\n') + doc.slice(end);
}

/** The tree xml.ts gives, from saxes' namespace-aware events. */
function viaSaxes(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: Array<{ name: string; ns: string; attrs: Record<string, string>; children: XmlElement[]; text: string }> = [];
  let root: XmlElement | undefined;
  parser.on('doctype', () => {
    throw new Error('DTDs are not accepted');
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) {
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      attrs[a.uri === XSI_NS ? `xsi:${a.local}` : a.local] = a.value;
    }
    const el = { name: tag.local, ns: tag.uri, attrs, children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('text', (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });
  parser.on('cdata', (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });
  parser.on('closetag', () => void stack.pop());
  parser.on('error', (err) => {
    throw err;
  });
  parser.write(text).close();
  if (!root) throw new Error('no root element');
  return root;
}

const fxp = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, parseTagValue: false, parseAttributeValue: false, trimValues: false });

const PARSERS: Record<string, (text: string) => unknown> = {
  'xml.ts': (text) => parseXml(text),
  saxes: viaSaxes,
  'fast-xml-parser': (text) => fxp.parse(text),
  txml: (text) => txmlParse(text, { keepComments: false }),
};

/** Milliseconds per parse of `text`, over enough repetitions for about 20 ms. */
function time(parse: (text: string) => unknown, text: string): number {
  let reps = 1;
  for (;;) {
    const started = performance.now();
    for (let i = 0; i < reps; i++) parse(text);
    const ms = performance.now() - started;
    if (ms >= 20) return ms / reps;
    reps *= 2;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 7;
  const all = fixtures();
  const vcdPage = repeat(all.get('constructed-query-records-task.xml')!, '<TaskRecord', '/>', 128, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g);
  const vimPage = repeat(all.get('constructed-retrievepropertiesex-task-info-all-fields.xml')!, '<vim25:objects>', '</vim25:objects>', 100, /task-\d{4}/g);
  const inputs: Array<[string, string[]]> = [
    [`the ${all.size} vCD and vim25 fixtures, each once`, [...all.values()]],
    [`vCD query page, 128 TaskRecords (${Math.round(vcdPage.length / 1024)} KiB)`, [vcdPage]],
    [`vim25 RetrievePropertiesEx, 100 TaskInfo (${Math.round(vimPage.length / 1024)} KiB)`, [vimPage]],
  ];
  for (const [, docs] of inputs) for (const doc of docs) for (const parse of Object.values(PARSERS)) parse(doc); // warm up, and each parses them all

  console.log(`XML parsers, median of ${rounds} alternated rounds, ms per input (node ${process.version})\n`);
  const names = Object.keys(PARSERS);
  console.log(`| input | ${names.join(' | ')} |`);
  console.log(`|---|${names.map(() => '---').join('|')}|`);
  for (const [label, docs] of inputs) {
    const samples = new Map<string, number[]>(names.map((n) => [n, []]));
    for (let r = 0; r < rounds; r++) {
      for (const name of r % 2 ? [...names].reverse() : names) {
        samples.get(name)!.push(docs.reduce((sum, doc) => sum + time(PARSERS[name]!, doc), 0));
      }
    }
    const ours = median(samples.get('xml.ts')!);
    const cells = names.map((n) => {
      const m = median(samples.get(n)!);
      return n === 'xml.ts' ? m.toFixed(3) : `${m.toFixed(3)} (${(m / ours).toFixed(2)}x)`;
    });
    console.log(`| ${label} | ${cells.join(' | ')} |`);
  }
}

main();
