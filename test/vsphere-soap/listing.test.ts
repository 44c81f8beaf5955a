/**
 * Listing and batch reads against taskgraph's vim25 simulator, through a recording proxy:
 * the TaskFilterSpec pushdown, collectors always destroyed (but a first page's, kept for the
 * next poll, then destroyed when idle), constant cost per page, the
 * recentTask fallback learned once per session, RetrievePropertiesEx batching, and the wire
 * details every call carries (SOAPAction, Content-Type, operationID, the session cookie).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ListQuery } from '../../src/adapters/contract.js';
import { BackendError } from '../../src/adapters/errors.js';
import { compareTasks, matchesFilter, type TaskFilter } from '../../src/model/filter.js';
import { isTerminal, sortTime, type TaskModel } from '../../src/model/task.js';
import { VimClient } from '../../src/adapters/vsphere-soap/client.js';
import pLimit from 'p-limit';
import { createLister } from '../../src/adapters/vsphere-soap/listing.js';
import { Secret } from '../../src/model/secret.js';
import { waitFor } from '../support/gateway.js';
import { faultBody, populate, startFixture, type Fixture } from './harness.js';

const ctx = { requestId: 'req-42' };

async function pages(f: Fixture, filter: TaskFilter, direction: 'ASC' | 'DESC', limit: number): Promise<TaskModel[][]> {
  const out: TaskModel[][] = [];
  let after: ListQuery['after'];
  for (let i = 0; i < 100; i++) {
    const page = await f.adapter.listTasks({ filter, direction, limit, after }, ctx);
    out.push(page.tasks);
    if (!page.hasMore) return out;
    const last = page.tasks[page.tasks.length - 1]!;
    after = { time: sortTime(last), nativeId: last.nativeId };
  }
  throw new Error('paging did not end');
}

describe('listing through TaskHistoryCollectors', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await startFixture();
    populate(f, 25);
  });
  afterEach(() => f.close());

  it('pages both directions with exactly the tasks the filter selects, at a constant cost per page', async () => {
    const all = f.sim.world.list().length;
    for (const direction of ['DESC', 'ASC'] as const) {
      f.recorder.requests.length = 0;
      const got = (await pages(f, {}, direction, 6)).flat();
      expect(got).toHaveLength(all);
      expect([...got].sort((a, b) => compareTasks(a, b, direction))).toEqual(got);
      const perPage = f.count('CreateCollectorForTasks');
      // The first DESC page's collector is kept for the next poll; every other one is destroyed.
      expect(f.count('DestroyCollector')).toBe(perPage - (direction === 'DESC' ? 1 : 0));
      // Create, position (SetCollectorPageSize or Rewind), read, refresh of unfinished tasks, Destroy: never more.
      expect(f.recorder.requests.filter((r) => r.method !== 'Login' && r.method !== 'RetrieveServiceContent').length).toBeLessThanOrEqual(perPage * 6);
    }
  });

  it('pushes time, keyset, state, entity and parent into the TaskFilterSpec', async () => {
    const [first] = await f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 1 }, ctx).then((p) => p.tasks);
    const child = f.sim.world.list().find((t) => t.parentId)!;
    const parentKey = `task-${f.sim.world.get(child.parentId!)!.seq}`;
    const entity = first!.entitiesAffected[0]!;
    const filter: TaskFilter = {
      statuses: ['RUNNING', 'CANCELING', 'SUCCEEDED'],
      createdAfter: new Date('2026-03-01T10:00:02.000Z'),
      createdBefore: new Date('2026-03-01T10:00:40.000Z'),
      entity: { nativeId: entity.nativeId, type: entity.type },
      parentId: parentKey,
    };
    f.recorder.requests.length = 0;
    await f.adapter.listTasks({ filter, direction: 'DESC', limit: 5, after: { time: Date.parse('2026-03-01T10:00:30.000Z'), nativeId: 'task-9' } }, ctx);
    const [create] = f.recorder.calls('CreateCollectorForTasks');
    expect(create!.body).toContain(
      `<filter><entity><entity type="${entity.type}">${entity.nativeId}</entity><recursion>self</recursion></entity>` +
        '<time><timeType>queuedTime</timeType><beginTime>2026-03-01T10:00:02.000Z</beginTime><endTime>2026-03-01T10:00:30.001Z</endTime></time>' +
        `<state>running</state><state>success</state><parentTaskKey>${parentKey}</parentTaskKey></filter>`,
    );
  });

  it('finishes locally what vim cannot filter: operations, CANCELING vs RUNNING, and parents', async () => {
    const all = (await pages(f, {}, 'DESC', 100)).flat();
    const op = all.find((t) => t.parentId === null)!.operation!;
    for (const filter of [{ operations: [op] }, { statuses: ['CANCELED' as const] }, { parentId: all.find((t) => t.parentId)!.parentId! }]) {
      const got = (await pages(f, filter, 'DESC', 3)).flat();
      expect(got.map((t) => t.nativeId)).toEqual(all.filter((t) => matchesFilter(t, filter)).map((t) => t.nativeId));
      const asc = (await pages(f, filter, 'ASC', 3)).flat();
      expect(asc.map((t) => t.nativeId)).toEqual(got.map((t) => t.nativeId).reverse());
    }
    // Sparse matches needed reads beyond the latest page, from just before it.
    expect(f.count('ResetCollector')).toBeGreaterThan(0);
    expect(f.count('ReadPreviousTasks')).toBeGreaterThan(0);
    // Statuses vim never reports cost no call.
    f.recorder.requests.length = 0;
    expect(await f.adapter.listTasks({ filter: { statuses: ['SUSPENDED'] }, direction: 'DESC', limit: 5 }, ctx)).toEqual({ tasks: [], hasMore: false, totalCount: null });
    expect(f.recorder.requests).toHaveLength(0);
  });

  it('destroys the collector while unfinished tasks are re-read, not after, and answers when both are done', async () => {
    const [newest] = (await f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 1 }, ctx)).tasks;
    // A page after a keyset position takes a collector of its own.
    const list = () => f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 10, after: { time: sortTime(newest!), nativeId: newest!.nativeId } }, ctx);
    expect((await list()).tasks.filter((t) => !isTerminal(t.status)).length).toBeGreaterThan(0);
    f.recorder.requests.length = 0;
    const destroyed = f.recorder.answered('DestroyCollector');
    // The re-read (RetrievePropertiesEx of Task.info, not of the collector's latestPage) waits.
    const release = f.recorder.hold('RetrievePropertiesEx', (body) => !body.includes('latestPage'));
    let answered = false;
    const page = list().finally(() => (answered = true));
    await waitFor(() => f.count('RetrievePropertiesEx') === 2 && f.recorder.answered('DestroyCollector') === destroyed + 1, 'DestroyCollector answered while the re-read waits');
    expect(answered).toBe(false);
    release();
    expect((await page).tasks).toHaveLength(10);
  });

  it('destroys the collector when a read fails mid-listing, kept or not', async () => {
    const [newest] = (await f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 2 }, ctx)).tasks;
    const keyset = { time: sortTime(newest!), nativeId: newest!.nativeId };
    expect(f.sim.collectorCount()).toBe(1);
    for (const query of [{ limit: 20 }, { limit: 2, after: keyset }]) {
      f.recorder.failOnce('SetCollectorPageSize', faultBody('SystemError', 'A general system error occurred: disk full'));
      const err = await f.adapter.listTasks({ filter: {}, direction: 'DESC', ...query }, ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect(err).toMatchObject({ code: 'BACKEND_ERROR', vendorCode: 'SystemError', backend: 'sim' });
      expect((err as Error).message).toBe('sim: SetCollectorPageSize failed: SystemError: A general system error occurred: disk full');
      expect(f.sim.collectorCount()).toBe(1);
    }
  });

  it("keeps a first page's collector: the next poll reads its latestPage, which has the tasks created since", async () => {
    const list = () => f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 10 }, ctx);
    const before = (await list()).tasks;
    f.sim.world.spawn();
    f.clock.advance(1000);
    f.recorder.requests.length = 0;
    const after = (await list()).tasks;
    // One read of latestPage, one re-read of the unfinished tasks; no collector made or destroyed.
    expect(f.recorder.requests.map((r) => r.method)).toEqual(['RetrievePropertiesEx', 'RetrievePropertiesEx']);
    expect(f.recorder.requests[0]!.body).toContain('<pathSet>latestPage</pathSet>');
    const seen = new Set(before.map((t) => t.nativeId));
    const added = after.filter((t) => !seen.has(t.nativeId)).length;
    const newest = f.sim.world.list().reduce((a, b) => (b.seq > a.seq ? b : a));
    expect(added).toBeGreaterThan(0);
    expect(after.map((t) => t.nativeId)).toContain(`task-${newest.seq}`);
    expect(after.slice(added).map((t) => t.nativeId)).toEqual(before.slice(0, 10 - added).map((t) => t.nativeId));
    // The same page as a collector of its own gives (a keyset just above the newest task).
    const fresh = () => f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 10, after: { time: sortTime(after[0]!) + 1, nativeId: '' } }, ctx);
    expect(after).toEqual((await fresh()).tasks);

    // No new task: the tasks unfinished last time are read live in the same call as the page.
    f.clock.advance(500);
    f.recorder.requests.length = 0;
    const steady = (await list()).tasks;
    expect(f.recorder.requests.map((r) => r.method)).toEqual(['RetrievePropertiesEx']);
    expect(f.recorder.requests[0]!.body).toContain('<pathSet>latestPage</pathSet>');
    expect(f.recorder.requests[0]!.body).toContain('<type>Task</type><pathSet>info</pathSet>');
    expect(steady.filter((t) => !isTerminal(t.status)).length).toBeGreaterThan(0);
    expect(steady).toEqual((await fresh()).tasks);
  });

  it('keeps a collector whose latestPage is empty: the object comes back with no propSet, as vcsim answers', async () => {
    // vcsim (govmomi simulator/property_collector.go): an unset property is dropped from
    // propSet but its ObjectContent stays; only a missing object is left out (or faults).
    const filter: TaskFilter = { entity: { nativeId: 'vm-404', type: 'VirtualMachine' } };
    const list = () => f.adapter.listTasks({ filter, direction: 'DESC', limit: 10 }, ctx);
    expect((await list()).tasks).toEqual([]);
    f.recorder.requests.length = 0;
    for (let i = 0; i < 3; i++) expect((await list()).tasks).toEqual([]);
    expect(f.recorder.requests.map((r) => r.method)).toEqual(['RetrievePropertiesEx', 'RetrievePropertiesEx', 'RetrievePropertiesEx']);
    expect(f.recorder.requests[0]!.body).toContain('<pathSet>latestPage</pathSet>');
    expect(f.sim.collectorCount()).toBe(1);
  });

  it('replaces a kept collector the server lost, or that died with its session', async () => {
    const list = () => f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 5 }, ctx);
    const expected = (await list()).tasks.map((t) => t.nativeId);
    f.recorder.failOnce('RetrievePropertiesEx', faultBody('ManagedObjectNotFound', 'The object has already been deleted or has not been completely created'));
    expect((await list()).tasks.map((t) => t.nativeId)).toEqual(expected);
    expect(f.count('CreateCollectorForTasks')).toBe(2); // the listing's own, destroyed
    await list();
    expect(f.count('CreateCollectorForTasks')).toBe(3); // kept again
    f.sim.expireSessions();
    expect((await list()).tasks.map((t) => t.nativeId)).toEqual(expected);
    expect(f.count('Login')).toBe(2);
    expect(f.count('CreateCollectorForTasks')).toBe(4);
    expect(f.sim.collectorCount()).toBe(1);
  });

  it('destroys kept collectors when idle, and the least recently used beyond the limit', async () => {
    const { username, password } = f.sim.backendConfig('sim') as { username: string; password: string };
    const client = new VimClient({ backend: 'sim', baseUrl: f.recorder.url, apiVersion: '7.0', username, password: new Secret(password), timeoutMs: 5000 });
    const lister = createLister(client, pLimit(8), { idleMs: 300, max: 2 });
    try {
      const list = (limit: number) => lister.list({ filter: {}, direction: 'DESC', limit }, ctx);
      await list(10);
      await list(20);
      await list(30);
      // Three first pages of different sizes; two kept, the first destroyed.
      await waitFor(() => f.sim.collectorCount() === 2, 'the least recently used collector destroyed');
      await list(20); // used again: kept
      expect(f.count('CreateCollectorForTasks')).toBe(3);
      await waitFor(() => f.sim.collectorCount() === 0, 'idle collectors destroyed', 5000);
      expect(f.count('DestroyCollector')).toBe(3);
    } finally {
      lister.close();
      await client.close();
    }
  });

  it('lets a list whose newest page falls short of matches scroll with collectors of its own', async () => {
    const all = (await pages(f, {}, 'DESC', 100)).flat();
    const filter = { operations: [all.find((t) => t.parentId === null)!.operation!] };
    const expected = all.filter((t) => matchesFilter(t, filter)).slice(0, 3);
    for (let i = 0; i < 3; i++) expect((await f.adapter.listTasks({ filter, direction: 'DESC', limit: 3 }, ctx)).tasks).toEqual(expected);
    // latestPage of a kept collector once; then straight to a collector that can scroll.
    expect(f.count('ReadPreviousTasks')).toBeGreaterThanOrEqual(3);
    expect(f.sim.collectorCount()).toBe(1); // the unfiltered list's
  });

  it('sends SOAPAction, Content-Type, the request id as operationID, and the session cookie', async () => {
    await f.adapter.getTasks(['task-1'], { requestId: 'trace-7f3a' });
    const [login] = f.recorder.calls('Login');
    const [get] = f.recorder.calls('RetrievePropertiesEx');
    for (const r of [login!, get!]) {
      expect(r.headers.soapaction).toBe('urn:vim25/7.0');
      expect(r.headers['content-type']).toBe('text/xml; charset="utf-8"');
      expect(r.body).toContain('<soapenv:Header><operationID>trace-7f3a</operationID></soapenv:Header>');
    }
    expect(login!.headers.cookie).toBeUndefined();
    expect(get!.headers.cookie).toMatch(/^vmware_soap_session=[0-9a-f-]{36}$/);
  });
});

describe('listing without TaskHistoryCollectors (as vcsim and ESXi)', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await startFixture({ collectors: false });
    populate(f, 12);
  });
  afterEach(() => f.close());

  it('falls back to recentTask + one RetrievePropertiesEx, asking for the collector once per session', async () => {
    const all = (await pages(f, {}, 'DESC', 5)).flat();
    expect(all).toHaveLength(f.sim.world.list().length);
    expect(f.count('CreateCollectorForTasks')).toBe(1);
    const asc = (await pages(f, { statuses: ['SUCCEEDED'] }, 'ASC', 4)).flat();
    expect(asc.every((t) => t.status === 'SUCCEEDED')).toBe(true);
    expect(f.count('CreateCollectorForTasks')).toBe(1);
    f.sim.expireSessions();
    await f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 5 }, ctx);
    expect(f.count('Login')).toBe(2);
    expect(f.count('CreateCollectorForTasks')).toBe(2);
  });
});

describe('getTasks', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await startFixture();
    populate(f, 5);
  });
  afterEach(() => f.close());

  it('reads many tasks in one RetrievePropertiesEx per 200 ids, in order, null for missing ones', async () => {
    const keys = f.sim.world.list().map((t) => `task-${t.seq}`);
    const ids = [...keys, ...Array.from({ length: 230 }, (_, i) => `task-${5000 + i}`), keys[0]!];
    f.recorder.requests.length = 0;
    const got = await f.adapter.getTasks(ids, ctx);
    expect(got).toHaveLength(ids.length);
    expect(got.map((t) => (t && !(t instanceof Error) ? t.nativeId : t))).toEqual(ids.map((id) => (keys.includes(id) ? id : null)));
    expect(f.count('RetrievePropertiesEx')).toBe(2);
  });

  it('renews an expired session once for concurrent callers', async () => {
    await f.adapter.getTasks(['task-1'], ctx);
    f.sim.expireSessions();
    const results = await Promise.all(Array.from({ length: 5 }, () => f.adapter.getTasks(['task-1', 'task-2'], ctx)));
    expect(results.every((r) => (r[0] as TaskModel).nativeId === 'task-1')).toBe(true);
    expect(f.count('Login')).toBe(2);
    expect(f.sim.sessionCount()).toBe(1);
  });

  it('logs out on close', async () => {
    await f.adapter.getTasks(['task-1'], ctx);
    expect(f.sim.sessionCount()).toBe(1);
    await f.adapter.close();
    expect(f.count('Logout')).toBe(1);
    expect(f.sim.sessionCount()).toBe(0);
  });
});
