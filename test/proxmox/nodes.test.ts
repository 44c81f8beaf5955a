/**
 * A node that is down, unreachable or answering badly costs its own tasks only: the other
 * nodes' tasks come, with a partial error naming the node, directly from the adapter and
 * through the gateway's GraphQL answer. Only when no node answers does the backend fail.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BackendError } from '../../src/adapters/errors.js';
import type { GatewayServer } from '../../src/server/http.js';
import { gql, startTestGateway } from '../support/gateway.js';
import { ctx, spawn, startFixture, type Fixture } from './support.js';

const LIST = { filter: {}, direction: 'DESC' as const, limit: 100 };

describe('a node down', () => {
  let f: Fixture;

  beforeAll(async () => {
    f = await startFixture();
    spawn(f, 30);
  });
  afterEach(() => {
    f.sim.setNodeState('pve2', 'online');
    f.sim.setNodeState('pve3', 'online');
    f.sim.server.setFaults({ malformedNext: 0, failNext: 0, faultPath: '' });
  });
  afterAll(() => f.close());

  const nodesOf = (tasks: Array<{ tenant: string | null }>) => [...new Set(tasks.map((t) => t.tenant))].sort();

  it('lists every node when all are up', async () => {
    const page = await f.adapter().listTasks(LIST, ctx);
    expect(nodesOf(page.tasks)).toEqual(['pve1', 'pve2', 'pve3']);
    expect(page.partialErrors).toBeUndefined();
    expect(page.totalCount).toBe(30);
  });

  it('leaves out an offline node without calling it, with an error naming it', async () => {
    f.sim.setNodeState('pve2', 'offline');
    f.mark();
    const page = await f.adapter().listTasks(LIST, ctx);
    expect(nodesOf(page.tasks)).toEqual(['pve1', 'pve3']);
    expect(page.partialErrors).toHaveLength(1);
    expect(page.partialErrors![0]).toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'pve' });
    expect(page.partialErrors![0]!.message).toContain('node pve2 is offline');
    expect(f.requests().some((r) => r.includes('/nodes/pve2/'))).toBe(false);
    // Part of the backend is missing: no total can be right.
    expect(page.totalCount).toBeNull();
  });

  it('reports a node pveproxy cannot reach (595) and keeps the others', async () => {
    f.sim.setNodeState('pve3', 'unreachable');
    const page = await f.adapter().listTasks(LIST, ctx);
    expect(nodesOf(page.tasks)).toEqual(['pve1', 'pve2']);
    expect(page.partialErrors!.map((e) => [e.message.includes('node pve3'), (e as BackendError).status])).toEqual([[true, 595]]);
  });

  it('drops an offline node\'s stale tasks from the cluster list too', async () => {
    const running = (await f.adapter().listTasks({ ...LIST, filter: { statuses: ['RUNNING'] } }, ctx)).tasks;
    expect(nodesOf(running)).toEqual(['pve1', 'pve2', 'pve3']);
    f.sim.setNodeState('pve2', 'offline');
    f.mark();
    const page = await f.adapter().listTasks({ ...LIST, filter: { statuses: ['RUNNING'] } }, ctx);
    expect(nodesOf(page.tasks)).toEqual(['pve1', 'pve3']);
    expect(page.partialErrors![0]!.message).toContain('node pve2');
    // One call for every node's running tasks; then each task's log (progress), none on pve2.
    const calls = f.requests().filter((r) => !r.startsWith('POST /access/ticket'));
    expect(calls.filter((r) => !r.includes('/log?'))).toEqual(['GET /nodes', 'GET /cluster/tasks']);
    expect(calls.filter((r) => r.includes('/log?'))).toHaveLength(page.tasks.length);
    expect(calls.some((r) => r.includes('/nodes/pve2/'))).toBe(false);
  });

  it('takes one node\'s malformed answer as that node\'s failure', async () => {
    const adapter = f.adapter();
    await adapter.listTasks({ ...LIST, limit: 1 }, ctx);
    f.sim.server.setFaults({ malformedNext: 1, faultPath: '/api2/json/nodes/pve3/' });
    const page = await adapter.listTasks(LIST, ctx);
    expect(nodesOf(page.tasks)).toEqual(['pve1', 'pve2']);
    expect(page.partialErrors![0]).toMatchObject({ code: 'BACKEND_BAD_RESPONSE' });
    expect(page.partialErrors![0]!.message).toContain('node pve3: list tasks');
  });

  it('keeps a task whose log cannot be read as its record says, with the error apart', async () => {
    const adapter = f.adapter();
    const before = await adapter.listTasks({ ...LIST, filter: { scope: [{ dimension: 'proxmoxNodes', field: 'tenant', values: ['pve2'] }] } }, ctx);
    // A running task's log is read again (a finished one's comes from the cache).
    expect(before.tasks.some((t) => t.status === 'RUNNING')).toBe(true);
    f.sim.server.setFaults({ failNext: 1, failStatus: 500, faultPath: '/api2/json/nodes/pve2/tasks/UPID' });
    const page = await adapter.listTasks({ ...LIST, filter: { scope: [{ dimension: 'proxmoxNodes', field: 'tenant', values: ['pve2'] }] } }, ctx);
    expect(page.tasks.map((t) => [t.nativeId, t.status])).toEqual(before.tasks.map((t) => [t.nativeId, t.status]));
    expect(page.partialErrors).toHaveLength(1);
    expect(page.partialErrors![0]!.message).toContain('node pve2: read task log failed: HTTP 500');
  });

  it('fails the whole call when no node answers', async () => {
    f.sim.setNodeState('pve2', 'offline');
    f.sim.setNodeState('pve3', 'unreachable');
    const err = await f.adapter().listTasks({ ...LIST, filter: { scope: [{ dimension: 'proxmoxNodes', field: 'tenant', values: ['pve2', 'pve3'] }] } }, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).message).toMatch(/node pve[23]/);
  });

  it('reads tasks by id on the nodes that answer, an error value for the others', async () => {
    const all = (await f.adapter().listTasks(LIST, ctx)).tasks;
    const onPve1 = all.find((t) => t.tenant === 'pve1' && t.status === 'RUNNING') ?? all.find((t) => t.tenant === 'pve1')!;
    const onPve2 = all.find((t) => t.tenant === 'pve2' && t.status === 'SUCCEEDED')!;
    f.sim.setNodeState('pve2', 'unreachable');
    const adapter = f.adapter();
    const [one, two] = await adapter.getTasks([onPve1.nativeId, onPve2.nativeId], ctx);
    expect((one as { nativeId: string }).nativeId).toBe(onPve1.nativeId);
    expect(two).toBeInstanceOf(BackendError);
  });
});

describe('a node down, through the gateway', () => {
  let f: Fixture;
  let gw: GatewayServer;

  beforeAll(async () => {
    f = await startFixture();
    spawn(f, 12);
    gw = await startTestGateway([f.sim.backendConfig('pve')]);
  });
  afterAll(async () => {
    await gw?.stop();
    await f?.close();
  });

  it('answers the other nodes\' tasks with an error naming the node', async () => {
    f.sim.setNodeState('pve3', 'offline');
    const res = await gql(gw.url, '{ tasks(first: 50) { nodes { tenant operation status progress steps { name } } } }');
    const tenants = new Set(res.data.tasks.nodes.map((t: { tenant: string }) => t.tenant));
    expect([...tenants].sort()).toEqual(['pve1', 'pve2']);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'pve', reason: 'BACKEND_UNAVAILABLE' });
    expect(res.errors![0]!.message).toContain('node pve3 is offline');
  });
});
