/**
 * Generates docs/schema-reference.md from the SDL in schema/*.graphql (the source of truth):
 *   npm run docs:schema            writes the file
 *   npm run docs:schema -- --check exits 1 when the file is out of date
 * Deterministic: files in name order, types grouped by kind and sorted by name.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  Kind,
  parse,
  print,
  type ConstDirectiveNode,
  type DefinitionNode,
  type EnumValueDefinitionNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
  type TypeNode,
} from 'graphql';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SCHEMA_DIR = join(ROOT, 'schema');
export const OUTPUT = join(ROOT, 'docs', 'schema-reference.md');

interface TypeDoc {
  kind: 'object' | 'interface' | 'input' | 'enum' | 'scalar' | 'union';
  name: string;
  description: string | null;
  file: string;
  interfaces: string[];
  fields: FieldDefinitionNode[];
  inputs: InputValueDefinitionNode[];
  values: EnumValueDefinitionNode[];
  members: string[];
  directives: string[];
}

const ROOTS = ['Query', 'Mutation', 'Subscription'];
const SECTIONS: Array<[TypeDoc['kind'], string]> = [
  ['object', 'Object types'],
  ['interface', 'Interfaces'],
  ['union', 'Unions'],
  ['input', 'Input types'],
  ['enum', 'Enums'],
  ['scalar', 'Scalars'],
];
const BUILT_IN = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

/** Markdown table cell: one line, pipes escaped. */
function cell(text: string | null | undefined): string {
  return (text ?? '').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function directivesOf(nodes: readonly ConstDirectiveNode[] | undefined): string[] {
  return (nodes ?? []).map((d) => print(d));
}

function collect(files: Array<{ name: string; text: string }>): Map<string, TypeDoc> {
  const types = new Map<string, TypeDoc>();
  const get = (def: DefinitionNode & { name: { value: string } }, kind: TypeDoc['kind'], file: string): TypeDoc => {
    let doc = types.get(def.name.value);
    if (!doc) {
      doc = { kind, name: def.name.value, description: null, file, interfaces: [], fields: [], inputs: [], values: [], members: [], directives: [] };
      types.set(doc.name, doc);
    }
    return doc;
  };
  for (const { name: file, text } of files) {
    for (const def of parse(text, { noLocation: true }).definitions) {
      switch (def.kind) {
        case Kind.OBJECT_TYPE_DEFINITION:
        case Kind.OBJECT_TYPE_EXTENSION:
        case Kind.INTERFACE_TYPE_DEFINITION:
        case Kind.INTERFACE_TYPE_EXTENSION: {
          const isInterface = def.kind === Kind.INTERFACE_TYPE_DEFINITION || def.kind === Kind.INTERFACE_TYPE_EXTENSION;
          const doc = get(def, isInterface ? 'interface' : 'object', file);
          if ('description' in def && def.description) doc.description = def.description.value;
          doc.interfaces.push(...(def.interfaces ?? []).map((i) => i.name.value));
          doc.fields.push(...(def.fields ?? []));
          doc.directives.push(...directivesOf(def.directives));
          break;
        }
        case Kind.INPUT_OBJECT_TYPE_DEFINITION:
        case Kind.INPUT_OBJECT_TYPE_EXTENSION: {
          const doc = get(def, 'input', file);
          if ('description' in def && def.description) doc.description = def.description.value;
          doc.inputs.push(...(def.fields ?? []));
          break;
        }
        case Kind.ENUM_TYPE_DEFINITION:
        case Kind.ENUM_TYPE_EXTENSION: {
          const doc = get(def, 'enum', file);
          if ('description' in def && def.description) doc.description = def.description.value;
          doc.values.push(...(def.values ?? []));
          break;
        }
        case Kind.SCALAR_TYPE_DEFINITION: {
          const doc = get(def, 'scalar', file);
          doc.description = def.description?.value ?? null;
          break;
        }
        case Kind.UNION_TYPE_DEFINITION: {
          const doc = get(def, 'union', file);
          doc.description = def.description?.value ?? null;
          doc.members.push(...(def.types ?? []).map((t) => t.name.value));
          break;
        }
        default:
          // schema extensions (@link) and directive definitions are federation plumbing.
          break;
      }
    }
  }
  return types;
}

export function renderSchemaReference(files: Array<{ name: string; text: string }>): string {
  const types = collect(files);
  const link = (name: string) => (types.has(name) ? `[${name}](#${name.toLowerCase()})` : name);
  /** `[Task!]!` as code, linked to the named type's section when the schema defines it. */
  const typeRef = (type: TypeNode) => {
    const name = namedType(type);
    return types.has(name) ? `[\`${print(type)}\`](#${name.toLowerCase()})` : `\`${print(type)}\``;
  };
  const args = (field: FieldDefinitionNode) =>
    (field.arguments ?? []).map((a) => `\`${a.name.value}\`: ${typeRef(a.type)}${a.defaultValue ? ` = \`${print(a.defaultValue)}\`` : ''}${a.description ? ` (${cell(a.description.value)})` : ''}`);
  const deprecation = (node: { directives?: readonly ConstDirectiveNode[] }) => {
    const d = node.directives?.find((x) => x.name.value === 'deprecated');
    return d ? ` **Deprecated**${d.arguments?.[0] ? `: ${cell(print(d.arguments[0].value))}` : ''}.` : '';
  };

  const out: string[] = [
    '# Schema reference',
    '',
    '<!-- Generated by `npm run docs:schema` from schema/*.graphql. Do not edit by hand. -->',
    '',
    'Every type, field, argument and enum value taskgraph serves at `/graphql`, with the descriptions',
    'from the SDL. Operations first, then types by kind, each sorted by name. The schema is also a',
    'Federation v2 subgraph (`taskgraph schema --federation` prints the subgraph SDL).',
    '',
    '## Contents',
    '',
    `- Operations: ${ROOTS.filter((r) => types.has(r)).map(link).join(', ')}`,
  ];
  for (const [kind, title] of SECTIONS) {
    const names = [...types.values()].filter((t) => t.kind === kind && !ROOTS.includes(t.name)).map((t) => t.name).sort();
    if (names.length) out.push(`- ${title}: ${names.map(link).join(', ')}`);
  }
  out.push('');

  const fieldTable = (doc: TypeDoc) => {
    out.push('| Field | Type | Description |', '| --- | --- | --- |');
    for (const f of doc.fields) {
      const a = args(f);
      const description = [cell(f.description?.value), a.length ? `Arguments: ${a.join(', ')}.` : '', deprecation(f)].filter(Boolean).join(' ');
      out.push(`| \`${f.name.value}\` | ${typeRef(f.type)} | ${description} |`);
    }
    out.push('');
  };
  const heading = (doc: TypeDoc) => {
    out.push(`### ${doc.name}`, '');
    if (doc.description) out.push(doc.description.trim(), '');
    const facts = [
      doc.interfaces.length ? `Implements ${doc.interfaces.map(link).join(', ')}.` : '',
      doc.directives.length ? `Directives: ${doc.directives.map((d) => `\`${d}\``).join(' ')}.` : '',
      `Defined in \`schema/${doc.file}\`.`,
    ].filter(Boolean);
    out.push(facts.join(' '), '');
  };

  out.push('## Operations', '');
  for (const name of ROOTS) {
    const doc = types.get(name);
    if (!doc) continue;
    heading(doc);
    fieldTable(doc);
  }
  for (const [kind, title] of SECTIONS) {
    const docs = [...types.values()].filter((t) => t.kind === kind && !ROOTS.includes(t.name)).sort((a, b) => a.name.localeCompare(b.name));
    if (!docs.length) continue;
    out.push(`## ${title}`, '');
    for (const doc of docs) {
      heading(doc);
      if (kind === 'object' || kind === 'interface') fieldTable(doc);
      if (kind === 'input') {
        out.push('| Field | Type | Default | Description |', '| --- | --- | --- | --- |');
        for (const f of doc.inputs) out.push(`| \`${f.name.value}\` | ${typeRef(f.type)} | ${f.defaultValue ? `\`${print(f.defaultValue)}\`` : ''} | ${cell(f.description?.value)}${deprecation(f)} |`);
        out.push('');
      }
      if (kind === 'enum') {
        out.push('| Value | Description |', '| --- | --- |');
        for (const v of doc.values) out.push(`| \`${v.name.value}\` | ${cell(v.description?.value)}${deprecation(v)} |`);
        out.push('');
      }
      if (kind === 'union') out.push(`One of ${doc.members.map(link).join(', ')}.`, '');
    }
  }
  const unknown = [...types.values()].flatMap((t) => [...t.fields.map((f) => namedType(f.type)), ...t.inputs.map((f) => namedType(f.type))]).filter((n) => !types.has(n) && !BUILT_IN.has(n));
  if (unknown.length) throw new Error(`schema-docs: types used but not defined in schema/: ${[...new Set(unknown)].join(', ')}`);
  return `${out.join('\n').trimEnd()}\n`;
}

export function readSchemaFiles(dir = SCHEMA_DIR): Array<{ name: string; text: string }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

function main(): void {
  const rendered = renderSchemaReference(readSchemaFiles());
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(OUTPUT, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== rendered) {
      process.stderr.write('docs/schema-reference.md is out of date: run `npm run docs:schema`\n');
      process.exit(1);
    }
    return;
  }
  writeFileSync(OUTPUT, rendered);
  process.stdout.write(`wrote ${OUTPUT}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
