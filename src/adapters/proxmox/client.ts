/**
 * The Proxmox VE API transport: the calls the adapter makes under `/api2/json`, their auth
 * (session.ts), and error answers turned into BackendErrors. Returns wire types only.
 *
 * Paths and parameters: pve-manager `PVE/API2/Nodes.pm` (`GET /nodes`), `PVE/API2/Cluster.pm`
 * (`GET /cluster/tasks`), `PVE/API2/Tasks.pm` (`GET /nodes/{node}/tasks`, `.../{upid}/status`,
 * `.../{upid}/log`, `DELETE .../{upid}`). Calls about one node are answered by the node the
 * gateway talks to, which proxies them to that node (`proxyto => 'node'`); when it cannot reach
 * it, pveproxy answers 595 or 596 (AnyEvent::HTTP's codes for a failed connection or TLS
 * handshake: pve-http-server `proxy_request`) with the reason in the status line only.
 * Errors otherwise come as `{"data": null, "message": ..., "errors": {param: message}}`.
 */
import { BackendError, badResponse, type BackendErrorCode } from '../errors.js';
import { createTransport, type HttpResponse, type TlsOptions } from '../http.js';
import type { CallContext } from '../contract.js';
import { createSession, type Credentials, type ProxmoxAuth } from './session.js';
import {
  narrowEnvelope,
  narrowLog,
  narrowNodes,
  narrowTaskList,
  narrowTaskStatus,
  type PveEnvelope,
  type PveLogLine,
  type PveNode,
  type PveTaskRecord,
  type PveTaskStatus,
} from './wire.js';

export interface ProxmoxClientOptions {
  backend: string;
  /** `https://pve.example.com:8006`, with or without `/api2/json`. */
  url: string;
  timeoutMs: number;
  tls?: TlsOptions;
  auth: ProxmoxAuth;
  /** Identical GETs in flight share one request (TransportOptions.shareInFlight). */
  shareInFlight?: boolean;
}

/** Parameters of `GET /nodes/{node}/tasks` (Tasks.pm node_tasks) this adapter sends. */
export interface NodeTaskQuery {
  start: number;
  limit: number;
  since?: number;
  until?: number;
  vmid?: string;
  typefilter?: string;
  /** Comma-separated ok, warning, error, unknown. */
  statusfilter?: string;
}

export interface NodeTaskPage {
  records: PveTaskRecord[];
  /** Tasks matching the filters on the node; undefined when the answer did not say. */
  total: number | undefined;
}

export interface LogPage {
  lines: PveLogLine[];
  /** Lines in the whole log. */
  total: number;
}

export interface ProxmoxClient {
  nodes(ctx: CallContext): Promise<PveNode[]>;
  clusterTasks(ctx: CallContext): Promise<PveTaskRecord[]>;
  nodeTasks(node: string, query: NodeTaskQuery, ctx: CallContext): Promise<NodeTaskPage>;
  /** null when the node has no such task. */
  taskStatus(node: string, upid: string, ctx: CallContext): Promise<PveTaskStatus | null>;
  taskLog(node: string, upid: string, start: number, limit: number, ctx: CallContext): Promise<LogPage>;
  stopTask(node: string, upid: string, ctx: CallContext): Promise<void>;
  close(): void;
}

/** A path segment as Go's url.PathEscape writes it (clients do so): a UPID stays readable. */
function segment(value: string): string {
  return encodeURIComponent(value).replace(/%(3A|40|21|24|26|2B|3D)/gi, (e) => decodeURIComponent(e));
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, String(v));
  const text = search.toString();
  return text ? `?${text}` : '';
}

function codeFor(status: number): BackendErrorCode {
  if (status === 401 || status === 403) return 'BACKEND_AUTH_FAILED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 504) return 'BACKEND_TIMEOUT';
  if (status === 429 || status === 502 || status === 503 || status >= 595) return 'BACKEND_UNAVAILABLE';
  return 'BACKEND_ERROR';
}

/** Why pveproxy answered so, where the status says it (595-599 carry no body). */
function hintFor(status: number): string {
  if (status === 595 || status === 596) return ' (the API node could not reach the node)';
  if (status === 403) return ' (the account lacks a privilege: Sys.Audit on /nodes/<node> to read others\' tasks, Sys.Modify to stop them)';
  if (status === 401) return ' (check the credentials)';
  return '';
}

/** Parameter errors of a 400 answer naming `upid` "no such task" (Tasks.pm raise_param_exc). */
function isNoSuchTask(envelope: PveEnvelope | undefined): boolean {
  return /no such task/.test(envelope?.errors.upid ?? '');
}

export function createProxmoxClient(options: ProxmoxClientOptions): ProxmoxClient {
  const { backend } = options;
  const baseUrl = options.url.replace(/\/+$/, '').replace(/\/api2\/json$/, '') + '/api2/json';
  const transport = createTransport({ backend, baseUrl, timeoutMs: options.timeoutMs, tls: options.tls, shareInFlight: options.shareInFlight });
  const session = createSession(backend, transport, options.auth);

  async function send(method: 'GET' | 'DELETE', path: string, operation: string, ctx: CallContext): Promise<HttpResponse> {
    const attempt = (credentials: Credentials) =>
      transport.request({ method, path, operation, signal: ctx.signal, headers: { Accept: 'application/json', ...credentials.headers(method) } });
    const used = await session.credentials(ctx);
    const res = await attempt(used);
    if (res.status !== 401) return res;
    const fresh = await session.renew(used, ctx);
    return fresh ? attempt(fresh) : res;
  }

  function envelopeOf(res: HttpResponse, operation: string): PveEnvelope {
    let body: unknown;
    try {
      body = JSON.parse(res.text());
    } catch (err) {
      throw badResponse(backend, `${operation}: body is not JSON`, err);
    }
    const envelope = narrowEnvelope(body);
    if (!envelope) throw badResponse(backend, `${operation}: no "data" in the answer`);
    return envelope;
  }

  function errorEnvelope(res: HttpResponse): PveEnvelope | undefined {
    try {
      return narrowEnvelope(JSON.parse(res.text()));
    } catch {
      return undefined;
    }
  }

  function fail(res: HttpResponse, operation: string, envelope = errorEnvelope(res)): BackendError {
    const params = Object.entries(envelope?.errors ?? {}).map(([k, v]) => `${k}: ${v.trim()}`);
    const detail = [envelope?.message, ...params].filter(Boolean).join('; ').slice(0, 300);
    return new BackendError(codeFor(res.status), backend, `${backend}: ${operation} failed: HTTP ${res.status}${detail ? ` ${detail}` : ''}${hintFor(res.status)}`, {
      status: res.status,
    });
  }

  async function read<T>(path: string, operation: string, ctx: CallContext, narrow: (envelope: PveEnvelope) => T | undefined): Promise<T> {
    const res = await send('GET', path, operation, ctx);
    if (res.status !== 200) throw fail(res, operation);
    const value = narrow(envelopeOf(res, operation));
    if (value === undefined) throw badResponse(backend, `${operation}: not the documented shape`);
    return value;
  }

  const taskPath = (node: string, upid: string) => `/nodes/${segment(node)}/tasks/${segment(upid)}`;

  return {
    nodes: (ctx) => read('/nodes', 'list nodes', ctx, (e) => narrowNodes(e.data)),
    clusterTasks: (ctx) => read('/cluster/tasks', 'list cluster tasks', ctx, (e) => narrowTaskList(e.data)),
    nodeTasks(node, q, ctx) {
      // `source=all`: running tasks too (the default, `archive`, lists finished ones only).
      const qs = query({ source: 'all', start: q.start, limit: q.limit, since: q.since, until: q.until, vmid: q.vmid, typefilter: q.typefilter, statusfilter: q.statusfilter });
      return read(`/nodes/${segment(node)}/tasks${qs}`, `node ${node}: list tasks`, ctx, (e) => {
        const records = narrowTaskList(e.data);
        // The formatter leaves out a total of 0.
        return records && { records, total: e.total ?? (records.length === 0 ? 0 : undefined) };
      });
    },
    async taskStatus(node, upid, ctx) {
      const operation = `node ${node}: get task status`;
      const res = await send('GET', `${taskPath(node, upid)}/status`, operation, ctx);
      if (res.status === 400 && isNoSuchTask(errorEnvelope(res))) return null;
      if (res.status !== 200) throw fail(res, operation);
      const status = narrowTaskStatus(envelopeOf(res, operation).data);
      if (!status) throw badResponse(backend, `${operation}: status is neither running nor stopped`);
      return status;
    },
    taskLog(node, upid, start, limit, ctx) {
      return read(`${taskPath(node, upid)}/log${query({ start, limit })}`, `node ${node}: read task log`, ctx, (e) => {
        const lines = narrowLog(e.data);
        return lines && { lines, total: Math.max(e.total ?? 0, start + lines.length) };
      });
    },
    async stopTask(node, upid, ctx) {
      const operation = `node ${node}: stop task`;
      const res = await send('DELETE', taskPath(node, upid), operation, ctx);
      if (res.status === 200) return;
      const envelope = errorEnvelope(res);
      if (res.status === 400 && isNoSuchTask(envelope)) throw new BackendError('NOT_FOUND', backend, `${backend}: ${operation}: no such task`, { status: 400 });
      throw fail(res, operation, envelope);
    },
    close: () => transport.close(),
  };
}
