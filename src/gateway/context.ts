/**
 * The per-request context every resolver gets.
 */
import { randomUUID } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import type { CallContext } from '../adapters/contract.js';
import type { SubscriptionHub } from '../subscriptions/hub.js';
import type { BackendSet } from './backends.js';
import { createLoaders, type LoaderOptions, type Loaders } from './loaders.js';

export interface GatewayContext {
  backends: BackendSet;
  loaders: Loaders;
  /** Correlation id for logs and upstream request-id headers. */
  call: CallContext;
  /**
   * Errors of backends that failed while others answered: appended to the response's
   * `errors` next to the data the healthy backends returned.
   */
  partialErrors: GraphQLError[];
  hub: SubscriptionHub;
  /** Aborted when the WebSocket connection that carries a subscription closes. */
  connectionClosed?: AbortSignal;
}

export function createContext(
  backends: BackendSet,
  hub: SubscriptionHub,
  options: { requestId?: string; connectionClosed?: AbortSignal; loaders?: LoaderOptions } = {},
): GatewayContext {
  const call: CallContext = { requestId: options.requestId ?? randomUUID() };
  return { backends, hub, loaders: createLoaders(backends, call, options.loaders), call, partialErrors: [], connectionClosed: options.connectionClosed };
}
