/**
 * The simulator's API routes under `/api2/json`, answering as pve-manager's handlers do:
 * Nodes.pm index, Cluster.pm tasks, Tasks.pm node_tasks / read_task_status / read_task_log /
 * stop_task, pve-access-control create_ticket. Parameter checks answer 400 with `errors`
 * (PVE::JSONSchema), unknown paths 501 "Method '<METHOD> <path>' not implemented"
 * (pve-manager HTTPServer.pm rest_handler), and a call about a node pveproxy cannot reach
 * 595 with an empty body (pve-http-server proxy_request, AnyEvent::HTTP's status).
 */
import { decodeUpid, type Upid } from '../../adapters/proxmox/upid.js';
import type { SimHandler, SimRequest, SimResponse } from '../harness.js';
import type { SimTask, TaskWorld } from '../task-world.js';
import type { SimAuth } from './auth.js';
import { logLines } from './logs.js';
import { clusterRecord, isRunning, nodeRecord, statusRecord, statusTypeOf } from './render.js';

export type NodeState = 'online' | 'offline' | 'unreachable';

export interface RouteDeps {
  world: TaskWorld;
  auth: SimAuth;
  nodes(): Array<{ node: string; state: NodeState }>;
  upidOf(task: SimTask): string;
  taskOf(upid: string): SimTask | undefined;
}

/** Finished tasks a node's active list keeps besides its running ones (RESTEnvironment `$MAX_FINISHED`). */
const MAX_FINISHED = 25;
const HEADERS = { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'max-age=0', pragma: 'no-cache', server: 'pve-api-daemon/3.0' };

export function json(status: number, body: unknown, route: string): SimResponse {
  return { status, route, headers: HEADERS, body: JSON.stringify(body) };
}

function fail(status: number, message: string, route: string, errors?: Record<string, string>): SimResponse {
  return json(status, { data: null, ...(errors ? { errors } : {}), message: `${message}\n` }, route);
}

function paramError(route: string, errors: Record<string, string>): SimResponse {
  return fail(400, 'Parameter verification failed.', route, errors);
}

class ParamError extends Error {
  constructor(readonly errors: Record<string, string>) {
    super('parameter verification failed');
  }
}

/** An integer parameter as PVE::JSONSchema checks it (`type check ('integer') failed`). */
function intParam(query: URLSearchParams, name: string, min?: number): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!/^-?\d+$/.test(raw)) throw new ParamError({ [name]: `type check ('integer') failed - got '${raw}'` });
  const value = Number(raw);
  if (min !== undefined && value < min) throw new ParamError({ [name]: `value must have a minimum value of ${min}` });
  return value;
}

const STATUS_TYPES = new Set(['ok', 'warning', 'error', 'unknown']);

export function createRoutes(deps: RouteDeps): SimHandler {
  const { world, auth } = deps;

  function tasksOf(node: string): { active: SimTask[]; archive: SimTask[] } {
    const own = world.list().filter((t) => t.tenant === node);
    // The active file keeps running tasks in start order; the index, read backwards, gives
    // the most recently ended first.
    const active = own.filter(isRunning).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.seq - b.seq);
    const archive = own
      .filter((t) => !isRunning(t))
      .sort((a, b) => b.completedAt!.getTime() - a.completedAt!.getTime() || b.createdAt.getTime() - a.createdAt.getTime() || b.seq - a.seq);
    return { active, archive };
  }

  function parts(task: SimTask): Upid {
    return decodeUpid(deps.upidOf(task))!;
  }

  function nodeTasks(req: SimRequest, node: string): SimResponse {
    const route = 'list node tasks';
    const q = req.query;
    const start = intParam(q, 'start', 0) ?? 0;
    let limit = intParam(q, 'limit', 0) ?? 50;
    const since = intParam(q, 'since');
    const until = intParam(q, 'until');
    const vmid = q.get('vmid');
    if (vmid !== null && !/^[1-9][0-9]{2,8}$/.test(vmid)) throw new ParamError({ vmid: 'value does not look like a valid VM ID' });
    const source = q.get('source') ?? 'archive';
    if (!['archive', 'active', 'all'].includes(source)) throw new ParamError({ source: `value '${source}' does not have a value in the enumeration 'archive, active, all'` });
    const wantedTypes = q.get('statusfilter')?.split(/[,;\s]+/).filter(Boolean).map((s) => s.toLowerCase());
    for (const t of wantedTypes ?? []) if (!STATUS_TYPES.has(t)) throw new ParamError({ statusfilter: `invalid format - invalid status '${t}'` });
    // `errors` wins over `statusfilter`, and keeps everything but OK (Tasks.pm).
    const errorsOnly = /^(?:1|true|yes|on)$/i.test(q.get('errors') ?? '');
    const allowed = new Set(errorsOnly ? ['warning', 'error', 'unknown'] : (wantedTypes ?? STATUS_TYPES));
    const userfilter = q.get('userfilter')?.toLowerCase();
    const typefilter = q.get('typefilter');
    let count = 0;
    const data: unknown[] = [];
    // Tasks.pm filter_task, in its order: every match is counted (`total`), then paged.
    const take = (task: SimTask, render: (t: SimTask, upid: string, p: Upid) => Record<string, unknown>) => {
      const p = parts(task);
      const userid = p.user.replace(/!.*$/, '');
      if (userfilter && !userid.toLowerCase().includes(userfilter)) return;
      if (typefilter && p.type !== typefilter) return;
      if (vmid && p.id !== vmid) return;
      if (since !== undefined && p.starttime < since) return;
      if (until !== undefined && p.starttime > until) return;
      if (!allowed.has(statusTypeOf(task))) return;
      if (count++ < start || limit <= 0) return;
      data.push(render(task, deps.upidOf(task), p));
      limit--;
    };
    const { active, archive } = tasksOf(node);
    if (source !== 'archive') for (const t of active) take(t, nodeRecord);
    if (source !== 'active') for (const t of archive) take(t, nodeRecord);
    // The formatter leaves out a total of 0 (Formatter/Standard.pm prepare_response_data).
    return json(200, count ? { data, total: count } : { data }, route);
  }

  function clusterTasks(): SimResponse {
    const data: unknown[] = [];
    for (const { node } of deps.nodes()) {
      const { active, archive } = tasksOf(node);
      for (const t of [...active, ...archive.slice(0, Math.max(0, MAX_FINISHED - active.length))]) data.push(clusterRecord(t, deps.upidOf(t), parts(t)));
    }
    return json(200, { data }, 'list cluster tasks');
  }

  function nodesList(): SimResponse {
    const data = deps.nodes().map(({ node, state }, i) => {
      const entry: Record<string, unknown> = { id: `node/${node}`, type: 'node', node, status: state === 'offline' ? 'offline' : 'online', level: '' };
      if (state === 'offline') return entry;
      return { ...entry, cpu: 0.031 + i / 100, maxcpu: 32, mem: 48_318_382_080 + i, maxmem: 270_355_451_904, disk: 9_263_214_592, maxdisk: 100_861_726_720, uptime: 259_200 + i * 86_400 };
    });
    return json(200, { data }, 'list nodes');
  }

  /** The task a path names, or the answer saying why not (Tasks.pm: upid_decode, then the file). */
  function taskAt(node: string, upid: string, route: string): SimTask | SimResponse {
    if (!decodeUpid(upid)) return paramError(route, { upid: 'unable to parse worker upid' });
    const task = deps.taskOf(upid);
    if (!task || task.tenant !== node) return paramError(route, { upid: 'no such task' });
    return task;
  }

  function taskLog(req: SimRequest, node: string, upid: string): SimResponse {
    const route = 'read task log';
    const start = intParam(req.query, 'start', 0) ?? 0;
    const limit = intParam(req.query, 'limit', 0) ?? 50;
    if (!decodeUpid(upid)) return paramError(route, { upid: 'unable to parse worker upid' });
    const task = deps.taskOf(upid);
    // pve-common dump_logfile on a log file it cannot open.
    if (!task || task.tenant !== node) return json(200, { data: [{ n: 1, t: 'unable to open file - No such file or directory' }], total: 1 }, route);
    const lines = logLines(task, parts(task).id, world.now());
    // `limit` 0 reads to the end (dump_logfile_by_filehandle `read_until_end`).
    const page = lines.slice(start, limit === 0 ? undefined : start + limit).map((t, i) => ({ n: start + i + 1, t }));
    return json(200, lines.length ? { data: page, total: lines.length } : { data: page }, route);
  }

  function nodeRoute(req: SimRequest, node: string, rest: string[]): SimResponse {
    const upid = rest[1] === undefined ? undefined : decodeURIComponent(rest[1]);
    if (rest[0] !== 'tasks') return fail(501, `Method '${req.method} /nodes/${node}/${rest.join('/')}' not implemented`, 'unknown');
    if (upid === undefined) return req.method === 'GET' ? nodeTasks(req, node) : notImplemented(req);
    if (rest.length === 2 && req.method === 'GET') return json(200, { data: [{ name: 'log' }, { name: 'status' }] }, 'task index');
    if (rest.length === 2 && req.method === 'DELETE') {
      const task = taskAt(node, upid, 'stop task');
      if (!('id' in task)) return task;
      // Stopping an ended task is no error: check_worker finds nothing to kill.
      world.cancel(task.id);
      return json(200, { data: null }, 'stop task');
    }
    if (rest[2] === 'status' && req.method === 'GET') {
      const task = taskAt(node, upid, 'get task status');
      return 'id' in task ? json(200, { data: statusRecord(task, upid, parts(task)) }, 'get task status') : task;
    }
    if (rest[2] === 'log' && req.method === 'GET') return taskLog(req, node, upid);
    return notImplemented(req);
  }

  function notImplemented(req: SimRequest): SimResponse {
    return fail(501, `Method '${req.method} ${req.path.replace(/^\/api2\/json/, '')}' not implemented`, 'unknown');
  }

  function login(req: SimRequest): SimResponse {
    const form = String(req.headers['content-type'] ?? '').includes('application/json')
      ? new URLSearchParams(Object.entries(JSON.parse(req.body || '{}') as Record<string, string>))
      : new URLSearchParams(req.body);
    const ticket = auth.login(form);
    // "do not return any info to prevent user enumeration attacks" (AccessControl.pm).
    return ticket ? json(200, { data: { ...ticket, cap: {} } }, 'login') : fail(401, 'authentication failure', 'login');
  }

  return (req) => {
    const m = /^\/api2\/json(\/.*)$/.exec(req.path);
    if (!m) return { status: 501, route: 'unknown', body: 'no such uri' };
    const path = m[1]!.replace(/\/+$/, '');
    if (path === '/access/ticket' && req.method === 'POST') return login(req);
    const who = auth.check(req);
    if (!who.ok) return { status: 401, route: 'unauthorized', headers: { server: HEADERS.server } };
    try {
      if (path === '/nodes' && req.method === 'GET') return nodesList();
      if (path === '/cluster/tasks' && req.method === 'GET') return clusterTasks();
      if (path === '/version' && req.method === 'GET') return json(200, { data: { version: '8.4.1', release: '8.4', repoid: '2a5fa54a8503f96d' } }, 'version');
      const nodePath = /^\/nodes\/([^/]+)\/(.+)$/.exec(path);
      if (!nodePath) return notImplemented(req);
      const node = decodeURIComponent(nodePath[1]!);
      const known = deps.nodes().find((n) => n.node === node);
      if (!known) return fail(500, `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`, 'unknown node');
      // pveproxy proxies the call to the node; AnyEvent::HTTP reports a failed connection as 595.
      if (known.state !== 'online') return { status: 595, route: 'node unreachable', headers: { server: HEADERS.server } };
      return nodeRoute(req, node, nodePath[2]!.split('/'));
    } catch (err) {
      if (err instanceof ParamError) return paramError('bad parameter', err.errors);
      throw err;
    }
  };
}
