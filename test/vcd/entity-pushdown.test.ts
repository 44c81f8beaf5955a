/**
 * Entity filters go to the query service as `object==<href>` (or-ed for a batched lookup), as
 * go-vcloud-director's Catalog.QueryTaskList filters tasks: the simulator honours it, and when
 * the caller completes only what it keeps, the records decide the page without a GET per task.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ctx, startVcd, type VcdFixture } from './fixture.js';

let f: VcdFixture;
const vapp = (n: number) => ({ id: `vapp-${n}`, type: 'vApp', name: `app-${n}` });

beforeEach(async () => {
  f = await startVcd();
  for (let i = 0; i < 30; i++) {
    f.sim.world.create({ operation: 'vappDeploy', entity: vapp(i % 3), state: 'succeeded', tenant: 'acme' });
    f.clock.advance(1000);
  }
});
afterEach(() => f.close());

/** The decoded filter of every task query sent since `from`. */
function queryFilters(from: number): string[] {
  return f.sim
    .requests()
    .slice(from)
    .filter((r) => r.path === '/api/query')
    .map((r) => new URLSearchParams(r.query).get('filter') ?? '');
}

describe('vCD entity pushdown', () => {
  it('sends object==<href> and gets only that entity\'s tasks back', async () => {
    const adapter = f.adapter();
    const href = `${f.sim.server.url}/api/vApp/vapp-1`;
    const from = f.sim.requests().length;
    const page = await adapter.listTasks({ filter: { entity: { nativeId: href } }, direction: 'DESC', limit: 50 }, ctx);
    expect(page.tasks).toHaveLength(10);
    expect(page.tasks.every((t) => t.entitiesAffected[0]?.nativeId === href)).toBe(true);
    expect(page.totalCount).toBe(10);
    expect(queryFilters(from)).toEqual([`object==${href}`]);
  });

  it('or-s the entities of a batched lookup, and lets the records decide them', async () => {
    const adapter = f.adapter();
    const hrefs = [0, 2].map((n) => `${f.sim.server.url}/api/vApp/vapp-${n}`);
    const from = f.sim.requests().length;
    const page = await adapter.listTasks(
      { filter: { entities: hrefs.map((nativeId) => ({ nativeId })) }, direction: 'ASC', limit: 50, completesKept: true },
      ctx,
    );
    expect(page.tasks).toHaveLength(20);
    expect(new Set(page.tasks.map((t) => t.entitiesAffected[0]?.nativeId))).toEqual(new Set(hrefs));
    expect(page.incomplete).toBe(true);
    expect(queryFilters(from)).toEqual([hrefs.map((h) => `object==${h}`).join(',')]);
    // Records only: no GET of each task.
    expect(f.sim.requests().slice(from).filter((r) => r.path.startsWith('/api/task/'))).toEqual([]);
  });

  it('keeps matching an entity type locally (objectType values are unconfirmed)', async () => {
    const adapter = f.adapter();
    const href = `${f.sim.server.url}/api/vApp/vapp-1`;
    const page = await adapter.listTasks({ filter: { entity: { nativeId: href, type: 'vApp' } }, direction: 'DESC', limit: 50, completesKept: true }, ctx);
    expect(page.tasks).toHaveLength(10);
    expect(page.incomplete).toBeUndefined();
    const none = await adapter.listTasks({ filter: { entity: { nativeId: href, type: 'catalog' } }, direction: 'DESC', limit: 50 }, ctx);
    expect(none.tasks).toEqual([]);
  });
});
