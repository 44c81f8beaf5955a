/**
 * Prism Central v4 transport: auth, cookies, request ids, envelopes and error bodies.
 * Behaviour follows the official Go SDK (nutanix/ntnx-api-golang-clients `client/api_client.go`):
 * Basic auth or `X-ntnx-api-key`; the session cookie from the first response is replayed, and
 * on a 401 with a cookie the call is retried once with Basic and no cookie; `NTNX-Request-Id`
 * on every call.
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
  const transport = createTransport({ backend, baseUrl: options.baseUrl, timeoutMs: options.timeoutMs, tls: options.tls, shareInFlight: options.shareInFlight });
  const base = `/api/prism/${options.apiVersion}/config/tasks`;
  let cookie: string | null = null;
  /** The Basic-auth request opening a session right now, if any. */
  let opening: Promise<HttpResponse> | null = null;

  function authHeaders(useCookie: boolean): Record<string, string> {
    if (options.apiKey) return { 'X-ntnx-api-key': options.apiKey.reveal() };
    if (useCookie && cookie) return { Cookie: cookie };
    if (!options.username || !options.password) {
      throw new BackendError('BACKEND_AUTH_FAILED', backend, `${backend}: set username and password, or apiKey`);
    }
    return { Authorization: basicAuth(options.username, options.password.reveal()) };
  }

  function keepCookies(res: HttpResponse): void {
    const set = res.headers['set-cookie'];
    if (!set?.length) return;
    cookie = set.map((c) => c.split(';')[0]).join('; ');
  }

  async function send(method: 'GET' | 'POST', path: string, operation: string, ctx: CallContext): Promise<HttpResponse> {
    const requestId = method === 'GET' ? ctx.requestId : randomUUID(); // POST ids are idempotency keys: fresh per call.
    const attempt = (useCookie: boolean) =>
      transport.request({
        method,
        path,
        operation,
        signal: ctx.signal,
        headers: { Accept: 'application/json', 'NTNX-Request-Id': requestId, ...authHeaders(useCookie) },
      });
    if (options.apiKey) return attempt(false);
    // A session is being opened: use its cookie rather than open another.
    const refused = await joinOpening();
    if (refused) return refused;
    const used = cookie;
    if (used) {
      const res = await attempt(true);
      if (res.status !== 401) {
        keepCookies(res);
        return res;
      }
      // The session expired: one retry, with the session a concurrent call is opening, or
      // with Basic (which opens a new one), as the SDK does. One renewal for all callers.
      if (cookie === used) cookie = null;
      const again = await joinOpening();
      if (again) return again;
      if (cookie) {
        const retried = await attempt(true);
        keepCookies(retried);
        return retried;
      }
    }
    return openSession(() => attempt(false));
  }

  /** Waits for a session being opened; returns its answer only when it was refused (401/403). */
  async function joinOpening(): Promise<HttpResponse | null> {
    if (cookie || !opening) return null;
    const answer = await opening.catch(() => null);
    return answer && (answer.status === 401 || answer.status === 403) ? answer : null;
  }

  /** Sends a Basic-auth request; concurrent calls wait for the cookie it brings (see joinOpening). */
  function openSession(request: () => Promise<HttpResponse>): Promise<HttpResponse> {
    const pending = request().then((res) => {
      keepCookies(res);
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
