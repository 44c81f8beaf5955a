/**
 * The cost of an operation: every field counts once for each item of the lists around it.
 * A list's size is its `first`/`last` argument (from the literal, the request's variables or
 * the variable's default value, else the argument's schema default), 50 for a connection
 * without one (the resolvers' default), the number of representations for `_entities`, and
 * for introspection lists the schema's own counts (types, fields per type on average, ...).
 * Introspection fields, `__typename` and `_service` count like any other field.
 *
 * Each fragment is costed once (memoized) and its cost reused at every spread, so the walk is
 * linear in the document even when fragments spread each other twice over. GraphQL Armor's
 * cost rule memoizes too but reads no variable (`first: $n` counts 1), and
 * graphql-query-complexity reads variables but walks a fragment again at every spread (it
 * stops at a node cap, after milliseconds per document): docs/security.md, "Query limits".
 */
import { decodeTaskId } from '../model/global-id.js';
import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode, type ValueNode } from 'graphql';

/** Items a connection returns when `first`/`last` is not given (PAGE_LIMITS.defaultPageSize). */
export const DEFAULT_LIST_SIZE = 50;

/**
 * The schema is read by shape, not with graphql's `isObjectType` & co.: those check
 * `instanceof`, and the schema may come from another copy of graphql (the CommonJS one
 * @apollo/subgraph loads, when this file was loaded as ESM by a bundler or test runner).
 */
interface ArgLike {
  name: string;
  defaultValue?: unknown;
}
interface FieldLike {
  type: unknown;
  args?: readonly ArgLike[];
}
interface TypeLike {
  name: string;
  getFields?: () => Record<string, FieldLike>;
}

function unwrap(type: unknown): { named: TypeLike | undefined; list: boolean } {
  let t = type as { ofType?: unknown; name?: unknown } | undefined;
  let list = false;
  while (t && t.ofType) {
    // A list type prints as `[Item]` (either copy of graphql).
    if (String(t).startsWith('[')) list = true;
    t = t.ofType as typeof t;
  }
  return { named: t && typeof t.name === 'string' ? (t as TypeLike) : undefined, list };
}

export interface OperationCost {
  cost: number;
  /** The most Task representations of `_entities` on one backend: each is a read by id. */
  entityReads: number;
  /** `__schema` or `__type` is read. */
  introspection: boolean;
  /** `_service` (the federation subgraph SDL) is read. */
  service: boolean;
}

/**
 * Introspection list sizes, from the schema itself (computed once per schema): `types` and
 * `directives` are the schema's counts; a list inside them is its average length (fields per
 * type, arguments per field, ...), so a whole introspection query costs what it returns.
 */
interface IntrospectionSizes {
  types: number;
  directives: number;
  fields: number;
  args: number;
  inputFields: number;
  enumValues: number;
  interfaces: number;
  possibleTypes: number;
}

const introspectionSizes = new WeakMap<GraphQLSchema, IntrospectionSizes>();

type SchemaTypeLike = TypeLike & { getValues?: () => unknown[]; getInterfaces?: () => unknown[] };

/** The average of the counts (at least 1, rounded up): the length of such a list, on average. */
function average(counts: number[]): number {
  return counts.length ? Math.max(1, Math.ceil(counts.reduce((a, b) => a + b, 0) / counts.length)) : 1;
}

function sizesOf(schema: GraphQLSchema): IntrospectionSizes {
  let sizes = introspectionSizes.get(schema);
  if (!sizes) {
    const types = Object.values(schema.getTypeMap()) as SchemaTypeLike[];
    const directives = schema.getDirectives() as ReadonlyArray<{ args: readonly unknown[] }>;
    const counts = { fields: [] as number[], args: [] as number[], inputFields: [] as number[], enumValues: [] as number[], interfaces: [] as number[], possibleTypes: [] as number[] };
    for (const type of types) {
      const fields = type.getFields ? Object.values(type.getFields()) : [];
      if (type.getValues) counts.enumValues.push(type.getValues().length);
      else if (type.getFields && fields.every((f) => f.args === undefined)) counts.inputFields.push(fields.length);
      else if (type.getFields) counts.fields.push(fields.length);
      for (const field of fields) if (field.args) counts.args.push(field.args.length);
      if (type.getInterfaces) counts.interfaces.push(type.getInterfaces().length);
      // Unions and interfaces (abstract types) are those that resolve a type.
      if ('resolveType' in type) counts.possibleTypes.push(schema.getPossibleTypes(type as never).length);
    }
    for (const directive of directives) counts.args.push(directive.args.length);
    sizes = {
      types: types.length,
      directives: directives.length,
      fields: average(counts.fields),
      args: average(counts.args),
      inputFields: average(counts.inputFields),
      enumValues: average(counts.enumValues),
      interfaces: average(counts.interfaces),
      possibleTypes: average(counts.possibleTypes),
    };
    introspectionSizes.set(schema, sizes);
  }
  return sizes;
}

interface Walk {
  schema: GraphQLSchema;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  fragmentCosts: Map<string, number>;
  /** Fragments being costed: a cycle (refused by validation) counts nothing more. */
  active: Set<string>;
  introspection: boolean;
  service: boolean;
  /** Task representations of `_entities`, by backend. */
  entityReads: Map<string, number>;
}

/** Counts the Task representations of an `_entities` field by the backend their id names. */
function countEntityReads(representations: unknown, walk: Walk): void {
  if (!Array.isArray(representations)) return;
  for (const rep of representations) {
    const id = rep && typeof rep === 'object' ? (rep as { __typename?: unknown; id?: unknown }) : null;
    if (id?.__typename !== 'Task' || typeof id.id !== 'string') continue;
    const backend = decodeTaskId(id.id)?.backend;
    if (backend) walk.entityReads.set(backend, (walk.entityReads.get(backend) ?? 0) + 1);
  }
}

/** A literal's value, variables substituted (lists and objects as arrays and objects). */
function valueOf(node: ValueNode | undefined, variables: Record<string, unknown>): unknown {
  if (!node) return undefined;
  switch (node.kind) {
    case Kind.VARIABLE:
      return variables[node.name.value];
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.LIST:
      return node.values.map((v) => valueOf(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, valueOf(f.value, variables)]));
    case Kind.NULL:
      return null;
    default:
      return 'value' in node ? node.value : undefined;
  }
}

/** The variables as the operation runs with them: the request's, else each one's default value. */
export function effectiveVariables(operation: OperationDefinitionNode, given: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const def of operation.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    out[name] = given && Object.hasOwn(given, name) ? given[name] : valueOf(def.defaultValue, {});
  }
  return out;
}

/** The arguments listSize reads: a page's size, and `_entities`' representations. */
const PAGE_ARGUMENTS = ['first', 'last'] as const;
const ENTITIES_ARGUMENT = 'representations';
const COSTED_ARGUMENTS = new Set<string>([...PAGE_ARGUMENTS, ENTITIES_ARGUMENT]);

/**
 * The variables a document's cost can depend on: those referenced anywhere in a `first`,
 * `last` or `representations` argument. The other variables (filters, ids) never change a
 * verdict, so a verdict can be remembered across requests that differ only in them.
 */
export function costedVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (node: ValueNode): void => {
    if (node.kind === Kind.VARIABLE) names.add(node.name.value);
    else if (node.kind === Kind.LIST) node.values.forEach(collect);
    else if (node.kind === Kind.OBJECT) for (const field of node.fields) collect(field.value);
  };
  const walkSet = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        for (const arg of selection.arguments ?? []) if (COSTED_ARGUMENTS.has(arg.name.value)) collect(arg.value);
      }
      if (selection.kind !== Kind.FRAGMENT_SPREAD && selection.selectionSet) walkSet(selection.selectionSet);
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) walkSet(definition.selectionSet);
  }
  return [...names].sort();
}

/** How many items this field's selection is fetched for. */
function listSize(field: FieldNode, parent: TypeLike | undefined, def: FieldLike | undefined, type: TypeLike, list: boolean, walk: Walk): number {
  const given = (name: string) => {
    const node = field.arguments?.find((a) => a.name.value === name);
    return node ? valueOf(node.value, walk.variables) : def?.args?.find((a) => a.name === name)?.defaultValue;
  };
  for (const name of PAGE_ARGUMENTS) {
    const n = given(name);
    if (typeof n === 'number' && Number.isFinite(n)) return Math.max(0, Math.floor(n));
  }
  if (field.name.value === '_entities') {
    const reps = given(ENTITIES_ARGUMENT);
    countEntityReads(reps, walk);
    return Array.isArray(reps) ? reps.length : 1;
  }
  if (parent?.name.startsWith('__') && list) {
    const sizes = sizesOf(walk.schema);
    const name = field.name.value;
    return Object.hasOwn(sizes, name) ? sizes[name as keyof IntrospectionSizes] : sizes.types;
  }
  return type.name.endsWith('Connection') ? DEFAULT_LIST_SIZE : 1;
}

function fieldDef(walk: Walk, parent: TypeLike | undefined, name: string): FieldLike | undefined {
  // Meta fields are not among a type's fields.
  if (name === '__schema') return { type: walk.schema.getType('__Schema') };
  if (name === '__type') return { type: walk.schema.getType('__Type') };
  return typeof parent?.getFields === 'function' ? parent.getFields()[name] : undefined;
}

function setCost(set: SelectionSetNode, parent: TypeLike | undefined, walk: Walk): number {
  let cost = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name === '__schema' || name === '__type') walk.introspection = true;
      if (name === '_service') walk.service = true;
      cost += 1;
      if (!selection.selectionSet) continue;
      const def = fieldDef(walk, parent, name);
      const { named, list } = unwrap(def?.type);
      const size = named ? listSize(selection, parent, def, named, list, walk) : 1;
      cost += size * setCost(selection.selectionSet, named, walk);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? (walk.schema.getType(selection.typeCondition.name.value) as TypeLike | null) ?? undefined : parent;
      cost += setCost(selection.selectionSet, type, walk);
    } else {
      cost += fragmentCost(selection.name.value, walk);
    }
  }
  return cost;
}

function fragmentCost(name: string, walk: Walk): number {
  const known = walk.fragmentCosts.get(name);
  if (known !== undefined) return known;
  const fragment = walk.fragments.get(name);
  if (!fragment || walk.active.has(name)) return 0;
  walk.active.add(name);
  const type = (walk.schema.getType(fragment.typeCondition.name.value) as TypeLike | null) ?? undefined;
  const cost = setCost(fragment.selectionSet, type, walk);
  walk.active.delete(name);
  walk.fragmentCosts.set(name, cost);
  return cost;
}

export function measureCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> | null | undefined,
): OperationCost {
  const walk: Walk = { schema, fragments, variables: effectiveVariables(operation, variables), fragmentCosts: new Map(), active: new Set(), introspection: false, service: false, entityReads: new Map() };
  const root = (schema.getRootType(operation.operation) as TypeLike | null | undefined) ?? undefined;
  const cost = setCost(operation.selectionSet, root, walk);
  return { cost, introspection: walk.introspection, service: walk.service, entityReads: Math.max(0, ...walk.entityReads.values()) };
}
