/**
 * The HTTP transport every adapter uses: keep-alive connections, a timeout per call, a cap
 * on response size, TLS options, and errors that never carry credentials.
 * Built on node:http directly: it is the hot path of every query, and it needs nothing more.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { BackendError } from './errors.js';
import { shareGets } from '../sharing/shared-gets.js';

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
  /** Identical GETs in flight share one request (src/sharing/shared-gets.ts); config `server.shareInFlight`, default true. */
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
  close(): void;
}

const DEFAULT_MAX_BODY = 32 * 1024 * 1024;

/** What the transport noticed during one gateway call, for that call's retry policy. */
export interface CallObservations {
  /** The Retry-After of the last 429 or 503 answer, in ms from its arrival. */
  retryAfterMs?: number;
}

/**
 * Observations by the signal of the gateway call they belong to: the guard gives each call a
 * signal of its own, and adapters hand it to every request they make for that call. (Not
 * AsyncLocalStorage: once used, it hooks every promise of the process, about 4% of the CPU
 * of a subscription fan-out.)
 */
const observations = new WeakMap<AbortSignal, CallObservations>();

/**
 * Records into `into` what every transport request made with `signal` notices (adapters turn
 * statuses into BackendErrors; the Retry-After header would be lost there).
 */
export function observeTransport(into: CallObservations, signal: AbortSignal): void {
  observations.set(signal, into);
}

/** Notes the Retry-After of a 429 or 503 answer for the call `signal` belongs to; returns the answer. */
export function noteRetryAfter(signal: AbortSignal | undefined, res: HttpResponse): HttpResponse {
  const notes = signal && observations.get(signal);
  if (notes && (res.status === 429 || res.status === 503)) notes.retryAfterMs = parseRetryAfter(res.headers['retry-after']);
  return res;
}

/** Retry-After (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) in ms from `now`; undefined when unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function createTransport(options: TransportOptions): Transport {
  const base = new URL(options.baseUrl);
  if (base.username || base.password) {
    throw new Error(`backend ${options.backend}: put credentials in username/password, not in the url`);
  }
  const isHttps = base.protocol === 'https:';
  const agent = isHttps
    ? new https.Agent({
        keepAlive: true,
        maxSockets: options.maxSockets ?? 32,
        rejectUnauthorized: !options.tls?.insecure,
        ca: options.tls?.caFile ? readFileSync(options.tls.caFile) : undefined,
      })
    : new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32 });
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const basePath = base.pathname.replace(/\/$/, '');

  function send(req: HttpRequest): Promise<HttpResponse> {
    const target = req.path.startsWith('http') ? new URL(req.path) : new URL(basePath + req.path, base.origin);
    if (target.origin !== base.origin) {
      // A backend's link pointing elsewhere is never followed with our credentials.
      return Promise.reject(
        new BackendError('BACKEND_BAD_RESPONSE', options.backend, `${options.backend}: ${req.operation}: link to another origin refused`),
      );
    }
    const timeoutMs = req.timeoutMs ?? options.timeoutMs;
    const notes = req.signal && observations.get(req.signal);
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
      const clientReq = (isHttps ? https : http).request(
        {
          method: req.method,
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          headers,
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBody) fail('BACKEND_BAD_RESPONSE', `response larger than ${maxBody} bytes`);
            else chunks.push(chunk);
          });
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            req.signal?.removeEventListener('abort', onAbort);
            if (notes && (res.statusCode === 429 || res.statusCode === 503)) notes.retryAfterMs = parseRetryAfter(res.headers['retry-after']);
            const body = Buffer.concat(chunks);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: () => body.toString('utf8') });
          });
          res.on('error', (err) => fail('BACKEND_UNAVAILABLE', `connection broke while reading: ${err.message}`));
        },
      );
      function fail(code: 'BACKEND_UNAVAILABLE' | 'BACKEND_TIMEOUT' | 'BACKEND_BAD_RESPONSE', why: string): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        clientReq.destroy();
        reject(new BackendError(code, options.backend, `${options.backend}: ${req.operation} failed: ${why}`));
      }
      const timer = setTimeout(() => fail('BACKEND_TIMEOUT', `no answer within ${timeoutMs} ms`), timeoutMs);
      clientReq.on('error', (err: NodeJS.ErrnoException) => fail('BACKEND_UNAVAILABLE', err.code ?? err.message));
      // Removed when the request settles: a long-lived signal must not collect one per request.
      function onAbort(): void {
        fail('BACKEND_UNAVAILABLE', 'aborted');
      }
      if (req.signal) {
        if (req.signal.aborted) fail('BACKEND_UNAVAILABLE', 'aborted');
        else req.signal.addEventListener('abort', onAbort, { once: true });
      }
      clientReq.end(req.body);
    });
  }

  return shareGets({ request: send, origin: base.origin, close: () => agent.destroy() }, { backend: options.backend, enabled: options.shareInFlight ?? true });
}

/** Basic auth header value. */
export function basicAuth(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
}
