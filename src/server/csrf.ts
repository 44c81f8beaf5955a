/**
 * Cross-site request forgery on express's /graphql chain, refused before Apollo Server with the
 * rule of Apollo's own `csrfPrevention` (which stays on behind it): a request a cross-site
 * form, link or image could send (no content type, or one of the three a browser sends
 * without a CORS preflight) must carry a non-empty `x-apollo-operation-name` or
 * `apollo-require-preflight` header, which no such page can set. Refused here, it is logged
 * and counted like every other refusal (docs/operations.md); Apollo's refusal was neither.
 * See https://www.apollographql.com/docs/apollo-server/security/cors#preventing-cross-site-request-forgery-csrf
 * and, for GraphQL over SSE on the same path, docs/security.md.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Refusal } from './refusals.js';
import { mediaType } from './request-body.js';

/** Apollo Server's `recommendedCsrfPreventionRequestHeaders`. */
const PREFLIGHT_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight'] as const;
/** The content types a browser sends cross-site without a preflight (Fetch standard, "CORS-safelisted request-header"). */
const NON_PREFLIGHTED_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

const MESSAGE =
  "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a 'content-type' header " +
  `(with a type that is not one of ${[...NON_PREFLIGHTED_CONTENT_TYPES].join(', ')}) or provide a non-empty value for one of the following headers: ${PREFLIGHT_HEADERS.join(', ')}`;

export const CSRF_REFUSAL: Refusal = { status: 400, reason: 'csrf', body: { errors: [{ message: MESSAGE, extensions: { code: 'BAD_REQUEST' } }] } };

/** True when a browser on another site could have sent a request with these headers without a preflight. */
export function isCrossSiteSendable(headers: IncomingHttpHeaders): boolean {
  const contentType = headers['content-type'];
  if (contentType !== undefined) {
    if (!NON_PREFLIGHTED_CONTENT_TYPES.has(mediaType(contentType))) return false;
  }
  return !PREFLIGHT_HEADERS.some((name) => {
    const value = headers[name];
    return typeof value === 'string' && value.length > 0;
  });
}

/** Refuses GET and POST requests a cross-site page could send (Apollo answers other methods itself). */
export function csrfMiddleware(refused: (req: Request, refusal: Refusal) => void): RequestHandler {
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'POST') || !isCrossSiteSendable(req.headers)) return next();
    refused(req, CSRF_REFUSAL);
    res.status(CSRF_REFUSAL.status).json(CSRF_REFUSAL.body);
  };
}
