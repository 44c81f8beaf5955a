/**
 * GraphQL errors: expected ones carry `extensions.code` (and `extensions.backend` when one
 * backend is at fault); anything unexpected is masked at the edge (see server/plugins).
 */
import { GraphQLError } from 'graphql';
import { BackendError, type BackendErrorCode } from '../adapters/errors.js';

/** The codes clients see. Backend transport failures all read as BACKEND_UNAVAILABLE. */
export type GatewayErrorCode =
  | 'BACKEND_UNAVAILABLE'
  | 'BACKEND_ERROR'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'UNSUPPORTED';

export function clientCode(code: BackendErrorCode): GatewayErrorCode {
  switch (code) {
    case 'BACKEND_UNAVAILABLE':
    case 'BACKEND_TIMEOUT':
    case 'BACKEND_AUTH_FAILED':
    case 'BACKEND_BAD_RESPONSE':
      return 'BACKEND_UNAVAILABLE';
    case 'BACKEND_ERROR':
      return 'BACKEND_ERROR';
    case 'NOT_FOUND':
      return 'NOT_FOUND';
    case 'BAD_USER_INPUT':
      return 'BAD_USER_INPUT';
    case 'UNSUPPORTED':
    case 'NOT_CANCELABLE':
    case 'ALREADY_FINISHED':
      return 'UNSUPPORTED';
  }
}

export function userInputError(message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extra } });
}

/** Turns a backend failure into a GraphQL error naming the backend; passes others through. */
export function toGraphQLError(err: unknown, path?: ReadonlyArray<string | number>): GraphQLError {
  if (err instanceof GraphQLError) return err;
  if (err instanceof BackendError) {
    return new GraphQLError(err.message, {
      path,
      extensions: { code: clientCode(err.code), backend: err.backend, reason: err.code, ...(err.vendorCode ? { vendorCode: err.vendorCode } : {}) },
    });
  }
  return new GraphQLError('Unexpected error.', { path, extensions: { code: 'INTERNAL_SERVER_ERROR' }, originalError: err as Error });
}
