/**
 * Prism Central v4 transport: auth, cookies, request ids, envelopes and error bodies.
 * Behaviour follows the official Go SDK (nutanix/ntnx-api-golang-clients `client/api_client.go`):
 * Basic auth or `X-ntnx-api-key`; the session cookies of the first response are replayed (a
 * cookie jar), and on a 401 with a cookie the call is retried once with Basic and no cookie;
 * `NTNX-Request-Id` on every call.
 */
import { randomUUID } from 'node:crypto';
import type { CallContext } from '../contract.js';
import { BackendError, badResponse, type BackendErrorCode } from '../errors.js';
import { basicAuth, createTransport, type HttpResponse, type TlsOptions } from '../http.js';
import type { Secret } from '../../model/secret.js';
import { narrowErrorMessages, narrowGetResponse, narrowListResponse, type PrismListResult, type PrismTask } from './wire.js';

export interface PrismClientOptions {
  backend: string;
  baseUrl: string;
  /** Path version segment: v4.0 (default), v4.1 ... */
  apiVersion: string;
  username?: string;
  password?: Secret;
  apiKey?: Secret;
  timeoutMs: number;
  tls?: TlsOptions;
  /** Identical GETs in flight share one request (TransportOptions.shareInFlight). */
  shareInFlight?: boolean;
}

export interface ListParams {
  filter?: string;
  orderby?: string;
  page: number;
  limit: number;
  select?: string;
}

export interface PrismClient {
  list(params: ListParams, ctx: CallContext): Promise<PrismListResult>;
  get(extId: string, ctx: CallContext): Promise<PrismTask | null>;
  cancel(extId: string, ctx: CallContext): Promise<void>;
  close(): void;
}

/** OData parameters are sent with `$` literal and values percent-encoded (as the Go SDK does). */
function queryString(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Path segment escaping as Go's url.PathEscape: `ZXJnb24=:<uuid>` stays readable. */
function pathSegment(value: string): string {
  return encodeURIComponent(value).replace(/%(3A|3D|40|24|26|2B)/gi, (e) => decodeURIComponent(e));
}

export function createPrismClient(options: PrismClientOptions): PrismClient {
  const { backend } = options;
  // The session cookie lives in the transport's jar (tough-cookie): every cookie PC sets is
  // kept and sent back, as the SDK's http client jar does.
  const transport = createTransport({
    backend,
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    tls: options.tls,
    shareInFlight: options.shareInFlight,
    cookies: !options.apiKey,
  });
  const base = `/api/prism/${options.apiVersion}/config/tasks`;
  /** The session the jar's cookies belong to (a fresh object per session opened), or null. */
  let session: object | null = null;
  /** The Basic-auth request opening a session right now, if any. */
  let opening: Promise<HttpResponse> | null = null;

  function basic(): Record<string, string> {
    if (!options.username || !options.password) {
      throw new BackendError('BACKEND_AUTH_FAILED', backend, `${backend}: set username and password, or apiKey`);
    }
    return { Authorization: basicAuth(options.username, options.password.reveal()) };
  }

  /** A response that set cookies opened (or refreshed) the session. */
  function noteSession(res: HttpResponse): void {
    if (res.headers['set-cookie']?.length && res.status !== 401) session = {};
  }

  async function send(method: 'GET' | 'POST', path: string, operation: string, ctx: CallContext): Promise<HttpResponse> {
    const requestId = method === 'GET' ? ctx.requestId : randomUUID(); // POST ids are idempotency keys: fresh per call.
    const headers = { Accept: 'application/json', 'NTNX-Request-Id': requestId };
    const withSession = () => transport.request({ method, path, operation, signal: ctx.signal, headers });
    if (options.apiKey) {
      return transport.request({ method, path, operation, signal: ctx.signal, headers: { ...headers, 'X-ntnx-api-key': options.apiKey.reveal() } });
    }
    const withBasic = () => transport.request({ method, path, operation, signal: ctx.signal, headers: { ...headers, ...basic() }, withoutCookies: true });
    // A session is being opened: use its cookie rather than open another.
    const refused = await joinOpening();
    if (refused) return refused;
    const used = session;
    if (used) {
      const res = await withSession();
      if (res.status !== 401) {
        noteSession(res);
        return res;
      }
      // The session expired: one retry, with the session a concurrent call is opening, or
      // with Basic (which opens a new one), as the SDK does. One renewal for all callers.
      if (session === used) {
        session = null;
        transport.clearCookies();
      }
      const again = await joinOpening();
      if (again) return again;
      if (session) {
        const retried = await withSession();
        noteSession(retried);
        return retried;
      }
    }
    return openSession(withBasic);
  }

  /** Waits for a session being opened; returns its answer only when it was refused (401/403). */
  async function joinOpening(): Promise<HttpResponse | null> {
    if (session || !opening) return null;
    const answer = await opening.catch(() => null);
    return answer && (answer.status === 401 || answer.status === 403) ? answer : null;
  }

  /** Sends a Basic-auth request; concurrent calls wait for the cookie it brings (see joinOpening). */
  function openSession(request: () => Promise<HttpResponse>): Promise<HttpResponse> {
    const pending = request().then((res) => {
      noteSession(res);
      return res;
    });
    opening = pending;
    const done = () => {
      if (opening === pending) opening = null;
    };
    pending.then(done, done);
    return pending;
  }

  function parse(res: HttpResponse, operation: string): unknown {
    try {
      return JSON.parse(res.text());
    } catch (err) {
      throw badResponse(backend, `${operation}: body is not JSON`, err);
    }
  }

  function fail(res: HttpResponse, operation: string): BackendError {
    let body: unknown;
    try {
      body = JSON.parse(res.text());
    } catch {
      body = undefined;
    }
    const messages = narrowErrorMessages(body);
    const detail = messages.map((m) => m.message).filter(Boolean).join('; ') || `HTTP ${res.status}`;
    const code: BackendErrorCode =
      res.status === 401 || res.status === 403
        ? 'BACKEND_AUTH_FAILED'
        : res.status === 404
          ? 'NOT_FOUND'
          : res.status >= 500
            ? 'BACKEND_UNAVAILABLE'
            : 'BACKEND_ERROR';
    return new BackendError(code, backend, `${backend}: ${operation}: ${detail}`, {
      status: res.status,
      vendorCode: messages[0]?.code,
    });
  }

  return {
    async list(params, ctx) {
      const qs = queryString({ $page: params.page, $limit: params.limit, $filter: params.filter, $orderby: params.orderby, $select: params.select });
      const res = await send('GET', base + qs, 'list tasks', ctx);
      if (res.status !== 200) throw fail(res, 'list tasks');
      const result = narrowListResponse(parse(res, 'list tasks'));
      if (!result) throw badResponse(backend, 'list tasks: not a ListTasksApiResponse');
      return result;
    },
    async get(extId, ctx) {
      const res = await send('GET', `${base}/${pathSegment(extId)}`, 'get task', ctx);
      if (res.status === 404) return null;
      if (res.status !== 200) throw fail(res, 'get task');
      const task = narrowGetResponse(parse(res, 'get task'));
      if (!task) throw badResponse(backend, 'get task: not a GetTaskApiResponse');
      return task;
    },
    async cancel(extId, ctx) {
      const res = await send('POST', `${base}/${pathSegment(extId)}/$actions/cancel`, 'cancel task', ctx);
      if (res.status < 200 || res.status >= 300) throw fail(res, 'cancel task');
    },
    close: () => transport.close(),
  };
}
