/**
 * The vSphere Automation REST transport: session login and transparent renewal, the three
 * `cis/tasks` calls, and vAPI error bodies turned into BackendErrors. Returns wire types only.
 *
 * Wire facts (../shared/reference/wire-formats.md §2.2):
 * - `POST /api/session` with Basic auth answers 201 and a JSON string, the session id; later
 *   calls send it as `vmware-api-session-id` (Broadcom "Create Session" DOC; govmomi
 *   vapi/internal `SessionCookieName`). `DELETE /api/session` logs out.
 * - An unknown or expired session gets 401 `{"error_type":"UNAUTHENTICATED","messages":[{"id":
 *   "com.vmware.vapi.endpoint.method.authentication.required","default_message":"Authentication
 *   required.","args":[]}]}` (public client tests quoting vCenter; Vapi Std Errors Unauthenticated DOC).
 * - The correlation id goes in `X-Request-ID`: govmomi vapi/rest/client.go (`Do`, @04d73db5) sends
 *   the operation id there, the same id it sends as vim25 `operationID`.
 */
import type { CallContext } from '../contract.js';
import { badResponse, BackendError, type BackendErrorCode } from '../errors.js';
import { basicAuth, type HttpResponse, type Transport } from '../http.js';
import type { Secret } from '../../model/secret.js';
import type { WireFilterSpec } from './filter.js';
import { parseSessionId, parseTaskInfo, parseTaskMap, parseVapiError, WireShapeError, type WireTaskInfo, type WireVapiError } from './wire.js';

export const SESSION_HEADER = 'vmware-api-session-id';
export const REQUEST_ID_HEADER = 'x-request-id';

/** A vAPI error answered by the backend, kept for callers that decide by its type (cancel, list). */
export class VapiError extends BackendError {
  readonly vapi: WireVapiError | null;

  constructor(code: BackendErrorCode, backend: string, message: string, status: number, vapi: WireVapiError | null) {
    super(code, backend, message, { status, vendorCode: vapi?.errorType ?? undefined });
    this.name = 'VapiError';
    this.vapi = vapi;
  }
}

export interface ClientOptions {
  backend: string;
  transport: Transport;
  username: string;
  password: Secret;
}

function codeFor(status: number): BackendErrorCode {
  if (status === 401 || status === 403) return 'BACKEND_AUTH_FAILED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 503 || status === 502) return 'BACKEND_UNAVAILABLE';
  if (status === 504) return 'BACKEND_TIMEOUT';
  return 'BACKEND_ERROR';
}

function parseJson(backend: string, operation: string, res: HttpResponse): unknown {
  try {
    return JSON.parse(res.text());
  } catch (err) {
    throw badResponse(backend, `${operation}: body is not JSON`, err);
  }
}

/** A non-2xx reply as a BackendError naming the backend, the call and the vAPI error type. */
export function toVapiError(backend: string, operation: string, res: HttpResponse): VapiError {
  let vapi: WireVapiError | null = null;
  try {
    vapi = parseVapiError(JSON.parse(res.text()));
  } catch {
    // not a vAPI error body (a proxy's HTML page, an empty 503): the status alone says enough
  }
  const first = vapi?.messages[0];
  const text = first ? (first.localized ?? first.defaultMessage ?? first.id ?? '') : '';
  const detail = [vapi?.errorType, text].filter(Boolean).join(': ').slice(0, 300);
  const hint = res.status === 403 ? ' (the account lacks a privilege for this call)' : '';
  return new VapiError(
    codeFor(res.status),
    backend,
    `${backend}: ${operation} failed: HTTP ${res.status}${detail ? ` ${detail}` : ''}${hint}`,
    res.status,
    vapi,
  );
}

export class VsphereRestClient {
  readonly #o: ClientOptions;
  #session: string | null = null;
  #renewal: Promise<string> | null = null;

  constructor(options: ClientOptions) {
    this.#o = options;
  }

  /**
   * `POST /api/cis/tasks?action=list`: the map of task id to Info. `excludeResult`: ResultSpec
   * `exclude_result`, "if true, the result will not be included in the task information"
   * (Cis Tasks list, vSphere Automation API; results such as vLCM compliance reports are large).
   */
  async listTasks(filterSpec: WireFilterSpec, ctx: CallContext, excludeResult = false): Promise<Map<string, WireTaskInfo>> {
    const op = 'list tasks';
    const body = JSON.stringify({ filter_spec: filterSpec, result_spec: { return_all: false, exclude_result: excludeResult } });
    // A read sent as a POST: retried as a GET is (Cis Tasks list changes nothing).
    const res = await this.#call('POST', '/api/cis/tasks?action=list', op, ctx, body, true);
    if (res.status !== 200) throw toVapiError(this.#o.backend, op, res);
    return this.#shape(op, () => parseTaskMap(parseJson(this.#o.backend, op, res)));
  }

  /** `GET /api/cis/tasks/{task}`; null when the task does not exist (404). */
  async getTask(id: string, ctx: CallContext): Promise<WireTaskInfo | null> {
    const op = 'get task';
    const res = await this.#call('GET', `/api/cis/tasks/${encodeURIComponent(id)}`, op, ctx);
    if (res.status === 404) return null;
    if (res.status !== 200) throw toVapiError(this.#o.backend, op, res);
    return this.#shape(op, () => parseTaskInfo(parseJson(this.#o.backend, op, res)));
  }

  /** `POST /api/cis/tasks/{task}?action=cancel`: resolves on 204, rejects with a VapiError otherwise. */
  async cancelTask(id: string, ctx: CallContext): Promise<void> {
    const op = 'cancel task';
    const res = await this.#call('POST', `/api/cis/tasks/${encodeURIComponent(id)}?action=cancel`, op, ctx);
    if (res.status !== 204 && res.status !== 200) throw toVapiError(this.#o.backend, op, res);
  }

  /** `DELETE /api/session`, best effort: the session times out on its own anyway. */
  async logout(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    if (!session) return;
    await this.#o.transport
      .request({ method: 'DELETE', path: '/api/session', headers: { [SESSION_HEADER]: session }, operation: 'logout' })
      .catch(() => undefined);
  }

  #shape<T>(operation: string, parse: () => T): T {
    try {
      return parse();
    } catch (err) {
      if (err instanceof WireShapeError) throw badResponse(this.#o.backend, `${operation}: ${err.message}`, err);
      throw err;
    }
  }

  /** Sends with the current session; on 401 renews once (shared by concurrent callers) and resends. */
  async #call(method: 'GET' | 'POST', path: string, operation: string, ctx: CallContext, body?: string, idempotent = false): Promise<HttpResponse> {
    const send = (session: string): Promise<HttpResponse> =>
      this.#o.transport.request({
        method,
        path,
        operation,
        body,
        idempotent,
        signal: ctx.signal,
        headers: {
          accept: 'application/json',
          [SESSION_HEADER]: session,
          [REQUEST_ID_HEADER]: ctx.requestId,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      });
    const session = this.#session ?? (await this.#renew(null, ctx));
    const res = await send(session);
    if (res.status !== 401) return res;
    return send(await this.#renew(session, ctx));
  }

  /** A fresh session, unless another caller already replaced `stale`; one login at a time. */
  #renew(stale: string | null, ctx: CallContext): Promise<string> {
    if (this.#session !== null && this.#session !== stale) return Promise.resolve(this.#session);
    this.#renewal ??= this.#login(ctx).finally(() => {
      this.#renewal = null;
    });
    return this.#renewal;
  }

  async #login(ctx: CallContext): Promise<string> {
    const op = 'login';
    const res = await this.#o.transport.request({
      method: 'POST',
      path: '/api/session',
      operation: op,
      signal: ctx.signal,
      headers: {
        accept: 'application/json',
        authorization: basicAuth(this.#o.username, this.#o.password.reveal()),
        [REQUEST_ID_HEADER]: ctx.requestId,
      },
    });
    if (res.status === 401 || res.status === 403) {
      const err = toVapiError(this.#o.backend, op, res);
      throw new BackendError('BACKEND_AUTH_FAILED', this.#o.backend, `${err.message}; check username and password`, {
        status: res.status,
        vendorCode: err.vendorCode,
      });
    }
    if (res.status !== 201 && res.status !== 200) throw toVapiError(this.#o.backend, op, res);
    const id = this.#shape(op, () => parseSessionId(res.text()));
    this.#session = id;
    return id;
  }
}
