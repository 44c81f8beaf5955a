/**
 * GraphQL over Server-Sent Events on /graphql with graphql-sse, both of its modes
 * (https://github.com/enisdenjo/graphql-sse/blob/master/PROTOCOL.md):
 * - distinct connections: `GET /graphql?query=…` or `POST /graphql` with
 *   `Accept: text/event-stream`, one operation per stream (Hive Gateway's default transport
 *   to subgraphs for subscriptions);
 * - single connection: `PUT /graphql` reserves a stream and answers its token; `GET` with
 *   `Accept: text/event-stream` and `X-GraphQL-Event-Stream-Token` streams it; operations are
 *   `POST`ed with the token and `extensions.operationId`, stopped with `DELETE ?operationId=`.
 * As graphql-ws and HTTP: credentials in the headers (X-API-Key, Authorization: Bearer)
 * checked before the body is read, a stream ended with an UNAUTHENTICATED error when its JWT
 * expires, every operation through the same limits and variable coercion (plugins/limits.ts)
 * before anything runs it, errors masked, the caller's scope in every context, and on the
 * fast path each subscription event executed once per scope (shared-execution.ts). Refusals
 * are logged and counted; every operation gets its `graphql operation` line. Streams are
 * bounded per caller (sse-streams.ts) and ended on stop. Keep-alive: graphql-sse writes a
 * comment (`:`) every 12 s on every open stream.
 */
import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { createHandler, print, type ExecutionResult, type Request as SseRequest } from 'graphql-sse';
import { getOperationAST, type GraphQLError, type GraphQLSchema } from 'graphql';
import type { SharedExecution } from '../fast-path/shared-execution.js';
import type { GatewayContext } from '../gateway/context.js';
import type { ServerSecurity } from '../security/options.js';
import type { Principal } from '../security/principal.js';
import type { Contexts } from './contexts.js';
import { isCrossSiteSendable, CSRF_REFUSAL } from './csrf.js';
import { authenticateHttp } from './plugins/auth.js';
import { wsOperationGuard } from './plugins/limits.js';
import { refusedOperation, type Logger, type StreamedOperation } from './plugins/logging.js';
import { maskResult } from './plugins/mask-errors.js';
import { NOT_JSON, tooLarge, tooManyStreams, unauthorized, INTERNAL_ERROR, type Refusal } from './refusals.js';
import { acceptsEventStream, isSseRequest, streamTokenOf, writeStream } from './sse-http.js';
import { mediaType, readBody } from './request-body.js';
import { SseStreams, type OpenStream, type Reservation, type SseLimits } from './sse-streams.js';

// The graphql instance graphql-ws and Apollo load (see shared-execution.ts).
const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** The last result of a distinct-connection stream whose credentials expired (a graphql-ws socket closes with 4401). */
const EXPIRED = { errors: [{ message: 'Unauthenticated: token expired', extensions: { code: 'UNAUTHENTICATED' } }] } as unknown as ExecutionResult;

export interface GraphqlSseOptions {
  schema: GraphQLSchema;
  security: ServerSecurity;
  contexts: Contexts;
  /** The fast path's parse, validate and shared subscribe; undefined: graphql-js'. */
  execution: SharedExecution | undefined;
  limits: SseLimits;
  maxBodyBytes: number;
  logger: Logger;
  /** Logs and counts an operation that ended or was refused (http.ts). */
  streamed(operation: StreamedOperation): void;
  /** Logs and counts a refusal. */
  refused(req: http.IncomingMessage, refusal: Refusal): void;
}

export interface GraphqlSse {
  /** Takes GraphQL over SSE requests on /graphql and returns false for the rest. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  /** Open streams by mode (metrics). */
  counts(): { distinct: number; single: number };
  /** Ends every stream; connections still open after `graceMs` are cut. */
  close(graceMs: number): Promise<void>;
}

/** What one request carries through graphql-sse's hooks. */
interface RequestState {
  principal: Principal;
  /** The reservation's token (PUT, and requests on a reservation), null in distinct-connection mode. */
  token: string | null;
  /** Aborted when the operation's stream ends. */
  closed: AbortSignal | null;
  /** Set once this request's refusal is logged and counted. */
  recorded: boolean;
}

type Context = Record<PropertyKey, unknown>;

interface Operation {
  startedAt: number;
  name: string | null | undefined;
  type: string;
}

export function serveGraphqlSse(options: GraphqlSseOptions): GraphqlSse {
  const { schema, security, contexts, logger, streamed } = options;
  const execution = options.execution ?? graphql;
  const guard = wsOperationGuard(schema, security.limits);
  const operations = new WeakMap<object, Operation>();

  function refuseOperation(req: SseRequest<http.IncomingMessage, RequestState>, errors: readonly GraphQLError[]): readonly [string, { status: number; statusText: string; headers: Record<string, string> }] {
    const body = { errors: errors.map((e) => ({ message: e.message, ...(e.locations ? { locations: e.locations } : {}), extensions: e.extensions })) };
    const limit = typeof errors[0]?.extensions.limit === 'string';
    options.refused(req.raw, { status: 400, reason: limit ? 'limit' : 'bad_request', body });
    req.context.recorded = true;
    streamed(refusedOperation('sse', req.context.principal.id, null, errors));
    return [JSON.stringify(body), { status: 400, statusText: 'Bad Request', headers: { 'content-type': 'application/json; charset=utf-8' } }];
  }

  const handler = createHandler<http.IncomingMessage, RequestState, Context>({
    schema,
    validate: execution.validate,
    execute: graphql.execute,
    subscribe: execution.subscribe as never,
    // Who is calling was decided before (serve); the token says which mode the request is in.
    authenticate: (req) => req.context.token,
    onSubscribe: (req, params) => {
      const refusal = guard(params);
      if (refusal) return refuseOperation(req, refusal);
      const document = execution.parse(params.query);
      const operation = getOperationAST(document, params.operationName);
      const contextValue = contexts.sse(req.raw, req.context.principal, req.context.closed!) as unknown as Context;
      operations.set(contextValue, { startedAt: performance.now(), name: params.operationName ?? operation?.name?.value, type: operation?.operation ?? 'unknown' });
      return { schema, document, operationName: params.operationName, variableValues: params.variables, contextValue };
    },
    onNext: (_ctx, _req, result) => maskResult(result as never) as never,
    onComplete: (ctx, req) => {
      if (req.context.token) streams.operationDone(req.context.token);
      const operation = operations.get(ctx);
      if (!operation) return;
      const context = ctx as unknown as GatewayContext;
      const outcome = req.context.closed?.aborted ? 'closed' : 'complete';
      streamed({ transport: 'sse', requestId: context.call.requestId, principal: context.access.principal.id, operationName: operation.name, operationType: operation.type, outcome, startedAt: operation.startedAt });
    },
  });

  // A reservation no stream connected to: connect to it and return at once, which is how
  // graphql-sse lets go of a stream and completes the operations already sent to it.
  const expire = (token: string) => {
    const state: RequestState = { principal: streams.reservation(token)!.principal, token, closed: null, recorded: true };
    const headers = { get: (key: string) => (key === 'accept' ? 'text/event-stream' : null) };
    void handler({ method: 'GET', url: '/graphql', headers, body: null, raw: undefined as never, context: state })
      .then(([body]) => (body && typeof body !== 'string' ? body.return() : undefined))
      .finally(() => streams.release(token));
  };
  const streams = new SseStreams(options.limits, expire);

  function refuse(req: http.IncomingMessage, res: http.ServerResponse, refusal: Refusal, headers: Record<string, string> = {}): void {
    options.refused(req, refusal);
    const text = JSON.stringify(refusal.body);
    res.writeHead(refusal.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  /**
   * Which mode the request is in and whether its caller may have it: a new distinct stream or
   * a reservation (PUT) counts towards the caller's bound, an operation POSTed onto a
   * reservation towards the stream's. `release` ends a distinct stream's hold.
   */
  function admit(method: string | undefined, principal: Principal, eventStream: boolean, own: Reservation | undefined): { refusal: Refusal } | { state: RequestState; release: () => void } {
    const state: RequestState = { principal, token: own ? own.token : null, closed: null, recorded: false };
    if (method === 'PUT' || (eventStream && !own)) {
      const over = streams.admit(principal);
      if (over) return { refusal: tooManyStreams(over) };
      if (method === 'PUT') return { state: { ...state, token: randomUUID() }, release: () => {} };
      const closed = new AbortController();
      const unhold = streams.hold(principal);
      return {
        state: { ...state, closed: closed.signal },
        release: () => {
          closed.abort();
          unhold();
        },
      };
    }
    if (own) {
      const over = method === 'POST' ? streams.addOperation(own) : null;
      if (over) return { refusal: tooManyStreams(over) };
      return { state: { ...state, closed: own.closed.signal }, release: () => {} };
    }
    return { state, release: () => {} };
  }

  /** A POST's body: JSON parsed (another content type is graphql-sse's to refuse, 415), or the refusal. */
  async function readParams(req: http.IncomingMessage): Promise<{ ok: true; body: string | Record<string, unknown> } | { ok: false; refusal: Refusal }> {
    // With the gateway's size limit: graphql-sse's own use/http reads a body without one.
    const bytes = await readBody(req, options.maxBodyBytes);
    if (bytes === null) return { ok: false, refusal: tooLarge(options.maxBodyBytes) };
    const raw = bytes.toString('utf8');
    if (!isJson(req.headers['content-type'])) return { ok: true, body: raw };
    try {
      const parsed: unknown = JSON.parse(raw);
      // graphql-sse answers a JSON body that is not an object itself (400).
      return { ok: true, body: typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : raw };
    } catch {
      return { ok: false, refusal: NOT_JSON };
    }
  }

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const verdict = await authenticateHttp(security.authenticator, req.method, req.headers);
    if (!verdict.ok) {
      req.resume();
      return refuse(req, res, unauthorized(verdict.status, verdict.body), verdict.headers);
    }
    const { principal } = verdict;
    const eventStream = (req.method === 'GET' || req.method === 'POST') && acceptsEventStream(req.headers.accept);
    const token = streamTokenOf(req);
    const reservation = token === null ? undefined : streams.reservation(token);
    // Another caller's token is a token that does not exist.
    const own = reservation && reservation.principal.id === principal.id ? reservation : undefined;
    if (req.method === 'POST' && isCrossSiteSendable(req.headers)) return refuse(req, res, CSRF_REFUSAL);
    const admitted = admit(req.method, principal, eventStream, own);
    if ('refusal' in admitted) return refuse(req, res, admitted.refusal);
    const { state, release } = admitted;
    const params = req.method === 'POST' ? await readParams(req) : ({ ok: true, body: null } as const);
    if (!params.ok) {
      release();
      if (own) streams.operationDone(own.token);
      return refuse(req, res, params.refusal);
    }
    const [payload, init] = await handler({ method: req.method!, url: req.url!, headers: headersOf(req, eventStream), body: params.body, raw: req, context: state }).catch((error: unknown) => {
      release();
      throw error;
    });
    if (init.status >= 400 && !state.recorded) {
      options.refused(req, { status: init.status, reason: 'bad_request', body: { errors: [] } });
    }
    if (req.method === 'PUT' && init.status === 201) streams.reserve(state.token!, principal);
    if (own && req.method === 'POST' && init.status !== 202) streams.operationDone(own.token);
    if (!payload || typeof payload === 'string') {
      release();
      res.writeHead(init.status, init.statusText, init.headers);
      res.end(payload ?? undefined);
      return;
    }
    if (own) streams.connected(own);
    res.writeHead(init.status, init.statusText, init.headers);
    const open: OpenStream = { mode: own ? 'single' : 'distinct', stop: () => written.end('stop'), destroy: () => res.destroy() };
    streams.opened(open);
    // The operations' contexts see the end first, so their lines say `closed`.
    const written = writeStream(res, payload, principal.expiresAt, () => (own ? own.closed.abort() : release()));
    const ended = await written.done;
    if (ended === 'expired' && !own && res.writable) res.write(print({ event: 'next', data: EXPIRED }) + print({ event: 'complete', data: null }));
    res.end();
    if (own) streams.release(own.token);
    else release();
    streams.closed(open);
  }

  return {
    handle(req, res) {
      if (!isSseRequest(req)) return false;
      serve(req, res).catch((error: unknown) => {
        logger.error({ error: { type: (error as Error)?.name, message: (error as Error)?.message } }, 'unexpected error in a GraphQL over SSE request');
        if (!res.headersSent) refuse(req, res, INTERNAL_ERROR);
        else res.destroy();
      });
      return true;
    },
    counts: () => streams.counts(),
    close: (graceMs) => streams.close(graceMs),
  };
}

const isJson = (contentType: string | undefined) => contentType !== undefined && mediaType(contentType) === 'application/json';

/** The request's headers as graphql-sse reads them; it compares Accept as a whole, so `text/event-stream; charset=utf-8` is passed as the type alone. */
function headersOf(req: http.IncomingMessage, eventStream: boolean): SseRequest['headers'] {
  return {
    get(key) {
      if (key === 'accept') return eventStream ? 'text/event-stream' : (req.headers.accept ?? null);
      const value = req.headers[key];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}
