/**
 * Known operations: a query text that Apollo Server has already parsed, validated and resolved
 * is run again without Apollo's request pipeline, when nothing about the request needs it.
 * Apollo's pipeline (context and plugin hooks, a SHA-256 of the text, document cache lookup,
 * response head merging) is a large share of a list query's CPU, and sits between a request's
 * arrival and its first upstream call (docs/performance.md, "The fast path").
 *
 * Only the answer Apollo would send with no decision left to make is made here: a query within
 * the limits (the caller refuses the others before Apollo, as it refuses unknown texts: see
 * `refusal`), whose result has data and no error, with no partial error from a backend. Its answer is Apollo's, byte for byte: `{"data":...}` and a newline, status 200, the
 * negotiated content type and X-Request-Id, the metrics and the request line of
 * plugins/metrics.ts and plugins/logging.ts. Everything else goes to Apollo: texts not seen
 * yet, mutations, persisted-query extensions, and any result with an
 * error (or a run that failed), which is handed over to Apollo's executor as it is
 * (OperationRunner.handOver), so Apollo formats, masks, logs and counts it as always, without
 * running the query twice.
 * test/server/known-operations.test.ts compares both paths' answers.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError, GraphQLSchema, OperationTypeNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import Negotiator from 'negotiator';
import type { GatewayContext } from '../gateway/context.js';
import type { OperationRunner, ValidOperation } from './jit-executor.js';
import type { OperationVerdict } from '../server/plugins/limits.js';

/** A request body that names a known query, with its variables. */
export interface KnownRequest {
  operation: ValidOperation & { resolvedName: string | null };
  variables: Record<string, unknown>;
}

/** The whole HTTP answer of a known query. */
export interface KnownAnswer {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

export interface KnownOperationsOptions {
  schema: GraphQLSchema;
  runner: OperationRunner;
  verdictOf: OperationVerdict;
  /** What Apollo's plugins do with an error-free answer: count it, log it. */
  answered(context: GatewayContext, operation: { type: OperationTypeNode; name: string | null }): void;
}

export interface KnownOperations {
  /** Learns each operation Apollo resolves (after parsing and validation succeeded). */
  readonly plugin: ApolloServerPlugin<GatewayContext>;
  /** The known query a POST body asks for, or null (Apollo takes the request). */
  match(body: unknown): KnownRequest | null;
  /** The limit it exceeds with its variables (plugins/limits.ts), or null. */
  refusal(request: KnownRequest): GraphQLError | null;
  /** Runs a request within the limits; null when Apollo must answer (with the context, which may hold a handed-over result). */
  serve(request: KnownRequest, accept: string | undefined, context: GatewayContext): Promise<KnownAnswer | null>;
}

/** Known texts kept, the least recently used dropped first (unknown texts just take Apollo's path). */
const MAX_KNOWN = 1000;
/** Accept headers whose negotiated content type is kept. */
const MAX_ACCEPT_HEADERS = 100;

const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';
const CALLBACK_TYPE = 'application/json; callbackSpec=1.0; charset=utf-8';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function knownOperations(options: KnownOperationsOptions): KnownOperations {
  const { runner } = options;
  // Query text -> requested operation name ('' for none) -> the operation Apollo resolved.
  const known = new LRUCache<string, Map<string, KnownRequest['operation']>>({ max: MAX_KNOWN });
  // Apollo's choice of content type (chooseContentTypeForSingleResultResponse), by Accept header ('' for none acceptable).
  const contentTypes = new LRUCache<string, string>({ max: MAX_ACCEPT_HEADERS });

  function contentTypeFor(accept: string | undefined): string | null {
    if (!accept) return JSON_TYPE;
    let type = contentTypes.get(accept);
    if (type === undefined) {
      type = new Negotiator({ headers: { accept } }).mediaType([JSON_TYPE, GRAPHQL_RESPONSE_TYPE, CALLBACK_TYPE]) ?? '';
      contentTypes.set(accept, type);
    }
    return type || null;
  }

  return {
    plugin: {
      async requestDidStart() {
        return {
          async didResolveOperation({ source, document, operation, operationName, request }) {
            if (operation?.operation !== 'query' || request.extensions) return;
            let byName = known.get(source);
            if (!byName) {
              known.set(source, (byName = new Map()));
            }
            byName.set(request.operationName ?? '', { source, document, operationName: request.operationName ?? null, type: operation.operation, definition: operation, resolvedName: operationName });
          },
        };
      },
    },

    match(body) {
      // The shapes Apollo's runHttpQuery accepts without a remark; anything else is its to judge.
      if (!isRecord(body) || typeof body.query !== 'string') return null;
      const { query, operationName, variables, extensions } = body;
      if (extensions !== undefined && extensions !== null) return null;
      if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
      if (variables !== undefined && variables !== null && !isRecord(variables)) return null;
      const operation = known.get(query)?.get(operationName ?? '');
      return operation ? { operation, variables: variables ?? {} } : null;
    },

    refusal({ operation, variables }) {
      return options.verdictOf(options.schema, operation.document, operation.operationName, variables);
    },

    async serve({ operation, variables }, accept, context) {
      const contentType = contentTypeFor(accept);
      if (contentType === null) return null;
      const run = runner.run(operation, variables, context);
      const result = await run.catch(() => null);
      if (!result || result.errors?.length || result.data == null || context.partialErrors.length) {
        runner.handOver(context, run);
        return null;
      }
      options.answered(context, { type: operation.type, name: operation.resolvedName ?? operation.operationName });
      // As Apollo's runHttpQuery: errors, data, extensions in that order (undefined ones dropped), then a newline.
      const body = JSON.stringify({ errors: undefined, data: result.data, extensions: result.extensions }) + '\n';
      return { status: 200, headers: [['x-request-id', context.call.requestId], ['content-type', contentType]], body };
    },
  };
}
