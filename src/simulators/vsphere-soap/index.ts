/**
 * A vim25 SOAP simulator (`taskgraph simulate vsphere-soap`) that speaks vcsim's wire format
 * (govmomi simulator; captures in src/adapters/vsphere-soap/__fixtures__/vcsim-*.xml) and adds
 * what that vcsim release lacks: TaskHistoryCollectors, CancelTask, CreateTask and the task
 * setters, RetrievePropertiesEx paging, property paths, views and extensions, so VMware's own
 * SDKs work against it (test/vendor-clients). `POST /sdk` (or `/sdk/vimService`), and the
 * version documents SDKs read first (discovery.ts).
 */
import { backendTls, startSimulatorServer, type SimRequest, type SimResponse } from '../harness.js';
import type { RunningSimulator, SimulatorOptions } from '../types.js';
import { TaskWorld } from '../task-world.js';
import type { XmlElement } from '../../adapters/xml.js';
import { historyMethod, propertyCollectorMethod, type MethodContext } from './methods.js';
import { DEFAULT_EXTENSIONS, Extensions, type SimExtension } from './extensions.js';
import { Inventory } from './inventory.js';
import { createObjectModel, userSessionNode } from './objects.js';
import { el, envelope, fault, ref, response, type Ref } from './render.js';
import { parseRequest, RequestError, text, texts } from './request.js';
import { Sessions, type SimSession } from './sessions.js';
import { serviceVersionsXml, serviceWsdl } from './discovery.js';
import { API_VERSION, serviceContent } from './service-content.js';
import { CATALOG, createTask, TaskDirectory, taskMethod } from './tasks.js';
import { serialize } from './values.js';
import { viewMethod } from './views.js';

export const VSPHERE_USER = 'administrator@vsphere.local';
export const VSPHERE_PASSWORD = 'Tg-vcsim-1!';

export interface VsphereSoapSimulatorOptions extends SimulatorOptions {
  /** Serve CreateCollectorForTasks (default true); false answers MethodNotFound, like vcsim. */
  collectors?: boolean;
  /** Extensions registered at start, whose task types CreateTask accepts (default: DEFAULT_EXTENSIONS). */
  extensions?: SimExtension[];
}

export interface VsphereSoapSimulator extends RunningSimulator {
  /** Ends every session, as vCenter does when sessions time out; pending waits get NotAuthenticated. */
  expireSessions(): number;
  /** Sessions currently logged in. */
  sessionCount(): number;
  /** TaskHistoryCollectors currently open, over all sessions. */
  collectorCount(): number;
}

const reply = (method: string, status: number, body: string): SimResponse => ({ status, route: method, body, headers: { 'content-type': 'text/xml; charset=utf-8' } });

export async function startVsphereSoapSimulator(options: VsphereSoapSimulatorOptions = {}): Promise<VsphereSoapSimulator> {
  const world = new TaskWorld({
    catalog: CATALOG,
    users: ['VSPHERE.LOCAL\\Administrator', 'VSPHERE.LOCAL\\svc-backup', 'system'],
    seed: options.seed ?? 3,
    now: options.now,
    spawnEveryMs: options.spawnEveryMs ?? 0,
  });
  const tasks = new TaskDirectory(world, new Inventory());
  const sessions = new Sessions(world.now);
  const extensions = new Extensions(options.extensions ?? DEFAULT_EXTENSIONS, world.now);
  const model = createObjectModel(tasks, sessions, extensions);
  const instanceUuid = world.uuid();
  const waiters = new Set<() => void>();
  world.onChange((task, kind) => {
    if (kind === 'created') {
      for (const s of sessions.list()) for (const h of s.history.values()) h.add(task, tasks.view(task));
    }
    for (const wake of [...waiters]) wake();
  });
  world.backfill(options.initialTasks ?? 0);

  const changed = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      waiters.add(done);
    });

  async function dispatch(req: SimRequest, method: string, self: Ref, args: XmlElement, session: SimSession | undefined): Promise<SimResponse> {
    const c: MethodContext = { world, tasks, model, session, changed, collectors: options.collectors ?? true };
    if (method === 'RetrieveServiceContent') return reply(method, 200, response(method, serviceContent(instanceUuid)));
    if (method === 'Login') {
      // vcsim: a request that already has a session cannot log in again.
      if (session || text(args, 'userName') !== VSPHERE_USER || text(args, 'password') !== VSPHERE_PASSWORD) {
        return reply(method, 500, fault('InvalidLogin', 'Login failure'));
      }
      const agent = req.headers['user-agent'];
      const created = sessions.create(VSPHERE_USER, typeof agent === 'string' ? agent : null);
      const out = reply(method, 200, response(method, serialize('returnval', userSessionNode(created), { xsi: false }, false)));
      return { ...out, headers: { ...out.headers, 'set-cookie': sessions.setCookie(created) } };
    }
    // Without a session (never logged in, logged out, terminated) vCenter faults every call but
    // these; vcsim would answer property reads with NotAuthenticated in missingSet instead.
    if (!session) {
      return reply(method, 500, fault('NotAuthenticated', '', ref('object', self) + el('privilegeId', 'System.View')));
    }
    const collected = await propertyCollectorMethod(c, method, self, args);
    if (collected) return collected;
    if (method === 'Logout') {
      sessions.end(session.key);
      return reply(method, 200, response(method));
    }
    if (method === 'TerminateSession') {
      for (const id of texts(args, 'sessionId')) {
        if (id === session.key) return reply(method, 500, fault('InvalidArgument', '', ''));
        if (!sessions.end(id)) return reply(method, 500, fault('NotFound', ''));
      }
      return reply(method, 200, response(method));
    }
    if (method === 'CreateTask' && self.type === 'TaskManager') return createTask(tasks, session, args, (id) => extensions.hasTaskType(id));
    const handled =
      (self.type === 'Task' ? taskMethod(tasks, method, self, args) : undefined) ??
      (self.type === 'ExtensionManager' ? extensions.method(method, args) : undefined) ??
      viewMethod({ inventory: tasks.inventory, exists: (obj, s) => model.exists(obj, s) }, session, method, self, args) ??
      historyMethod(c, method, self, args);
    if (handled) return handled;
    if (!model.exists(self, session)) {
      return reply(method, 500, fault('ManagedObjectNotFound', `managed object not found: ${self.type}:${self.value}`, ref('obj', self)));
    }
    return reply(
      method,
      500,
      fault('MethodNotFound', `${self.type}:${self.value} does not implement: ${method}`, ref('receiver', self) + el('method', method)),
    );
  }

  async function handler(req: SimRequest): Promise<SimResponse> {
    if (req.method === 'GET' && req.path === '/sdk/vimServiceVersions.xml') {
      return { status: 200, route: 'vimServiceVersions.xml', body: serviceVersionsXml(API_VERSION), headers: { 'content-type': 'text/xml' } };
    }
    if (req.method === 'GET' && req.path === '/sdk/vimService.wsdl') {
      return { status: 200, route: 'vimService.wsdl', body: serviceWsdl(`${server.url}/sdk/vimService`), headers: { 'content-type': 'text/xml' } };
    }
    // vcsim serves the SOAP endpoint under both names (govmomi simulator.go NewServer).
    if (req.path !== '/sdk' && req.path !== '/sdk/vimService') {
      return { status: 404, route: 'not found', body: '404 page not found\n', headers: { 'content-type': 'text/plain; charset=utf-8' } };
    }
    if (req.method !== 'POST') return { status: 405, route: 'not allowed' };
    let call;
    try {
      call = parseRequest(req.body);
    } catch (err) {
      const message = err instanceof RequestError ? err.message : 'bad request';
      return reply('bad request', 500, fault('InvalidRequest', message));
    }
    const session = sessions.fromCookie(typeof req.headers.cookie === 'string' ? req.headers.cookie : undefined);
    const out = await dispatch(req, call.method, call.self, call.args, session);
    return { ...out, headers: { 'content-type': 'text/xml; charset=utf-8', ...out.headers } };
  }

  const server = await startSimulatorServer({
    port: options.port,
    host: options.host,
    tls: options.tls,
    handler,
    errorBody: (status) =>
      status === 500
        ? { contentType: 'text/xml; charset=utf-8', body: fault('SystemError', 'A general system error occurred: simulated failure', el('reason', 'simulated failure')) }
        : { contentType: 'text/plain', body: `${status} Service Unavailable (Failed to connect to endpoint: [N7Vmacore4Http16LocalServiceSpecE:0x0000] _serverNamespace = /sdk)` },
    malformedBody: {
      contentType: 'text/xml; charset=utf-8',
      body: envelope('<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="Task">task-1</obj><propSet><name>info</name><val').split('<val')[0] + '<val',
    },
  });

  return {
    name: 'vsphere-soap',
    server,
    world,
    nativeIdOf: (task) => `task-${task.seq}`,
    backendConfig: (name) => ({ name, type: 'vsphere-soap', url: server.url, username: VSPHERE_USER, password: VSPHERE_PASSWORD, ...backendTls(server) }),
    expireSessions: () => sessions.endAll(),
    sessionCount: () => sessions.list().length,
    collectorCount: () => sessions.list().reduce((n, s) => n + s.history.size, 0),
    async close() {
      sessions.endAll();
      for (const wake of [...waiters]) wake();
      await server.close();
    },
  };
}
