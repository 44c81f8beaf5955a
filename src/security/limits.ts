/**
 * Query limits, checked on the parsed operation before anything runs (HTTP and graphql-ws
 * alike): introspection and `_service`, depth, aliases and directives (shape.ts, on GraphQL
 * Armor), cost (cost.ts); tokens are counted before parsing. Each
 * violation is a GraphQLError with `extensions.code` QUERY_LIMIT_EXCEEDED and
 * `extensions.limit` naming the config field (`limits.maxDepth` ...).
 */
import {
  getOperationAST,
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
} from 'graphql';
import type { LimitsConfig } from './config.js';
import { DEFAULT_LIST_SIZE, measureCost, type OperationCost } from './cost.js';
import { measureShape, type OperationShape } from './shape.js';

export type QueryLimits = Pick<LimitsConfig, 'maxDepth' | 'maxAliases' | 'maxDirectives' | 'maxTokens' | 'maxCost' | 'introspection' | 'federationSdl' | 'maxReadsPerBackend'>;

export { DEFAULT_LIST_SIZE };

export type LimitName = 'maxDepth' | 'maxAliases' | 'maxDirectives' | 'maxTokens' | 'maxCost' | 'maxBatch' | 'introspection' | 'federationSdl' | 'maxReadsPerBackend';

/** A limit violation; `extensions` say which limit, its maximum and what the request had. */
export function limitError(limit: LimitName, message: string, max: number | boolean, actual?: number): GraphQLError {
  const code = limit === 'introspection' || limit === 'federationSdl' ? 'GRAPHQL_VALIDATION_FAILED' : 'QUERY_LIMIT_EXCEEDED';
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

/** What one operation measures. */
export interface OperationMeasure extends OperationShape, OperationCost {}

export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): OperationMeasure | null {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  return { ...measureShape(operation, fragments), ...measureCost(schema, operation, fragments, variables) };
}

/** The first limit the operation exceeds, or null. */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: QueryLimits,
): GraphQLError | null {
  const m = measureOperation(schema, document, operationName, variables);
  if (!m) return null;
  if (m.introspection && !limits.introspection) {
    return limitError('introspection', 'introspection (__schema, __type) is turned off on this server (limits.introspection: false)', false);
  }
  if (m.service && !limits.introspection && !limits.federationSdl) {
    return limitError(
      'federationSdl',
      '_service (the subgraph SDL) is turned off with introspection on this server; set limits.federationSdl: true if a router composes the supergraph from it at run time',
      false,
    );
  }
  if (m.depth > limits.maxDepth) {
    return limitError('maxDepth', `the query nests deeper than limits.maxDepth (${limits.maxDepth}); ask for fewer levels`, limits.maxDepth, m.depth);
  }
  if (m.aliases > limits.maxAliases) {
    return limitError('maxAliases', `the query uses more than limits.maxAliases (${limits.maxAliases}) aliases`, limits.maxAliases, m.aliases);
  }
  if (m.directives > limits.maxDirectives) {
    return limitError('maxDirectives', `the query uses more than limits.maxDirectives (${limits.maxDirectives}) directives`, limits.maxDirectives, m.directives);
  }
  if (m.entityReads > limits.maxReadsPerBackend) {
    return limitError(
      'maxReadsPerBackend',
      `_entities reads more than limits.maxReadsPerBackend (${limits.maxReadsPerBackend}) tasks by id from one backend; send fewer representations per request`,
      limits.maxReadsPerBackend,
      m.entityReads,
    );
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
