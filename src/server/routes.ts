/**
 * The express app: /healthz and /readyz, /metrics (Prometheus), the task console at / and
 * GraphiQL for browsers opening /graphql (src/console), and /graphql through Apollo Server's
 * express integration: authentication before the body is read, CSRF prevention, the JSON body,
 * batch and token limits, then Apollo. Every refusal before Apollo is logged and counted. A body that cannot be read is refused as the fast path's direct POST
 * handler refuses it (refusals.ts).
 */
import type http from 'node:http';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { browserRoutes } from '../console/routes.js';
import type { BackendSet } from '../gateway/backends.js';
import type { GatewayContext } from '../gateway/context.js';
import type { ServerSecurity } from '../security/options.js';
import type { Principal } from '../security/principal.js';
import { authMiddleware, principalOf } from './plugins/auth.js';
import { limitsMiddleware, type bodyLimits, type httpLimits } from './plugins/limits.js';
import type { Logger } from './plugins/logging.js';
import type { GatewayMetrics } from './plugins/metrics.js';
import { csrfMiddleware } from './csrf.js';
import { bodyParserRefusal, type Refusal } from './refusals.js';

/** An express app with the gateway's settings and no routes yet. */
export function createApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  // Express hashes every res.send body for an ETag (a SHA-1 of each answer); GraphQL answers
  // are never revalidated, and the console's static files have their own.
  app.set('etag', false);
  return app;
}

export interface RoutesOptions {
  backends: BackendSet;
  metrics: GatewayMetrics;
  apollo: ApolloServer<GatewayContext>;
  security: ServerSecurity;
  /** Batch and token limits of a request's operations (plugins/limits.ts). */
  checkLimits: ReturnType<typeof httpLimits>;
  /** The other limits of a JSON body's operation (plugins/limits.ts). */
  checkOperation: ReturnType<typeof bodyLimits>;
  context(req: http.IncomingMessage, principal: Principal): Promise<GatewayContext>;
  /** Largest GraphQL request body (JSON). */
  maxBodyBytes: number;
  logger: Logger;
  /** Every refusal sent before Apollo, logged and counted (http.ts). */
  refused(req: http.IncomingMessage, refusal: Refusal): void;
}

/** Errors of the /graphql chain (body-parser's, mostly) as GraphQL-shaped JSON refusals. */
function graphqlErrors(options: RoutesOptions): ErrorRequestHandler {
  return (error: Error & { type?: unknown; status?: unknown; expose?: unknown }, req, res, next) => {
    if (res.headersSent) return next(error);
    const refusal = bodyParserRefusal(error, options.maxBodyBytes);
    options.refused(req, refusal);
    const { status, body } = refusal;
    if (status >= 500) options.logger.error({ error: { type: error.name, message: error.message } }, 'unexpected error in an HTTP request');
    res.status(status).json(body);
  };
}

/** Adds the gateway's routes to `app`. */
export function mountRoutes(app: Express, options: RoutesOptions): void {
  const { backends } = options;
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
  app.get('/metrics', options.metrics.handler);
  app.use(browserRoutes());
  app.use(
    '/graphql',
    // Who is calling, before the body is read; a request a cross-site page could forge; then
    // the limits, before Apollo parses anything.
    authMiddleware(options.security.authenticator, options.refused),
    csrfMiddleware(options.refused),
    express.json({ limit: options.maxBodyBytes }),
    limitsMiddleware(options.checkLimits, options.checkOperation, options.refused),
    expressMiddleware(options.apollo, { context: async ({ req, res }) => options.context(req, principalOf(res)) }),
    graphqlErrors(options),
  );
}
