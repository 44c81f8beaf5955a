/**
 * A vCenter's vSphere Automation REST endpoint, for `com.vmware.cis.tasks`:
 * `taskgraph simulate vsphere-rest`. Session login/logout, the task calls, vAPI error bodies
 * (reference §2.2). Unknown paths answer 404 `com.vmware.vapi.rest.httpNotFound`, as vCenter's
 * router does.
 */
import { randomBytes } from 'node:crypto';
import { backendTls, startSimulatorServer, type SimRequest, type SimResponse } from '../harness.js';
import type { RunningSimulator, SimulatorOptions } from '../types.js';
import { TaskWorld } from '../task-world.js';
import { CATALOG, taskIdOf } from './catalog.js';
import { errorJson } from './render.js';
import { createTaskRoutes, json } from './routes.js';

export const VSPHERE_REST_USER = 'administrator@vsphere.local';
export const VSPHERE_REST_PASSWORD = 'VMware1!sim';
const SESSION_HEADER = 'vmware-api-session-id';
/** The challenge vCenter sends with UNAUTHENTICATED (seen in PowerCLI's rendering of the error). */
const CHALLENGE = 'Basic realm="VAPI endpoint"';

/** One request as it arrived, for tests that assert what the adapter sends. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface VsphereRestSimulator extends RunningSimulator {
  /** Ends every session, as vCenter does after its idle timeout: the next call gets 401. */
  expireSessions(): void;
  /** Live sessions. */
  sessionCount(): number;
  /** Requests received, oldest first (the last 500). */
  readonly received: ReceivedRequest[];
}

const unauthenticated = (route: string): SimResponse => ({
  status: 401,
  route,
  headers: { 'content-type': 'application/json', 'www-authenticate': CHALLENGE },
  // As vCenter answers (reference §2.2; public client tests quoting vCenter).
  body: errorJson('UNAUTHENTICATED', 'com.vmware.vapi.endpoint.method.authentication.required', 'Authentication required.'),
});

function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  if (!header?.startsWith('Basic ')) return null;
  const text = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon === -1 ? null : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export async function startVsphereRestSimulator(options: SimulatorOptions = {}): Promise<VsphereRestSimulator> {
  const world = new TaskWorld({
    catalog: CATALOG,
    users: ['Administrator@VSPHERE.LOCAL', 'VSPHERE.LOCAL\\svc-automation', 'CORP\\jdoe'],
    seed: options.seed ?? 3,
    now: options.now,
    spawnEveryMs: options.spawnEveryMs ?? 0,
  });
  world.backfill(options.initialTasks ?? 0);
  const sessions = new Map<string, { user: string; created: Date; lastAccessed: Date }>();
  const received: ReceivedRequest[] = [];
  const tasks = createTaskRoutes(world);

  function session(req: SimRequest): SimResponse {
    const id = String(req.headers[SESSION_HEADER] ?? '');
    if (req.method === 'POST') {
      const creds = basicCredentials(req.headers.authorization);
      if (!creds || creds.user.toLowerCase() !== VSPHERE_REST_USER || creds.password !== VSPHERE_REST_PASSWORD) {
        return unauthenticated('create session');
      }
      const token = randomBytes(16).toString('hex');
      const now = new Date(world.now());
      sessions.set(token, { user: creds.user, created: now, lastAccessed: now });
      // 201 with the session id as a JSON string (Create Session DOC).
      return { status: 201, route: 'create session', headers: { 'content-type': 'application/json' }, body: JSON.stringify(token) };
    }
    const info = sessions.get(id);
    if (!info) return unauthenticated(`${req.method === 'DELETE' ? 'delete' : 'get'} session`);
    if (req.method === 'DELETE') {
      sessions.delete(id);
      return { status: 204, route: 'delete session' };
    }
    if (req.method === 'GET') {
      return json(200, { user: info.user, created_time: info.created.toISOString(), last_accessed_time: info.lastAccessed.toISOString() }, 'get session');
    }
    return { status: 405, route: 'session', headers: { 'content-type': 'application/json' }, body: errorJson('INVALID_REQUEST', 'com.vmware.vapi.rest.httpMethodNotAllowed', 'Method not allowed.') };
  }

  function handler(req: SimRequest): SimResponse {
    received.push({ method: req.method, path: req.path, query: req.query.toString(), headers: { ...req.headers }, body: req.body });
    if (received.length > 500) received.shift();
    if (req.path === '/api/session') return session(req);
    const m = /^\/api\/cis\/tasks(?:\/([^/]+))?$/.exec(req.path);
    const action = req.query.get('action');
    const route = !m ? 'unknown' : m[1] === undefined ? 'list tasks' : action === 'cancel' ? 'cancel task' : 'get task';
    const info = sessions.get(String(req.headers[SESSION_HEADER] ?? ''));
    if (!info) return unauthenticated(route);
    info.lastAccessed = new Date(world.now());
    if (m && m[1] === undefined && req.method === 'POST' && action === 'list') return tasks.list(req.body);
    if (m && m[1] !== undefined) {
      const taskId = decodeURIComponent(m[1]);
      if (req.method === 'GET' && action === null) return tasks.get(taskId);
      if (req.method === 'POST' && action === 'cancel') return tasks.cancel(taskId);
    }
    return { status: 404, route, headers: { 'content-type': 'application/json' }, body: errorJson('NOT_FOUND', 'com.vmware.vapi.rest.httpNotFound', 'Not found.') };
  }

  const server = await startSimulatorServer({
    port: options.port,
    host: options.host,
    tls: options.tls,
    handler,
    errorBody: (status) => ({
      contentType: 'application/json',
      body:
        status === 401
          ? errorJson('UNAUTHENTICATED', 'com.vmware.vapi.endpoint.method.authentication.required', 'Authentication required.')
          : status === 400
            ? errorJson('INVALID_ARGUMENT', 'com.vmware.vapi.sim.injected', 'Invalid argument (injected fault).')
            : status === 503
              ? errorJson('SERVICE_UNAVAILABLE', 'com.vmware.vapi.sim.injected', 'Service unavailable (injected fault).')
              : errorJson('INTERNAL_SERVER_ERROR', 'com.vmware.vapi.sim.injected', 'Internal server error (injected fault).'),
    }),
    malformedBody: { contentType: 'application/json', body: '{"52a8f1c0-1d2e-4f3a-9b8c-7d6e5f4a3b2c:com.vmware.vcenter.vm":{"service":"com.vm' },
  });

  return {
    name: 'vsphere-rest',
    server,
    world,
    received,
    nativeIdOf: (task) => taskIdOf(task, (id) => world.get(id)),
    backendConfig: (name) => ({ name, type: 'vsphere-rest', url: server.url, username: VSPHERE_REST_USER, password: VSPHERE_REST_PASSWORD, ...backendTls(server) }),
    expireSessions: () => sessions.clear(),
    sessionCount: () => sessions.size,
    close: () => server.close(),
  };
}
