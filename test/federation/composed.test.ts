/**
 * taskgraph composed with an inventory subgraph and served by @apollo/gateway, in front of the
 * Prism and vim25 simulators. Queries cross both subgraphs (inventory -> tasks ->
 * entitiesAffected -> inventory), and the simulators' request counts prove that many objects
 * cost one batched upstream call per backend, never one per object. Loopback only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTaskId } from '../../src/model/global-id.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { extIdOf } from '../../src/simulators/prism/render.js';
import type { TaskWorld, SimTask } from '../../src/simulators/task-world.js';
import { startVsphereSoapSimulator, type VsphereSoapSimulator } from '../../src/simulators/vsphere-soap/index.js';
import { gql, manualClock, startTestGateway } from '../support/gateway.js';
import { serviceSdl, startInventory, startRouter, INVENTORY_SDL, type Inventory, type InventoryVm, type Router } from './supergraph.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

const FEDERATION = {
  entities: [
    {
      type: 'VirtualMachine',
      key: 'id',
      resolve: [
        { backend: 'vc1', pattern: '^vc1:(?<id>vm-\\d+)$', entityType: 'VirtualMachine', reverse: { key: 'vc1:{nativeId}' } },
        { backend: 'pc1', pattern: `^(?<id>${UUID})$`, reverse: { types: ['vmm:ahv:vm', 'vmm:ahv:config:vm'], key: '{nativeId}' } },
      ],
    },
  ],
};

interface Expected extends InventoryVm {
  nativeId: string;
  tasks: SimTask[];
}

/** The VMs a simulator's tasks act on, as the inventory names them, with their tasks. */
function vmsOf(world: TaskWorld, type: string, idOf: (nativeId: string) => string, taskId: (t: SimTask) => string): Expected[] {
  const out = new Map<string, Expected>();
  for (const task of world.list()) {
    if (task.entity?.type !== type) continue;
    const vm = out.get(task.entity.id) ?? { id: idOf(task.entity.id), nativeId: task.entity.id, name: task.entity.name, tasks: [] };
    vm.tasks.push(task);
    out.set(task.entity.id, vm);
  }
  for (const vm of out.values()) {
    const top = vm.tasks.filter((t) => !t.parentId);
    vm.lastTaskId = taskId(top[top.length - 1] ?? vm.tasks[0]!);
  }
  return [...out.values()];
}

function listFilters(sim: PrismSimulator): string[] {
  return sim.server.recent().map((r) => r.query.get('$filter') ?? '');
}

describe('taskgraph in a composed supergraph (@apollo/gateway)', () => {
  const clock = manualClock();
  let pc: PrismSimulator;
  let vc: VsphereSoapSimulator;
  let taskgraph: GatewayServer;
  let inventory: Inventory;
  let router: Router;
  let prismVms: Expected[];
  let vimVms: Expected[];
  const idle: InventoryVm = { id: 'aaaaaaaa-0000-4000-8000-ffffffffffff', name: 'idle' };
  const elsewhere: InventoryVm = { id: 'hyperv:vm-1', name: 'elsewhere' };

  const expectedFor = (id: string) => [...prismVms, ...vimVms].find((v) => v.id === id);

  beforeAll(async () => {
    pc = await startPrismSimulator({ now: clock.fn, seed: 41 });
    vc = await startVsphereSoapSimulator({ now: clock.fn, seed: 42 });
    pc.world.backfill(40, 30 * 60_000);
    vc.world.backfill(40, 30 * 60_000);
    vc.world.create({ operation: 'HostSystem.enterMaintenanceMode', entity: { id: 'host-7', type: 'HostSystem', name: 'esx-7.lab.local' } });
    prismVms = vmsOf(pc.world, 'vmm:ahv:config:vm', (id) => id, (t) => encodeTaskId('pc1', extIdOf(t)));
    vimVms = vmsOf(vc.world, 'VirtualMachine', (id) => `vc1:${id}`, (t) => encodeTaskId('vc1', `task-${t.seq}`));
    taskgraph = await startTestGateway([pc.backendConfig('pc1'), vc.backendConfig('vc1')], { federation: FEDERATION });
    inventory = await startInventory([...prismVms, ...vimVms, idle, elsewhere].map(({ id, name, lastTaskId }) => ({ id, name, lastTaskId })));
    router = await startRouter([
      // As rover does: the running subgraph's own SDL, config-generated types included.
      { name: 'taskgraph', url: taskgraph.url, typeDefs: await serviceSdl(taskgraph.url) },
      { name: 'inventory', url: inventory.url, typeDefs: INVENTORY_SDL },
    ]);
    // Sessions and logins happen once, before anything is counted.
    const warm = await gql(taskgraph.url, '{ tasks(first: 1) { nodes { id } } }');
    expect(warm.errors).toBeUndefined();
  });
  afterAll(async () => {
    await router?.stop();
    await inventory?.stop();
    await taskgraph?.stop();
    await pc?.close();
    await vc?.close();
  });

  function resetCounts(): void {
    pc.server.resetCounts();
    vc.server.resetCounts();
    inventory.entityCalls.length = 0;
  }

  it('has enough VMs on both backends to show batching', () => {
    expect(prismVms.length).toBeGreaterThanOrEqual(10);
    expect(vimVms.length).toBeGreaterThanOrEqual(10);
  });

  it('composes: taskgraph serves its config-generated types in _service.sdl', async () => {
    const sdl = await gql<{ _service: { sdl: string } }>(taskgraph.url, '{ _service { sdl } }');
    expect(sdl.data!._service.sdl).toMatch(/type VirtualMachine\s+@key\(fields: "id"\)/);
    expect(sdl.data!._service.sdl).toContain('virtualMachine: VirtualMachine');
    expect(router.supergraphSdl).toMatch(/type VirtualMachine\s+@join__type\(graph: INVENTORY, key: "id"\)\s+@join__type\(graph: TASKGRAPH, key: "id"\)/);
  });

  it('inventory -> tasks -> entitiesAffected -> inventory, with one batched list call per backend', async () => {
    resetCounts();
    const res = await gql<any>(
      router.url,
      `{ vms { id name tasks(first: 3) { totalCount nodes { id backend createdAt entitiesAffected { nativeId type virtualMachine { id name } } } } } }`,
    );
    expect(res.errors).toBeUndefined();
    for (const vm of res.data.vms) {
      const expected = expectedFor(vm.id);
      expect(vm.tasks.totalCount, vm.id).toBe(expected?.tasks.length ?? 0);
      expect(vm.tasks.nodes).toHaveLength(Math.min(3, expected?.tasks.length ?? 0));
      const times = vm.tasks.nodes.map((n: any) => Date.parse(n.createdAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      for (const node of vm.tasks.nodes) {
        // Back into the inventory: the task's entity is this very VM, with its inventory name.
        expect(node.entitiesAffected.map((e: any) => e.virtualMachine)).toContainEqual({ id: vm.id, name: vm.name });
      }
    }
    expect(res.data.vms.find((v: any) => v.id === idle.id).tasks).toEqual({ totalCount: 0, nodes: [] });
    expect(res.data.vms.find((v: any) => v.id === elsewhere.id).tasks).toEqual({ totalCount: 0, nodes: [] });

    // Prism: every VM's extId in one OData filter (the idle one too); pages of 100 only.
    const filters = listFilters(pc);
    expect(new Set(filters).size).toBe(1);
    for (const vm of [...prismVms, idle]) expect(filters[0]).toContain(`a/extId eq '${vm.id}'`);
    const prismTasks = prismVms.reduce((n, vm) => n + vm.tasks.length, 0);
    expect(pc.server.total()).toBeLessThanOrEqual(Math.ceil((prismTasks + 1) / 100));
    // vim: one history collector for every VM (TaskFilterSpec takes one entity, so the batch is
    // filtered locally), not one per VM.
    expect(vc.server.counts.get('CreateCollectorForTasks')).toBe(1);
    expect(vc.server.total()).toBeLessThanOrEqual(8);
    // The router asked the inventory once for every VM the tasks lead back to.
    expect(inventory.entityCalls).toHaveLength(1);
  });

  it('resolves N Task references from the router with one batched call per backend', async () => {
    resetCounts();
    const res = await gql<any>(router.url, '{ vms { id lastTask { id backend status operation } } }');
    expect(res.errors).toBeUndefined();
    for (const vm of res.data.vms) {
      const expected = expectedFor(vm.id);
      if (!expected) {
        expect(vm.lastTask).toBeNull();
        continue;
      }
      expect(vm.lastTask).toMatchObject({ id: expected.lastTaskId, backend: vm.id.startsWith('vc1:') ? 'vc1' : 'pc1' });
      expect(vm.lastTask.status).toEqual(expect.any(String));
    }
    expect(pc.server.total()).toBe(1);
    expect(listFilters(pc)[0]).toMatch(/^extId eq .* or extId eq /);
    expect(vc.server.total()).toBe(1);
  });

  it('filters and pages a VM’s tasks through the router', async () => {
    const vm = [...vimVms, ...prismVms].sort((a, b) => b.tasks.length - a.tasks.length)[0]!;
    expect(vm.tasks.length).toBeGreaterThanOrEqual(3);
    const query = `query($id: ID!, $first: Int, $after: String, $filter: TaskFilter) {
      vm(id: $id) { tasks(first: $first, after: $after, filter: $filter) { nodes { id status } pageInfo { hasNextPage endCursor } } }
    }`;
    const all = await gql<any>(router.url, query, { id: vm.id, first: 50 });
    const ids = all.data.vm.tasks.nodes.map((n: any) => n.id);
    expect(ids).toHaveLength(vm.tasks.length);

    const first = await gql<any>(router.url, query, { id: vm.id, first: 2 });
    expect(first.data.vm.tasks.pageInfo.hasNextPage).toBe(true);
    const next = await gql<any>(router.url, query, { id: vm.id, first: 2, after: first.data.vm.tasks.pageInfo.endCursor });
    expect(next.errors).toBeUndefined();
    expect([...first.data.vm.tasks.nodes, ...next.data.vm.tasks.nodes].map((n: any) => n.id)).toEqual(ids.slice(0, 4));

    const status = all.data.vm.tasks.nodes[0].status;
    const filtered = await gql<any>(router.url, query, { id: vm.id, first: 50, filter: { status: [status] } });
    expect(filtered.data.vm.tasks.nodes.length).toBeGreaterThan(0);
    expect(filtered.data.vm.tasks.nodes.every((n: any) => n.status === status)).toBe(true);

    const bad = await gql<any>(router.url, query, { id: vm.id, filter: { entity: { nativeId: 'vm-1' } } });
    expect(bad.errors?.[0]?.message).toContain('filter.entity: not allowed on VirtualMachine.tasks');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('maps only the entity references a reverse rule accepts', async () => {
    const res = await gql<any>(
      router.url,
      `{ tasks(first: 100, filter: { backend: ["vc1"] }) { nodes { entitiesAffected { nativeId type virtualMachine { id } } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const refs = res.data.tasks.nodes.flatMap((n: any) => n.entitiesAffected);
    const host = refs.find((e: any) => e.type === 'HostSystem');
    expect(host).toEqual({ nativeId: 'host-7', type: 'HostSystem', virtualMachine: null });
    for (const e of refs.filter((r: any) => r.type === 'VirtualMachine')) expect(e.virtualMachine).toEqual({ id: `vc1:${e.nativeId}` });
  });

  it('still answers from the healthy backend when one fails, with one error naming the failed one', async () => {
    pc.server.setFaults({ failNext: 10, failStatus: 500 });
    try {
      const res = await gql<any>(router.url, '{ vms { id tasks(first: 1) { totalCount } } }');
      const errors = res.errors ?? [];
      expect(errors).toHaveLength(1);
      expect(errors[0]!.extensions).toMatchObject({ backend: 'pc1' });
      for (const vm of res.data.vms.filter((v: any) => v.id.startsWith('vc1:'))) {
        expect(vm.tasks.totalCount).toBe(expectedFor(vm.id)!.tasks.length);
      }
      for (const vm of res.data.vms.filter((v: any) => !v.id.startsWith('vc1:'))) expect(vm.tasks.totalCount).toBe(0);
    } finally {
      pc.server.setFaults({ failNext: 0 });
    }
  });

  it('does not carry subscriptions through @apollo/gateway (clients subscribe to taskgraph directly)', async () => {
    const res = await gql<any>(router.url, 'subscription { taskEvents { type } }');
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.length).toBeGreaterThan(0);
  });
});
