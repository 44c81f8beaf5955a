/**
 * Query limits, checked on the parsed operation before anything runs (HTTP and graphql-ws
 * alike): depth, aliases, cost, introspection; tokens are counted before parsing. Each
 * violation is a GraphQLError with `extensions.code` QUERY_LIMIT_EXCEEDED and
 * `extensions.limit` naming the config field (`limits.maxDepth` ...).
 *
 * Cost: every field counts once per item of the lists around it. A list's size is its
 * `first` / `last` argument, 50 for a connection without one (the resolvers' default), and
 * the number of representations for federation `_entities`. So
 * `tasks(first: 100) { edges { node { id subtasks { nodes { id } } } } }` costs about
 * 1 + 100 × (4 + 50 × 2).
 */
import {
  getOperationAST,
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { LimitsConfig } from './config.js';

export type QueryLimits = Pick<LimitsConfig, 'maxDepth' | 'maxAliases' | 'maxTokens' | 'maxCost' | 'introspection'>;

/** Items a connection returns when `first`/`last` is not given (PAGE_LIMITS.defaultPageSize). */
export const DEFAULT_LIST_SIZE = 50;

export type LimitName = 'maxDepth' | 'maxAliases' | 'maxTokens' | 'maxCost' | 'maxBatch' | 'introspection';

/** A limit violation; `extensions` say which limit, its maximum and what the request had. */
export function limitError(limit: LimitName, message: string, max: number | boolean, actual?: number): GraphQLError {
  const code = limit === 'introspection' ? 'GRAPHQL_VALIDATION_FAILED' : 'QUERY_LIMIT_EXCEEDED';
  return new GraphQLError(message, { extensions: { code, limit: `limits.${limit}`, max, ...(actual !== undefined ? { actual } : {}) } });
}

/** Tokens of a document, counted up to `stopAfter + 1` (syntax errors are left to the parser). */
export function countTokens(source: string, stopAfter: number): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (count <= stopAfter && lexer.advance().kind !== TokenKind.EOF) count++;
  } catch {
    // The parser reports the syntax error with its position.
  }
  return count;
}

export function checkTokens(source: string, limits: Pick<QueryLimits, 'maxTokens'>): GraphQLError | null {
  const tokens = countTokens(source, limits.maxTokens);
  if (tokens <= limits.maxTokens) return null;
  return limitError('maxTokens', `the document has more than ${limits.maxTokens} tokens (limits.maxTokens); send a smaller query`, limits.maxTokens);
}

/**
 * The schema is read by shape, not with graphql's `isObjectType` & co.: those check
 * `instanceof`, and the schema may come from another copy of graphql (the CommonJS one
 * @apollo/subgraph loads, when this file was loaded as ESM by a bundler or test runner).
 */
interface TypeLike {
  name: string;
  getFields?: () => Record<string, { type: unknown }>;
}

function namedType(type: unknown): TypeLike | undefined {
  let t = type as { ofType?: unknown; name?: unknown } | undefined;
  while (t && t.ofType) t = t.ofType as typeof t;
  return t && typeof t.name === 'string' ? (t as TypeLike) : undefined;
}

function typeNamed(schema: GraphQLSchema, name: string): TypeLike | undefined {
  return (schema.getType(name) as TypeLike | null | undefined) ?? undefined;
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  limits: QueryLimits;
  depth: number;
  aliases: number;
  cost: number;
  introspection: boolean;
  /** Set when a limit is already exceeded: the walk stops (fragment reuse can be exponential). */
  over: boolean;
}

function valueOf(node: ValueNode | undefined, variables: Record<string, unknown>): unknown {
  if (!node) return undefined;
  switch (node.kind) {
    case Kind.VARIABLE:
      return variables[node.name.value];
    case Kind.INT:
      return Number(node.value);
    case Kind.LIST:
      return node.values;
    default:
      return undefined;
  }
}

/** How many items this field's subtree is fetched for. */
function listSize(field: FieldNode, type: TypeLike, walk: Walk): number {
  const arg = (name: string) => valueOf(field.arguments?.find((a) => a.name.value === name)?.value, walk.variables);
  for (const name of ['first', 'last']) {
    const n = arg(name);
    if (typeof n === 'number' && Number.isFinite(n)) return Math.max(0, Math.floor(n));
  }
  if (field.name.value === '_entities') {
    const reps = arg('representations');
    return Array.isArray(reps) ? reps.length : 1;
  }
  return type.name.endsWith('Connection') ? DEFAULT_LIST_SIZE : 1;
}

function visit(set: SelectionSetNode, parent: TypeLike | undefined, depth: number, multiplier: number, walk: Walk, path: Set<string>): void {
  for (const selection of set.selections) {
    if (walk.over) return;
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name === '__schema' || name === '__type') {
        walk.introspection = true;
        continue;
      }
      if (name.startsWith('__')) continue;
      if (selection.alias) walk.aliases++;
      walk.depth = Math.max(walk.depth, depth + 1);
      walk.cost += Math.max(1, multiplier);
      const { limits } = walk;
      if (walk.depth > limits.maxDepth || walk.aliases > limits.maxAliases || walk.cost > limits.maxCost) {
        walk.over = true;
        return;
      }
      if (!selection.selectionSet) continue;
      const def = typeof parent?.getFields === 'function' ? parent.getFields()[name] : undefined;
      const type = def ? namedType(def.type) : undefined;
      const size = type ? listSize(selection, type, walk) : 1;
      visit(selection.selectionSet, type, depth + 1, Math.max(1, multiplier) * size, walk, path);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? typeNamed(walk.schema, selection.typeCondition.name.value) : parent;
      visit(selection.selectionSet, type, depth, multiplier, walk, path);
    } else {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      // Cycles are a validation error; this only keeps an unvalidated document from looping.
      if (!fragment || path.has(name)) continue;
      path.add(name);
      visit(fragment.selectionSet, typeNamed(walk.schema, fragment.typeCondition.name.value), depth, multiplier, walk, path);
      path.delete(name);
    }
  }
}

/** What one operation measures (the walk stops early once a limit is exceeded). */
export interface OperationMeasure {
  depth: number;
  aliases: number;
  cost: number;
  introspection: boolean;
}

export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: QueryLimits,
): OperationMeasure | null {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const root = (schema.getRootType(operation.operation) as TypeLike | null | undefined) ?? undefined;
  const walk: Walk = { schema, fragments, variables: variables ?? {}, limits, depth: 0, aliases: 0, cost: 0, introspection: false, over: false };
  visit(operation.selectionSet, root, 0, 1, walk, new Set());
  return { depth: walk.depth, aliases: walk.aliases, cost: walk.cost, introspection: walk.introspection };
}

/** The first limit the operation exceeds, or null. */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: QueryLimits,
): GraphQLError | null {
  const m = measureOperation(schema, document, operationName, variables, limits);
  if (!m) return null;
  if (m.introspection && !limits.introspection) {
    return limitError('introspection', 'introspection (__schema, __type) is turned off on this server (limits.introspection: false)', false);
  }
  if (m.depth > limits.maxDepth) {
    return limitError('maxDepth', `the query nests deeper than limits.maxDepth (${limits.maxDepth}); ask for fewer levels`, limits.maxDepth, m.depth);
  }
  if (m.aliases > limits.maxAliases) {
    return limitError('maxAliases', `the query uses more than limits.maxAliases (${limits.maxAliases}) aliases`, limits.maxAliases, m.aliases);
  }
  if (m.cost > limits.maxCost) {
    return limitError(
      'maxCost',
      `the query costs more than limits.maxCost (${limits.maxCost}): each field counts once per item of the lists around it (first/last, default ${DEFAULT_LIST_SIZE}); ask for smaller pages or fewer fields`,
      limits.maxCost,
      m.cost,
    );
  }
  return null;
}
