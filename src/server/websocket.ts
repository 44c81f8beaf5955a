/**
 * graphql-ws on the gateway's WebSocket server (path /graphql): credentials in
 * `connection_init` (refusals close with 4401 / 4403), limits and variables checked on every
 * `subscribe`, one context per operation, errors masked as on HTTP, and on stop every socket
 * told "going away" (1001) and cut after the grace period.
 */
import { setMaxListeners } from 'node:events';
import type { ExecutionResult, GraphQLSchema } from 'graphql';
import { getOperationAST, GraphQLError } from 'graphql';
import type { WebSocket, WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { activeTracing, type WsExecution } from '../telemetry/tracing.js';
import type { WsFastPath } from '../fast-path/index.js';
import type { ServerSecurity } from '../security/options.js';
import { NOBODY } from '../security/principal.js';
import type { Contexts } from './contexts.js';
import { wsAuthenticator } from './plugins/auth.js';
import { wsOperationGuard, wsRefusal } from './plugins/limits.js';
import { maskResult } from './plugins/mask-errors.js';
import { errorCodeOf, refusedOperation, type StreamedOperation } from './plugins/logging.js';
import type { GatewayContext } from '../gateway/context.js';
import type { IncomingMessage } from 'node:http';
import { unauthorized, type Refusal } from './refusals.js';

const TOKEN_EXPIRED = new GraphQLError('Unauthenticated: token expired', { extensions: { code: 'UNAUTHENTICATED' } });

export interface GraphqlWsOptions {
  wsServer: WebSocketServer;
  schema: GraphQLSchema;
  security: ServerSecurity;
  contexts: Contexts;
  /** Parse, validate, subscribe and delivery of the fast path (src/fast-path); undefined: graphql-ws' own. */
  fastPath: WsFastPath | undefined;
  /** How long sockets get to finish the close handshake on stop before they are cut. */
  graceMs: number;
  /** Logs and counts an operation that ended or was refused (http.ts). */
  streamed(operation: StreamedOperation): void;
  /** Logs and counts a connection refused by authentication (4401 / 4403). */
  refused(req: IncomingMessage, refusal: Refusal): void;
}

export interface GraphqlWs {
  /** Closes every socket (1001), cutting those still open after the grace period. */
  close(): Promise<void>;
}

export function serveGraphqlWs(options: GraphqlWsOptions): GraphqlWs {
  const { wsServer, schema, security, contexts, fastPath } = options;
  const wsAuth = wsAuthenticator(security.authenticator);
  const wsGuard = wsOperationGuard(schema, security.limits);
  // One abort signal per connection: subscriptions still being set up when the socket
  // closes are released too (the leak of graphql-ws issue #532).
  const closedSignals = new WeakMap<object, AbortController>();
  const connectionSignal = (extra: object) => {
    let controller = closedSignals.get(extra);
    if (!controller) {
      closedSignals.set(extra, (controller = new AbortController()));
      // Each subscription on the connection listens (and stops listening when it ends); a
      // dashboard with 11 subscriptions on one socket is normal, not a leak to warn about.
      setMaxListeners(0, controller.signal);
    }
    return controller.signal;
  };
  // OpenTelemetry spans per operation (src/telemetry); null while tracing is off.
  const tracing = activeTracing();
  const traced = <O extends WsExecution>(wsOptions: O): O => (tracing ? tracing.traceWebSocket(wsOptions) : wsOptions);
  // The operations running on each connection, for their `graphql operation` lines.
  const running = new WeakMap<object, Map<string, Omit<StreamedOperation, 'outcome' | 'transport'>>>();
  const ended = (extra: object, id: string, outcome: StreamedOperation['outcome'], more: Partial<StreamedOperation> = {}) => {
    const operation = running.get(extra)?.get(id);
    if (!operation) return;
    running.get(extra)!.delete(id);
    options.streamed({ ...operation, transport: 'graphql-ws', outcome, ...more });
  };
  const refused = (extra: object, payload: { operationName?: string | null }, errors: readonly GraphQLError[]) => {
    options.streamed(refusedOperation('graphql-ws', wsAuth.principalOf(extra)?.id, payload.operationName, errors));
    return errors;
  };
  const wsCleanup = useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    traced({
      schema,
      ...(fastPath ? { parse: fastPath.parse, validate: fastPath.validate, subscribe: fastPath.subscribe } : {}),
      // Credentials come in connection_init; refusals close with 4401 / 4403 (logged and counted).
      onConnect: async (ctx) => {
        if (await wsAuth.onConnect(ctx)) return true;
        const status = ctx.extra.socket.readyState === ctx.extra.socket.OPEN ? 403 : 401;
        options.refused(ctx.extra.request, unauthorized(status, { errors: [] }));
        return false;
      },
      // Credentials that expired since connection_init run nothing more (the socket closes with 4401).
      onSubscribe: (ctx, id, payload) => {
        const refusal = wsAuth.expired(ctx) ? wsRefusal(TOKEN_EXPIRED) : wsGuard(payload);
        if (refusal) return refused(ctx.extra, payload, refusal);
        let operations = running.get(ctx.extra);
        if (!operations) running.set(ctx.extra, (operations = new Map()));
        operations.set(id, { principal: wsAuth.principalOf(ctx.extra)?.id, operationName: payload.operationName, operationType: 'unknown', startedAt: performance.now() });
        return undefined;
      },
      // On the fast path, subscription events bypass graphql-ws' per-message path
      // (ws-delivery.ts); single results (queries over the socket) still take it.
      onOperation: (ctx, id, _payload, args, result) => {
        const operation = running.get(ctx.extra)?.get(id);
        if (operation) {
          const ast = getOperationAST(args.document, args.operationName);
          operation.operationType = ast?.operation ?? 'unknown';
          operation.operationName ??= ast?.name?.value;
          operation.requestId = (args.contextValue as unknown as GatewayContext).call.requestId;
        }
        return fastPath && Symbol.asyncIterator in result ? fastPath.deliver(ctx.extra.socket, id, result as AsyncIterableIterator<ExecutionResult>) : undefined;
      },
      onNext: (_ctx, _id, _payload, _args, result) => maskResult(result),
      // An operation graphql-ws refused after onSubscribe (validation): its line says so.
      onError: (ctx, id, _payload, errors) => {
        ended(ctx.extra, id, 'refused', { errorCode: errorCodeOf(errors) ?? 'GRAPHQL_VALIDATION_FAILED' });
        return undefined;
      },
      // Completed with the socket open; on a closed one, onClose writes the line with the code.
      onComplete: (ctx, id) => {
        if (ctx.extra.socket.readyState === ctx.extra.socket.OPEN) ended(ctx.extra, id, 'complete');
      },
      context: (ctx) => contexts.ws(wsAuth.principalOf(ctx.extra) ?? NOBODY, connectionSignal(ctx.extra)) as unknown as Record<string, unknown>,
      onClose: (ctx, code) => {
        closedSignals.get(ctx.extra)?.abort();
        for (const id of [...(running.get(ctx.extra)?.keys() ?? [])]) ended(ctx.extra, id, 'closed', { closeCode: code });
      },
    }),
    wsServer,
    // No keep-alive of graphql-ws' own (a timer per socket, and a second ping): keep-alive.ts pings.
    0,
  );

  return {
    async close() {
      const cut = setTimeout(() => {
        for (const socket of wsServer.clients) socket.terminate();
      }, options.graceMs);
      cut.unref();
      try {
        await wsCleanup.dispose();
      } finally {
        clearTimeout(cut);
      }
    },
  };
}
