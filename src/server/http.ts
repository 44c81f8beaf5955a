/**
 * The HTTP and WebSocket server: GraphQL at /graphql (GET and POST, Apollo Server 5),
 * graphql-ws on the same port and path, /healthz and /readyz, /metrics (Prometheus), the task
 * console at / and GraphiQL for browsers opening /graphql (src/console).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { BackendSet } from '../gateway/backends.js';
import type { TaskPage } from '../adapters/contract.js';
import { capBackendText } from '../adapters/errors.js';
import { InFlight } from '../sharing/in-flight.js';
import { createContext, type GatewayContext } from '../gateway/context.js';
import type { LoaderOptions } from '../gateway/loaders.js';
import { createHub, type HubOptions, type SubscriptionHub } from '../subscriptions/hub.js';
import { formatError, maskResult } from './plugins/mask-errors.js';
import { partialErrorsPlugin } from './plugins/partial-errors.js';
import { createMetrics } from './plugins/metrics.js';
import { getProcessLogger, logRequest, logUpstreamCalls, requestLogPlugin, type Logger } from './plugins/logging.js';
import { browserRoutes } from '../console/routes.js';
import { authenticateHttp, authMiddleware, principalOf, warnIfOpen, wsAuthenticator } from './plugins/auth.js';
import { bodyLimits, httpLimits, limitsMiddleware, limitsPlugin, operationVerdicts, wsOperationGuard, wsRefusal } from './plugins/limits.js';
import { graphqlPostHandler } from './graphql-post.js';
import { defaultSecurity, type ServerSecurity } from '../security/options.js';
import { NOBODY, type Principal } from '../security/principal.js';
import { createSharedExecution } from './shared-execution.js';
import { createOperationRunner, jitGateway } from './jit-executor.js';
import { knownOperations } from './known-operations.js';
import { directDelivery } from './ws-delivery.js';
import { activeTracing, type WsExecution } from '../telemetry/tracing.js';

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
  /** Queries Apollo has resolved before skip its pipeline when nothing needs it (known-operations.ts); default true. */
  knownOperations?: boolean;
  /**
   * Identical work in flight for callers of the same scope is shared (src/sharing): query
   * executions, list pages, subscription event executions. Config `server.shareInFlight`,
   * default true; false measures the engine alone (benchmarks). Upstream GETs are the
   * adapters' (their create options).
   */
  shareInFlight?: boolean;
  /** Adds further series to /metrics (task history's). */
  registerMetrics?: (registry: import('prom-client').Registry) => void;
}

const TOKEN_EXPIRED = new GraphQLError('Unauthenticated: token expired', { extensions: { code: 'UNAUTHENTICATED' } });

/** Largest GraphQL request body (JSON), on either path. */
const MAX_BODY_BYTES = 1024 * 1024;

/** A request id from the caller (X-Request-Id) when it looks sane, else a fresh one. */
function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[\w.:-]{1,128}$/.test(value) ? value : randomUUID();
}

export async function startGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const { schema, backends } = options;
  // OpenTelemetry spans per operation (src/telemetry); null while tracing is off.
  const tracing = activeTracing();
  const security = options.security ?? defaultSecurity();
  const wsAuth = wsAuthenticator(security.authenticator);
  const wsGuard = wsOperationGuard(schema, security.limits);
  const app = express();
  app.disable('x-powered-by');
  // Express hashes every res.send body for an ETag (SHA-1 over a 25 KB page, each request);
  // GraphQL POST answers are never revalidated, and the console's static files have their own.
  app.set('etag', false);
  // POST /graphql with a JSON body skips express (graphql-post.ts); the rest goes through it.
  let graphqlPost: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean) | null = null;
  const listener: http.RequestListener = (req, res) => {
    if (!graphqlPost?.(req, res)) app(req, res);
  };
  const httpServer = http.createServer(tracing ? tracing.traceRequests(listener) : listener);

  const logger = options.logger ?? getProcessLogger();
  const hub = createHub({
    backends,
    onError: (backend, err) => logger.warn({ backend, error: capBackendText(err instanceof Error ? err.message : String(err)) }, 'watcher poll failed'),
    ...options.subscriptions,
  });
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const metrics = createMetrics({ backends, hub, connections: () => wsServer.clients.size, processMetrics: options.processMetrics });
  options.registerMetrics?.(metrics.registry);
  const stopUpstreamLog = logUpstreamCalls(logger, backends);
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
  const shareInFlight = options.shareInFlight ?? true;
  // Callers of the very same scope share work (src/sharing/keys.ts builds every key from it).
  const callerOf = (value: unknown) => (value as GatewayContext).access.principal;
  const listsInFlight = shareInFlight ? new InFlight<TaskPage>({ enabled: true }) : undefined;
  // Parse, validate and per-event execution done once per distinct subscription, not per subscriber.
  const shared = createSharedExecution({ principalOf: callerOf, shareEvents: shareInFlight });
  // Errors of subscription results are masked as on HTTP: no internals reach a client.
  const deliver = directDelivery(maskResult);
  const traceWs = <O extends WsExecution>(wsOptions: O): O => (tracing ? tracing.traceWebSocket(wsOptions) : wsOptions);
  const wsCleanup = useServer<Record<string, unknown>, { socket: WebSocket }>(
    traceWs({
      schema,
      parse: shared.parse,
      validate: shared.validate,
      subscribe: shared.subscribe,
      // Credentials come in connection_init; refusals close with 4401 / 4403.
      onConnect: (ctx) => wsAuth.onConnect(ctx),
      // Credentials that expired since connection_init run nothing more (the socket closes with 4401).
      onSubscribe: (ctx, _id, payload) => (wsAuth.expired(ctx) ? wsRefusal(TOKEN_EXPIRED) : wsGuard(payload)),
      // Subscription events bypass graphql-ws' per-message path (ws-delivery.ts); single
      // results (queries over the socket) still take it.
      onOperation: (ctx, id, _payload, _args, result) =>
        Symbol.asyncIterator in result ? deliver(ctx.extra.socket, id, result as AsyncIterableIterator<ExecutionResult>) : undefined,
      onNext: (_ctx, _id, _payload, _args, result) => maskResult(result),
      context: (ctx) =>
        createContext(backends, hub, {
          connectionClosed: connectionSignal(ctx.extra),
          principal: wsAuth.principalOf(ctx.extra) ?? NOBODY,
          accessPolicy: security.accessPolicy,
          maxFirst: security.limits.maxFirst,
          listsInFlight,
          loaders: { maxReadsPerBackend: security.limits.maxReadsPerBackend },
        }) as unknown as Record<string, unknown>,
      onClose: (ctx) => closedSignals.get(ctx.extra)?.abort(),
    }),
    wsServer,
    // No keep-alive of graphql-ws' own (a timer per socket, and a second ping): the sweep below pings.
    0,
  );
  const alive = new WeakSet<WebSocket>();
  wsServer.on('connection', (socket) => {
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
  });
  // The sweep is spread over the interval in slices: 10,000 pings (and 10,000 pongs) at once
  // would stall every delivery for hundreds of milliseconds. Each socket is still pinged once
  // per interval and dropped at its next turn if it did not answer.
  const slices = 20;
  let sweep: WebSocket[] = [];
  const keepAlive = setInterval(() => {
    if (sweep.length === 0) sweep = [...wsServer.clients];
    for (const socket of sweep.splice(0, Math.ceil(wsServer.clients.size / slices))) {
      if (socket.readyState !== socket.OPEN) continue;
      if (!alive.has(socket)) {
        socket.terminate();
        continue;
      }
      alive.delete(socket);
      socket.ping();
    }
  }, (options.keepAliveMs ?? 12_000) / slices);
  keepAlive.unref();

  const graceMs = options.shutdownGraceMs ?? 10_000;
  // Every WebSocket client is told "going away" (1001); one that does not finish the close
  // handshake within the grace period is cut. Memoized: stop() and Apollo's drain both call it.
  let socketsClosed: Promise<void> | null = null;
  const closeSockets = () =>
    (socketsClosed ??= (async () => {
      clearInterval(keepAlive);
      const cut = setTimeout(() => {
        for (const socket of wsServer.clients) socket.terminate();
      }, graceMs);
      cut.unref();
      try {
        await wsCleanup.dispose();
      } finally {
        clearTimeout(cut);
      }
    })());

  // Same schema; operations run compiled (graphql-jit) instead of interpreted.
  const runner = createOperationRunner(
    schema,
    shareInFlight
      ? {
          principalOf: callerOf,
          adopt: (from, to) => void (to as GatewayContext).partialErrors.push(...(from as GatewayContext).partialErrors),
        }
      : undefined,
  );
  const verdictOf = operationVerdicts(security.limits);
  const known =
    options.knownOperations === false
      ? undefined
      : knownOperations({
          schema,
          runner,
          verdictOf,
          answered: (context, operation) => {
            metrics.answeredKnown(operation.type, context.receivedAt);
            tracing?.knownOperationAnswered(context, operation);
            logRequest(logger, context, { operationName: operation.name, operationType: operation.type, status: 200, errors: [] });
          },
        });
  const apollo = new ApolloServer<GatewayContext>({
    gateway: jitGateway(schema, runner),
    formatError,
    includeStacktraceInErrorResponses: false,
    // limitsPlugin decides on introspection (limits.introspection), for HTTP and WebSocket alike.
    introspection: true,
    csrfPrevention: true,
    parseOptions: { maxTokens: security.limits.maxTokens },
    allowBatchedHttpRequests: security.limits.maxBatch > 1,
    // The CLI owns SIGINT/SIGTERM (graceful shutdown of the whole gateway); Apollo's own
    // handlers would race it and leave stop() waiting forever.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: graceMs }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      // No cache hints are used; without it no plugin wraps every field resolver (2-3% of a list query's CPU).
      ApolloServerPluginCacheControlDisabled(),
      limitsPlugin(verdictOf),
      partialErrorsPlugin(),
      // After partialErrorsPlugin, so both see the errors it adds.
      metrics.plugin,
      requestLogPlugin(logger),
      ...(tracing ? [tracing.graphqlPlugin] : []),
      ...(known ? [known.plugin] : []),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await closeSockets();
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const list = backends.all().map((b) => ({
      name: b.adapter.name,
      type: b.adapter.type,
      health: b.status.health,
      latencyMs: b.status.latencyMs,
      lastError: b.status.lastError,
      lastErrorAt: b.status.lastErrorAt,
      circuit: b.status.circuit.state,
    }));
    const ready = list.some((b) => b.health !== 'DOWN');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', backends: list });
  });
  app.get('/metrics', metrics.handler);
  app.use(browserRoutes());
  const contextFor = async (req: http.IncomingMessage, principal: Principal) =>
    createContext(backends, hub, {
      requestId: requestIdOf(req.headers['x-request-id']),
      loaders: { maxReadsPerBackend: security.limits.maxReadsPerBackend, ...options.loaders },
      principal,
      accessPolicy: security.accessPolicy,
      maxFirst: security.limits.maxFirst,
      listsInFlight,
    });
  const checkLimits = httpLimits(security.limits);
  graphqlPost = graphqlPostHandler({
    apollo,
    known,
    authenticate: (req) => authenticateHttp(security.authenticator, req.method, req.headers),
    checkLimits,
    checkOperation: bodyLimits(schema, verdictOf, security.limits),
    context: contextFor,
    maxBodyBytes: MAX_BODY_BYTES,
  });
  app.use(
    '/graphql',
    // Who is calling, before the body is read; then batch size and tokens, before parsing.
    authMiddleware(security.authenticator),
    express.json({ limit: MAX_BODY_BYTES }),
    limitsMiddleware(checkLimits),
    expressMiddleware(apollo, { context: async ({ req, res }) => contextFor(req, principalOf(res)) }),
  );

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
