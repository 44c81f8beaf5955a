/**
 * Query execution through graphql-jit: each distinct operation is compiled once into a
 * JavaScript function, then every request runs that function instead of graphql-js's
 * interpreter (docs/performance.md, "The fast path"). Plugged into Apollo Server as
 * its "gateway" executor, so Apollo's request pipeline (parsing, validation, limits, plugins,
 * error formatting) stays as it is; known-operations.ts runs the same compiled operations for
 * requests that skip that pipeline. An operation graphql-jit cannot compile runs on graphql-js.
 * Identical queries in flight for callers of the same access scope share one run (ShareOptions).
 */
import { createRequire } from 'node:module';
import type { DocumentNode, ExecutionResult, GraphQLSchema, ListValueNode, ObjectValueNode, OperationDefinitionNode, OperationTypeNode } from 'graphql';
import { coerceVariables } from '../server/variables.js';
import type { GatewayInterface, GatewaySchemaLoadOrUpdateCallback } from '@apollo/server-gateway-interface';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../security/principal.js';
import { InFlight } from './sharing/in-flight.js';
import { executionKey } from './sharing/keys.js';
import { scopeKey } from '../security/scope-key.js';

// The graphql instance graphql-jit and Apollo load (Node resolves graphql's CommonJS `main`);
// a bundler-style resolver (vitest) would otherwise hand this file the .mjs copy.
const { execute, visit, visitWithTypeInfo, TypeInfo, BREAK, getNullableType, isScalarType } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/**
 * graphql-jit 0.8 substitutes variables nested in input object and list literals, but not in a
 * literal a custom scalar reads whole: `_entities(representations: [{ __typename: "Task", id:
 * $id }])` hands `_Any` the object without `id`. Operations with a variable inside a literal at
 * a scalar position stay on graphql-js; every other operation (`filter: { createdAfter: $t }`)
 * runs compiled.
 */
function hasVariableInScalarLiteral(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let found = false;
  const enterLiteral = (node: ObjectValueNode | ListValueNode) => {
    const type = typeInfo.getInputType();
    // A position validation could not type is kept off graphql-jit too.
    if (type && !isScalarType(getNullableType(type))) return undefined;
    visit(node, {
      Variable() {
        found = true;
        return BREAK;
      },
    });
    return found ? BREAK : false;
  };
  visit(document, visitWithTypeInfo(typeInfo, { ObjectValue: enterLiteral, ListValue: enterLiteral }));
  return found;
}

/** Compiled operations kept, the least recently used dropped first (a flood of unique texts only costs compilations). */
const MAX_COMPILED = 500;

/**
 * Sharing of identical queries in flight (config `server.shareInFlight`): a query that arrives
 * while the same one (text, operation, variables) runs for a caller of the very same scope
 * gets that run's result (src/fast-path/sharing), and `adopt` hands it what else the run left in its
 * context (the partial errors of backends that failed).
 */
export interface ShareOptions {
  /** The caller of a context; null never shares that caller's runs. */
  principalOf(context: unknown): Principal | null;
  adopt(from: unknown, to: unknown): void;
}

/** An operation that passed validation: its text, parsed document, name as requested, type and definition. */
export interface ValidOperation {
  source: string;
  document: DocumentNode;
  operationName: string | null;
  type: OperationTypeNode;
  /** The operation's definition in the document (its variable definitions). */
  definition: OperationDefinitionNode;
}

export type Result = ExecutionResult<Record<string, unknown>>;

export interface OperationRunner {
  run(operation: ValidOperation, variables: Record<string, unknown>, context: object): Promise<Result>;
  /**
   * The next execution Apollo asks for with this context settles as `run` did instead of
   * running again: a run made before Apollo's pipeline, handed to it for its error handling.
   */
  handOver(context: object, run: Promise<Result>): void;
  clear(): void;
}

/**
 * Where a handed-over result waits: a property of the context, not a WeakMap keyed on it,
 * because Apollo gives the executor a shallow copy of the context it was handed.
 */
const HANDED_OVER = Symbol('taskgraph.handedOver');

/** Compiled runs of valid operations, for Apollo's executor (jitGateway) and known-operations.ts alike. */
export function createOperationRunner(schema: GraphQLSchema, share?: ShareOptions): OperationRunner {
  // null: graphql-jit cannot compile it (graphql-js runs it).
  const compiled = new LRUCache<string, { query: CompiledQuery | null }>({ max: MAX_COMPILED });
  const running = new InFlight<{ result: Result; context: unknown }>({ enabled: share !== undefined });

  function compiledFor(key: string, operation: ValidOperation): CompiledQuery | null {
    let entry = compiled.get(key);
    if (entry === undefined) {
      const result = hasVariableInScalarLiteral(schema, operation.document) ? null : compileQuery(schema, operation.document, operation.operationName ?? undefined);
      compiled.set(key, (entry = { query: result && isCompiledQuery(result) ? result : null }));
    }
    return entry.query;
  }

  return {
    async run(operation, inputs, context) {
      const handed = (context as { [HANDED_OVER]?: Promise<Result> })[HANDED_OVER];
      if (handed) {
        delete (context as { [HANDED_OVER]?: Promise<Result> })[HANDED_OVER];
        return handed;
      }
      // Coerced as graphql-js does, whichever executor runs it (variables.ts).
      const coerced = coerceVariables(schema, operation.definition, inputs);
      if (!coerced.ok) return { errors: coerced.errors };
      const { variables } = coerced;
      const key = JSON.stringify([operation.source, operation.operationName]);
      const query = compiledFor(key, operation);
      const run = async () =>
        (query
          ? await query.query(undefined, context, variables)
          : await execute({ schema, document: operation.document, contextValue: context, variableValues: variables, operationName: operation.operationName })) as Result;
      // Only queries are shared (never mutations), and only between callers of one scope.
      const principal = share && operation.type === 'query' ? share.principalOf(context) : null;
      if (principal === null) return run();
      const sharedKey = executionKey(scopeKey(principal), { document: operation.source, operationName: operation.operationName, variables });
      const shared = await running.run(sharedKey, async () => ({ result: await run(), context }));
      if (shared.context !== context) share!.adopt(shared.context, context);
      return shared.result;
    },
    handOver(context, run) {
      (context as { [HANDED_OVER]?: Promise<Result> })[HANDED_OVER] = run;
    },
    clear() {
      compiled.clear();
      running.clear();
    },
  };
}

/** An Apollo Server `gateway` serving `schema` with the runner's compiled execution. */
export function jitGateway(schema: GraphQLSchema, runner: OperationRunner): GatewayInterface {
  const listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();
  return {
    onSchemaLoadOrUpdate(callback) {
      listeners.add(callback);
      return () => void listeners.delete(callback);
    },
    async load() {
      for (const listener of listeners) listener({ apiSchema: schema, coreSupergraphSdl: '' });
      return {
        executor: async (request) => {
          // An operation name the document does not define: graphql-js answers "Unknown operation
          // named …", which Apollo sends as a 400 (OPERATION_RESOLUTION_FAILURE).
          if (!request.operation) return execute({ schema, document: request.document, operationName: request.request.operationName, contextValue: request.context, variableValues: request.request.variables });
          const operation = { source: request.source, document: request.document, operationName: request.operationName ?? null, type: request.operation.operation, definition: request.operation };
          return runner.run(operation, request.request.variables ?? {}, request.context as object);
        },
      };
    },
    async stop() {
      listeners.clear();
      runner.clear();
    },
  };
}
