/**
 * Authentication at the edge, for both transports:
 * - HTTP: `authenticateHttp` decides before /graphql reads the body (on the JSON POST path of
 *   graphql-post.ts, and as `authMiddleware` on express's); a refusal is 401 with
 *   `WWW-Authenticate: Bearer` (RFC 6750) or 403, and a GraphQL-shaped JSON body;
 * - graphql-ws: `wsAuthenticate` is the `onConnect` hook; credentials come from the
 *   `connection_init` payload; a refusal closes the socket with 4401 (missing or invalid
 *   credentials) or 4403 (a known caller allowed nothing).
 * The principal is kept for the request's (or connection's) context.
 */
import type { Request, RequestHandler, Response } from 'express';
import { unauthorized, type Refusal } from '../refusals.js';
import type { Authenticator } from '../../security/authenticate.js';
import { credentialsFromHeaders, credentialsFromPayload } from '../../security/authenticate.js';
import { ANONYMOUS, type Principal } from '../../security/principal.js';

/** The principal `authMiddleware` admitted for this response's request. */
export function principalOf(res: Response): Principal {
  return (res.locals.principal as Principal | undefined) ?? ANONYMOUS;
}

/** Quoted-string safe (RFC 9110 §5.6.4): our reasons are plain words, but never trust that. */
const quoted = (text: string) => text.replace(/["\\\r\n]/g, '');

/** What authentication says of one HTTP request: its principal, or the refusal to send. */
export type HttpAuthVerdict =
  | { ok: true; principal: Principal }
  | { ok: false; status: 401 | 403; headers: Record<string, string>; body: { errors: Array<{ message: string; extensions: { code: string } }> } };

const ANONYMOUS_VERDICT: HttpAuthVerdict = { ok: true, principal: ANONYMOUS };

/** Authenticates an HTTP request from its headers (CORS preflights pass as anonymous). */
export async function authenticateHttp(authenticator: Authenticator, method: string | undefined, headers: Record<string, string | string[] | undefined>): Promise<HttpAuthVerdict> {
  if (authenticator.mode === 'none' || method === 'OPTIONS') return ANONYMOUS_VERDICT;
  const outcome = await authenticator.authenticate(credentialsFromHeaders(headers));
  if (outcome.ok) return { ok: true, principal: outcome.principal };
  if (outcome.status === 401) {
    const challenge = outcome.presented ? `, error="invalid_token", error_description="${quoted(outcome.reason)}"` : '';
    return {
      ok: false,
      status: 401,
      headers: { 'WWW-Authenticate': `Bearer realm="taskgraph"${challenge}` },
      body: { errors: [{ message: `Unauthenticated: ${outcome.reason}`, extensions: { code: 'UNAUTHENTICATED' } }] },
    };
  }
  return { ok: false, status: 403, headers: {}, body: { errors: [{ message: `Forbidden: ${outcome.reason}`, extensions: { code: 'FORBIDDEN' } }] } };
}

/** Authentication on express's /graphql chain; a refusal is answered, and reported to `refused` (logged and counted). */
export function authMiddleware(authenticator: Authenticator, refused: (req: Request, refusal: Refusal) => void): RequestHandler {
  return async (req, res, next) => {
    const verdict = await authenticateHttp(authenticator, req.method, req.headers);
    if (verdict.ok) {
      res.locals.principal = verdict.principal;
      next();
      return;
    }
    refused(req, unauthorized(verdict.status, verdict.body));
    for (const [name, value] of Object.entries(verdict.headers)) res.setHeader(name, value);
    res.status(verdict.status).json(verdict.body);
  };
}

/** graphql-ws close codes (graphql-ws CloseCode.Unauthorized / Forbidden). */
export const WS_UNAUTHORIZED = 4401;
export const WS_FORBIDDEN = 4403;

interface WsSocket {
  close(code?: number, reason?: string): void;
  once?(event: 'close', listener: () => void): unknown;
}

interface WsConnection {
  connectionParams?: Readonly<Record<string, unknown>>;
  extra: { socket: WsSocket };
}

/** setTimeout's longest delay (about 24.8 days); a later expiry is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Closes the socket with 4401 when the principal's credentials expire; the timer goes when the socket closes. */
function closeAtExpiry(socket: WsSocket, expiresAt: number, now: () => number): void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = expiresAt - now();
    if (left <= 0) return socket.close(WS_UNAUTHORIZED, 'Unauthorized: token expired');
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  socket.once?.('close', () => clearTimeout(timer));
}

/**
 * The `onConnect` hook and where connections keep their principal. Returning false makes
 * graphql-ws close with 4403; for 4401 the socket is closed first (the first close code wins).
 * A principal whose credentials expire (a JWT's `exp`) has its socket closed with 4401 then,
 * and `expired` refuses its operations from that moment on (checked on every subscribe).
 */
export function wsAuthenticator(authenticator: Authenticator, now: () => number = Date.now) {
  const principals = new WeakMap<object, Principal>();
  return {
    async onConnect(ctx: WsConnection): Promise<boolean> {
      const outcome = await authenticator.authenticate(credentialsFromPayload(ctx.connectionParams as Record<string, unknown> | undefined));
      if (outcome.ok) {
        principals.set(ctx.extra, outcome.principal);
        if (outcome.principal.expiresAt !== undefined) closeAtExpiry(ctx.extra.socket, outcome.principal.expiresAt, now);
        return true;
      }
      if (outcome.status === 401) ctx.extra.socket.close(WS_UNAUTHORIZED, 'Unauthorized');
      return false;
    },
    /** The connection's principal; anonymous only when authentication is off. */
    principalOf(extra: object): Principal | undefined {
      return authenticator.mode === 'none' ? ANONYMOUS : principals.get(extra);
    },
    /** True (and the socket closed with 4401) when the connection's credentials have expired. */
    expired(ctx: WsConnection): boolean {
      const expiresAt = principals.get(ctx.extra)?.expiresAt;
      if (expiresAt === undefined || now() < expiresAt) return false;
      ctx.extra.socket.close(WS_UNAUTHORIZED, 'Unauthorized: token expired');
      return true;
    },
  };
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}

/** A loud warning on stderr when anyone who can reach the port may read and cancel every task. */
export function warnIfOpen(authenticator: Authenticator, host: string, write: (text: string) => void = (t) => process.stderr.write(t)): void {
  if (authenticator.mode !== 'none' || isLoopback(host)) return;
  write(
    [
      '',
      '!!! taskgraph: WARNING: authentication is OFF (auth.mode: none) and the server listens on ' + host + '.',
      '!!! Anyone who can reach this port can read, create, update and cancel every task of every backend.',
      '!!! Configure auth (apiKey or jwt, see docs/security.md) or bind to 127.0.0.1.',
      '',
      '',
    ].join('\n'),
  );
}
