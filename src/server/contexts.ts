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
export function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[\w.:-]{1,128}$/.test(value) ? value : randomUUID();
}

export function createContexts(options: ContextOptions): Contexts {
  const { backends, hub, security, shared } = options;
  return {
    http: async (req, principal) =>
      createContext(backends, hub, {
        requestId: requestIdOf(req.headers['x-request-id']),
        loaders: { maxReadsPerBackend: security.limits.maxReadsPerBackend, ...options.loaders },
        principal,
        accessPolicy: security.accessPolicy,
        maxFirst: security.limits.maxFirst,
        shared,
      }),
    ws: (principal, connectionClosed) =>
      createContext(backends, hub, {
        connectionClosed,
        principal,
        accessPolicy: security.accessPolicy,
        maxFirst: security.limits.maxFirst,
        shared,
        loaders: { maxReadsPerBackend: security.limits.maxReadsPerBackend },
      }),
    sse: (req, principal, streamClosed) =>
      createContext(backends, hub, {
        requestId: requestIdOf(req.headers['x-request-id']),
        connectionClosed: streamClosed,
        principal,
        accessPolicy: security.accessPolicy,
        maxFirst: security.limits.maxFirst,
        shared,
        loaders: { maxReadsPerBackend: security.limits.maxReadsPerBackend },
      }),
  };
}
