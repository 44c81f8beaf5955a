/**
 * Listing over HTTP against the simulator: keyset paging across upstream pages, every filter in
 * both filter encodings (below 35: filterEncoded + double encoding; 35+: backslash escapes),
 * ties, totals, the terminal-task cache, and tenant isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskAdapter } from '../../src/adapters/contract.js';
import { compareTasks, matchesFilter, type TaskFilter } from '../../src/model/filter.js';
import { sortTime, type TaskModel } from '../../src/model/task.js';
import { count, ctx, listAll, startVcd, type VcdFixture } from './fixture.js';

const ids = (tasks: TaskModel[]) => tasks.map((t) => t.nativeId);
const vappOf = (tasks: TaskModel[]) => tasks.flatMap((t) => t.entitiesAffected).find((e) => e.type === 'vApp')!.nativeId;

describe.each([
  ['36.0', 'once-encoded with backslash escapes'],
  ['34.0', 'filterEncoded=true, double-encoded'],
])('vcd listing at API %s (%s)', (apiVersion) => {
  let f: VcdFixture;
  let adapter: TaskAdapter;
  let all: TaskModel[];
  let special: TaskModel;

  beforeAll(async () => {
    f = await startVcd();
    for (let i = 0; i < 40; i++) {
      f.sim.world.spawn();
      f.clock.advance(700);
    }
    f.clock.advance(3000);
    adapter = f.adapter({ apiVersion });
    special = await adapter.createTask!(
      {
        operation: 'backup(full),db;nightly',
        description: 'Nightly backup, full (db)',
        serviceNamespace: 'com.example.backup',
        owner: null,
        status: 'RUNNING',
        progress: 5,
        details: null,
        cancelable: false,
        parentId: null,
      },
      ctx,
    );
    all = await listAll(adapter, 1000);
  });
  afterAll(async () => f?.close());

  it('lists every task once, in (time, id) order, across pages of any size', async () => {
    expect(all).toHaveLength(f.sim.world.list().length);
    expect([...all].sort((a, b) => compareTasks(a, b, 'DESC'))).toEqual(all);
    for (const size of [1, 7, 25]) expect(ids(await listAll(adapter, size))).toEqual(ids(all));
    const asc = await listAll(adapter, 9, {}, 'ASC');
    expect(ids(asc)).toEqual(ids(all).reverse());
  });

  it('costs one upstream query per page, and finished tasks are read once', async () => {
    // A page larger than vCD's default of 25 records too (no page boundary of 30 falls on tied
    // start times here): the record read beyond the page to see ties costs no second query.
    f.sim.server.resetCounts();
    const larger = await listAll(adapter, 30);
    expect(count(f.sim, 'list tasks')).toBe(Math.ceil(larger.length / 30));
    f.sim.server.resetCounts();
    const pages = await listAll(adapter, 10);
    const listCalls = count(f.sim, 'list tasks');
    const unfinished = pages.filter((t) => !['SUCCEEDED', 'FAILED', 'CANCELED'].includes(t.status)).length;
    // Every finished task was read (and cached) by the listings in beforeAll.
    expect(count(f.sim, 'get task')).toBeLessThanOrEqual(unfinished + listCalls);
  });

  it('reports the total on the first page', async () => {
    const page = await adapter.listTasks({ filter: {}, direction: 'DESC', limit: 3 }, ctx);
    expect(page.totalCount).toBe(all.length);
    expect(page.hasMore).toBe(true);
  });

  const cases: Array<[string, () => TaskFilter]> = [
    ['each status', () => ({})],
    ['operation names', () => ({ operations: ['vappDeploy', 'catalogCreateCatalog'] })],
    ['an operation name with ( ) , ;', () => ({ operations: [special.operation!] })],
    ['the entity', () => ({ entity: { nativeId: vappOf(all) } })],
    ['the entity and its type', () => ({ entity: { nativeId: vappOf(all), type: 'vApp' } })],
    ['a start-date range', () => ({ createdAfter: new Date(sortTime(all[30]!)), createdBefore: new Date(sortTime(all[5]!)) })],
    ['status and operation together', () => ({ statuses: ['SUCCEEDED', 'FAILED'], operations: ['vdcInstantiateVapp'] })],
  ];

  it.each(cases)('filters by %s, exactly', async (name, make) => {
    const filters: TaskFilter[] =
      name === 'each status' ? [...new Set(all.map((t) => t.status))].map((s) => ({ statuses: [s] })) : [make()];
    for (const filter of filters) {
      const expected = all.filter((t) => matchesFilter(t, filter));
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
      expect(ids(await listAll(adapter, 4, filter))).toEqual(ids(expected));
    }
  });

  it('pushes the filter down in the encoding of its API version', async () => {
    await adapter.listTasks({ filter: { operations: [special.operation!] }, direction: 'DESC', limit: 2 }, ctx);
    const query = f.sim.requests().filter((r) => r.path === '/api/query').at(-1)!;
    const params = new URLSearchParams(query.query);
    if (apiVersion === '34.0') {
      expect(params.get('filterEncoded')).toBe('true');
      expect(params.get('filter')).toBe('name==backup%28full%29%2Cdb%3Bnightly');
    } else {
      expect(params.get('filterEncoded')).toBeNull();
      expect(params.get('filter')).toBe('name==backup\\(full\\)\\,db\\;nightly');
    }
    expect(params.get('sortDesc')).toBe('startDate');
  });

  it('lists the subtasks of a parent from the parent itself', async () => {
    const parent = all.find((t) => (t.embeddedSubtasks?.length ?? 0) > 1)!;
    const children = await listAll(adapter, 1, { parentId: parent.nativeId });
    expect(ids(children).sort()).toEqual(ids(parent.embeddedSubtasks!).sort());
    expect(children.every((c) => c.parentId === parent.nativeId)).toBe(true);
    const listed = all.filter((t) => t.parentId === parent.nativeId);
    expect(ids(listed).sort()).toEqual(ids(children).sort());
  });
});

describe('vcd listing with ties on the start time', () => {
  let f: VcdFixture;
  afterAll(async () => f?.close());

  it('pages through 30 tasks that started in the same millisecond', async () => {
    f = await startVcd();
    for (let i = 0; i < 30; i++) f.sim.world.create({ operation: 'vappDeploy', description: `tie ${i}`, plan: { queuedMs: 0, runMs: 1_000_000 } });
    f.clock.advance(10);
    const adapter = f.adapter();
    const pages = await listAll(adapter, 4);
    expect(pages).toHaveLength(30);
    expect(new Set(ids(pages)).size).toBe(30);
    expect(ids(pages)).toEqual(ids([...pages].sort((a, b) => compareTasks(a, b, 'DESC'))));
    // Ties are re-read upstream (rel="nextPage") instead of being lost at page boundaries.
    expect(count(f.sim, 'list tasks')).toBeGreaterThan(8);
  });
});

describe('vcd links with the public address of the cell', () => {
  let f: VcdFixture;
  afterAll(async () => f?.close());

  it('follows nextPage and tasksList links on the configured URL, never on another host', async () => {
    f = await startVcd({ publicAddress: 'https://vcd.public.example' });
    // 30 ties: more than one upstream page of 25, so nextPage links are followed.
    for (let i = 0; i < 30; i++) f.sim.world.create({ operation: 'vappDeploy', description: `same time ${i}` });
    const adapter = f.adapter({ apiVersion: '32.0' });
    expect(await listAll(adapter, 10)).toHaveLength(30);
    const followed = f.sim.requests().filter((r) => r.path === '/api/query' && new URLSearchParams(r.query).get('page') === '2');
    expect(followed.length).toBeGreaterThan(0);
    const created = await adapter.createTask!(
      { operation: 'job', description: null, serviceNamespace: 'com.example', owner: null, status: 'RUNNING', progress: null, details: null, cancelable: false, parentId: null },
      ctx,
    );
    expect(created.entitiesAffected[0]!.href).toMatch(/^https:\/\/vcd\.public\.example\/api\/org\//);
  });
});

describe('vcd tenant isolation', () => {
  let f: VcdFixture;
  afterAll(async () => f?.close());

  it('shows a tenant only its org, and the System org every org through adminTask', async () => {
    f = await startVcd({ spawnOrgs: ['acme', 'globex'] });
    for (let i = 0; i < 20; i++) {
      f.sim.world.spawn();
      f.clock.advance(500);
    }
    const acme = f.adapter({}, 'acme');
    const globex = f.adapter({}, 'globex');
    const system = f.adapter({}, 'System');
    const [a, g, s] = await Promise.all([listAll(acme, 50), listAll(globex, 50), listAll(system, 50)]);
    const world = f.sim.world.list();
    expect(a.length).toBe(world.filter((t) => t.tenant === 'acme').length);
    expect(g.length).toBe(world.filter((t) => t.tenant === 'globex').length);
    expect(a.length).toBeGreaterThan(0);
    expect(g.length).toBeGreaterThan(0);
    expect(a.every((t) => t.tenant === 'acme') && g.every((t) => t.tenant === 'globex')).toBe(true);
    expect(s.length).toBe(world.length);

    const theirs = g[0]!;
    expect(await acme.getTasks([theirs.nativeId], ctx)).toEqual([null]);
    expect(await acme.cancelTask!(theirs.nativeId, ctx)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect((await system.getTasks([theirs.nativeId], ctx))[0]).toMatchObject({ nativeId: theirs.nativeId, tenant: 'globex' });
  });

  it('refuses the adminTask query to a tenant with 403', async () => {
    const cfg = f.sim.backendConfig('x') as { url: string; username: string; password: string; org: string };
    const login = await fetch(`${cfg.url}/cloudapi/1.0.0/sessions`, {
      method: 'POST',
      headers: { accept: 'application/json;version=36.0', authorization: `Basic ${Buffer.from(`${cfg.username}@${cfg.org}:${cfg.password}`).toString('base64')}` },
    });
    const token = login.headers.get('x-vmware-vcloud-access-token');
    const res = await fetch(`${cfg.url}/api/query?type=adminTask&format=records`, {
      headers: { accept: 'application/*+xml;version=36.0', authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('application/vnd.vmware.vcloud.error+xml;version=36.0');
    expect(await res.text()).toContain('minorErrorCode="ACCESS_TO_RESOURCE_IS_FORBIDDEN"');
  });
});

describe("vcd polled list: the last answer's unfinished tasks read beside the query", () => {
  it('sends their GETs with the query, and the page is the one a list without them gives', async () => {
    const f = await startVcd();
    try {
      for (let i = 0; i < 20; i++) {
        f.sim.world.spawn();
        f.clock.advance(700);
      }
      // More GETs at once than the page has unfinished tasks (at 8, the 9th would wait for one).
      const adapter = f.adapter({ maxConcurrentGets: 32 });
      const query = { filter: {}, direction: 'DESC' as const, limit: 10 };
      const first = await adapter.listTasks(query, { requestId: 'poll-1', request: Symbol('poll-1') });
      const second11th = await adapter.listTasks({ ...query, after: { time: sortTime(first.tasks[9]!), nativeId: first.tasks[9]!.nativeId }, limit: 1 }, ctx);
      // The page's tasks and the one read beyond it (is there more?).
      const running = [...first.tasks, ...second11th.tasks].filter((t) => !['SUCCEEDED', 'FAILED', 'CANCELED'].includes(t.status));
      expect(running.length).toBeGreaterThan(1);
      f.clock.advance(200);

      // With 1 s per answer, a GET sent after the query was answered arrives 1 s after it.
      f.sim.server.setFaults({ latencyMs: 1000 });
      const from = f.sim.server.recent().length;
      const second = await adapter.listTasks(query, { requestId: 'poll-2', request: Symbol('poll-2') });
      const sent = f.sim.server.recent().slice(from);
      const queryAt = sent.find((r) => r.path === '/api/query')!.receivedAt!;
      const gets = sent.filter((r) => r.path.startsWith('/api/task/'));
      expect(gets.map((r) => r.path.split('/').pop()).sort()).toEqual(running.map((t) => t.nativeId.split(':').pop()).sort());
      for (const get of gets) expect(get.receivedAt! - queryAt).toBeLessThan(500);
      // The same page as a third list with nothing prefetched (another filter key: limit 11) reads.
      f.sim.server.setFaults({ latencyMs: 0 });
      const fresh = await adapter.listTasks({ ...query, limit: 11 }, { requestId: 'poll-3', request: Symbol('poll-3') });
      expect(second.tasks).toEqual(fresh.tasks.slice(0, 10));

    } finally {
      await f.close();
    }
  });
});
