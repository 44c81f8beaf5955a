/**
 * The gateway's HTTP and WebSocket server: GraphQL at /graphql (GET and POST, Apollo Server 5),
 * graphql-ws on the same port and path, health, metrics and the console (routes.ts), and its
 * lifecycle: start, listen, and a graceful stop.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { GraphQLSchema } from 'graphql';
import type { BackendSet } from '../gateway/backends.js';
import { capBackendText } from '../adapters/errors.js';
import type { LoaderOptions } from '../gateway/loaders.js';
import { createHub, type HubOptions, type SubscriptionHub } from '../subscriptions/hub.js';
import { maskResult } from './plugins/mask-errors.js';
import { createMetrics } from './plugins/metrics.js';
import { getProcessLogger, logRequest, logUpstreamCalls, type Logger } from './plugins/logging.js';
import { authenticateHttp, warnIfOpen } from './plugins/auth.js';
import { bodyLimits, httpLimits, operationVerdicts } from './plugins/limits.js';
import { defaultSecurity, type ServerSecurity } from '../security/options.js';
import { createFastPath } from '../fast-path/index.js';
import { activeTracing } from '../telemetry/tracing.js';
import { startApollo } from './apollo.js';
import { createContexts } from './contexts.js';
import { startKeepAlive } from './keep-alive.js';
import { createApp, mountRoutes } from './routes.js';
import { serveGraphqlWs } from './websocket.js';
import { refusedRequest, type Refusal } from './refusals.js';
import { logRefusal, logStreamedOperation, type StreamedOperation } from './plugins/logging.js';
import { serveGraphqlSse, type GraphqlSse } from './sse.js';
import { DEFAULT_SSE_LIMITS, type SseLimits } from './sse-streams.js';

export interface GatewayServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  readonly backends: BackendSet;
  readonly hub: SubscriptionHub;
  stop(): Promise<void>;
}

export interface GatewayServerOptions {
  schema: GraphQLSchema;
  backends: BackendSet;
  host?: string;
  port?: number;
  /** Watcher and queue settings (bus and leases for multi-replica setups). */
  subscriptions?: Omit<HubOptions, 'backends'>;
  /** WebSocket keep-alive ping interval (default 12 s); a peer that misses one is dropped. */
  keepAliveMs?: number;
  /**
   * On stop, in-flight HTTP requests and WebSocket close handshakes get this long (default
   * 10 s) before their connections are cut.
   */
  shutdownGraceMs?: number;
  /** Runs last on stop (e.g. closing Redis connections). */
  cleanup?: () => Promise<void>;
  /** Structured logs; default: the process logger (set by the CLI; silent otherwise). */
  logger?: Logger;
  /** Node.js process metrics on /metrics (default true). */
  processMetrics?: boolean;
  /** Per-request loader options; `{ batch: false }` resolves naively, one call per key (benchmarks). */
  loaders?: LoaderOptions;
  /** Authentication, query limits, authorization facts (docs/security.md); default: auth off, default limits. */
  security?: ServerSecurity;
  /**
   * The fast path (src/fast-path), config `server.fastPath`, default true. false: Apollo
   * Server's own pipeline over express and graphql-js, graphql-ws' own, nothing shared in
   * flight (whatever knownOperations and shareInFlight say).
   */
  fastPath?: boolean;
  /** Queries Apollo has resolved before skip its pipeline when nothing needs it (src/fast-path/known-operations.ts); default true. */
  knownOperations?: boolean;
  /**
   * Identical work in flight for callers of the same scope is shared (src/fast-path/sharing): query
   * executions, list pages, subscription event executions. Config `server.shareInFlight`,
   * default true; false measures the engine alone (benchmarks). Upstream GETs are the
   * adapters' (their create options).
   */
  shareInFlight?: boolean;
  /** Adds further series to /metrics (task history's). */
  registerMetrics?: (registry: import('prom-client').Registry) => void;
  /** GraphQL over SSE's bounds (config `server.sse`); default DEFAULT_SSE_LIMITS (sse-streams.ts). */
  sse?: Partial<SseLimits>;
}

/** Largest GraphQL request body (JSON), on either path. */
const MAX_BODY_BYTES = 1024 * 1024;

export async function startGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const { schema, backends } = options;
  // OpenTelemetry spans per operation (src/telemetry); null while tracing is off.
  const tracing = activeTracing();
  const security = options.security ?? defaultSecurity();
  const app = createApp();
  // GraphQL over SSE on /graphql (sse.ts), then on the fast path POST /graphql with a JSON
  // body skips express (graphql-post.ts).
  let sse: GraphqlSse | null = null;
  let graphqlPost: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean) | null = null;
  const listener: http.RequestListener = (req, res) => {
    if (!sse?.handle(req, res) && !graphqlPost?.(req, res)) app(req, res);
  };
  const httpServer = http.createServer(tracing ? tracing.traceRequests(listener) : listener);

  const logger = options.logger ?? getProcessLogger();
  const hub = createHub({
    backends,
    onError: (backend, err) => logger.warn({ backend, error: capBackendText(err instanceof Error ? err.message : String(err)) }, 'watcher poll failed'),
    ...options.subscriptions,
  });
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const metrics = createMetrics({
    backends,
    hub,
    connections: () => wsServer.clients.size,
    sseStreams: () => sse?.counts() ?? { distinct: 0, single: 0 },
    processMetrics: options.processMetrics,
  });
  // Every request refused before Apollo (or graphql-sse) ran it: one log line, one count.
  const refused = (transport: 'http' | 'sse' | 'graphql-ws') => (req: http.IncomingMessage, refusal: Refusal) => {
    logRefusal(logger, refusedRequest(transport, req, refusal));
    metrics.refused(refusal.reason);
  };
  // Every graphql-ws and SSE operation that ended or was refused: one log line, one count.
  const streamed = (operation: StreamedOperation) => {
    logStreamedOperation(logger, operation);
    metrics.streamedOperation(operation.transport, operation.operationType, operation.outcome);
  };
  options.registerMetrics?.(metrics.registry);
  const stopUpstreamLog = logUpstreamCalls(logger, backends);
  const verdictOf = operationVerdicts(security.limits);
  // server.fastPath: false plugs in nothing of src/fast-path.
  const fastPath =
    options.fastPath === false
      ? null
      : createFastPath({
          schema,
          knownOperations: options.knownOperations ?? true,
          shareInFlight: options.shareInFlight ?? true,
          verdictOf,
          answered: (context, operation) => {
            metrics.answeredKnown(operation.type, context.receivedAt);
            tracing?.knownOperationAnswered(context, operation);
            logRequest(logger, context, { operationName: operation.name, operationType: operation.type, status: 200, errors: [] });
          },
          // Errors of subscription results are masked as on HTTP: no internals reach a client.
          payloadOf: maskResult,
        });
  const contexts = createContexts({ backends, hub, security, loaders: options.loaders, shared: fastPath?.shared });
  const graceMs = options.shutdownGraceMs ?? 10_000;
  const graphqlWs = serveGraphqlWs({ wsServer, schema, security, contexts, fastPath: fastPath?.ws, graceMs, streamed, refused: refused('graphql-ws') });
  sse = serveGraphqlSse({
    schema,
    security,
    contexts,
    execution: fastPath?.ws,
    limits: { ...DEFAULT_SSE_LIMITS, ...options.sse },
    maxBodyBytes: MAX_BODY_BYTES,
    logger,
    streamed,
    refused: refused('sse'),
  });
  const stopKeepAlive = startKeepAlive(wsServer, options.keepAliveMs ?? 12_000);
  // Every WebSocket client is told "going away" (1001), and every SSE stream ends; a
  // connection still open after the grace period is cut. Memoized: stop() and Apollo's drain
  // both call it.
  let socketsClosed: Promise<void> | null = null;
  const closeSockets = () =>
    (socketsClosed ??= (async () => {
      stopKeepAlive();
      await Promise.all([graphqlWs.close(), sse!.close(graceMs)]);
    })());

  const apollo = await startApollo({
    schema,
    fastPath,
    httpServer,
    graceMs,
    security,
    verdictOf,
    metrics,
    logger,
    drain: closeSockets,
  });

  const checkLimits = httpLimits(security.limits);
  const checkOperation = bodyLimits(schema, verdictOf, security.limits);
  mountRoutes(app, { backends, metrics, apollo, security, checkLimits, checkOperation, context: contexts.http, maxBodyBytes: MAX_BODY_BYTES, logger, refused: refused('http') });
  graphqlPost = fastPath?.postHandler({
    apollo,
    authenticate: (req) => authenticateHttp(security.authenticator, req.method, req.headers),
    checkLimits,
    checkOperation,
    context: contexts.http,
    maxBodyBytes: MAX_BODY_BYTES,
    refused: refused('http'),
  }) ?? null;

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  warnIfOpen(security.authenticator, options.host ?? '127.0.0.1');
  const host = options.host && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : '127.0.0.1';
  const base = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `http://${base}/graphql`,
    wsUrl: `ws://${base}/graphql`,
    port,
    backends,
    hub,
    stop: async () => {
      metrics.close();
      stopUpstreamLog();
      // Graceful (SIGTERM): accept nothing new; WebSocket clients get 1001 "going away";
      // in-flight HTTP requests finish (Apollo's drain, up to the grace period); then the
      // watchers stop and their leases are released (hub.close), and the backends log out.
      httpServer.close();
      await closeSockets();
      await apollo.stop();
      await hub.close();
      await backends.close();
      await options.cleanup?.();
    },
  };
}
