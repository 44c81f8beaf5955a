/**
 * Query limits at the edge (src/security/limits.ts does the measuring):
 * - `limitsMiddleware`: before Apollo parses anything, refuses batches larger than
 *   `limits.maxBatch` and documents of more than `limits.maxTokens` tokens (400), and
 *   measures a JSON body's operation (`bodyLimits`);
 * - `limitsPlugin`: once the operation is parsed and validated, refuses introspection when
 *   off, and operations over `maxDepth`, `maxAliases` or `maxCost` (400), before any resolver;
 * - `wsOperationGuard`: the same for graphql-ws `subscribe` messages.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import { createRequire } from 'node:module';
import { LRUCache } from 'lru-cache';
import { getOperationAST, GraphQLError, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { coerceVariables } from '../variables.js';
import { overLimit, type Refusal } from '../refusals.js';
import type { LimitsConfig } from '../../security/config.js';
import { checkOperation, checkTokens, limitError } from '../../security/limits.js';
import { costedVariables } from '../../security/cost.js';


/**
 * Batch size and token count of an HTTP request's operations (a JSON body, or GET ?query=),
 * before anything parses them; null when within limits.
 */
export function httpLimits(limits: LimitsConfig): (body: unknown) => GraphQLError | null {
  // Query texts already counted within limits (clients repeat a few texts).
  const counted = new LRUCache<string, true>({ max: 1000 });
  return (body) => {
    const operations = Array.isArray(body) ? body : [body];
    if (operations.length > limits.maxBatch) {
      return limitError('maxBatch', `a batch of ${operations.length} operations is more than limits.maxBatch (${limits.maxBatch}) allows`, limits.maxBatch, operations.length);
    }
    for (const op of operations) {
      const query = op && typeof op === 'object' ? (op as { query?: unknown }).query : undefined;
      if (typeof query !== 'string' || counted.has(query)) continue;
      const tooLong = checkTokens(query, limits);
      if (tooLong) return tooLong;
      counted.set(query, true);
    }
    return null;
  };
}

/**
 * The express chain's limits (after express.json): httpLimits, then for a JSON body bodyLimits,
 * so a request over a limit is refused before Apollo Server as on the fast path's direct POST.
 */
export function limitsMiddleware(
  check: ReturnType<typeof httpLimits>,
  checkOperation: ReturnType<typeof bodyLimits>,
  refused: (req: Parameters<RequestHandler>[0], refusal: Refusal) => void,
): RequestHandler {
  return (req, res, next) => {
    const body: unknown = req.body;
    const error = check(body ?? { query: req.query?.query }) ?? (body === undefined ? null : checkOperation(body));
    if (!error) return next();
    const refusal = overLimit(error);
    refused(req, refusal);
    res.status(refusal.status).json(refusal.body);
  };
}

/** A valid operation's verdict on depth, aliases, cost and introspection: the refusal, or null. */
export type OperationVerdict = (
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
) => GraphQLError | null;

/**
 * checkOperation, remembered by parsed document (Apollo hands the same object for a repeated
 * text), operation name and the values of the variables the cost reads (costedVariables): a
 * text sent with a new filter or id each time is measured once, not once per request.
 */
export function operationVerdicts(limits: LimitsConfig): OperationVerdict {
  // Per document: the variables its cost reads, and the verdicts of its last 100 operation names
  // and values of those (false: within limits).
  const verdicts = new WeakMap<DocumentNode, { costed: string[]; byCall: LRUCache<string, GraphQLError | false> }>();
  return (schema, document, operationName, variables) => {
    let entry = verdicts.get(document);
    if (!entry) verdicts.set(document, (entry = { costed: costedVariables(document), byCall: new LRUCache({ max: 100 }) }));
    // Given or not is part of the key: an absent variable takes its default value, a null one does not.
    const key = JSON.stringify([operationName ?? null, entry.costed.map((name) => (variables && Object.hasOwn(variables, name) ? [variables[name]] : []))]);
    let verdict = entry.byCall.get(key);
    if (verdict === undefined) {
      verdict = checkOperation(schema, document, operationName, variables, limits) ?? false;
      entry.byCall.set(key, verdict);
    }
    return verdict || null;
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The limits of a JSON POST body's operation, measured before Apollo Server sees it, on either
 * path (limitsMiddleware, and the fast path's direct POST for texts it does not know): a refused
 * text then costs its parsing and measuring only, not Apollo's validation, hashing and document
 * cache (an attacker makes every text unique, so no cache would spare that work). Parsed
 * documents are kept by text (LRU), so a text seen before is not parsed again here. A body
 * that does not parse, or names no operation of its document, is left to Apollo to answer.
 */
export function bodyLimits(schema: GraphQLSchema, verdictOf: OperationVerdict, limits: LimitsConfig): (body: unknown) => GraphQLError | null {
  const documents = new LRUCache<string, DocumentNode | false>({ max: 1000 });
  return (body) => {
    if (!isRecord(body) || typeof body.query !== 'string') return null;
    let document = documents.get(body.query);
    if (document === undefined) {
      try {
        document = parse(body.query, { maxTokens: limits.maxTokens });
      } catch {
        document = false;
      }
      documents.set(body.query, document);
    }
    if (!document) return null;
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    return verdictOf(schema, document, operationName, isRecord(body.variables) ? body.variables : undefined);
  };
}

/** Depth, aliases, cost and introspection, after validation and before execution. */
export function limitsPlugin<T extends object>(verdictOf: OperationVerdict): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operationName, request }) {
          const error = verdictOf(schema, document, operationName, request.variables);
          if (error) {
            throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
          }
        },
      };
    },
  };
}

interface SubscribePayload {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/**
 * graphql-ws tells errors from execution arguments with `instanceof GraphQLError` of the
 * graphql it loaded: CommonJS under Node. When this file is loaded as ESM by a bundler or a
 * test runner, its `GraphQLError` would be another class, so refusals are built with that one.
 */
const { GraphQLError: WsGraphQLError } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** A refusal as graphql-ws' `onSubscribe` returns it (errors of the graphql copy it loaded). */
export function wsRefusal(error: GraphQLError): readonly GraphQLError[] {
  return [new WsGraphQLError(error.message, { extensions: error.extensions })];
}

/**
 * graphql-ws `onSubscribe`: tokens first, then the syntax (GRAPHQL_PARSE_FAILED, as on HTTP),
 * depth, aliases, cost and introspection on the parsed document, then the variables (coerced
 * as on HTTP: BAD_USER_INPUT, no value quoted). Returns the errors to send, or nothing
 * (graphql-ws then parses, validates and runs the operation as usual).
 */
export function wsOperationGuard(schema: GraphQLSchema, limits: LimitsConfig) {
  const refuse = wsRefusal;
  return (payload: SubscribePayload): readonly GraphQLError[] | undefined => {
    if (typeof payload.query !== 'string') return undefined;
    const tooLong = checkTokens(payload.query, limits);
    if (tooLong) return refuse(tooLong);
    let document;
    try {
      document = parse(payload.query, { maxTokens: limits.maxTokens });
    } catch (error) {
      // As on HTTP; left to graphql-ws, a syntax error closed the whole connection (4500).
      const syntax = error as GraphQLError;
      return [new WsGraphQLError(syntax.message, { source: syntax.source, positions: syntax.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
    }
    const over = checkOperation(schema, document, payload.operationName, payload.variables, limits);
    if (over) return refuse(over);
    const operation = getOperationAST(document, payload.operationName ?? undefined);
    if (!operation) return undefined; // graphql-ws reports it
    const coerced = coerceVariables(schema, operation, payload.variables);
    return coerced.ok ? undefined : coerced.errors;
  };
}
