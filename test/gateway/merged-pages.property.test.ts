/**
 * The merged list (gateway/connection.ts listMerged) over backends that answer short pages
 * (fewer tasks than asked, with more to come, as an adapter paging upstream may) and ties in
 * time across and within backends: walking every page, in either direction and any page size,
 * yields each task exactly once, in the global order. The merge must stop at the last task
 * of a short page, or the next cursor would skip that backend's tasks it did not send, and it
 * puts a page whose ties come in another order than the contract's back in order. A backend
 * that answers by key (ListQuery.mapsKept) has only the tasks on the page mapped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TaskAdapter } from '../../src/adapters/contract.js';
import { createBackendSet } from '../../src/gateway/backends.js';
import { listMerged } from '../../src/gateway/connection.js';
import { createContext } from '../../src/gateway/context.js';
import type { SortDirection } from '../../src/model/filter.js';
import { sortTime, type TaskModel } from '../../src/model/task.js';
import type { SubscriptionHub } from '../../src/subscriptions/hub.js';
import { task } from '../reliability/support/memory-adapter.js';

/** Within a backend: (time, nativeId) in `direction`, as the adapter contract sorts pages. */
function byKey(direction: SortDirection) {
  const sign = direction === 'DESC' ? -1 : 1;
  return (a: TaskModel, b: TaskModel) => sign * (sortTime(a) - sortTime(b) || (a.nativeId < b.nativeId ? -1 : a.nativeId > b.nativeId ? 1 : 0));
}

/**
 * A backend of `tasks` whose pages hold at most `cap` tasks, whatever the limit asked; with
 * `scrambled`, the right tasks but ties in time in the other order (against the contract);
 * with `keyed`, pages by key (ListQuery.mapsKept), counting the tasks the caller maps.
 */
function shortPagesAdapter(name: string, tasks: TaskModel[], cap: number, scrambled: boolean, keyed?: { mapped: number }): TaskAdapter {
  return {
    name,
    type: 'vsphere-soap',
    capabilities: { batchGet: true, maxBatchSize: 100, pushChanges: false, cancel: false, externalTasks: false, totalCount: false },
    listTasks: async (q) => {
      const order = byKey(q.direction);
      const sorted = [...tasks].sort(order);
      const after = q.after;
      const rest = after ? sorted.filter((t) => order(t, { ...t, createdAt: new Date(after.time), startedAt: null, nativeId: after.nativeId }) > 0) : sorted;
      const page = rest.slice(0, Math.min(q.limit, cap));
      const sign = q.direction === 'DESC' ? -1 : 1;
      const shown = scrambled ? [...page].sort((a, b) => sign * (sortTime(a) - sortTime(b)) || -order(a, b)) : page;
      const hasMore = rest.length > page.length;
      if (!keyed || !q.mapsKept) return { tasks: shown, hasMore, totalCount: null };
      const entries = shown.map((t) => ({ time: sortTime(t), nativeId: t.nativeId, task: () => (keyed.mapped++, t) }));
      return { tasks: [], keyed: entries, hasMore, totalCount: null };
    },
    getTasks: async (ids) => ids.map((id) => tasks.find((t) => t.nativeId === id) ?? null),
    close: async () => {},
  };
}

const backendArb = fc.record({
  // Few distinct instants: ties within and across backends.
  times: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 25 }),
  cap: fc.integer({ min: 1, max: 12 }),
  scrambled: fc.boolean(),
  keyed: fc.boolean(),
});

describe('merged pages', () => {
  it('walk every task once, in the global order, over short pages and ties', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(backendArb, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom<SortDirection>('DESC', 'ASC'), async (specs, first, direction) => {
        const backends = specs.map((spec, b) => {
          const name = `b${b}`;
          const tasks = spec.times.map((time, i) => ({ ...task(`t${String(i).padStart(2, '0')}`, 'RUNNING'), backend: name, createdAt: new Date(1_000 + time * 1_000) }));
          const keyed = spec.keyed ? { mapped: 0 } : undefined;
          return { name, tasks, keyed, adapter: shortPagesAdapter(name, tasks, spec.cap, spec.scrambled, keyed) };
        });
        const set = createBackendSet(backends.map((b) => ({ adapter: b.adapter })));
        const scope = new Map(backends.map((b) => [b.name, {}]));
        // The global order: time, then backend name, then native id, all in `direction`.
        const sign = direction === 'DESC' ? -1 : 1;
        const expected = backends
          .flatMap((b) => b.tasks)
          .sort((a, b) => sign * (sortTime(a) - sortTime(b)) || sign * (a.backend < b.backend ? -1 : a.backend > b.backend ? 1 : 0) || byKey(direction)(a, b))
          .map((t) => `${t.backend}/${t.nativeId}`);
        const seen: string[] = [];
        let after: string | null = null;
        for (let pages = 0; pages < 200; pages++) {
          const ctx = createContext(set, {} as SubscriptionHub);
          const page = await listMerged(ctx, { scope, direction, fingerprint: 'merge-test', defaultPageSize: 50, maxPageSize: 100, first, after });
          expect(ctx.partialErrors).toEqual([]);
          seen.push(...page.edges.map((e) => `${e.node.backend}/${e.node.nativeId}`));
          // A keyed backend's tasks are mapped only when they make the page (asked by key only
          // when the page is merged: alone, a backend's candidates are all kept).
          for (const b of backends) {
            if (!b.keyed) continue;
            expect(b.keyed.mapped).toBe(backends.length > 1 ? page.edges.filter((e) => e.node.backend === b.name).length : 0);
            b.keyed.mapped = 0;
          }
          if (!page.pageInfo.hasNextPage) break;
          after = page.pageInfo.endCursor;
        }
        expect(seen).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});
