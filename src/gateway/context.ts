/**
 * The per-request context every resolver gets.
 */
import { randomUUID } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import type { CallContext } from '../adapters/contract.js';
import type { SharedWork } from '../fast-path/sharing/index.js';
import type { SubscriptionHub } from '../subscriptions/hub.js';
import { createAccess, type Access, type AccessPolicy } from '../security/access.js';
import { ANONYMOUS, type Principal } from '../security/principal.js';
import { scopeKey } from '../security/scope-key.js';
import type { BackendSet } from './backends.js';
import { createLoaders, type LoaderOptions, type Loaders } from './loaders.js';

export interface GatewayContext {
  /** The backends as the caller may see them (`access.backends`). */
  backends: BackendSet;
  /** Who is calling, what they may see and do (src/security/access.ts). */
  access: Access;
  /** Largest `first`/`last` (config `limits.maxFirst`); PAGE_LIMITS when absent. */
  maxFirst?: number;
  loaders: Loaders;
  /** Correlation id for logs and upstream request-id headers. */
  call: CallContext;
  /** When the request's context was made (performance.now()): request durations count from it. */
  receivedAt: number;
  /**
   * Errors of backends that failed while others answered: appended to the response's
   * `errors` next to the data the healthy backends returned.
   */
  partialErrors: GraphQLError[];
  hub: SubscriptionHub;
  /** Aborted when the WebSocket connection that carries a subscription closes. */
  connectionClosed?: AbortSignal;
  /** List pages and task reads in flight, shared by callers of one scope (the server's; absent: never shared). */
  shared?: SharedWork;
}

export function createContext(
  backends: BackendSet,
  hub: SubscriptionHub,
  options: {
    requestId?: string;
    connectionClosed?: AbortSignal;
    loaders?: LoaderOptions;
    /** The authenticated caller; anonymous (everything allowed) when absent. */
    principal?: Principal;
    accessPolicy?: AccessPolicy;
    maxFirst?: number;
    /** The server's work in flight (config `server.shareInFlight`); absent: nothing is shared. */
    shared?: SharedWork;
  } = {},
): GatewayContext {
  const principal = options.principal ?? ANONYMOUS;
  const call: CallContext = { requestId: options.requestId ?? randomUUID(), request: Symbol('request'), scope: scopeKey(principal) };
  const access = createAccess(backends, principal, options.accessPolicy);
  const visible = access.backends;
  return {
    backends: visible,
    access,
    maxFirst: options.maxFirst,
    hub,
    loaders: createLoaders(visible, call, options.loaders, options.shared?.reads),
    call,
    receivedAt: performance.now(),
    partialErrors: [],
    connectionClosed: options.connectionClosed,
    shared: options.shared,
  };
}
