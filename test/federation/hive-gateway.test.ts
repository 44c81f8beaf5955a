/**
 * Hive Gateway out of the box (issue 28): `hive-gateway supergraph <file>`, its own process,
 * no gateway config file, over taskgraph plus a small inventory subgraph composed with
 * @theguild/federation-composition, in front of the Prism simulator. A query crosses both
 * subgraphs; 20 VMs' tasks cost taskgraph one request (`_entities`, batched); taskUpdated and
 * taskEvents go through it over GraphQL over SSE (Hive Gateway's default subscription
 * transport to subgraphs) and, with the supergraph's `@transport` entry, over graphql-ws.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTaskId } from '../../src/model/global-id.js';
import type { GatewayServer } from '../../src/server/http.js';
import { startPrismSimulator, type PrismSimulator } from '../../src/simulators/prism/index.js';
import { extIdOf } from '../../src/simulators/prism/render.js';
import { manualClock, metricValue, startTestGateway, waitFor } from '../support/gateway.js';
import { EVENT_STREAM, getUrl, openStream } from '../server/sse-support.js';
import { composeSupergraph, findHiveGateway, startHiveGateway, withWebSocketSubscriptions, type HiveGateway } from './hive-support.js';
import { serviceSdl, startInventory, INVENTORY_SDL, type Inventory, type InventoryVm } from './supergraph.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const FEDERATION = {
  entities: [{ type: 'VirtualMachine', key: 'id', resolve: [{ backend: 'pc1', pattern: `^(?<id>${UUID})$`, reverse: { types: ['vmm:ahv:vm', 'vmm:ahv:config:vm'], key: '{nativeId}' } }] }],
};
const VMS = 20;

const program = findHiveGateway();

describe.skipIf(!program)('Hive Gateway in front of taskgraph (no gateway config)', () => {
  const clock = manualClock();
  let pc: PrismSimulator;
  let taskgraph: GatewayServer;
  let inventory: Inventory;
  let overSse: HiveGateway;
  let overWs: HiveGateway;
  /** Tasks per inventory VM, as the simulator has them. */
  const tasksOf = new Map<string, number>();

  /** GraphQL requests taskgraph has answered over HTTP (known operations included). */
  async function requestsToTaskgraph(): Promise<number> {
    let total = 0;
    for (const outcome of ['ok', 'error']) total += await metricValue(taskgraph.url, `taskgraph_graphql_requests_total{operation_type="query",outcome="${outcome}"}`);
    return total;
  }

  beforeAll(async () => {
    pc = await startPrismSimulator({ now: clock.fn, seed: 28 });
    pc.world.backfill(120, 30 * 60_000);
    for (const task of pc.world.list()) {
      if (task.entity?.type === 'vmm:ahv:config:vm') tasksOf.set(task.entity.id, (tasksOf.get(task.entity.id) ?? 0) + 1);
    }
    const vms: InventoryVm[] = [...tasksOf.keys()].slice(0, VMS).map((id, i) => ({ id, name: `vm-${i}` }));
    // VMs without tasks make up the 20 if the world has fewer.
    for (let i = vms.length; i < VMS; i++) vms.push({ id: `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `idle-${i}` });
    taskgraph = await startTestGateway([pc.backendConfig('pc1')], { federation: FEDERATION, subscriptions: { pollFastMs: 50, pollIdleMs: 50 } });
    inventory = await startInventory(vms);
    const supergraph = composeSupergraph([
      { name: 'taskgraph', url: taskgraph.url, typeDefs: await serviceSdl(taskgraph.url) },
      { name: 'inventory', url: inventory.url, typeDefs: INVENTORY_SDL },
    ]);
    [overSse, overWs] = await Promise.all([
      startHiveGateway(program!, supergraph),
      startHiveGateway(program!, withWebSocketSubscriptions(supergraph, 'taskgraph', taskgraph.url, taskgraph.wsUrl)),
    ]);
  });
  afterAll(async () => {
    await overSse?.stop();
    await overWs?.stop();
    await inventory?.stop();
    await taskgraph?.stop();
    await pc?.close();
  });

  it('answers a query across both subgraphs, 20 VMs costing taskgraph one batched request', async () => {
    const before = await requestsToTaskgraph();
    const res = await fetch(overSse.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ vms { id name tasks(first: 3) { totalCount nodes { id status } } } }' }),
    });
    const body = (await res.json()) as any;
    expect(body.errors, overSse.output()).toBeUndefined();
    expect(body.data.vms).toHaveLength(VMS);
    for (const vm of body.data.vms) {
      expect(vm.tasks.totalCount, vm.id).toBe(tasksOf.get(vm.id) ?? 0);
      expect(vm.tasks.nodes).toHaveLength(Math.min(3, tasksOf.get(vm.id) ?? 0));
    }
    expect(body.data.vms.filter((vm: any) => vm.tasks.totalCount > 0).length).toBeGreaterThanOrEqual(10);
    expect((await requestsToTaskgraph()) - before).toBe(1);
  });

  for (const transport of ['sse', 'ws'] as const) {
    it(`carries taskEvents and taskUpdated to the client, to taskgraph over ${transport === 'sse' ? 'GraphQL over SSE (its default)' : 'graphql-ws (@transport entry)'}`, async () => {
      const hive = transport === 'sse' ? overSse : overWs;
      const events = await openStream(getUrl(hive.url, 'subscription { taskEvents { type task { id nativeId status } } }'), { headers: EVENT_STREAM });
      expect(events.status, hive.output()).toBe(200);
      await waitFor(() => taskgraph.hub.stats().subscribers === 1, `the subscription on taskgraph\n${hive.output()}`);
      // Over the transport said, and only that one.
      expect(await metricValue(taskgraph.url, 'taskgraph_sse_streams{mode="distinct"}')).toBe(transport === 'sse' ? 1 : 0);
      expect(await metricValue(taskgraph.url, 'taskgraph_websocket_connections')).toBe(transport === 'ws' ? 1 : 0);
      const polls = taskgraph.hub.stats().watchers[0]!.polls;
      await waitFor(() => taskgraph.hub.stats().watchers[0]!.polls > polls, 'a baseline poll');
      const task = pc.world.create({ operation: pc.world.list()[0]!.operation, description: `through hive ${transport}`, plan: { queuedMs: 0, runMs: 3000, outcome: 'succeeded' }, tenant: pc.world.list()[0]!.tenant });
      clock.advance(100);
      pc.world.tick();
      const id = encodeTaskId('pc1', extIdOf(task));
      const created = await events.next((e) => e.event === 'next' && e.data.data?.taskEvents.task.id === id, `the CREATED event through Hive\n${hive.output()}`);
      expect(created.data.data.taskEvents.type).toBe('CREATED');

      const updates = await openStream(getUrl(hive.url, 'subscription($id: ID!) { taskUpdated(id: $id) { status } }', { id }), { headers: EVENT_STREAM });
      await updates.next((e) => e.event === 'next', 'the current state');
      clock.advance(4000);
      pc.world.tick();
      await updates.next((e) => e.event === 'next' && e.data.data?.taskUpdated.status === 'SUCCEEDED', 'the terminal state');
      await updates.end('taskUpdated completing once the task ended');
      await events.next((e) => e.data?.data?.taskEvents.task.id === id && e.data.data.taskEvents.type === 'COMPLETED', 'the COMPLETED event');
      events.close();
      await waitFor(() => taskgraph.hub.stats().subscribers === 0, 'the subscriptions released on taskgraph when the client went');
    });
  }
});
