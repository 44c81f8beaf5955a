/**
 * Many tasks by id: parallel GETs (what getTasks does) against one query-service call with an
 * `id==a,id==b,...` filter, measured against the simulator with 20 ms latency per request.
 * The numbers are printed; the assertions are on request counts and on what each way returns,
 * plus one loose ordering of times. docs/backends/vcd.md records a run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskAdapter } from '../../src/adapters/contract.js';
import { createVcdClient } from '../../src/adapters/vcd/client.js';
import { idClauses } from '../../src/adapters/vcd/filter.js';
import { recordToModel } from '../../src/adapters/vcd/map.js';
import { Secret } from '../../src/model/secret.js';
import type { TaskModel } from '../../src/model/task.js';
import { CATALOG } from '../../src/simulators/vcd/catalog.js';
import { count, ctx, startVcd, type VcdFixture } from './fixture.js';

const LATENCY_MS = 20;
const N = 25;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: Math.round(performance.now() - start) };
}

describe('vcd many by id: parallel GETs against one id query', () => {
  let f: VcdFixture;
  let ids: string[];
  const rows: string[] = [];
  const times = new Map<number, number>();

  beforeAll(async () => {
    f = await startVcd();
    for (let i = 0; i < N; i++) {
      f.sim.world.spawn(CATALOG[i % CATALOG.length]);
      f.clock.advance(300);
    }
    // Every task has finished, so a second getTasks can come from the cache.
    f.clock.advance(60_000);
    ids = f.sim.world.list().filter((t) => t.parentId === null).slice(0, N).map((t) => `urn:vcloud:task:${t.id}`);
    f.sim.server.setFaults({ latencyMs: LATENCY_MS });
  });
  afterAll(async () => {
    console.log(`many by id, ${ids.length} ids, ${LATENCY_MS} ms latency per request:\n  ${rows.join('\n  ')}`);
    await f?.close();
  });

  async function loggedIn(overrides: Record<string, unknown> = {}): Promise<TaskAdapter> {
    const adapter = f.adapter(overrides);
    await adapter.getTasks(['urn:vcloud:task:00000000-0000-4000-8000-000000000000'], ctx); // log in first
    f.sim.server.resetCounts();
    return adapter;
  }

  it.each([1, 8, 25])('GETs with at most %i in flight', async (cap) => {
    const adapter = await loggedIn({ maxConcurrentGets: cap });
    const { value, ms } = await timed(() => adapter.getTasks(ids, ctx));
    expect(count(f.sim, 'get task')).toBe(ids.length);
    const tasks = value as TaskModel[];
    expect(tasks.every((t) => t && t.embeddedSubtasks !== null)).toBe(true);
    expect(tasks.some((t) => t.relatedTasks.length > 0)).toBe(true);
    rows.push(`GET x${ids.length}, cap ${cap}: ${ms} ms, ${count(f.sim, 'get task')} requests, full tasks`);
    times.set(cap, ms);
    // 25 sequential round trips against 4: loose enough for a busy machine.
    if (cap === 8) expect(ms).toBeLessThan(times.get(1)! / 2);
    if (cap === 8) {
      const again = await timed(() => adapter.getTasks(ids, ctx));
      expect(count(f.sim, 'get task')).toBe(ids.length);
      rows.push(`GET x${ids.length} again (finished tasks cached): ${again.ms} ms, 0 requests`);
    }
  });

  it('one query with an id filter: one request, but records only', async () => {
    const cfg = f.sim.backendConfig('q') as { url: string; username: string; password: string; org: string };
    const client = createVcdClient({ backend: 'q', baseUrl: cfg.url, username: cfg.username, password: new Secret(cfg.password), org: cfg.org, timeoutMs: 5000 });
    try {
      await client.apiVersion(ctx);
      f.sim.server.resetCounts();
      const uuids = ids.map((id) => id.slice('urn:vcloud:task:'.length));
      const { value, ms } = await timed(() => client.query({ page: 1, pageSize: 128, clauses: idClauses(uuids), direction: 'DESC' }, ctx));
      expect(count(f.sim, 'list tasks')).toBe(1);
      expect(value.records).toHaveLength(ids.length);
      const models = value.records.map((r) => recordToModel('q', r));
      // What getTasks must return and records lack:
      expect(models.every((m) => m.embeddedSubtasks === null && m.relatedTasks.length === 0 && !m.isCancelable)).toBe(true);
      const url = f.sim.requests().filter((r) => r.path === '/api/query').at(-1)!.query.length;
      rows.push(`query id==… x${ids.length}: ${ms} ms, 1 request, records only (no subtasks, VcTaskList, Details, cancel link); query string ${url} characters`);

      const full = await timed(async () => {
        await client.query({ page: 1, pageSize: 128, clauses: idClauses(uuids), direction: 'DESC' }, ctx);
        const limit = 8;
        for (let i = 0; i < uuids.length; i += limit) await Promise.all(uuids.slice(i, i + limit).map((u) => client.getTask(u, ctx)));
      });
      rows.push(`query, then GET x${ids.length} (cap 8) for full tasks: ${full.ms} ms, ${1 + ids.length} requests`);
    } finally {
      await client.close();
    }
  });
});
