/**
 * The cross-tenant matrix: tenant A (vCD org acme, Prism cluster 1) can neither see nor
 * change tenant B's tasks (org globex, cluster 2) through any path: list, get, node,
 * parent/root/subtasks, filters, federation `_entities`, subscriptions, cancel, create,
 * update. Out of scope reads exactly like missing, so ids cannot be probed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTaskId } from '../../src/model/global-id.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { startVcdSimulator, type VcdSimulator } from '../../src/simulators/vcd/index.js';
import { startVsphereRestSimulator } from '../../src/simulators/vsphere-rest/index.js';
import type { RunningSimulator } from '../../src/simulators/registry.js';
import { fastPathOff, manualClock, metricValue, startTestGateway, waitFor } from '../support/gateway.js';
import { apiKeyEntry, handshake, post, subscribeOnce } from './support.js';

const C1 = '0005f1e2-8a6c-4d1b-9c33-3f2b7a9e6d10';
const C2 = '0005f1e2-77b0-4e2a-8f51-aa0c3d2e9b21';
const KEYS = { root: 'root-key-0123456789abcdef', a: 'tenant-a-key-0123456789', b: 'tenant-b-key-0123456789', aRead: 'tenant-a-readonly-0123456' };
const A_SCOPE = { backends: ['vcd', 'vcd-acme', 'pc'], vcdOrgs: ['acme'], prismClusters: [C1] };
const TASK = 'id backend nativeId tenant';
const pcId = (simId: string) => encodeTaskId('pc', `ZXJnb24=:${simId}`);

describe('tenant isolation', () => {
  const clock = manualClock();
  let vcd: VcdSimulator;
  let pc: PrismSimulator;
  let vs: RunningSimulator;
  let gw: GatewayServer;
  const as = (key: string) => (query: string, variables: Record<string, unknown> = {}) => post(gw.url, { query, variables }, { 'x-api-key': key }).then((r) => r.body);
  const root = () => as(KEYS.root);
  const A = () => as(KEYS.a);
  const B = () => as(KEYS.b);
  let all: Array<{ id: string; backend: string; nativeId: string; tenant: string | null }>;
  const ofB = () => all.filter((t) => t.tenant === 'globex' || t.tenant === C2);
  const knownAnswers = () => metricValue(gw.url, 'taskgraph_graphql_known_operation_answers_total');
  const ofA = () => all.filter((t) => t.backend !== 'vs' && (t.tenant === 'acme' || t.tenant === C1));

  beforeAll(async () => {
    vcd = await startVcdSimulator({ now: clock.fn, seed: 5, spawnOrgs: ['acme', 'globex'] });
    pc = await startPrismSimulator({ now: clock.fn, seed: 7 });
    vs = await startVsphereRestSimulator({ now: clock.fn, seed: 9 });
    vcd.world.backfill(16, 10 * 60_000);
    pc.world.backfill(16, 10 * 60_000);
    vs.world.backfill(4, 10 * 60_000);
    // Cross-tenant relations the platforms would not make, to prove every relation is re-checked.
    const pcA = pc.world.list().find((t) => t.tenant === C1 && !t.parentId)!;
    pc.world.create({ operation: 'kVmCreate.step9', parentId: pcA.id, tenant: C2 });
    const vcdA = vcd.world.list().find((t) => t.tenant === 'acme' && !t.parentId)!;
    vcd.world.create({ operation: 'vappDeploy', parentId: vcdA.id, tenant: 'globex' });
    vcd.world.create({ operation: 'com.example.backup', tenant: 'globex', external: true, cancelable: true, state: 'running' });
    // One VM both tenants' tasks act on (a federated entity of another subgraph).
    const vm = { id: 'aaaaaaaa-0000-4000-8000-00000000f00d', type: 'vmm:ahv:config:vm', name: 'shared' };
    pc.world.create({ operation: 'kVmPowerOn', entity: vm, tenant: C1 });
    pc.world.create({ operation: 'kVmMigrate', entity: vm, tenant: C2 });
    gw = await startTestGateway(
      [vcd.systemBackendConfig('vcd'), vcd.orgBackendConfig('vcd-acme', 'acme'), pc.backendConfig('pc'), vs.backendConfig('vs')],
      {
        subscriptions: { pollFastMs: 50, pollIdleMs: 50 },
        federation: { entities: [{ type: 'Vm', resolve: [{ backend: 'pc', pattern: '^(?<id>.+)$' }] }] },
        auth: {
          mode: 'apiKey',
          apiKeys: [
            apiKeyEntry('root', KEYS.root, { backends: ['*'], vcdOrgs: ['*'], prismClusters: ['*'], actions: ['*'] }),
            apiKeyEntry('tenant-a', KEYS.a, { ...A_SCOPE, actions: ['*'] }),
            apiKeyEntry('tenant-a-readonly', KEYS.aRead, A_SCOPE),
            apiKeyEntry('tenant-b', KEYS.b, { backends: ['*'], vcdOrgs: ['globex'], prismClusters: [C2], actions: ['*'] }),
          ],
        },
      },
    );
    const res = await root()(`{ tasks(first: 1000) { edges { node { ${TASK} } } } }`);
    all = res.data.tasks.edges.map((e: any) => e.node);
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all([vcd?.close(), pc?.close(), vs?.close()]);
  });

  it('has tasks of both tenants on both platforms to work with', () => {
    for (const tenant of ['acme', 'globex', C1, C2]) expect(all.filter((t) => t.tenant === tenant).length).toBeGreaterThan(1);
  });

  it('lists exactly the tenant\'s own tasks, with the cluster scope pushed down to Prism', async () => {
    pc.server.resetCounts();
    const knownBefore = await knownAnswers();
    // The very text root sent first: tenant A's request takes the known-operations path (when the fast path is on).
    const res = await A()(`{ tasks(first: 1000) { edges { node { ${TASK} } } } }`);
    expect(await knownAnswers()).toBe(knownBefore + (fastPathOff ? 0 : 1));
    const seen = res.data.tasks.edges.map((e: any) => e.node.id).sort();
    expect(seen).toEqual(ofA().filter((t) => t.backend !== 'vcd-acme').map((t) => t.id).concat(all.filter((t) => t.backend === 'vcd-acme').map((t) => t.id)).sort());
    expect(seen.some((id: string) => ofB().some((t) => t.id === id))).toBe(false);
    expect(pc.server.recent().map((r) => r.query.get('$filter'))).toEqual([`clusterExtIds/any(c:c eq '${C1}')`]);
    const count = await A()(`{ tasks(first: 1, filter: { backend: ["pc"] }) { totalCount } }`);
    expect(count.data.tasks.totalCount).toBe(all.filter((t) => t.tenant === C1).length);
  });

  it('answers a task, node and federation reference of the other tenant like a missing one; federated entities list own tasks only', async () => {
    const missing = [encodeTaskId('pc', 'ZXJnb24=:00000000-0000-4000-8000-000000000000'), encodeTaskId('vcd', 'urn:vcloud:task:00000000-0000-4000-8000-000000000000')];
    for (const id of [...ofB().filter((t) => t.backend !== 'vs').map((t) => t.id), ...missing]) {
      const res = await A()(`query($id: ID!) { task(id: $id) { id } node(id: $id) { id } _entities(representations: [{ __typename: "Task", id: $id }]) { ... on Task { id } } }`, { id });
      expect(res).toEqual({ data: { task: null, node: null, _entities: [null] } });
    }
    const VM = `{ _entities(representations: [{ __typename: "Vm", id: "aaaaaaaa-0000-4000-8000-00000000f00d" }]) { ... on Vm { tasks { totalCount nodes { tenant } } } } }`;
    expect((await root()(VM)).data._entities[0].tasks.totalCount).toBe(2);
    expect((await A()(VM)).data._entities[0].tasks).toEqual({ totalCount: 1, nodes: [{ tenant: C1 }] });
    const own = ofA()[0]!.id;
    const res = await A()(`query($id: ID!) { task(id: $id) { id } _entities(representations: [{ __typename: "Task", id: $id }]) { ... on Task { id } } }`, { id: own });
    expect(res.data).toEqual({ task: { id: own }, _entities: [{ id: own }] });
  });

  it('hides the other tenant\'s subtasks, parents and roots, and their tasks behind filters', async () => {
    for (const backend of ['pc', 'vcd']) {
      const children = (key: string) => as(key)(`{ tasks(first: 200, filter: { backend: ["${backend}"] }) { nodes { id tenant parent { id } root { id } subtasks(first: 20) { totalCount nodes { id tenant } } } } }`);
      const [asRoot, asA, asB] = await Promise.all([children(KEYS.root), children(KEYS.a), children(KEYS.b)]);
      const crossChild = asRoot.data.tasks.nodes.find((t: any) => t.parent && (t.tenant === 'globex' || t.tenant === C2) && asRoot.data.tasks.nodes.find((p: any) => p.id === t.parent.id)?.tenant !== t.tenant);
      expect(crossChild).toBeDefined();
      const parentAsA = asA.data.tasks.nodes.find((t: any) => t.id === crossChild.parent.id);
      expect(parentAsA.subtasks.nodes.map((s: any) => s.id)).not.toContain(crossChild.id);
      for (const t of asA.data.tasks.nodes) for (const s of t.subtasks.nodes) expect(['acme', C1]).toContain(s.tenant);
      const childAsB = asB.data.tasks.nodes.find((t: any) => t.id === crossChild.id);
      expect(childAsB).toMatchObject({ parent: null, root: null });
      const byParent = await A()(`query($p: ID!) { tasks(filter: { parent: $p }) { nodes { id } } }`, { p: ofB().find((t) => t.backend === backend)!.id });
      expect(byParent.data.tasks.nodes).toEqual([]);
    }
    const unknown = await A()(`{ tasks(filter: { backend: ["vs"] }) { nodes { id } } }`);
    expect(unknown.errors[0].message).toBe('filter.backend: unknown backend vs; configured: vcd, vcd-acme, pc');
    const backends = await A()(`{ backends { name } }`);
    expect(backends.data.backends.map((b: any) => b.name)).toEqual(['vcd', 'vcd-acme', 'pc']);
  });

  it('cannot cancel or update the other tenant\'s tasks: NOT_FOUND, as for a missing id, and nothing reaches the backend', async () => {
    const CANCEL = `mutation($id: ID!) { cancelTask(id: $id) { task { id } error { code message backend } } }`;
    const victim = pc.world.list().find((t) => t.tenant === C2 && (t.state === 'running' || t.state === 'queued'))!;
    const missingId = '00000000-0000-4000-8000-00000000dead';
    const [hidden, missing] = await Promise.all([A()(CANCEL, { id: pcId(victim.id) }), A()(CANCEL, { id: pcId(missingId) })]);
    expect(hidden.data.cancelTask.error.code).toBe('NOT_FOUND');
    expect(hidden.data.cancelTask.error.message.replace(victim.id, 'ID')).toBe(missing.data.cancelTask.error.message.replace(missingId, 'ID'));
    expect(pc.world.get(victim.id)!.cancelRequested).toBe(false);
    expect(pc.server.recent().some((r) => r.method === 'POST')).toBe(false);

    const external = vcd.world.list().find((t) => t.external && t.tenant === 'globex')!;
    const id = all.find((t) => t.backend === 'vcd' && t.nativeId.endsWith(external.id))!.id;
    const update = await A()(`mutation($id: ID!) { updateTask(input: { id: $id, progress: 50 }) { error { code } } }`, { id });
    expect(update.data.updateTask.error.code).toBe('NOT_FOUND');
    const cancelVcd = await A()(CANCEL, { id });
    expect(cancelVcd.data.cancelTask.error.code).toBe('NOT_FOUND');
    expect(vcd.world.get(external.id)).toMatchObject({ progress: 0, cancelRequested: false });
  });

  it('checks the permission before anything else, and lets the tenant act on its own tasks', async () => {
    const own = pc.world.list().find((t) => t.tenant === C1 && t.cancelable && t.state !== 'succeeded' && t.state !== 'failed' && t.state !== 'canceled')!;
    const CANCEL = `mutation($id: ID!) { cancelTask(id: $id) { task { status } error { code message } } }`;
    const readOnly = await as(KEYS.aRead)(CANCEL, { id: pcId(own.id) });
    expect(readOnly.data.cancelTask.error).toEqual({ code: 'FORBIDDEN', message: 'tenant-a-readonly may not cancel tasks' });
    const ok = await A()(CANCEL, { id: pcId(own.id) });
    expect(ok.data.cancelTask).toEqual({ task: { status: 'CANCELING' }, error: null });
  });

  it('creates external tasks only where they land in the tenant\'s own org', async () => {
    const CREATE = `mutation($input: CreateTaskInput!) { createTask(input: $input) { task { tenant backend } error { code message } } }`;
    const input = { operation: 'com.example.tenantJob', serviceNamespace: 'com.example', description: 'tenant job' };
    const system = await A()(CREATE, { input: { ...input, backend: 'vcd' } });
    expect(system.data.createTask.error.code).toBe('FORBIDDEN');
    const mine = await A()(CREATE, { input: { ...input, backend: 'vcd-acme' } });
    expect(mine.data.createTask).toEqual({ task: { tenant: 'acme', backend: 'vcd-acme' }, error: null });
    const foreignParent = await A()(CREATE, { input: { ...input, backend: 'vcd', parent: ofB().find((t) => t.backend === 'vcd')!.id } });
    expect(foreignParent.data.createTask.error.code).toBe('FORBIDDEN');
    const bOnA = await B()(CREATE, { input: { ...input, backend: 'vcd-acme' } });
    expect(bOnA.data.createTask.error.code).toBe('FORBIDDEN');
  });

  it('never streams the other tenant\'s tasks: taskUpdated reads NOT_FOUND, taskEvents carries only own events', async () => {
    const ws = await handshake(gw.wsUrl, { apiKey: KEYS.a });
    expect(ws.acked).toBe(true);
    if (!ws.acked) return;
    const victim = ofB().find((t) => t.backend === 'pc')!;
    const missing = pcId('00000000-0000-4000-8000-000000000000');
    const [hidden, absent] = await Promise.all([
      subscribeOnce(ws.socket, 'subscription($id: ID!) { taskUpdated(id: $id) { id } }', { id: victim.id }),
      subscribeOnce(ws.socket, 'subscription($id: ID!) { taskUpdated(id: $id) { id } }', { id: missing }),
    ]);
    const errorOf = (m: any[]) => (m[0].payload.errors ?? m[0].payload)[0];
    expect(errorOf(hidden).extensions.code).toBe('NOT_FOUND');
    expect(errorOf(hidden).message.replace(victim.id, 'ID')).toBe(errorOf(absent).message.replace(missing, 'ID'));

    const events: any[] = [];
    const done = subscribeOnce(ws.socket, `subscription { taskEvents { type task { ${TASK} } } }`, {}, (m) => {
      events.push(...m.splice(0));
      return events.some((e) => e.payload?.data?.taskEvents.task.nativeId.endsWith(mineLast));
    });
    await waitFor(() => gw.hub.stats().subscribers >= 1 && gw.hub.stats().watchers.every((w) => w.polls > 1), 'watchers polling');
    pc.world.create({ operation: 'kImageCreate', tenant: C2 });
    vcd.world.create({ operation: 'vdcUpdate', tenant: 'globex' });
    vcd.world.create({ operation: 'vdcUpdate', tenant: 'acme' });
    const mineLast = pc.world.create({ operation: 'kImageCreate', tenant: C1 }).id;
    await done;
    const tenants = events.map((e) => e.payload.data.taskEvents.task.tenant);
    expect(tenants.length).toBeGreaterThan(0);
    for (const tenant of tenants) expect(['acme', C1]).toContain(tenant);
    ws.socket.close();
  });
});
