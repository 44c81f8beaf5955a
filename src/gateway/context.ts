/**
 * The per-request context every resolver gets.
 */
import { randomUUID } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import type { CallContext } from '../adapters/contract.js';
import type { BackendSet } from './backends.js';
import { createLoaders, type Loaders } from './loaders.js';

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
}

export function createContext(backends: BackendSet, requestId: string = randomUUID()): GatewayContext {
  const call: CallContext = { requestId };
  return { backends, loaders: createLoaders(backends, call), call, partialErrors: [] };
}
