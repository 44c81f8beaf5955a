/**
 * The fast path: everything the gateway does only to answer faster, behind one boundary and
 * one switch (config `server.fastPath`, default true). The server imports this file only, and
 * plugs in what createFastPath returns; the transport and the query engine reach in-flight
 * sharing through sharing/index.ts. With the switch off the server plugs in none of it: a
 * request goes through Apollo Server's own pipeline (express integration, graphql-js),
 * graphql-ws' own parse, validate, subscribe, execute and delivery, and nothing is shared in
 * flight. The answers are the same either way (test/server/fast-path-corpus.test.ts).
 *
 * - graphql-jit executor (jit-executor.ts): Apollo's executor runs operations compiled once;
 * - known operations (known-operations.ts, config `server.knownOperations`): a query Apollo
 *   has resolved before is answered without its request pipeline when nothing needs it;
 * - direct POST (graphql-post.ts): `POST /graphql` with a JSON body from node:http to Apollo,
 *   with the express chain's checks in the same order;
 * - shared subscription execution and direct delivery (shared-execution.ts, ws-delivery.ts);
 * - in-flight sharing (sharing/, config `server.shareInFlight`): identical work for callers of
 *   the very same scope done once (query executions, list pages, subscription event
 *   executions, upstream GETs).
 */
import type http from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import type { ExecutionResult, GraphQLSchema, OperationTypeNode } from 'graphql';
import type { GatewayContext } from '../gateway/context.js';
import type { OperationVerdict } from '../server/plugins/limits.js';
import { graphqlPostHandler, type GraphqlPostOptions } from './graphql-post.js';
import { createOperationRunner, jitGateway } from './jit-executor.js';
import { knownOperations } from './known-operations.js';
import { createSharedExecution, type SharedExecution } from './shared-execution.js';
import { InFlight } from './sharing/in-flight.js';
import type { SharedWork } from './sharing/index.js';
import { directDelivery, type DeliverySocket } from './ws-delivery.js';

export interface FastPathOptions {
  schema: GraphQLSchema;
  /** Config `server.knownOperations`. */
  knownOperations: boolean;
  /** Config `server.shareInFlight`. */
  shareInFlight: boolean;
  /** The limits' verdict on an operation (plugins/limits.ts), checked before a known query runs. */
  verdictOf: OperationVerdict;
  /** What Apollo's plugins do with an answer sent without Apollo's pipeline: count it, log it. */
  answered(context: GatewayContext, operation: { type: OperationTypeNode; name: string | null }): void;
  /** The payload a subscription result is sent as (errors masked as on HTTP). */
  payloadOf(result: ExecutionResult): object;
}

/** What graphql-ws is given instead of its own parse, validate, subscribe and delivery. */
export interface WsFastPath extends SharedExecution {
  /** Writes a subscription's results to its socket; the stream returned ends with the subscription. */
  deliver(socket: DeliverySocket, id: string, results: AsyncIterableIterator<ExecutionResult>): AsyncIterableIterator<never>;
}

export interface FastPath {
  /** Apollo Server's executor: operations compiled by graphql-jit (instead of `schema`). */
  readonly gateway: GatewayInterface;
  /** Apollo plugins of the fast path, after the server's own. */
  readonly plugins: ReadonlyArray<ApolloServerPlugin<GatewayContext>>;
  /** List pages and task reads in flight, for the request contexts; undefined when sharing is off. */
  readonly shared: SharedWork | undefined;
  readonly ws: WsFastPath;
  /** The node:http handler for `POST /graphql` JSON requests; it returns false for the others. */
  postHandler(options: Omit<GraphqlPostOptions, 'known'>): (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
}

export function createFastPath(options: FastPathOptions): FastPath {
  const { schema, shareInFlight } = options;
  // Callers of the very same scope share work (sharing/keys.ts builds every key from it).
  const callerOf = (value: unknown) => (value as GatewayContext).access.principal;
  const runner = createOperationRunner(
    schema,
    shareInFlight
      ? {
          principalOf: callerOf,
          adopt: (from, to) => void (to as GatewayContext).partialErrors.push(...(from as GatewayContext).partialErrors),
        }
      : undefined,
  );
  const known = options.knownOperations ? knownOperations({ schema, runner, verdictOf: options.verdictOf, answered: options.answered }) : undefined;
  // Parse, validate and per-event execution done once per distinct subscription, not per subscriber.
  const shared = createSharedExecution({ principalOf: callerOf, shareEvents: shareInFlight });
  const deliver = directDelivery(options.payloadOf);
  return {
    gateway: jitGateway(schema, runner),
    plugins: known ? [known.plugin] : [],
    shared: shareInFlight ? { lists: new InFlight({ enabled: true }), reads: new InFlight({ enabled: true }) } : undefined,
    ws: { ...shared, deliver },
    postHandler: (post) => graphqlPostHandler({ ...post, known }),
  };
}
