/**
 * vCD transport: one session per adapter (renewed once, transparently, when a call gets 401;
 * concurrent calls share one renewal), `Accept: application/*+xml;version=X` and the
 * `X-VMWARE-VCLOUD-CLIENT-REQUEST-ID` correlation header on every call, error bodies
 * (`<Error majorErrorCode minorErrorCode message>`, `application/vnd.vmware.vcloud.error+xml`)
 * turned into BackendErrors. Returns wire types only.
 */
import type { CallContext } from '../contract.js';
import { BackendError, badResponse, type BackendErrorCode } from '../errors.js';
import { createTransport, type HttpRequest, type HttpResponse, type TlsOptions } from '../http.js';
import { parseXml } from '../xml.js';
import type { Secret } from '../../model/secret.js';
import { encodeFilter, type Clauses } from './filter.js';
import { authHeaders, isSystemOrg, login, logout, negotiateVersion, parseBody, requestIdHeader, type Session } from './session.js';
import { narrowError, narrowOrg, narrowQueryPage, narrowTask, type VcdQueryPage, type VcdTask, type VcdVersionInfo } from './wire.js';

export const TASK_MEDIA_TYPE = 'application/vnd.vmware.vcloud.task+xml';
const TASKS_LIST_MEDIA_TYPE = 'application/vnd.vmware.vcloud.tasksList+xml';

export interface VcdClientOptions {
  backend: string;
  baseUrl: string;
  username: string;
  password: Secret;
  org: string;
  apiVersion?: string;
  timeoutMs: number;
  tls?: TlsOptions;
  maxSockets?: number;
  /** Identical GETs in flight share one request (TransportOptions.shareInFlight). */
  shareInFlight?: boolean;
}

export interface QueryParams {
  page: number;
  pageSize: number;
  clauses: Clauses;
  direction: 'ASC' | 'DESC';
  /** Record attributes to return (`fields`, fields.ts); absent: all of them. */
  fields?: readonly string[];
}

/** Absolute hrefs of the logged-in org and user, when the login answer named them. */
export interface Identity {
  orgHref: string | null;
  userHref: string | null;
}

export interface VcdClient {
  /** `adminTask` for the System org, `task` for tenants (govcd QueryTaskList, pyvcloud list_tasks). */
  readonly queryType: 'task' | 'adminTask';
  apiVersion(ctx: CallContext): Promise<string>;
  /** First page of a task query. */
  query(params: QueryParams, ctx: CallContext): Promise<VcdQueryPage>;
  /** A page by the href of a `rel="nextPage"` link. */
  queryPage(href: string, ctx: CallContext): Promise<VcdQueryPage>;
  /** null when vCD says the task does not exist or is not visible (404, or 403 as vCD answers for both). */
  getTask(uuid: string, ctx: CallContext): Promise<VcdTask | null>;
  cancelTask(uuid: string, ctx: CallContext): Promise<void>;
  createTask(body: string, ctx: CallContext): Promise<VcdTask>;
  updateTask(uuid: string, body: string, ctx: CallContext): Promise<VcdTask>;
  identity(ctx: CallContext): Promise<Identity>;
  close(): Promise<void>;
}

function codeFor(status: number): BackendErrorCode {
  if (status === 401) return 'BACKEND_AUTH_FAILED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 502 || status === 503 || status === 504) return 'BACKEND_UNAVAILABLE';
  return 'BACKEND_ERROR';
}

/** A BackendError from a non-2xx answer, with the vCD Error body's codes and message. */
export function vcdFailure(backend: string, res: HttpResponse, operation: string): BackendError {
  let error;
  try {
    error = narrowError(parseXml(res.text()));
  } catch {
    error = undefined;
  }
  const minor = error?.minorErrorCode;
  const hint = res.status === 406 ? ' (the API version was refused; set or change apiVersion)' : '';
  const detail = [minor, error?.message].filter(Boolean).join(': ');
  return new BackendError(codeFor(res.status), backend, `${backend}: ${operation} failed: HTTP ${res.status}${detail ? ` ${detail}` : ''}${hint}`, {
    status: res.status,
    vendorCode: minor,
  });
}

export function createVcdClient(options: VcdClientOptions): VcdClient {
  const { backend } = options;
  const transport = createTransport({
    backend,
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    tls: options.tls,
    maxSockets: options.maxSockets,
    shareInFlight: options.shareInFlight,
  });
  const loginOptions = { backend, transport, username: options.username, password: options.password, org: options.org };
  let version: Promise<VcdVersionInfo> | null = null;
  let pending: Promise<Session> | null = null;
  let active: Session | null = null;
  let tasksList: Promise<string> | null = null;
  let closed = false;
  const queryType = isSystemOrg(options.org) ? 'adminTask' : 'task';

  function absolute(path: string | null): string | null {
    if (!path || /^https?:\/\//.test(path)) return path;
    return options.baseUrl.replace(/\/+$/, '') + path;
  }

  /**
   * Links carry the cell's public address, which need not be the configured URL (a cell reached
   * by IP, or through a proxy). They are followed on the configured URL: same path and query,
   * never another host with our token.
   */
  function onThisCell(href: string): string {
    try {
      const url = new URL(href, transport.origin);
      return url.origin === transport.origin ? url.href : url.pathname + url.search;
    } catch {
      return href;
    }
  }

  function negotiated(ctx: CallContext): Promise<VcdVersionInfo> {
    if (!version) {
      const p = negotiateVersion(loginOptions, options.apiVersion, ctx);
      version = p;
      p.catch(() => {
        if (version === p) version = null;
      });
    }
    return version;
  }

  function session(ctx: CallContext): Promise<Session> {
    if (!pending) {
      const p = negotiated(ctx).then((v) => login(loginOptions, v, ctx));
      pending = p;
      p.then(
        (s) => {
          if (pending === p) active = s;
        },
        () => {
          if (pending === p) pending = null;
        },
      );
    }
    return pending;
  }

  /** Drops the session that got a 401, unless another call already replaced it. */
  function renew(stale: Session, ctx: CallContext): Promise<Session> {
    if (active === stale) {
      active = null;
      pending = null;
    }
    return session(ctx);
  }

  async function call(req: Omit<HttpRequest, 'headers' | 'signal'> & { contentType?: string }, ctx: CallContext): Promise<HttpResponse> {
    if (closed) throw new BackendError('BACKEND_UNAVAILABLE', backend, `${backend}: ${req.operation}: the adapter is closed`);
    const send = (s: Session) =>
      transport.request({
        ...req,
        signal: ctx.signal,
        headers: {
          Accept: `application/*+xml;version=${s.apiVersion}`,
          ...(req.contentType ? { 'Content-Type': req.contentType } : {}),
          ...authHeaders(s),
          ...requestIdHeader(ctx.requestId),
        },
      });
    const first = await session(ctx);
    const res = await send(first);
    if (res.status !== 401) return res;
    const retry = await send(await renew(first, ctx));
    if (retry.status === 401) {
      throw new BackendError('BACKEND_AUTH_FAILED', backend, `${backend}: ${req.operation}: the new session was refused too (HTTP 401)`, { status: 401 });
    }
    return retry;
  }

  async function readPage(res: HttpResponse, operation: string): Promise<VcdQueryPage> {
    if (res.status !== 200) throw vcdFailure(backend, res, operation);
    const page = narrowQueryPage(parseBody(backend, res, operation));
    if (!page) throw badResponse(backend, `${operation}: not a QueryResultRecords document`);
    return page;
  }

  function readTask(res: HttpResponse, operation: string): VcdTask {
    const task = narrowTask(parseBody(backend, res, operation));
    if (!task) throw badResponse(backend, `${operation}: not a Task document`);
    return task;
  }

  async function findTasksList(ctx: CallContext): Promise<string> {
    const s = await session(ctx);
    let orgHref = s.orgHref;
    if (!orgHref) {
      const res = await call({ method: 'GET', path: '/api/org/', operation: 'list orgs' }, ctx);
      if (res.status !== 200) throw vcdFailure(backend, res, 'list orgs');
      const list = narrowOrg(parseBody(backend, res, 'list orgs'));
      orgHref = list?.links.find((l) => l.name?.toLowerCase() === options.org.toLowerCase())?.href ?? null;
      if (!orgHref) throw new BackendError('BACKEND_ERROR', backend, `${backend}: org ${options.org} is not in the org list of this user`);
    }
    const res = await call({ method: 'GET', path: onThisCell(orgHref), operation: 'read org' }, ctx);
    if (res.status !== 200) throw vcdFailure(backend, res, 'read org');
    const org = narrowOrg(parseBody(backend, res, 'read org'));
    // pyvcloud Task.update: find_link(org, RelationType.DOWN, EntityType.TASKS_LIST)
    const link = org?.links.find((l) => l.rel === 'down' && l.type === TASKS_LIST_MEDIA_TYPE);
    if (!link) throw new BackendError('UNSUPPORTED', backend, `${backend}: org ${options.org} has no tasksList link; this user cannot create tasks`);
    return onThisCell(link.href);
  }

  return {
    queryType,
    apiVersion: async (ctx) => (await session(ctx)).apiVersion,
    async query(params, ctx) {
      const apiVersion = (await session(ctx)).apiVersion;
      const sort = params.direction === 'DESC' ? 'sortDesc' : 'sortAsc';
      const path =
        `/api/query?type=${queryType}&format=records&page=${params.page}&pageSize=${params.pageSize}` +
        `${encodeFilter(params.clauses, apiVersion)}&${sort}=startDate` +
        // Attribute names only (fields.ts): nothing to encode, as pyvcloud sends them.
        (params.fields?.length ? `&fields=${params.fields.join(',')}` : '');
      return readPage(await call({ method: 'GET', path, operation: 'list tasks' }, ctx), 'list tasks');
    },
    async queryPage(href, ctx) {
      return readPage(await call({ method: 'GET', path: onThisCell(href), operation: 'list tasks' }, ctx), 'list tasks');
    },
    async getTask(uuid, ctx) {
      const res = await call({ method: 'GET', path: `/api/task/${uuid}`, operation: 'get task' }, ctx);
      if (res.status === 404 || res.status === 403) return null;
      if (res.status !== 200) throw vcdFailure(backend, res, 'get task');
      return readTask(res, 'get task');
    },
    async cancelTask(uuid, ctx) {
      const res = await call({ method: 'POST', path: `/api/task/${uuid}/action/cancel`, operation: 'cancel task' }, ctx);
      if (res.status < 200 || res.status >= 300) throw vcdFailure(backend, res, 'cancel task');
    },
    async createTask(body, ctx) {
      if (!tasksList) {
        const p = findTasksList(ctx);
        tasksList = p;
        p.catch(() => {
          if (tasksList === p) tasksList = null;
        });
      }
      const href = await tasksList;
      const res = await call({ method: 'POST', path: href, operation: 'create task', body, contentType: TASK_MEDIA_TYPE }, ctx);
      if (res.status !== 200 && res.status !== 201) throw vcdFailure(backend, res, 'create task');
      return readTask(res, 'create task');
    },
    async updateTask(uuid, body, ctx) {
      const res = await call({ method: 'PUT', path: `/api/task/${uuid}`, operation: 'update task', body, contentType: TASK_MEDIA_TYPE }, ctx);
      if (res.status !== 200) throw vcdFailure(backend, res, 'update task');
      return readTask(res, 'update task');
    },
    async identity(ctx) {
      const s = await session(ctx);
      return { orgHref: absolute(s.orgHref), userHref: absolute(s.userHref) };
    },
    async close() {
      closed = true;
      const s = active;
      active = null;
      pending = null;
      if (s) await logout(loginOptions, s);
      transport.close();
    },
  };
}
