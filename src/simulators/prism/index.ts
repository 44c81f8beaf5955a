/**
 * A Prism Central v4 simulator: `taskgraph simulate prism`.
 * Paths, envelopes, paging, the OData subset, auth (Basic, X-ntnx-api-key, session cookie)
 * and error bodies as Prism Central serves them (reference §3.1).
 */
import { randomUUID } from 'node:crypto';
import { backendTls, startSimulatorServer, type SimRequest, type SimResponse } from '../harness.js';
import type { RunningSimulator, SimulatorOptions } from '../types.js';
import { TaskWorld, type OperationTemplate, type SimTask } from '../task-world.js';
import { checkFields, evaluate, ODataError, parseFilter, SORTABLE } from './odata.js';
import { envelope, errorBody, extIdOf, flags, renderTask, simIdOf } from './render.js';

export const PRISM_USER = 'admin';
export const PRISM_PASSWORD = 'Nutanix/4u';
export const PRISM_API_KEY = 'tg-sim-prism-api-key';
/** Prism Central's IAM session cookie. */
const SESSION_COOKIE = 'NTNX_IGW_SESSION';

const CLUSTERS = ['0005f1e2-8a6c-4d1b-9c33-3f2b7a9e6d10', '0005f1e2-77b0-4e2a-8f51-aa0c3d2e9b21'];

/** Operations as Prism names them (`k`-prefixed ergon operation types). */
const CATALOG: OperationTemplate[] = [
  { operation: 'kVmCreate', description: 'Create VM {name}', entityType: 'vmm:ahv:config:vm', entityId: (n) => uuidFrom(n, 'a'), entityName: (n) => `web-${n}`, steps: ['VALIDATE', 'ALLOCATE', 'CREATE_DISKS', 'POWER_ON'], subtasks: 1 },
  { operation: 'kVmPowerOn', description: 'Power on VM {name}', entityType: 'vmm:ahv:config:vm', entityId: (n) => uuidFrom(n, 'a'), entityName: (n) => `web-${n}`, cancelable: false },
  { operation: 'kVmMigrate', description: 'Migrate VM {name}', entityType: 'vmm:ahv:config:vm', entityId: (n) => uuidFrom(n, 'a'), entityName: (n) => `db-${n}`, steps: ['PRECHECK', 'COPY_MEMORY', 'SWITCHOVER'] },
  { operation: 'kImageCreate', description: 'Create image {name}', entityType: 'vmm:content:image', entityId: (n) => uuidFrom(n, 'b'), entityName: (n) => `ubuntu-24.04-${n}.qcow2`, steps: ['DOWNLOAD', 'CONVERT'] },
  { operation: 'kVmSnapshotCreate', description: 'Create recovery point for {name}', entityType: 'dataprotection:config:recovery-point', entityId: (n) => uuidFrom(n, 'c'), entityName: (n) => `rp-${n}`, subtasks: 2 },
];

function uuidFrom(n: number, prefix: string): string {
  const hex = n.toString(16).padStart(12, '0');
  return `${prefix.repeat(8)}-0000-4000-8000-${hex}`;
}

export interface PrismSimulator extends RunningSimulator {
  /** Forgets every session cookie, as a PC does when sessions time out. */
  expireSessions(): void;
}

export async function startPrismSimulator(options: SimulatorOptions = {}): Promise<PrismSimulator> {
  const world = new TaskWorld({
    catalog: CATALOG,
    tenants: CLUSTERS,
    users: ['admin', 'ops-automation', 'jdoe@corp.example'],
    seed: options.seed ?? 1,
    now: options.now,
    spawnEveryMs: options.spawnEveryMs ?? 0,
  });
  world.backfill(options.initialTasks ?? 0);
  const sessions = new Set<string>();
  let origin = '';

  function authenticate(req: SimRequest): { ok: true; setCookie?: string } | { ok: false } {
    const key = req.headers['x-ntnx-api-key'];
    if (key !== undefined) return key === PRISM_API_KEY ? { ok: true } : { ok: false };
    const cookies = String(req.headers.cookie ?? '');
    const session = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(cookies)?.[1];
    if (session && sessions.has(session)) return { ok: true };
    const auth = String(req.headers.authorization ?? '');
    if (auth.startsWith('Basic ')) {
      const [user, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      if (user === PRISM_USER && rest.join(':') === PRISM_PASSWORD) {
        const token = randomUUID();
        sessions.add(token);
        return { ok: true, setCookie: `${SESSION_COOKIE}=${token}; Path=/; HttpOnly` };
      }
    }
    return { ok: false };
  }

  function json(status: number, body: unknown, route: string, extra: Record<string, string> = {}): SimResponse {
    return { status, route, headers: { 'content-type': 'application/json', ...extra }, body: typeof body === 'string' ? body : JSON.stringify(body) };
  }

  // Rendered tasks by API version, kept until the task changes: the benchmarks list the same
  // tasks thousands of times a second, and the simulator's CPU is shared with the gateways.
  // Their JSON text is kept too (whole, and per $select), and a page is spliced from it.
  interface Rendered {
    stamp: string;
    item: Record<string, unknown>;
    texts: Map<string, string>;
  }
  const renders = new Map<string, WeakMap<SimTask, Rendered>>();
  function rendered(task: SimTask, version: string): Rendered {
    let byTask = renders.get(version);
    if (!byTask) renders.set(version, (byTask = new WeakMap()));
    const stamp = `${task.version}/${task.childIds.length}`;
    const hit = byTask.get(task);
    if (hit?.stamp === stamp) return hit;
    const entry: Rendered = { stamp, item: renderTask(task, { origin, version, lookup: (id) => world.get(id) }), texts: new Map() };
    byTask.set(task, entry);
    return entry;
  }
  /** The task's JSON with only the `$select`ed fields (and those Prism always returns). */
  function textOf(entry: Rendered, select: string | null): string {
    const key = select ?? '';
    let text = entry.texts.get(key);
    if (text === undefined) {
      const keep = select ? new Set(['extId', '$objectType', '$reserved', ...select.split(',').map((s) => s.trim())]) : null;
      text = JSON.stringify(keep ? Object.fromEntries(Object.entries(entry.item).filter(([k]) => keep.has(k))) : entry.item);
      entry.texts.set(key, text);
    }
    return text;
  }
  /** Stands for the page's data in the envelope until the task texts are spliced in. */
  const DATA = '\u0000data\u0000';

  function list(req: SimRequest, version: string): SimResponse {
    const page = Number(req.query.get('$page') ?? '0');
    const limit = Number(req.query.get('$limit') ?? '50');
    if (!Number.isInteger(page) || page < 0 || !Number.isInteger(limit) || limit < 1 || limit > 100) {
      return json(400, errorBody(version, 'PRISM-40001', 'Invalid pagination: $limit must be between 1 and 100 and $page at least 0', 'INVALID_INPUT'), 'list tasks');
    }
    let entries = world.list().map((t) => rendered(t, version));
    const filter = req.query.get('$filter');
    if (filter) {
      try {
        const expr = parseFilter(filter);
        checkFields(expr);
        entries = entries.filter((entry) => evaluate(expr, entry.item));
      } catch (err) {
        if (!(err instanceof ODataError)) throw err;
        return json(400, errorBody(version, 'PRISM-40002', err.message, 'INVALID_FILTER'), 'list tasks');
      }
    }
    const orderby = req.query.get('$orderby') ?? 'createdTime desc';
    const [field, dir = 'asc'] = orderby.trim().split(/\s+/);
    if (!SORTABLE.has(field!)) {
      return json(400, errorBody(version, 'PRISM-40003', `Field '${field}' is not sortable`, 'INVALID_ORDERBY'), 'list tasks');
    }
    const sign = dir.toLowerCase() === 'desc' ? -1 : 1;
    // Code-point order (RFC 3339 UTC times and enum names sort right that way), not locale order.
    const key = (entry: Rendered) => String(entry.item[field!] ?? '');
    entries.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return x === y ? 0 : x < y ? -sign : sign;
    });
    const total = entries.length;
    const pageEntries = entries.slice(page * limit, page * limit + limit);
    const select = req.query.get('$select');
    const self = `${origin}${req.path}`;
    const link = (p: number, rel: string) => ({
      $objectType: 'common.v1.response.ApiLink',
      href: `${self}?$page=${p}&$limit=${limit}`,
      rel,
    });
    const lastPage = Math.max(0, Math.ceil(total / limit) - 1);
    const links = [link(page, 'self'), link(0, 'first'), link(lastPage, 'last')];
    if (page < lastPage) links.push(link(page + 1, 'next'));
    if (page > 0) links.push(link(page - 1, 'prev'));
    // Empty lists omit `data`, as Prism Central does (reference §3.1, List paging).
    const body = envelope(pageEntries.length ? DATA : undefined, 'prism.v4.config.ListTasksApiResponse', version, {
      flags: flags(false, true),
      links,
      totalAvailableResults: total,
    });
    if (!pageEntries.length) return json(200, body, 'list tasks');
    body.$dataItemDiscriminator = 'List<prism.v4.config.Task>';
    // A function replacement: task texts may hold `$&`-like sequences a string replacement would expand.
    const data = `[${pageEntries.map((e) => textOf(e, select)).join(',')}]`;
    return json(200, JSON.stringify(body).replace(JSON.stringify(DATA), () => data), 'list tasks');
  }

  function get(extId: string, version: string): SimResponse {
    const task = world.get(simIdOf(extId));
    if (!task) return json(404, errorBody(version, 'PRISM-40400', `Task with extId ${extId} not found`, 'ENTITY_NOT_FOUND'), 'get task');
    const body = envelope(renderTask(task, { origin, version, lookup: (id) => world.get(id) }), 'prism.v4.config.GetTaskApiResponse', version, {
      flags: flags(false, false),
      links: [{ $objectType: 'common.v1.response.ApiLink', href: `${origin}/api/prism/${version}/config/tasks/${extId}`, rel: 'self' }],
      totalAvailableResults: 0,
    });
    return json(200, body, 'get task', { etag: `W/"${task.version}"` });
  }

  function cancel(extId: string, version: string): SimResponse {
    const task = world.get(simIdOf(extId));
    const route = 'cancel task';
    switch (world.cancel(simIdOf(extId))) {
      case 'not-found':
        return json(404, errorBody(version, 'PRISM-40400', `Task with extId ${extId} not found`, 'ENTITY_NOT_FOUND'), route);
      case 'finished':
        return json(409, errorBody(version, 'PRISM-40901', `Task ${extId} has already completed`, 'INVALID_STATE'), route);
      case 'not-cancelable':
        return json(400, errorBody(version, 'PRISM-40010', `Task ${extId} is not cancelable`, 'INVALID_STATE'), route);
      case 'ok': {
        const data = { $objectType: 'prism.v4.error.AppMessage', message: `Cancellation of task ${extIdOf(task!)} has been requested`, severity: 'INFO', locale: 'en-US', code: 'PRISM-20200' };
        return json(202, envelope(data, 'prism.v4.config.CancelTaskApiResponse', version, { flags: flags(false, false) }), route);
      }
    }
  }

  const PATH = /^\/api\/prism\/(v4\.\d(?:\.b1)?)\/config\/tasks(?:\/([^/]+)(\/\$actions\/cancel)?)?$/;

  const server = await startSimulatorServer({
    port: options.port,
    host: options.host,
    tls: options.tls,
    errorBody: (status) => ({ contentType: 'application/json', body: errorBody('v4.0', `PRISM-${status}00`, 'Service unavailable (injected fault)') }),
    malformedBody: { contentType: 'application/json', body: '{"data":[{"extId":"ZXJnb24=:trunc' },
    handler: (req) => {
      const m = PATH.exec(req.path);
      if (!m) return json(404, errorBody('v4.0', 'PRISM-40400', `No route for ${req.method} ${req.path}`), 'unknown');
      const [, version, rawId, action] = m;
      const auth = authenticate(req);
      if (!auth.ok) return json(401, errorBody(version!, 'PRISM-40100', 'Authentication required', 'AUTHENTICATION'), 'unauthorized');
      const headers: Record<string, string> = auth.setCookie ? { 'set-cookie': auth.setCookie } : {};
      const extId = rawId ? decodeURIComponent(rawId) : undefined;
      let res: SimResponse;
      if (req.method === 'GET' && !extId) res = list(req, version!);
      else if (req.method === 'GET' && extId && !action) res = get(extId, version!);
      else if (req.method === 'POST' && extId && action) res = cancel(extId, version!);
      else res = json(405, errorBody(version!, 'PRISM-40500', `Method ${req.method} not allowed`), 'method not allowed');
      return { ...res, headers: { ...res.headers, ...headers } };
    },
  });
  origin = server.url;

  return {
    name: 'prism',
    server,
    world,
    nativeIdOf: (task) => extIdOf(task),
    backendConfig: (name) => ({ name, type: 'prism', url: server.url, username: PRISM_USER, password: PRISM_PASSWORD, ...backendTls(server) }),
    expireSessions: () => sessions.clear(),
    close: () => server.close(),
  };
}
