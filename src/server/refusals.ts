/**
 * What a GraphQL request over HTTP is refused with before Apollo Server sees it, the same on
 * either path to Apollo (the express chain, and the fast path's direct POST handler): a status
 * and a GraphQL-shaped JSON body whose error carries a code, never express's HTML error page
 * (which shows a stack trace outside production).
 */
import type { GraphQLError } from 'graphql';
import { callerRequestId } from './request-id.js';

/**
 * Why a request was refused before Apollo Server (or graphql-sse) ran it: the `reason` label of
 * `taskgraph_requests_refused_total` and of the `request refused` log line (docs/operations.md).
 */
export const REFUSAL_REASONS = ['unauthenticated', 'forbidden', 'csrf', 'limit', 'body_too_large', 'malformed_json', 'bad_request', 'too_many_streams', 'internal_error'] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface Refusal {
  status: number;
  reason: RefusalReason;
  body: { errors: Array<{ message: string; extensions: Record<string, unknown> }> };
}

function refusal(status: number, reason: RefusalReason, message: string, code: string): Refusal {
  return { status, reason, body: { errors: [{ message, extensions: { code } }] } };
}

/** A body that does not parse, or is not a JSON object or array (express.json's strict mode). */
export const NOT_JSON = refusal(400, 'malformed_json', 'the request body is not valid JSON', 'BAD_REQUEST');

export const INTERNAL_ERROR = refusal(500, 'internal_error', 'Internal server error', 'INTERNAL_SERVER_ERROR');

export function tooLarge(maxBytes: number): Refusal {
  return refusal(413, 'body_too_large', `the request body is larger than ${maxBytes} bytes`, 'PAYLOAD_TOO_LARGE');
}

/** More event streams than `server.sse.maxStreamsPerPrincipal` (or operations than `maxOperationsPerStream`) for one caller. */
export function tooManyStreams(message: string): Refusal {
  return refusal(429, 'too_many_streams', message, 'TOO_MANY_STREAMS');
}

/** A request over a query limit (plugins/limits.ts): 400, the limit's message and extensions. */
export function overLimit(error: GraphQLError): Refusal {
  return { status: 400, reason: 'limit', body: { errors: [{ message: error.message, extensions: error.extensions }] } };
}

/** Authentication's refusal (plugins/auth.ts): 401 or 403. */
export function unauthorized(status: 401 | 403, body: Refusal['body']): Refusal {
  return { status, reason: status === 401 ? 'unauthenticated' : 'forbidden', body };
}

/** What is logged and counted of a refused request: never a header, a query text or a variable. */
export interface RefusedRequest {
  transport: 'http' | 'sse' | 'graphql-ws';
  method: string | undefined;
  status: number;
  reason: RefusalReason;
  /** The caller's X-Request-Id when it looks sane. */
  requestId?: string;
  /** The limit's name (`limits.maxDepth`) of a `limit` refusal. */
  limit?: string;
}

/** The record of `refusal` sent to `req`. */
export function refusedRequest(transport: RefusedRequest['transport'], req: { method?: string; headers: Record<string, string | string[] | undefined> }, refusal: Refusal): RefusedRequest {
  const limit = refusal.body.errors[0]?.extensions.limit;
  return {
    transport,
    method: req.method,
    status: refusal.status,
    reason: refusal.reason,
    requestId: callerRequestId(req.headers['x-request-id']),
    limit: typeof limit === 'string' ? limit : undefined,
  };
}

/**
 * body-parser's failure as the direct POST path answers it: too large, not JSON, or (what the
 * direct path hands to express, an unsupported charset or content encoding) its own 4xx status
 * and message, which name no more than the request's own headers.
 */
export function bodyParserRefusal(error: { type?: unknown; status?: unknown; expose?: unknown; message: string }, maxBytes: number): Refusal {
  if (error.type === 'entity.too.large') return tooLarge(maxBytes);
  if (error.type === 'entity.parse.failed') return NOT_JSON;
  if (typeof error.status === 'number' && error.status >= 400 && error.status < 500 && error.expose === true) {
    return refusal(error.status, 'bad_request', error.message, 'BAD_REQUEST');
  }
  return INTERNAL_ERROR;
}
