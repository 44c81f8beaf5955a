/**
 * One contract suite, run against every adapter through its simulator over real HTTP
 * (after apollo-server's shared integration suite): every-adapter.test.ts calls
 * `describeAdapterContract` for each backend type of the registry; vendor-specific behaviour
 * is tested beside the adapter or in test/<type>/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskAdapter } from '../../src/adapters/contract.js';
import { BackendError } from '../../src/adapters/errors.js';
import { adapterModule } from '../../src/adapters/registry.js';
import { matchesFilter } from '../../src/model/filter.js';
import { sortTime, type TaskModel } from '../../src/model/task.js';
import { simulator, type RunningSimulator } from '../../src/simulators/registry.js';

export interface ContractFixture {
  sim: RunningSimulator;
  adapter: TaskAdapter;
  clock: { now: number; advance(ms: number): void };
}

const ctx = { requestId: 'contract-test' };

/** Starts the simulator on a manual clock and an adapter pointed at it. */
export async function startFixture(
  type: string,
  simName: string,
  configOverrides: Record<string, unknown> = {},
): Promise<ContractFixture> {
  const clock = {
    now: Date.parse('2026-03-01T10:00:00.000Z'),
    advance(ms: number) {
      this.now += ms;
    },
  };
  const start = simulator(simName);
  if (!start) throw new Error(`no simulator ${simName}`);
  const sim = await start({ spawnEveryMs: 0, initialTasks: 0, seed: 7, now: () => clock.now });
  const module = adapterModule(type);
  if (!module) throw new Error(`no adapter ${type}`);
  const adapter = module.create(module.configSchema.parse({ ...sim.backendConfig('contract'), ...configOverrides }));
  return { sim, adapter, clock };
}

async function listAll(adapter: TaskAdapter, pageSize: number, filter = {}): Promise<TaskModel[]> {
  const out: TaskModel[] = [];
  let after;
  for (let i = 0; i < 200; i++) {
    const page = await adapter.listTasks({ filter, direction: 'DESC', limit: pageSize, after }, ctx);
    out.push(...page.tasks);
    if (!page.hasMore || page.tasks.length === 0) return out;
    const last = page.tasks[page.tasks.length - 1]!;
    after = { time: sortTime(last), nativeId: last.nativeId };
  }
  throw new Error('paging did not end');
}

export interface ContractOptions {
  /** Its tasks can have subtasks (BackendTesting.subtasks); without, no task has a parent and a parent filter matches nothing. */
  subtasks: boolean;
}

export function describeAdapterContract(type: string, simName: string, options: ContractOptions): void {
  describe(`adapter contract: ${type} against the ${simName} simulator`, () => {
    let f: ContractFixture;

    beforeAll(async () => {
      f = await startFixture(type, simName);
      // 30 top-level tasks a second apart, some with subtasks, in every lifecycle stage.
      for (let i = 0; i < 30; i++) {
        f.sim.world.spawn();
        f.clock.advance(1000);
      }
      f.clock.advance(4000);
    });
    afterAll(async () => {
      await f?.adapter.close();
      await f?.sim.close();
    });

    it('lists newest first, every task once, across pages', async () => {
      const all = await listAll(f.adapter, 7);
      const expected = f.sim.world.list().length;
      expect(all.length).toBe(expected);
      expect(new Set(all.map((t) => t.nativeId)).size).toBe(expected);
      for (let i = 1; i < all.length; i++) {
        expect(sortTime(all[i - 1]!)).toBeGreaterThanOrEqual(sortTime(all[i]!));
      }
      expect(all.every((t) => t.backend === 'contract' && t.backendType === type)).toBe(true);
    });

    it('filters by status to exactly the matching tasks', async () => {
      const all = await listAll(f.adapter, 100);
      const statuses = [...new Set(all.map((t) => t.status))];
      expect(statuses.length).toBeGreaterThan(1);
      for (const status of statuses) {
        const filter = { statuses: [status] };
        const got = await listAll(f.adapter, 100, filter);
        expect(got.map((t) => t.nativeId).sort()).toEqual(
          all.filter((t) => matchesFilter(t, filter)).map((t) => t.nativeId).sort(),
        );
      }
    });

    it('lists the subtasks of a parent', async () => {
      const all = await listAll(f.adapter, 100);
      if (!options.subtasks) {
        expect(all.every((t) => t.parentId === null && t.rootId === null && t.subtaskCount === 0)).toBe(true);
        expect(await listAll(f.adapter, 100, { parentId: all[0]!.nativeId })).toEqual([]);
        return;
      }
      const child = all.find((t) => t.parentId !== null);
      if (!child) return expect.fail('the simulator spawned no subtasks');
      const got = await listAll(f.adapter, 100, { parentId: child.parentId! });
      expect(got.length).toBeGreaterThan(0);
      expect(got.every((t) => t.parentId === child.parentId)).toBe(true);
      expect(got.map((t) => t.nativeId)).toContain(child.nativeId);
    });

    it('answers the same page when the caller maps only what it keeps (ListQuery.mapsKept)', async () => {
      const all = await listAll(f.adapter, 100);
      const middle = all[Math.floor(all.length / 2)]!;
      const position = { time: sortTime(middle), nativeId: middle.nativeId };
      const bounds = { createdAfter: new Date(sortTime(all[all.length - 3]!)), createdBefore: new Date(sortTime(all[2]!)) };
      let keyedPages = 0;
      for (const direction of ['DESC', 'ASC'] as const) {
        for (const limit of [1, 7, 100]) {
          for (const filter of [{}, bounds, { statuses: [middle.status] }]) {
            for (const after of [undefined, position]) {
              const query = { filter, direction, limit, after };
              const eager = await f.adapter.listTasks(query, ctx);
              const page = await f.adapter.listTasks({ ...query, mapsKept: true }, ctx);
              const label = JSON.stringify(query);
              expect({ hasMore: page.hasMore, totalCount: page.totalCount }, label).toEqual({ hasMore: eager.hasMore, totalCount: eager.totalCount });
              if (!page.keyed) {
                expect(page.tasks, label).toEqual(eager.tasks);
                continue;
              }
              keyedPages++;
              expect(page.tasks, label).toEqual([]);
              const tasks = page.keyed.map((k) => k.task());
              expect(tasks, label).toEqual(eager.tasks);
              expect(page.keyed.map((k) => [k.time, k.nativeId]), label).toEqual(tasks.map((t) => [sortTime(t), t.nativeId]));
              expect(page.keyed.every((k, i) => k.task() === tasks[i]), 'mapped once').toBe(true);
            }
          }
        }
      }
      // Prism and vSphere REST decide lists whose filter reads only the time on the keys.
      if (type === 'prism' || type === 'vsphere-rest') expect(keyedPages).toBeGreaterThanOrEqual(16);
    });

    it('gets many by id: same length and order, null for a missing one, duplicates kept', async () => {
      const all = await listAll(f.adapter, 100);
      const [a, b] = [all[0]!, all[5]!];
      const missing = all[0]!.nativeId.replace(/[0-9a-f]$/, (c) => (c === '0' ? '1' : '0')) + '9';
      const got = await f.adapter.getTasks([b.nativeId, missing, a.nativeId, b.nativeId], ctx);
      expect(got).toHaveLength(4);
      expect((got[0] as TaskModel).nativeId).toBe(b.nativeId);
      expect(got[1]).toBeNull();
      expect((got[2] as TaskModel).nativeId).toBe(a.nativeId);
      expect((got[3] as TaskModel).nativeId).toBe(b.nativeId);
    });

    it('cancels a cancelable running task: CANCELING, then CANCELED', async () => {
      if (!f.adapter.capabilities.cancel) return;
      const task = f.sim.world.create({ operation: 'contract.cancel', cancelable: true, plan: { queuedMs: 0, runMs: 600_000 } });
      f.clock.advance(10);
      const [before] = await listAll(f.adapter, 1, { statuses: ['RUNNING'] });
      expect(before).toBeDefined();
      const all = await listAll(f.adapter, 200);
      const mine = all.find((t) => t.operation === 'contract.cancel' || t.description === 'contract.cancel');
      expect(mine, `task ${task.id} listed`).toBeDefined();
      const outcome = await f.adapter.cancelTask!(mine!.nativeId, ctx);
      expect(outcome.ok).toBe(true);
      const [during] = await f.adapter.getTasks([mine!.nativeId], ctx);
      expect((during as TaskModel).cancelRequested || (during as TaskModel).status === 'CANCELING').toBe(true);
      f.clock.advance(5000);
      const [after] = await f.adapter.getTasks([mine!.nativeId], ctx);
      expect((after as TaskModel).status).toBe('CANCELED');
      const again = await f.adapter.cancelTask!(mine!.nativeId, ctx);
      expect(again).toMatchObject({ ok: false, code: 'ALREADY_FINISHED' });
    });

    it('reports a malformed reply as BACKEND_BAD_RESPONSE and recovers', async () => {
      f.sim.server.setFaults({ malformedNext: 1 });
      await expect(f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 5 }, ctx)).rejects.toSatisfy(
        (e: unknown) => e instanceof BackendError && e.code === 'BACKEND_BAD_RESPONSE',
      );
      const page = await f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 5 }, ctx);
      expect(page.tasks).toHaveLength(5);
    });

    it('reports a server error as a BackendError naming the backend', async () => {
      f.sim.server.setFaults({ failNext: 1, failStatus: 500 });
      const err = await f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 5 }, ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as BackendError).backend).toBe('contract');
    });
  });

  describe(`adapter contract: ${type} with bad credentials`, () => {
    it('fails with BACKEND_AUTH_FAILED and no secret in the message', async () => {
      const f = await startFixture(type, simName, { password: 'definitely-wrong-pw-123' });
      try {
        const err = await f.adapter.listTasks({ filter: {}, direction: 'DESC', limit: 5 }, ctx).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(BackendError);
        expect((err as BackendError).code).toBe('BACKEND_AUTH_FAILED');
        expect(String((err as Error).message)).not.toContain('definitely-wrong-pw-123');
      } finally {
        await f.adapter.close();
        await f.sim.close();
      }
    });
  });
}
