/**
 * Listing and batch get over HTTP: what the adapter sends (asserted at the simulator), what it
 * finishes locally (parent, time bounds, keyset), and the simulator's FilterSpec validation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVICES } from '../../src/adapters/vsphere-rest/services.js';
import { sortTime, TASK_STATUSES } from '../../src/model/task.js';
import type { VsphereRestSimulator } from '../../src/simulators/vsphere-rest/index.js';
import { startFixture, type ContractFixture } from '../contract/adapter-contract.js';

const ctx = { requestId: 'req-list' };
let f: ContractFixture;
let sim: VsphereRestSimulator;

interface ListBody {
  filter_spec: Record<string, unknown>;
  result_spec: { return_all: boolean; exclude_result: boolean };
}

/** Bodies of the list calls made by `run`. */
async function listBodies(run: () => Promise<unknown>): Promise<ListBody[]> {
  const from = sim.received.length;
  await run();
  return sim.received
    .slice(from)
    .filter((r) => r.path === '/api/cis/tasks' && r.query === 'action=list')
    .map((r) => JSON.parse(r.body) as ListBody);
}

beforeAll(async () => {
  f = await startFixture('vsphere-rest', 'vsphere-rest');
  sim = f.sim as VsphereRestSimulator;
  for (let i = 0; i < 25; i++) {
    f.sim.world.spawn();
    f.clock.advance(1000);
  }
  f.clock.advance(3000);
});
afterAll(async () => {
  await f.adapter.close();
  await f.sim.close();
});

describe('vsphere-rest list pushdown (what arrives at vCenter)', () => {
  it('sends one call per default service with a result_spec and nothing else', async () => {
    const bodies = await listBodies(() => f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 5 }, ctx));
    // Sent concurrently: compare as a set.
    expect(bodies.map((b) => b.filter_spec)).toEqual(expect.arrayContaining(DEFAULT_SERVICES.map((s) => ({ services: [s] }))));
    expect(bodies).toHaveLength(DEFAULT_SERVICES.length);
    expect(bodies[0]!.result_spec).toEqual({ return_all: false, exclude_result: false });
    const list = sim.received.find((r) => r.query === 'action=list')!;
    expect(list.method).toBe('POST');
    expect(list.headers['content-type']).toBe('application/json');
  });

  it('asks for no results when the caller does not read them, and the simulator leaves them out', async () => {
    const query = { filter: {}, direction: 'DESC' as const, limit: 50 };
    let withResults: Array<string | null> = [];
    const full = await listBodies(async () => (withResults = (await f.adapter.listTasks(query, ctx)).tasks.map((t) => t.result)));
    expect(full.every((b) => b.result_spec.exclude_result === false)).toBe(true);
    expect(withResults.some((r) => r !== null)).toBe(true);
    let without: Array<string | null> = [];
    const lean = await listBodies(async () => (without = (await f.adapter.listTasks({ ...query, select: new Set(['nativeId', 'status'] as const) }, ctx)).tasks.map((t) => t.result)));
    expect(lean).toHaveLength(DEFAULT_SERVICES.length);
    expect(lean.every((b) => b.result_spec.exclude_result === true)).toBe(true);
    expect(without).toEqual(withResults.map(() => null));
  });

  it('pushes status (CANCELED as FAILED) and a typed entity as a target', async () => {
    const bodies = await listBodies(() =>
      f.adapter.listTasks({ filter: { statuses: ['RUNNING', 'CANCELED'], entity: { nativeId: 'domain-c9', type: 'ClusterComputeResource' } }, direction: 'DESC', limit: 5 }, ctx),
    );
    expect(bodies).toHaveLength(DEFAULT_SERVICES.length);
    for (const b of bodies) {
      expect(b.filter_spec.status).toEqual(['RUNNING', 'FAILED']);
      expect(b.filter_spec.targets).toEqual([{ type: 'ClusterComputeResource', id: 'domain-c9' }]);
    }
  });

  it('pushes operations as service + operation, and sends nothing for statuses vAPI never has', async () => {
    const ops = await listBodies(() => f.adapter.listTasks({ filter: { operations: ['com.vmware.esx.settings.clusters.software.apply$task'] }, direction: 'DESC', limit: 50 }, ctx));
    expect(ops.map((b) => b.filter_spec)).toEqual([{ services: ['com.vmware.esx.settings.clusters.software'], operations: ['apply$task'] }]);
    const none = await listBodies(async () => {
      const page = await f.adapter.listTasks({ filter: { statuses: ['QUEUED'] }, direction: 'DESC', limit: 5 }, ctx);
      expect(page).toEqual({ tasks: [], hasMore: false, totalCount: 0 });
    });
    expect(none).toEqual([]);
  });

  it('returns exactly the tasks the simulator would, filtered by operation', async () => {
    const page = await f.adapter.listTasks({ filter: { operations: ['com.vmware.esx.settings.clusters.software.apply$task'] }, direction: 'DESC', limit: 100 }, ctx);
    const expected = f.sim.world.list().filter((t) => t.operation === 'com.vmware.esx.settings.clusters.software.apply$task');
    expect(page.tasks.map((t) => t.nativeId.split(':')[0]).sort()).toEqual(expected.map((t) => t.id).sort());
    expect(page.totalCount).toBe(expected.length);
  });
});

describe('vsphere-rest local filtering and keyset paging', () => {
  it('pages ASC and DESC without gaps or repeats, honouring time bounds and parent', async () => {
    const all = (await f.adapter.listTasks({ filter: {}, direction: 'ASC', limit: 1000 }, ctx)).tasks;
    expect(all.length).toBe(f.sim.world.list().length);
    const mid = sortTime(all[Math.floor(all.length / 2)]!);
    const bounded = await f.adapter.listTasks({ filter: { createdAfter: new Date(mid) }, direction: 'ASC', limit: 1000 }, ctx);
    expect(bounded.tasks.every((t) => sortTime(t) >= mid)).toBe(true);
    expect(bounded.totalCount).toBe(all.filter((t) => sortTime(t) >= mid).length);

    const seen: string[] = [];
    let after;
    for (;;) {
      const page = await f.adapter.listTasks({ filter: {}, direction: 'ASC', limit: 4, after }, ctx);
      seen.push(...page.tasks.map((t) => t.nativeId));
      if (!page.hasMore) break;
      const last = page.tasks.at(-1)!;
      after = { time: sortTime(last), nativeId: last.nativeId };
    }
    expect(seen).toEqual(all.map((t) => t.nativeId));

    const child = all.find((t) => t.parentId !== null)!;
    const kids = await f.adapter.listTasks({ filter: { parentId: child.parentId! }, direction: 'DESC', limit: 100 }, ctx);
    expect(kids.tasks.map((t) => t.nativeId)).toContain(child.nativeId);
    expect(kids.tasks.every((t) => t.parentId === child.parentId && t.rootId === child.parentId)).toBe(true);
  });

  it('gives the same page when it maps only the page (a filter on time alone) as when it maps every task', async () => {
    const all = (await f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 1000 }, ctx)).tasks;
    expect(all.some((t) => t.rootId !== null)).toBe(true); // subtasks, whose root is resolved over every task, not the page's
    // Every status: the same tasks, through the path that maps them all to check the filter.
    const everyStatus = { statuses: TASK_STATUSES };
    const times = all.map(sortTime);
    const at = (i: number) => all[i % all.length]!;
    for (let i = 0; i < 24; i++) {
      const direction = i % 2 ? ('ASC' as const) : ('DESC' as const);
      const bounds = i % 3 === 0 ? { createdAfter: new Date(times[(i * 7) % times.length]!) } : i % 3 === 1 ? { createdBefore: new Date(times[(i * 5) % times.length]!) } : {};
      const after = i % 4 === 0 ? undefined : { time: sortTime(at(i * 3)), nativeId: at(i * 3).nativeId };
      const query = { direction, limit: 1 + ((i * 11) % 40), after };
      const byKey = await f.adapter.listTasks({ ...query, filter: bounds }, ctx);
      const mapped = await f.adapter.listTasks({ ...query, filter: { ...bounds, ...everyStatus } }, ctx);
      expect(byKey).toEqual(mapped);
    }
  });

  it('skips a service the vCenter refuses with INVALID_ARGUMENT, but not a server error', async () => {
    sim.server.setFaults({ failNext: 1, failStatus: 400 });
    const page = await f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 1000 }, ctx);
    expect(page.tasks.length).toBeGreaterThan(0);
    sim.server.setFaults({ failNext: 1, failStatus: 500 });
    await expect(f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 5 }, ctx)).rejects.toMatchObject({ code: 'BACKEND_ERROR', vendorCode: 'INTERNAL_SERVER_ERROR' });
  });
});

describe('vsphere-rest get many by id', () => {
  it('sends one list call per service with filter_spec.tasks, keeps order, null for missing', async () => {
    const all = (await f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 1000 }, ctx)).tasks;
    const vm = all.find((t) => t.nativeId.endsWith(':com.vmware.vcenter.vm'))!;
    const cluster = all.filter((t) => t.nativeId.endsWith(':com.vmware.esx.settings.clusters.software')).slice(0, 2);
    const missing = '00000000-0000-4000-8000-000000000000:com.vmware.vcenter.vm';
    const ids = [cluster[0]!.nativeId, missing, vm.nativeId, cluster[1]!.nativeId, vm.nativeId];
    let got: unknown[] = [];
    const bodies = await listBodies(async () => {
      got = await f.adapter.getTasks(ids, ctx);
    });
    expect(got.map((t) => (t === null ? null : (t as { nativeId: string }).nativeId))).toEqual([ids[0], null, ids[2], ids[3], ids[4]]);
    expect(bodies).toHaveLength(2);
    expect(bodies.map((b) => b.filter_spec)).toEqual(
      expect.arrayContaining([{ tasks: [cluster[0]!.nativeId, cluster[1]!.nativeId] }, { tasks: [missing, vm.nativeId] }]),
    );
  });

  it('falls back to GET per id when the batch is refused, and reports per-id failures as values', async () => {
    const [a, b] = (await f.adapter.listTasks({ filter: { operations: ['com.vmware.vcenter.vm.clone$task'] }, direction: 'DESC', limit: 2 }, ctx)).tasks;
    sim.server.setFaults({ failNext: 1, failStatus: 400 });
    const from = sim.received.length;
    const got = await f.adapter.getTasks([a!.nativeId, b!.nativeId], ctx);
    expect(got.map((t) => (t as { nativeId: string }).nativeId)).toEqual([a!.nativeId, b!.nativeId]);
    expect(sim.received.slice(from).filter((r) => r.method === 'GET').map((r) => decodeURIComponent(r.path))).toEqual(
      expect.arrayContaining([`/api/cis/tasks/${a!.nativeId}`, `/api/cis/tasks/${b!.nativeId}`]),
    );
  });

  it('caps filter_spec.tasks at 1000 ids per call', async () => {
    const ids = Array.from({ length: 1001 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}:com.vmware.vcenter.vm`);
    let got: unknown[] = [];
    const bodies = await listBodies(async () => {
      got = await f.adapter.getTasks(ids, ctx);
    });
    expect(got).toHaveLength(1001);
    expect(got.every((t) => t === null)).toBe(true);
    expect(bodies.map((b) => (b.filter_spec.tasks as string[]).length).sort()).toEqual([1, 1000]);
  });

  it('rejects the whole batch only when the backend failed for every id', async () => {
    sim.server.setFaults({ failNext: 1, failStatus: 503 });
    await expect(f.adapter.getTasks(['52a8f1c0-1d2e-4f3a-9b8c-7d6e5f4a3b2c:com.vmware.vcenter.vm'], ctx)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });
});

describe('vsphere-rest simulator validation', () => {
  it('answers INVALID_ARGUMENT when neither tasks nor services are given, and 401 without a session', async () => {
    const login = await fetch(`${sim.server.url}/api/session`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from('administrator@vsphere.local:VMware1!sim').toString('base64') },
    });
    expect(login.status).toBe(201);
    const session = (await login.json()) as string;
    const list = (body: unknown, headers: Record<string, string> = { 'vmware-api-session-id': session }) =>
      fetch(`${sim.server.url}/api/cis/tasks?action=list`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const empty = await list({ filter_spec: { services: [], status: ['RUNNING'] } });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error_type: 'INVALID_ARGUMENT', messages: [{ id: expect.any(String), default_message: expect.any(String), args: [] }] });
    const badStatus = await list({ filter_spec: { services: ['com.vmware.vcenter.vm'], status: ['DONE'] } });
    expect(badStatus.status).toBe(400);
    const anonymous = await list({ filter_spec: { services: ['com.vmware.vcenter.vm'] } }, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
    expect(await anonymous.json()).toMatchObject({ error_type: 'UNAUTHENTICATED' });
    const users = await list({ filter_spec: { services: ['com.vmware.vcenter.vm'], users: ['nobody'] } });
    expect(await users.json()).toEqual({});
    await fetch(`${sim.server.url}/api/session`, { method: 'DELETE', headers: { 'vmware-api-session-id': session } });
  });
});
