/**
 * The keys of all work shared between requests, built here and nowhere else. Each is the JSON
 * of an array: a kind, the sharing key of the caller's whole scope (security/scope-key.ts) and
 * the work's own identity. JSON quotes and escapes every string, so no part can imitate a
 * separator or another part; two keys are equal only when every part is.
 *
 * Upstream GETs are the exception that proves the rule: the transport makes them with the
 * backend's own credentials, so their answer is the same whoever asked, and each principal's
 * scope is applied to what comes back (security/access.ts). Their key is the request alone.
 */
import type { ListQuery } from '../adapters/contract.js';
import type { HttpRequest } from '../adapters/http.js';
import type { Principal } from '../security/principal.js';
import { scopeKey } from '../security/scope-key.js';

/** An operation as it is shared: its document (by a stable id or its text), the operation, the variables. */
export interface OperationIdentity {
  document: string | number;
  operationName: string | null | undefined;
  variables: Readonly<Record<string, unknown>> | null | undefined;
}

function operationParts(operation: OperationIdentity): unknown[] {
  return [operation.document, operation.operationName ?? null, operation.variables ?? {}];
}

/** A query execution shared by the callers of one scope (server/jit-executor.ts). */
export function executionKey(principal: Principal, operation: OperationIdentity): string {
  return JSON.stringify(['execution', scopeKey(principal), ...operationParts(operation)]);
}

/** A subscription event's execution shared by the subscribers of one scope (server/shared-execution.ts). */
export function eventExecutionKey(principal: Principal, operation: OperationIdentity): string {
  return JSON.stringify(['event', scopeKey(principal), ...operationParts(operation)]);
}

/** A list page of one backend shared by the callers of one scope (gateway/connection.ts). */
export function listPageKey(principal: Principal, backend: string, query: ListQuery): string {
  const { filter, direction, after, limit, select, completesKept, mapsKept } = query;
  return JSON.stringify([
    'list',
    scopeKey(principal),
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

/** Correlation headers differ per caller and do not change the answer, so they are left out. */
const CORRELATION_HEADER = /request-id|correlation-id/i;

/** An upstream GET, by everything that can change its answer: URL, credentials, content negotiation. */
export function upstreamGetKey(req: HttpRequest): string {
  const headers = Object.entries(req.headers ?? {})
    .filter(([name]) => !CORRELATION_HEADER.test(name))
    .map(([name, value]) => [name.toLowerCase(), value])
    .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  return JSON.stringify(['get', req.path, req.timeoutMs ?? null, req.operation, headers]);
}
