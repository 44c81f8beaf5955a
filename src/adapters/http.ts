/**
 * The HTTP transport every adapter uses, as configuration of got: keep-alive agents, a timeout
 * per request within the call's budget, TLS options, a cap on response size, retries of reads
 * (got's, with the call's policy and budget: adapters/retry.ts), a cookie jar per client
 * (tough-cookie) for session cookies, and errors that never carry credentials. With tracing on,
 * each request has a span and sends its W3C `traceparent` (src/telemetry/upstream-spans.ts).
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import got, { type Got, type Method, type RequestError, type RetryOptions } from 'got';
import { CookieJar } from 'tough-cookie';
import { BackendError } from './errors.js';
import { shareGets } from '../fast-path/sharing/index.js';
import { callBudgetOf, RETRIED_ERROR_CODES, RETRIED_STATUSES, retryDelay, type CallBudget } from './retry.js';
import { activeTracing, type HttpSpan, type Tracing } from '../telemetry/tracing.js';

export interface TlsOptions {
  /** Skip certificate verification. Off by default; for labs only. */
  insecure?: boolean;
  /** PEM file of the CA that signed the backend's certificate. */
  caFile?: string;
}

export interface TransportOptions {
  /** Configured backend name, used in error messages. */
  backend: string;
  /** Base URL, e.g. https://pc.example.com:9440 (no credentials in it). */
  baseUrl: string;
  timeoutMs: number;
  tls?: TlsOptions;
  /** Largest accepted response body. */
  maxBodyBytes?: number;
  /** Concurrent sockets per backend. */
  maxSockets?: number;
  /** Keep the cookies the backend sets and send them back (session cookies), as a browser does. */
  cookies?: boolean;
  /** Identical GETs in flight share one request (src/fast-path/sharing/shared-gets.ts); config `server.shareInFlight`, default true. */
  shareInFlight?: boolean;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS' | 'PATCH';
  /** Path with query string already encoded, e.g. `/api/task/1?x=y`; or an absolute URL on the same origin. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** What the call is, for error messages: "list tasks". */
  operation: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /**
   * Safe to send again when no answer came: a read sent as a POST (vim25 RetrievePropertiesEx,
   * vSphere REST `cis/tasks?action=list`) is retried like a GET. Other POSTs never are.
   */
  idempotent?: boolean;
  /** Send no cookie with this request (cookies it sets are still kept). */
  withoutCookies?: boolean;
  /**
   * The budget of the call the request belongs to. Set by the transport itself from `signal`
   * before the request may be shared (a shared GET runs under a signal of the sharing helper's);
   * adapters leave it out.
   */
  budget?: CallBudget;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text(): string;
}

export interface Transport {
  request(req: HttpRequest): Promise<HttpResponse>;
  readonly origin: string;
  /** Forgets every cookie the backend set (a session it no longer knows). */
  clearCookies(): void;
  close(): void;
}

const DEFAULT_MAX_BODY = 32 * 1024 * 1024;

/** Headers that carry credentials or sessions in any of the four vendors' APIs. */
const SECRET_HEADERS = ['authorization', 'cookie', 'x-ntnx-api-key', 'vmware-api-session-id', 'x-vcloud-authorization', 'x-vmware-vcloud-access-token'];

/** got's beforeError hook: an error object leaving got keeps no credential (header, URL userinfo). */
function redact(error: RequestError): RequestError {
  const options = error.options;
  if (options) {
    for (const name of SECRET_HEADERS) if (options.headers[name] !== undefined) options.headers[name] = '[redacted]';
    if (options.url instanceof URL) {
      options.url.username = '';
      options.url.password = '';
    }
  }
  return error;
}

/** A jar that sends nothing and keeps what the answer sets (HttpRequest.withoutCookies). */
function keepOnly(jar: CookieJar) {
  return {
    getCookieString: async () => '',
    setCookie: (raw: string, url: string) => jar.setCookie(raw, url),
  };
}

/** got's retry for one request: the call's policy within its budget, reads only. */
function retryFor(req: HttpRequest, budget: CallBudget | undefined): Partial<RetryOptions> {
  if (!budget || (req.method !== 'GET' && !req.idempotent)) return { limit: 0 };
  return {
    limit: budget.retry.attempts - 1,
    methods: [req.method as Method],
    statusCodes: RETRIED_STATUSES,
    errorCodes: RETRIED_ERROR_CODES,
    // A Retry-After of any length reaches calculateDelay, which weighs it against the budget.
    maxRetryAfter: Number.POSITIVE_INFINITY,
    calculateDelay: ({ attemptCount, retryAfter, computedValue }) => {
      if (computedValue === 0) return 0; // got's rules say no: method, status, error code or limit
      const delay = retryDelay(budget.retry, {
        attempt: attemptCount,
        retryAfterMs: retryAfter,
        remainingMs: budget.deadline - performance.now(),
        random: budget.random(),
      });
      // got reads 0 as "do not retry"; a zero backoff is the smallest wait instead.
      return delay === null ? 0 : Math.max(1, delay);
    },
  };
}

export function createTransport(options: TransportOptions): Transport {
  const base = new URL(options.baseUrl);
  if (base.username || base.password) {
    throw new Error(`backend ${options.backend}: put credentials in username/password, not in the url`);
  }
  const ca = options.tls?.caFile ? readFileSync(options.tls.caFile) : undefined;
  const rejectUnauthorized = !options.tls?.insecure;
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32 }),
    https: new https.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32, rejectUnauthorized, ca }),
  };
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const basePath = base.pathname.replace(/\/$/, '');
  const jar = options.cookies ? new CookieJar() : undefined;
  const client: Got = got.extend({
    agent: agents,
    https: { rejectUnauthorized, certificateAuthority: ca },
    responseType: 'buffer',
    throwHttpErrors: false,
    followRedirect: false,
    // What we send is what the vendors document: no Accept-Encoding, no User-Agent of got's.
    decompress: false,
    headers: { 'user-agent': undefined },
    cookieJar: jar,
    ignoreInvalidCookies: true,
    retry: { limit: 0 },
    hooks: { beforeError: [redact] },
  });

  function targetOf(req: HttpRequest): URL {
    const target = req.path.startsWith('http') ? new URL(req.path) : new URL(basePath + req.path, base.origin);
    if (target.origin !== base.origin) {
      // A backend's link pointing elsewhere is never followed with our credentials.
      throw new BackendError('BACKEND_BAD_RESPONSE', options.backend, `${options.backend}: ${req.operation}: link to another origin refused`);
    }
    return target;
  }

  /** With tracing on: the request in a span of its own, which sends its `traceparent` and counts got's retries. */
  async function tracedExchange(tracing: Tracing, req: HttpRequest): Promise<HttpResponse> {
    const target = targetOf(req);
    const span = tracing.startHttpSpan({ backend: options.backend, method: req.method, url: target, operation: req.operation });
    try {
      const res = await exchange(req, span, target);
      span.answered(res.status);
      return res;
    } catch (err) {
      span.failed(err);
      throw err;
    }
  }

  async function exchange(req: HttpRequest, span?: HttpSpan, target = targetOf(req)): Promise<HttpResponse> {
    const timeoutMs = req.timeoutMs ?? options.timeoutMs;
    const failed = (code: 'BACKEND_UNAVAILABLE' | 'BACKEND_TIMEOUT' | 'BACKEND_BAD_RESPONSE', why: string) =>
      new BackendError(code, options.backend, `${options.backend}: ${req.operation} failed: ${why}`);
    if (req.signal?.aborted) throw failed('BACKEND_UNAVAILABLE', 'aborted');
    const pending = client(target, {
      method: req.method,
      headers: span ? span.headers(req.headers) : req.headers,
      body: req.body,
      signal: req.signal,
      timeout: { request: timeoutMs },
      retry: retryFor(req, req.budget ?? callBudgetOf(req.signal)),
      responseType: 'buffer',
      ...(jar && req.withoutCookies ? { cookieJar: keepOnly(jar) } : {}),
      hooks: span?.hooks,
    });
    let tooLarge = false;
    pending.on('downloadProgress', (progress) => {
      // Content-Length announces a body over the cap before any of it is read.
      if (!tooLarge && (progress.transferred > maxBody || (progress.total ?? 0) > maxBody)) {
        tooLarge = true;
        pending.cancel();
      }
    });
    try {
      const res = await pending;
      return { status: res.statusCode, headers: res.headers, body: res.body, text: () => res.body.toString('utf8') };
    } catch (err) {
      if (tooLarge) throw failed('BACKEND_BAD_RESPONSE', `response larger than ${maxBody} bytes`);
      const error = err as RequestError;
      if (error.name === 'TimeoutError') throw failed('BACKEND_TIMEOUT', `no answer within ${timeoutMs} ms`);
      if (error.name === 'AbortError' || error.name === 'CancelError') throw failed('BACKEND_UNAVAILABLE', 'aborted');
      if (error.name === 'ReadError') throw failed('BACKEND_UNAVAILABLE', `connection broke while reading: ${error.code ?? error.message}`);
      throw failed('BACKEND_UNAVAILABLE', error.code ?? error.message);
    }
  }

  const direct: Transport = {
    request: (req) => {
      const tracing = activeTracing();
      return tracing ? tracedExchange(tracing, req) : exchange(req);
    },
    origin: base.origin,
    clearCookies: () => jar?.removeAllCookiesSync(),
    close: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
  const shared = shareGets(direct, { backend: options.backend, enabled: options.shareInFlight ?? true });
  return {
    ...direct,
    request: (req) => shared.request(req.budget || !req.signal ? req : { ...req, budget: callBudgetOf(req.signal) }),
  };
}

/** Basic auth header value. */
export function basicAuth(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
}
