/**
 * What a GraphQL request over HTTP is refused with before Apollo Server sees it, the same on
 * either path to Apollo (the express chain, and the fast path's direct POST handler): a status
 * and a GraphQL-shaped JSON body whose error carries a code, never express's HTML error page
 * (which shows a stack trace outside production).
 */
import type { GraphQLError } from 'graphql';

export interface Refusal {
  status: number;
  body: { errors: Array<{ message: string; extensions: Record<string, unknown> }> };
}

function refusal(status: number, message: string, code: string): Refusal {
  return { status, body: { errors: [{ message, extensions: { code } }] } };
}

/** A body that does not parse, or is not a JSON object or array (express.json's strict mode). */
export const NOT_JSON = refusal(400, 'the request body is not valid JSON', 'BAD_REQUEST');

export const INTERNAL_ERROR = refusal(500, 'Internal server error', 'INTERNAL_SERVER_ERROR');

export function tooLarge(maxBytes: number): Refusal {
  return refusal(413, `the request body is larger than ${maxBytes} bytes`, 'PAYLOAD_TOO_LARGE');
}

/** A request over a query limit (plugins/limits.ts): 400, the limit's message and extensions. */
export function overLimit(error: GraphQLError): Refusal {
  return { status: 400, body: { errors: [{ message: error.message, extensions: error.extensions }] } };
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
    return refusal(error.status, error.message, 'BAD_REQUEST');
  }
  return INTERNAL_ERROR;
}
