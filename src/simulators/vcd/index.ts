/**
 * A VMware Cloud Director simulator: `taskgraph simulate vcd`.
 * The legacy XML API as a cell serves it (reference §1): version list, both login flows,
 * sessions that expire, the task query service with paging links and both filter encodings,
 * tasks with subtasks and VcTaskList, cancel, external tasks, `<Error>` bodies, and orgs that
 * see only their own tasks (the System org sees all through adminTask).
 */
import { backendTls, startSimulatorServer, type SimRequest, type SimResponse } from '../harness.js';
import type { RunningSimulator, SimulatorOptions } from '../types.js';
import { TaskWorld } from '../task-world.js';
import { SessionStore } from './auth.js';
import { CATALOG } from './catalog.js';
import { adminOf, ORGS, SYSTEM_ORG } from './directory.js';
import { ERROR_TYPE, RECORDS_TYPE, renderError } from './render.js';
import { acceptVersion, minorFor, vcdError } from './respond.js';
import { cloudLogin, legacyLogin, logoutRoute, orgRoute, sessionRoute, versionsRoute, type CellState, type VersionEntry } from './session-routes.js';
import { cancelRoute, createRoute, getTaskRoute, queryRoute, tasksListRoute, updateRoute, type TaskRouteContext } from './task-routes.js';

/** A 10.5-era cell: two deprecated versions and the ones after them. */
export const DEFAULT_VERSIONS: VersionEntry[] = [
  { version: '31.0', deprecated: true },
  { version: '32.0', deprecated: true },
  ...['33.0', '34.0', '35.0', '36.0', '36.1', '36.2', '36.3', '37.0', '37.1', '37.2', '37.3', '38.0', '38.1', '39.0'].map((version) => ({ version, deprecated: false })),
];

export interface VcdSimulatorOptions extends SimulatorOptions {
  /** The version list of GET /api/versions. */
  versions?: VersionEntry[];
  /** Orgs that spawned tasks belong to (default: acme, the org of `backendConfig`). */
  spawnOrgs?: string[];
  /** Idle time after which a session ends, on the world's clock (vCD default: 30 minutes). */
  sessionIdleMs?: number;
  /**
   * The cell's public address, used in every href it writes (vCD's "public URL" setting); by
   * default the address the request came to.
   */
  publicAddress?: string;
}

/** What a request carried, for tests that check headers (newest last). */
export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  /** The API version of the Accept header. */
  version: string | undefined;
  auth: 'bearer' | 'legacy' | 'basic' | 'none';
  requestId: string | undefined;
}

export interface VcdSimulator extends RunningSimulator {
  /** Org names: System, acme, globex. */
  readonly orgs: readonly string[];
  /** A backend config for the administrator of an org; `System` gives the provider account. */
  orgBackendConfig(name: string, org: string): Record<string, unknown>;
  /** The provider (System org) account. */
  systemBackendConfig(name: string): Record<string, unknown>;
  /** Ends every session, as an idle timeout or a cell restart does. */
  expireSessions(): void;
  sessionCount(): number;
  /** The last requests served (up to 1000). */
  requests(): readonly RequestLogEntry[];
}

function authKind(req: SimRequest): RequestLogEntry['auth'] {
  const auth = String(req.headers.authorization ?? '').toLowerCase();
  if (auth.startsWith('bearer ')) return 'bearer';
  if (auth.startsWith('basic ')) return 'basic';
  return req.headers['x-vcloud-authorization'] ? 'legacy' : 'none';
}

const TASK_PATH = /^\/api\/task\/([0-9a-fA-F-]{36})(\/action\/cancel)?$/;
const TASKS_LIST_PATH = /^\/api\/tasksList\/([0-9a-fA-F-]{36})$/;
const ORG_PATH = /^\/api\/org\/?([0-9a-fA-F-]{36})?$/;

export async function startVcdSimulator(options: VcdSimulatorOptions = {}): Promise<VcdSimulator> {
  const world = new TaskWorld({
    catalog: CATALOG,
    tenants: options.spawnOrgs ?? ['acme'],
    users: ['acme-admin', 'alice', 'bob'],
    seed: options.seed ?? 11,
    now: options.now,
    spawnEveryMs: options.spawnEveryMs ?? 0,
  });
  world.backfill(options.initialTasks ?? 0);
  const cell: CellState = {
    sessions: new SessionStore(() => world.now(), options.sessionIdleMs ?? 30 * 60_000),
    versions: options.versions ?? DEFAULT_VERSIONS,
  };

  const log: RequestLogEntry[] = [];

  function handle(req: SimRequest): SimResponse {
    log.push({
      method: req.method,
      path: req.path,
      query: req.query.toString(),
      version: acceptVersion(req),
      auth: authKind(req),
      requestId: req.headers['x-vmware-vcloud-client-request-id'] as string | undefined,
    });
    if (log.length > 1000) log.shift();
    const origin = options.publicAddress ?? `http://${req.headers.host ?? '127.0.0.1'}`;
    const { method, path } = req;
    if (method === 'GET' && path === '/api/versions') return versionsRoute(req, cell, origin);
    const version = acceptVersion(req);
    if (method === 'POST' && (path === '/cloudapi/1.0.0/sessions' || path === '/cloudapi/1.0.0/sessions/provider')) {
      return cloudLogin(req, cell, path.endsWith('/provider'), version);
    }
    const offered = version !== undefined && cell.versions.some((v) => v.version === version);
    if (path.startsWith('/api/') && !offered) {
      return vcdError(req, 406, 'NOT_ACCEPTABLE', `The request has invalid accept header: Invalid API version requested (${version ?? 'none'}).`, 'not acceptable');
    }
    if (method === 'POST' && (path === '/api/sessions' || path === '/api/sessions/')) return legacyLogin(req, cell, origin, version!);
    const resolved = cell.sessions.resolve(req.headers);
    if (!resolved.session) {
      return vcdError(req, 401, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN', 'This operation is denied: the session is missing or has expired.', 'unauthorized', version);
    }
    const session = resolved.session;
    if (method === 'DELETE' && (path === '/api/session' || path === '/api/session/' || path === '/cloudapi/1.0.0/sessions/current')) {
      return logoutRoute(req, cell, session);
    }
    if (!offered) return vcdError(req, 404, 'RESOURCE_NOT_FOUND', `No resource at ${path}`, 'not found');
    const c: TaskRouteContext = { req, world, session, origin, version: version! };
    if (method === 'GET' && (path === '/api/session' || path === '/api/session/')) return sessionRoute(req, session, origin, version!);
    const org = ORG_PATH.exec(path);
    if (method === 'GET' && org) return orgRoute(req, session, origin, version!, org[1]?.toLowerCase());
    if (method === 'GET' && path === '/api/query') return queryRoute(c);
    const task = TASK_PATH.exec(path);
    if (task) {
      const uuid = task[1]!.toLowerCase();
      if (task[2] && method === 'POST') return cancelRoute(c, uuid);
      if (!task[2] && method === 'GET') return getTaskRoute(c, uuid);
      if (!task[2] && method === 'PUT') return updateRoute(c, uuid);
      return vcdError(req, 405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`, 'method not allowed', version);
    }
    const list = TASKS_LIST_PATH.exec(path);
    if (list && method === 'POST') return createRoute(c, list[1]!.toLowerCase());
    if (list && method === 'GET') return tasksListRoute(c, list[1]!.toLowerCase());
    return vcdError(req, 404, 'RESOURCE_NOT_FOUND', `No resource at ${path}`, 'not found', version);
  }

  const server = await startSimulatorServer({
    port: options.port,
    host: options.host,
    tls: options.tls,
    handler: handle,
    errorBody: (status) => ({ contentType: ERROR_TYPE, body: renderError(status, minorFor(status), `Injected failure (HTTP ${status}).`) }),
    malformedBody: {
      contentType: RECORDS_TYPE,
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<QueryResultRecords xmlns="http://www.vmware.com/vcloud/v1.5" total="3" page="1"><TaskRecord status="running" name="vappDeploy"',
    },
  });

  function orgBackendConfig(name: string, org: string): Record<string, unknown> {
    const user = adminOf(org);
    if (!user) throw new Error(`the vcd simulator has no org ${org}`);
    return { name, type: 'vcd', url: server.url, username: user.name, password: user.password, org: user.org, ...backendTls(server) };
  }

  return {
    name: 'vcd',
    server,
    world,
    orgs: ORGS.map((o) => o.name),
    backendConfig: (name) => orgBackendConfig(name, 'acme'),
    nativeIdOf: (task) => `urn:vcloud:task:${task.id}`,
    orgBackendConfig,
    systemBackendConfig: (name) => orgBackendConfig(name, SYSTEM_ORG),
    expireSessions: () => cell.sessions.expireAll(),
    sessionCount: () => cell.sessions.size,
    requests: () => log,
    close: () => server.close(),
  };
}
