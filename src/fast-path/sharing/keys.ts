/**
 * The keys of all work shared between requests, built here and nowhere else. Each is the JSON
 * of an array: a kind, the sharing key of the caller's whole scope (`scope`, from
 * security/scope-key.ts) and the work's own identity. JSON quotes and escapes every string, so
 * no part can imitate a separator or another part; two keys are equal only when every part is.
 *
 * Upstream GETs carry the scope too, although the transport makes them with the backend's own
 * credentials and each principal's scope is applied to what comes back (security/access.ts):
 * no answer fetched for one scope is ever handed to a caller of another, whatever an adapter
 * pushes down (defence in depth, at the cost of sharing GETs across tenants).
 */
import type { ListQuery } from '../../adapters/contract.js';
import type { HttpRequest } from '../../adapters/http.js';

/** The sharing key of a caller's whole scope (security/scope-key.ts `scopeKey`); '' for the gateway's own calls. */
export type ScopeKey = string;

/** An operation as it is shared: its document (by a stable id or its text), the operation, the variables. */
export interface OperationIdentity {
  document: string | number;
  operationName: string | null | undefined;
  variables: Readonly<Record<string, unknown>> | null | undefined;
}

function operationParts(operation: OperationIdentity): unknown[] {
  return [operation.document, operation.operationName ?? null, operation.variables ?? {}];
}

/** A query execution shared by the callers of one scope (fast-path/jit-executor.ts). */
export function executionKey(scope: ScopeKey, operation: OperationIdentity): string {
  return JSON.stringify(['execution', scope, ...operationParts(operation)]);
}

/** A subscription event's execution shared by the subscribers of one scope (fast-path/shared-execution.ts). */
export function eventExecutionKey(scope: ScopeKey, operation: OperationIdentity): string {
  return JSON.stringify(['event', scope, ...operationParts(operation)]);
}

/** A list page of one backend shared by the callers of one scope (gateway/connection.ts). */
export function listPageKey(scope: ScopeKey, backend: string, query: ListQuery): string {
  const { filter, direction, after, limit, select, completesKept, mapsKept } = query;
  return JSON.stringify([
    'list',
    scope,
    backend,
    filter,
    direction,
    after ?? null,
    limit,
    select ? [...select].sort() : null,
    completesKept ?? false,
    mapsKept ?? false,
  ]);
}

/** A read of tasks by id from one backend shared by the callers of one scope (gateway/loaders.ts). */
export function taskReadsKey(scope: ScopeKey, backend: string, ids: readonly string[]): string {
  return JSON.stringify(['reads', scope, backend, ids]);
}

/** Correlation headers differ per caller and do not change the answer, so they are left out. */
const CORRELATION_HEADER = /request-id|correlation-id/i;

/** An upstream GET of a caller's scope, by everything that can change its answer: URL, credentials, content negotiation. */
export function upstreamGetKey(scope: ScopeKey, req: HttpRequest): string {
  const headers = Object.entries(req.headers ?? {})
    .filter(([name]) => !CORRELATION_HEADER.test(name))
    .map(([name, value]) => [name.toLowerCase(), value])
    .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  return JSON.stringify(['get', scope, req.path, req.timeoutMs ?? null, req.operation, headers]);
}
