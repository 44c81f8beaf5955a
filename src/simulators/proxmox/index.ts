/**
 * A Proxmox VE simulator: `taskgraph simulate proxmox`. A three-node cluster's API as the
 * node `pve1` serves it under `/api2/json`: the `{"data": ...}` envelope, ticket and API token
 * auth with the CSRF check on writes (auth.ts), the node and cluster task lists with their
 * filters and paging, task status, logs and stop (pve-manager Tasks.pm, Cluster.pm, Nodes.pm),
 * and calls about another node proxied to it: a node taken down answers 595, as pveproxy does
 * when it cannot reach it (routes.ts).
 */
import { backendTls, startSimulatorServer } from '../harness.js';
import type { RunningSimulator, SimulatorOptions } from '../types.js';
import { TaskWorld, type SimTask } from '../task-world.js';
import { createSimAuth, PROXMOX_PASSWORD, PROXMOX_TOKEN_ID, PROXMOX_TOKEN_SECRET, PROXMOX_USER } from './auth.js';
import { CATALOG, NODES, USERS } from './catalog.js';
import { upidOf } from './render.js';
import { createRoutes, type NodeState } from './routes.js';

export { PROXMOX_PASSWORD, PROXMOX_TOKEN_ID, PROXMOX_TOKEN_SECRET, PROXMOX_USER } from './auth.js';

export interface ProxmoxSimulator extends RunningSimulator {
  /** Forgets every ticket, as a restart or an auth key rotation does. */
  expireSessions(): void;
  /**
   * Takes a node down: `offline` (the cluster says so, and it cannot be reached) or
   * `unreachable` (the cluster still counts it, but pveproxy cannot reach it); `online` again.
   */
  setNodeState(node: string, state: NodeState): void;
  /** The task's UPID. */
  upidOf(task: SimTask): string;
  nativeIdOf(task: SimTask): string;
  /** A live migration writes its progress into its log; a start or a shutdown writes none. */
  readonly progressOperation: string;
  /** A config entry authenticating with the API token instead of a ticket. */
  tokenConfig(name: string): Record<string, unknown>;
}

export async function startProxmoxSimulator(options: SimulatorOptions = {}): Promise<ProxmoxSimulator> {
  const world = new TaskWorld({
    catalog: CATALOG,
    tenants: [...NODES],
    users: USERS,
    seed: options.seed ?? 1,
    now: options.now,
    spawnEveryMs: options.spawnEveryMs ?? 0,
  });
  const startedAt = world.now();
  // Each node booted a few days before the simulator started (pstart counts from boot).
  const bootedAt = (node: string) => startedAt - (3 + NODES.indexOf(node as (typeof NODES)[number])) * 86_400_000;
  const byUpid = new Map<string, string>();
  const upid = (task: SimTask) => upidOf(task, bootedAt);
  world.onChange((task, kind) => {
    if (kind === 'created') byUpid.set(upid(task), task.id);
  });
  world.backfill(options.initialTasks ?? 0);

  const auth = createSimAuth(world.now);
  const states = new Map<string, NodeState>(NODES.map((n) => [n, 'online']));
  const routes = createRoutes({
    world,
    auth,
    nodes: () => NODES.map((node) => ({ node, state: states.get(node)! })),
    upidOf: upid,
    taskOf: (id) => {
      const simId = byUpid.get(id);
      return simId === undefined ? undefined : world.get(simId);
    },
  });

  const server = await startSimulatorServer({
    port: options.port,
    host: options.host,
    tls: options.tls,
    handler: routes,
    errorBody: (status) => ({ contentType: 'application/json;charset=UTF-8', body: JSON.stringify({ data: null, message: `injected fault (HTTP ${status})\n` }) }),
    malformedBody: { contentType: 'application/json;charset=UTF-8', body: '{"data":[{"upid":"UPID:pve1:0000' },
  });

  const base = { type: 'proxmox', url: server.url, ...backendTls(server) };
  return {
    name: 'proxmox',
    server,
    world,
    backendConfig: (name) => ({ name, ...base, username: PROXMOX_USER, password: PROXMOX_PASSWORD }),
    tokenConfig: (name) => ({ name, ...base, tokenId: PROXMOX_TOKEN_ID, tokenSecret: PROXMOX_TOKEN_SECRET }),
    expireSessions: () => auth.expire(),
    setNodeState(node, state) {
      if (!states.has(node)) throw new Error(`no node ${node}; the cluster has ${NODES.join(', ')}`);
      if (node === NODES[0]) throw new Error(`${node} is the node serving the API: stop the simulator (or a proxy before it) instead`);
      states.set(node, state);
    },
    upidOf: upid,
    nativeIdOf: upid,
    progressOperation: 'qmigrate',
    close: () => server.close(),
  };
}
