/** A vCD simulator on a manual clock, and adapters pointed at it for any org. */
import type { TaskAdapter } from '../../src/adapters/contract.js';
import { vcdAdapter } from '../../src/adapters/vcd/index.js';
import { startVcdSimulator, type VcdSimulator, type VcdSimulatorOptions } from '../../src/simulators/vcd/index.js';
import type { TaskModel } from '../../src/model/task.js';
import { sortTime } from '../../src/model/task.js';
import type { TaskFilter, SortDirection } from '../../src/model/filter.js';

export const ctx = { requestId: 'vcd-test' };

export interface VcdFixture {
  sim: VcdSimulator;
  clock: { now: number; advance(ms: number): void };
  /** An adapter logged in as the administrator of `org` (acme by default). */
  adapter(overrides?: Record<string, unknown>, org?: string): TaskAdapter;
  close(): Promise<void>;
}

export async function startVcd(options: VcdSimulatorOptions = {}): Promise<VcdFixture> {
  const clock = {
    now: Date.parse('2026-03-01T10:00:00.000Z'),
    advance(ms: number) {
      this.now += ms;
    },
  };
  const sim = await startVcdSimulator({ spawnEveryMs: 0, initialTasks: 0, seed: 3, now: () => clock.now, ...options });
  const adapters: TaskAdapter[] = [];
  return {
    sim,
    clock,
    adapter(overrides = {}, org = 'acme') {
      const config = vcdAdapter.configSchema.parse({ ...sim.orgBackendConfig(`vcd-${org.toLowerCase()}`, org), ...overrides });
      const a = vcdAdapter.create(config);
      adapters.push(a);
      return a;
    },
    async close() {
      await Promise.all(adapters.map((a) => a.close()));
      await sim.close();
    },
  };
}

/** Every task, page by page, following the keyset. */
export async function listAll(adapter: TaskAdapter, limit: number, filter: TaskFilter = {}, direction: SortDirection = 'DESC'): Promise<TaskModel[]> {
  const out: TaskModel[] = [];
  let after;
  for (let i = 0; i < 500; i++) {
    const page = await adapter.listTasks({ filter, direction, limit, after }, ctx);
    out.push(...page.tasks);
    if (!page.hasMore) return out;
    const last = page.tasks[page.tasks.length - 1]!;
    after = { time: sortTime(last), nativeId: last.nativeId };
  }
  throw new Error('paging did not end');
}

/** Route count by exact label. */
export function count(sim: VcdSimulator, route: string): number {
  return sim.server.counts.get(route) ?? 0;
}
