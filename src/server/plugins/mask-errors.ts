/**
 * Expected errors carry `extensions.code` and pass through; anything else is masked as
 * "Unexpected error." at the edge (as envelope's useMaskedErrors does), so no stack, upstream
 * URL or credential reaches a client.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import type { ExecutionResult, FormattedExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import { BackendError } from '../../adapters/errors.js';
import { toGraphQLError } from '../../gateway/errors.js';

const EXPECTED = new Set([
  'BACKEND_UNAVAILABLE',
  'BACKEND_ERROR',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'UNSUPPORTED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  'QUERY_LIMIT_EXCEEDED',
  'HISTORY_UNAVAILABLE',
]);

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof BackendError) {
    const e = toGraphQLError(original).toJSON();
    return { ...e, path: formatted.path, locations: formatted.locations };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && EXPECTED.has(code)) {
    const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return { message: 'Unexpected error.', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** A result as it goes to a WebSocket client (subscription events, queries over the socket): errors masked as on HTTP. */
export function maskResult(result: ExecutionResult): FormattedExecutionResult {
  if (!result.errors?.length) return result as FormattedExecutionResult;
  return { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) };
}

/**
 * Errors the gateway answers with itself, formatted as Apollo Server formats an execution's
 * errors: `extensions.http` is the answer's status (the caller's to set), not part of the
 * error; then formatError.
 */
export function formatErrors(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
  return errors.map((error) => {
    const { http: _status, ...extensions } = error.extensions;
    return formatError({ ...error.toJSON(), extensions: { ...extensions, code: extensions.code ?? 'INTERNAL_SERVER_ERROR' } }, error);
  });
}
