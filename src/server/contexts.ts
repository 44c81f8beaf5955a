/**
 * The per-request context of each transport (src/gateway/context.ts), from the server's
 * settings: the caller, the access policy, the limits that apply inside resolvers, and the
 * list pages shared in flight when sharing is on.
 */
import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { BackendSet } from '../gateway/backends.js';
import { createContext, type GatewayContext } from '../gateway/context.js';
import type { LoaderOptions } from '../gateway/loaders.js';
import type { FastPath } from '../fast-path/index.js';
import type { ServerSecurity } from '../security/options.js';
import type { Principal } from '../security/principal.js';
import type { SubscriptionHub } from '../subscriptions/hub.js';
import { callerRequestId } from './request-id.js';

export interface ContextOptions {
  backends: BackendSet;
  hub: SubscriptionHub;
  security: ServerSecurity;
  /** Per-request loader options of HTTP requests (benchmarks). */
  loaders?: LoaderOptions;
  /** List pages and task reads in flight, shared by callers of one scope; absent: never shared. */
  shared?: FastPath['shared'];
}

export interface Contexts {
  /** The context of one HTTP request by `principal`. */
  http(req: http.IncomingMessage, principal: Principal): Promise<GatewayContext>;
  /** The context of one graphql-ws operation by `principal`, on a connection that aborts `connectionClosed` when it closes. */
  ws(principal: Principal, connectionClosed: AbortSignal): GatewayContext;
  /** The context of one GraphQL over SSE operation sent by `req`, on an event stream that aborts `streamClosed` when it ends. */
  sse(req: http.IncomingMessage, principal: Principal, streamClosed: AbortSignal): GatewayContext;
}

/** A request id from the caller (X-Request-Id) when it looks sane, else a fresh one. */
function requestIdOf(header: string | string[] | undefined): string {
  return callerRequestId(header) ?? randomUUID();
}

export function createContexts(options: ContextOptions): Contexts {
  const { backends, hub, security, shared } = options;
  // What every transport's context has: the caller, its scope's policy and limits, the shared work.
  const context = (principal: Principal, more: { requestId?: string; connectionClosed?: AbortSignal; loaders?: LoaderOptions }) =>
    createContext(backends, hub, {
      principal,
      accessPolicy: security.accessPolicy,
      maxFirst: security.limits.maxFirst,
      shared,
      ...more,
      loaders: { maxReadsPerBackend: security.limits.maxReadsPerBackend, ...more.loaders },
    });
  return {
    http: async (req, principal) => context(principal, { requestId: requestIdOf(req.headers['x-request-id']), loaders: options.loaders }),
    ws: (principal, connectionClosed) => context(principal, { connectionClosed }),
    sse: (req, principal, streamClosed) => context(principal, { requestId: requestIdOf(req.headers['x-request-id']), connectionClosed: streamClosed }),
  };
}
