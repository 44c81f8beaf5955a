/**
 * Listing over the nodes: exact keyset order although a node lists its tasks by end time,
 * ties within a second, filters pushed down as Tasks.pm's parameters (and the same answer as
 * filtering locally), totals, and a first page that reads one page of each node, not all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskAdapter } from '../../src/adapters/contract.js';
import { compareKeys, matchesFilter, type SortDirection, type TaskFilter } from '../../src/model/filter.js';
import { sortTime, type TaskModel } from '../../src/model/task.js';
import { ctx, spawn, startFixture, type Fixture } from './support.js';

const THIN = new Set(['status', 'operation', 'entitiesAffected', 'tenant'] as const);

async function listAll(adapter: TaskAdapter, filter: TaskFilter, direction: SortDirection, limit: number): Promise<TaskModel[]> {
  const out: TaskModel[] = [];
  let after;
  for (let i = 0; i < 500; i++) {
    const page = await adapter.listTasks({ filter, direction, limit, after, select: THIN }, ctx);
    out.push(...page.tasks);
    const last = page.tasks[page.tasks.length - 1];
    if (!page.hasMore || !last) return out;
    after = { time: sortTime(last), nativeId: last.nativeId };
  }
  throw new Error('paging did not end');
}

const key = (t: TaskModel) => ({ time: sortTime(t), nativeId: t.nativeId });

describe('listing over the nodes', () => {
  let f: Fixture;
  let adapter: TaskAdapter;
  let everything: TaskModel[];

  beforeAll(async () => {
    f = await startFixture();
    // Several a second (ties on the start second), running 3 to 12 s each: the nodes' lists,
    // in end order, differ from the start order.
    spawn(f, 150, 350);
    f.clock.now += 2000;
    adapter = f.adapter();
    everything = await listAll(adapter, {}, 'DESC', 1000);
  });
  afterAll(() => f.close());

  it('has every task of the world, in our order, the node lists in another', async () => {
    expect(everything).toHaveLength(150);
    const sorted = [...everything].sort((a, b) => compareKeys(key(a), key(b), 'DESC'));
    expect(everything.map((t) => t.nativeId)).toEqual(sorted.map((t) => t.nativeId));
    f.mark();
    const raw = (await (await fetch(`${f.sim.server.url}/api2/json/nodes/pve1/tasks?source=all&limit=1000`, { headers: { Authorization: `PVEAPIToken=${String(f.sim.tokenConfig('x').tokenId)}=${String(f.sim.tokenConfig('x').tokenSecret)}` } })).json()) as {
      data: Array<{ starttime: number }>;
    };
    const starts = raw.data.map((r) => r.starttime);
    expect(starts).not.toEqual([...starts].sort((a, b) => b - a));
  });

  it.each([
    ['DESC', 1],
    ['DESC', 7],
    ['ASC', 4],
    ['ASC', 50],
  ] as const)('pages %s by %i: every task once, in order', async (direction, limit) => {
    const paged = await listAll(adapter, {}, direction, limit);
    const expected = [...everything].sort((a, b) => compareKeys(key(a), key(b), direction));
    expect(paged.map((t) => t.nativeId)).toEqual(expected.map((t) => t.nativeId));
  });

  it.each<[string, TaskFilter]>([
    ['one type', { operations: ['vzdump'] }],
    ['two types', { operations: ['qmstart', 'vzstart'] }],
    ['failed', { statuses: ['FAILED'] }],
    ['succeeded', { statuses: ['SUCCEEDED'] }],
    ['one guest', { entity: { nativeId: '' } }],
    ['a time window', {}],
    ['a node', { scope: [{ dimension: 'proxmoxNodes', field: 'tenant', values: ['pve2'] }] }],
    ['a qemu guest of a type', {}],
  ])('filters by %s as filtering locally does', async (what, given) => {
    let filter = given;
    if (what === 'one guest') filter = { entity: { nativeId: everything.find((t) => t.entitiesAffected.length)!.entitiesAffected[0]!.nativeId } };
    if (what === 'a time window') filter = { createdAfter: new Date(sortTime(everything[100]!)), createdBefore: new Date(sortTime(everything[20]!)) };
    if (what === 'a qemu guest of a type') {
      const guest = everything.find((t) => t.entitiesAffected[0]?.type === 'qemu')!;
      filter = { operations: [guest.operation!], entity: { nativeId: guest.entitiesAffected[0]!.nativeId, type: 'qemu' } };
    }
    const expected = everything.filter((t) => matchesFilter(t, filter)).map((t) => t.nativeId);
    expect(expected.length, 'the world has matching tasks').toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(everything.length);
    const got = await listAll(adapter, filter, 'DESC', 5);
    expect(got.map((t) => t.nativeId)).toEqual(expected);
  });

  it('sends the filters as the node list parameters', async () => {
    f.mark();
    await adapter.listTasks({ filter: { operations: ['qmigrate'], statuses: ['FAILED'], entity: { nativeId: '101' }, createdAfter: new Date('2026-03-01T10:00:10.200Z') }, direction: 'DESC', limit: 5, select: THIN }, ctx);
    const lists = f.requests().filter((r) => r.includes('/tasks?'));
    expect(lists).toHaveLength(3);
    for (const r of lists) expect(r).toMatch(/^GET \/nodes\/pve[123]\/tasks\?source=all&start=0&limit=100&since=1772359211&vmid=101&typefilter=qmigrate&statusfilter=error%2Cunknown$/);
    f.mark();
    await adapter.listTasks({ filter: { parentId: everything[0]!.nativeId }, direction: 'DESC', limit: 5 }, ctx);
    expect(f.requests()).toEqual([]);
  });

  it('counts the matches on a first page when the parameters say it all, not otherwise', async () => {
    const page = (filter: TaskFilter, after?: { time: number; nativeId: string }) => adapter.listTasks({ filter, direction: 'DESC', limit: 3, select: THIN, after }, ctx);
    expect((await page({})).totalCount).toBe(150);
    const vzdumps = everything.filter((t) => t.operation === 'vzdump').length;
    expect((await page({ operations: ['vzdump'] })).totalCount).toBe(vzdumps);
    expect((await page({ statuses: ['FAILED'] })).totalCount).toBeNull();
    expect((await page({}, key(everything[5]!))).totalCount).toBeNull();
  });
});

describe('a first page of a long history', () => {
  let f: Fixture;

  beforeAll(async () => {
    f = await startFixture();
    spawn(f, 900, 200);
    f.clock.now += 20_000;
  });
  afterAll(() => f.close());

  it('reads one page of each node newest first, and every page oldest first', async () => {
    const adapter = f.adapter();
    f.mark();
    const newest = await adapter.listTasks({ filter: {}, direction: 'DESC', limit: 10, select: THIN }, ctx);
    expect(newest.tasks).toHaveLength(10);
    expect(f.requests().filter((r) => r.includes('/tasks?'))).toHaveLength(3);
    f.mark();
    const oldest = await adapter.listTasks({ filter: {}, direction: 'ASC', limit: 10, select: THIN }, ctx);
    expect(oldest.tasks).toHaveLength(10);
    // About 300 tasks a node, 100 a page: each node is read to its end.
    const all = f.sim.world.list();
    const pages = ['pve1', 'pve2', 'pve3'].map((node) => Math.max(1, Math.ceil(all.filter((t) => t.tenant === node).length / 100)));
    expect(f.requests().filter((r) => r.includes('/tasks?'))).toHaveLength(pages.reduce((a, b) => a + b, 0));
    expect(newest.tasks[0]!.createdAt!.getTime()).toBe(Math.floor(all[0]!.createdAt.getTime() / 1000) * 1000);
  });
});

describe('a node whose latest-ended tasks started first', () => {
  let f: Fixture;

  beforeAll(async () => {
    f = await startFixture();
    const t0 = f.clock.now;
    // 150 long tasks start at once and end last, so the node's first page holds only them;
    // 50 short ones start later and end earlier: they come on its second page.
    for (let i = 0; i < 150; i++) f.sim.world.create({ operation: 'qmigrate', tenant: 'pve1', entity: { id: String(100 + i), type: 'qemu', name: `vm${i}` }, createdAt: new Date(t0), plan: { queuedMs: 0, runMs: 100_000, outcome: 'succeeded' } });
    for (let i = 0; i < 50; i++) {
      f.clock.now = t0 + 10_000 + i * 500;
      f.sim.world.create({ operation: 'qmstart', tenant: 'pve1', entity: { id: String(400 + i), type: 'qemu', name: `s${i}` }, plan: { queuedMs: 0, runMs: 1000, outcome: 'succeeded' } });
    }
    f.clock.now = t0 + 110_000;
  });
  afterAll(() => f.close());

  it('reads on past its first page until nothing unread can start later', async () => {
    const page = await f.adapter().listTasks({ filter: { scope: [{ dimension: 'proxmoxNodes', field: 'tenant', values: ['pve1'] }] }, direction: 'DESC', limit: 5, select: THIN }, ctx);
    expect(page.tasks.map((t) => t.operation)).toEqual(Array(5).fill('qmstart'));
    const newest = f.sim.world.list().filter((t) => t.operation === 'qmstart').slice(0, 5);
    expect(page.tasks.map((t) => t.nativeId)).toEqual(newest.map((t) => f.sim.upidOf(t)));
  });
});
