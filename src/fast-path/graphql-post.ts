/**
 * `POST /graphql` with a JSON body, straight from node:http to Apollo Server: the path every
 * query takes, without express's router, JSON body parser and integration (what that saves:
 * docs/performance.md, "The fast path"). The checks, their order and their refusals are those
 * of the express chain it stands in for (src/server/routes.ts): authentication before the body
 * is read, the body (as express.json() reads it), batch size and tokens, the other limits,
 * then Apollo (CSRF prevention, parsing, validation, plugins). Everything else (GET, other
 * content types and encodings, the console, health, metrics) goes through express. A query
 * Apollo has seen before may skip its pipeline too (known-operations.ts).
 */
import type http from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { Principal } from '../security/principal.js';
import type { GatewayContext } from '../gateway/context.js';
import type { HttpAuthVerdict } from '../server/plugins/auth.js';
import { INTERNAL_ERROR, NOT_JSON, overLimit, tooLarge, unauthorized, type Refusal } from '../server/refusals.js';
import { readBody } from '../server/request-body.js';
import type { KnownOperations } from './known-operations.js';

export interface GraphqlPostOptions {
  apollo: ApolloServer<GatewayContext>;
  /** Queries run without Apollo's pipeline when nothing needs it. */
  known?: KnownOperations;
  authenticate(req: http.IncomingMessage): Promise<HttpAuthVerdict>;
  /** Batch and token limits of the parsed body; the refusal to send, or null. */
  checkLimits(body: unknown): GraphQLError | null;
  /** The other limits of a text that is not a known operation (plugins/limits.ts bodyLimits); the refusal, or null. */
  checkOperation(body: unknown): GraphQLError | null;
  context(req: http.IncomingMessage, principal: Principal): Promise<GatewayContext>;
  maxBodyBytes: number;
  /** Every refusal sent before Apollo, to be logged and counted as the express chain's are. */
  refused(req: http.IncomingMessage, refusal: Refusal): void;
}

/**
 * Is this a body this handler reads exactly as express.json() would: `application/json` in
 * UTF-8 (no charset, or charset=utf-8) and not compressed? Anything else (another UTF
 * charset, a gzip body) is express's to read.
 */
function isPlainJson(headers: http.IncomingHttpHeaders): boolean {
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') return false;
  const [type, ...parameters] = (headers['content-type'] ?? '').split(';');
  if (type!.trim().toLowerCase() !== 'application/json') return false;
  return parameters.every((p) => {
    const [name, value] = p.split('=');
    return name!.trim().toLowerCase() !== 'charset' || value?.trim().replace(/^"|"$/g, '').toLowerCase() === 'utf-8';
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The parsed body as express.json() (strict) gives it: `{}` for an empty body, null (refused) for anything but an object or array. */
function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  try {
    const body: unknown = JSON.parse(raw.toString('utf8'));
    return typeof body === 'object' ? body : null;
  } catch {
    return null;
  }
}

/** A request handler that takes `POST /graphql` JSON requests and returns false for the rest. */
export function graphqlPostHandler(options: GraphqlPostOptions): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  function refuse(req: http.IncomingMessage, res: http.ServerResponse, refusal: Refusal, headers?: Record<string, string>): void {
    options.refused(req, refusal);
    sendJson(res, refusal.status, refusal.body, headers);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, search: string): Promise<void> {
    const verdict = await options.authenticate(req);
    if (!verdict.ok) {
      req.resume();
      refuse(req, res, unauthorized(verdict.status, verdict.body), verdict.headers);
      return;
    }
    const raw = await readBody(req, options.maxBodyBytes);
    if (!raw) {
      refuse(req, res, tooLarge(options.maxBodyBytes));
      return;
    }
    const body = parseBody(raw);
    if (body === null) {
      refuse(req, res, NOT_JSON);
      return;
    }
    const tooMuch = options.checkLimits(body);
    if (tooMuch) {
      refuse(req, res, overLimit(tooMuch));
      return;
    }
    const { known } = options;
    const match = known?.match(body) ?? null;
    // Over a limit is refused here, before Apollo, known text or not (the express chain does the same).
    const over = match ? known!.refusal(match) : options.checkOperation(body);
    if (over) {
      refuse(req, res, overLimit(over));
      return;
    }
    let context: GatewayContext | undefined;
    if (known && match) {
      context = await options.context(req, verdict.principal);
      const answer = await known.serve(match, req.headers.accept, context);
      if (answer) {
        for (const [name, value] of answer.headers) res.setHeader(name, value);
        res.statusCode = answer.status;
        res.end(answer.body);
        return;
      }
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const answer = await options.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers, search, body },
      context: () => (context ? Promise.resolve(context) : options.context(req, verdict.principal)),
    });
    for (const [name, value] of answer.headers) res.setHeader(name, value);
    res.statusCode = answer.status ?? 200;
    if (answer.body.kind === 'complete') {
      res.end(answer.body.string);
      return;
    }
    for await (const chunk of answer.body.asyncIterator) res.write(chunk);
    res.end();
  }

  return (req, res) => {
    if (req.method !== 'POST' || !isPlainJson(req.headers)) return false;
    const url = req.url ?? '';
    const query = url.indexOf('?');
    if ((query === -1 ? url : url.slice(0, query)) !== '/graphql') return false;
    handle(req, res, query === -1 ? '' : url.slice(query)).catch(() => {
      if (!res.headersSent) refuse(req, res, INTERNAL_ERROR);
      else res.destroy();
    });
    return true;
  };
}
