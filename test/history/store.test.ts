/**
 * The history store's contract, run against both stores: the embedded SQLite file (through
 * its worker) and PostgreSQL. Idempotent writes (also from two replicas at once), no
 * regression to an older state, retention, scope pushdown, keyset pages and statistics.
 */
import { afterAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { recordOf, transitionOf } from '../../src/history/rows.js';
import type { HistoryScope, HistoryStore, TaskRecord } from '../../src/history/store.js';
import type { TaskModel } from '../../src/model/task.js';
import { embeddedKind, postgresKind, task } from './support.js';

const pg = await postgresKind();
afterAll(async () => pg?.close());
const kinds = [embeddedKind, ...(pg ? [pg] : [])];

const ALL: HistoryScope = { backends: null, tenants: [] };
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const NOW = T0 + 3_600_000;

/** The record the recorder would write for a first observation. */
function first(t: TaskModel, observedAt = T0 + 60_000): TaskRecord {
  return recordOf(t, observedAt, transitionOf(t, undefined, 10, observedAt));
}

function finished(nativeId: string, operation: string, status: 'SUCCEEDED' | 'FAILED' | 'CANCELED', durationMs: number, extra: Partial<TaskModel> = {}): TaskModel {
  const startedAt = new Date(T0 + 1000);
  return task({ nativeId, operation, status, nativeStatus: status.toLowerCase(), progress: 100, startedAt, completedAt: new Date(startedAt.getTime() + durationMs), ...extra });
}

describe.each(kinds)('history store: $name', (kind) => {
  let opened: Awaited<ReturnType<typeof kind.open>>;
  let store: HistoryStore;
  beforeEach(async () => {
    opened = await kind.open();
    store = opened.store;
  });
  afterEach(async () => opened.dispose());

  const page = (extra: Partial<Parameters<HistoryStore['page']>[0]> = {}) => store.page({ scope: ALL, filter: {}, direction: 'DESC', limit: 100, now: NOW, ...extra });

  it('stores a task and reads the same model back, with its transitions', async () => {
    const t = task({ nativeId: 'urn:vcloud:task:1', entitiesAffected: [{ backend: 'vcd1', nativeId: 'urn:vcloud:vm:9', type: 'vcloud:vm', name: 'web-1', href: null }], errors: [{ message: 'm', code: 'c', severity: 'WARNING' }] });
    await store.write([first(t)], []);
    const [stored] = await page();
    expect(stored!.task).toEqual(t);
    expect(stored!.retained).toBe(true);
    expect(await store.transitions([{ backend: 'vcd1', nativeId: t.nativeId }])).toEqual([{ backend: 'vcd1', nativeId: t.nativeId, at: t.startedAt!.getTime(), status: 'RUNNING', progress: 0 }]);
  });

  it('stores a change once, however often and by however many replicas it is written', async () => {
    const running = task({ nativeId: 't1' });
    const done = finished('t1', 'vappDeploy', 'SUCCEEDED', 5000);
    const batch = [first(running), recordOf(done, T0 + 90_000, transitionOf(done, { status: 'RUNNING', step: 0 }, 10, T0 + 90_000))];
    const other = await opened.replica();
    await Promise.all([store.write(batch, []), other.write(batch, []), store.write(batch, [])]);
    // A replica that observed the same change later derives the same time from the backend's.
    await other.write([recordOf(done, T0 + 95_000, transitionOf(done, { status: 'RUNNING', step: 0 }, 10, T0 + 95_000))], []);
    expect(await page()).toHaveLength(1);
    const transitions = await store.transitions([{ backend: 'vcd1', nativeId: 't1' }]);
    expect(transitions.map((t) => [t.status, t.at])).toEqual([
      ['RUNNING', running.startedAt!.getTime()],
      ['SUCCEEDED', done.completedAt!.getTime()],
    ]);
  });

  it('never goes back to an older state (a finished task seen running by a slower listing)', async () => {
    await store.write([first(finished('t1', 'op', 'FAILED', 1000))], []);
    await store.write([first(task({ nativeId: 't1', operation: 'op' }), T0 + 120_000)], []);
    const [stored] = await page();
    expect(stored!.task.status).toBe('FAILED');
    const updated = (ms: number, progress: number) => task({ nativeId: 't2', lastUpdatedAt: new Date(T0 + ms), progress });
    await store.write([first(updated(5000, 50))], []);
    await store.write([first(updated(4000, 20))], []);
    expect((await page({ filter: { statuses: ['RUNNING'] } }))[0]!.task.progress).toBe(50);
  });

  it('marks a task the backend no longer has as not retained, until it is seen again', async () => {
    await store.write([first(task({ nativeId: 'gone' })), first(task({ nativeId: 'kept' })), first(task({ nativeId: 'expired', expiresAt: new Date(NOW - 1) }))], []);
    await store.write([], [{ backend: 'vcd1', nativeId: 'gone', observedAt: T0 + 70_000 }]);
    const retained = async (value: boolean) => (await page({ filter: { retained: value } })).map((s) => s.task.nativeId).sort();
    expect(await retained(false)).toEqual(['expired', 'gone']);
    expect(await retained(true)).toEqual(['kept']);
    expect((await page()).find((s) => s.task.nativeId === 'gone')!.retained).toBe(false);
    await store.write([first(task({ nativeId: 'gone', progress: 40 }), T0 + 80_000)], []);
    expect(await retained(true)).toEqual(['gone', 'kept']);
  });

  it('applies the scope in SQL: backends, and tenants per backend type (a task without one never matches)', async () => {
    await store.write(
      [
        first(task({ nativeId: 'a', tenant: 'acme' })),
        first(task({ nativeId: 'b', tenant: 'globex' })),
        first(task({ nativeId: 'none', tenant: null })),
        first(task({ nativeId: 'vs', backend: 'vc1', backendType: 'vsphere-soap', tenant: null })),
        first(task({ nativeId: 'pc-1', backend: 'pc', backendType: 'prism', tenant: 'cluster-1' })),
        first(task({ nativeId: 'pc-2', backend: 'pc', backendType: 'prism', tenant: 'cluster-2' })),
      ],
      [],
    );
    const ids = async (scope: HistoryScope) => (await page({ scope })).map((s) => s.task.nativeId).sort();
    const tenantsA: HistoryScope['tenants'] = [
      { backendType: 'vcd', tenants: ['acme'] },
      { backendType: 'prism', tenants: ['cluster-1'] },
    ];
    expect(await ids({ backends: null, tenants: tenantsA })).toEqual(['a', 'pc-1', 'vs']);
    expect(await ids({ backends: ['vcd1', 'pc'], tenants: tenantsA })).toEqual(['a', 'pc-1']);
    expect(await ids({ backends: [], tenants: [] })).toEqual([]);
    expect(await ids({ backends: null, tenants: [{ backendType: 'vcd', tenants: [] }] })).toEqual(['pc-1', 'pc-2', 'vs']);
    expect(await store.count({ scope: { backends: null, tenants: tenantsA }, filter: {}, now: NOW })).toBe(3);
    const stats = await store.stats({ scope: { backends: ['vcd1'], tenants: tenantsA }, filter: {}, groupBy: [], now: NOW });
    expect(stats.reduce((n, r) => n + Number(r.count), 0)).toBe(1);
  });

  it('pages by keyset in both directions without repeating or skipping, ties broken by backend and id', async () => {
    const records = Array.from({ length: 23 }, (_, i) => first(task({ nativeId: `t${String(i).padStart(2, '0')}`, backend: i % 2 ? 'vcd1' : 'vcd2', createdAt: new Date(T0 + Math.floor(i / 3) * 1000) })));
    await store.write(records, []);
    for (const direction of ['ASC', 'DESC'] as const) {
      const seen: string[] = [];
      let after;
      for (let n = 0; n < 10; n++) {
        const rows = await page({ direction, limit: 5, after });
        if (!rows.length) break;
        seen.push(...rows.map((r) => r.task.nativeId));
        const last = rows[rows.length - 1]!.task;
        after = { time: last.createdAt!.getTime(), backend: last.backend, nativeId: last.nativeId };
      }
      expect(seen).toHaveLength(23);
      expect(new Set(seen).size).toBe(23);
      const times = seen.map((id) => records.find((r) => r.nativeId === id)!.sortTime);
      expect(times).toEqual([...times].sort((a, b) => (direction === 'ASC' ? a - b : b - a)));
    }
  });

  it('counts, failure rate and duration percentiles per operation, day and entity', async () => {
    const durations = Array.from({ length: 200 }, (_, i) => 100 + i * 37);
    const vm = { backend: 'vcd1', nativeId: 'vm-7', type: 'vcloud:vm', name: null, href: null };
    const records = durations.map((d, i) => first(finished(`d${i}`, i % 4 === 0 ? 'vmMigrate' : 'vappDeploy', i % 10 === 0 ? 'FAILED' : 'SUCCEEDED', d, i < 50 ? { entitiesAffected: [vm] } : {})));
    records.push(first(task({ nativeId: 'running', operation: 'vappDeploy' })));
    records.push(first(finished('other-day', 'vappDeploy', 'CANCELED', 10, { createdAt: new Date(T0 - 86_400_000) })));
    await store.write(records, []);
    const rows = await store.stats({ scope: ALL, filter: { createdAfter: T0 }, groupBy: ['OPERATION'], now: NOW });
    const { foldStats } = await import('../../src/history/stats.js');
    const groups = foldStats(rows, ['OPERATION']);
    const deploy = groups.find((g) => g.operation === 'vappDeploy')!;
    const deployDurations = durations.filter((_, i) => i % 4 !== 0).sort((a, b) => a - b);
    expect(deploy.count).toBe(deployDurations.length + 1);
    const failedDeploys = durations.filter((_, i) => i % 4 !== 0 && i % 10 === 0).length;
    expect(deploy.failed).toBe(failedDeploys);
    expect(deploy.failureRate).toBeCloseTo(failedDeploys / deployDurations.length, 10);
    const exact = (q: number) => deployDurations[Math.ceil(q * deployDurations.length) - 1]!;
    expect(Math.abs(deploy.durationMs.p50! - exact(0.5)) / exact(0.5)).toBeLessThan(0.011);
    expect(Math.abs(deploy.durationMs.p95! - exact(0.95)) / exact(0.95)).toBeLessThan(0.011);
    expect(deploy.durationMs.count).toBe(deployDurations.length);

    const byDay = foldStats(await store.stats({ scope: ALL, filter: {}, groupBy: ['DAY'], now: NOW }), ['DAY']);
    expect(byDay.map((g) => [g.day, g.count])).toEqual([
      ['2026-02-28', 1],
      ['2026-03-01', 201],
    ]);
    // By DAY (and ENTITY), buckets are merged four by four: within 4%.
    const all = [...durations].sort((a, b) => a - b);
    const day = byDay[1]!;
    expect(Math.abs(day.durationMs.p50! - all[99]!) / all[99]!).toBeLessThan(0.04);
    expect(Math.abs(day.durationMs.p95! - all[189]!) / all[189]!).toBeLessThan(0.04);
    expect(day.failed).toBe(20);
    const byEntity = foldStats(await store.stats({ scope: ALL, filter: {}, groupBy: ['ENTITY', 'STATUS'], now: NOW }), ['ENTITY', 'STATUS']);
    expect(byEntity.map((g) => [g.entity?.nativeId, g.status, g.count])).toEqual([
      ['vm-7', 'FAILED', 5],
      ['vm-7', 'SUCCEEDED', 45],
    ]);
    expect((await page({ filter: { entity: { nativeId: 'vm-7', type: 'vcloud:vm' } } })).length).toBe(50);
  });

  it('retention deletes tasks created before the cutoff, then the oldest beyond maxRows, with their transitions', async () => {
    const records = Array.from({ length: 30 }, (_, i) => first(task({ nativeId: `r${i}`, createdAt: new Date(T0 + i * 1000) })));
    await store.write(records, []);
    expect((await store.retain({ olderThan: T0 + 10_000, maxRows: null })).deleted).toBe(10);
    expect((await store.retain({ olderThan: null, maxRows: 15 })).deleted).toBe(5);
    expect(await store.size()).toBe(15);
    const left = (await page()).map((s) => s.task.nativeId);
    expect(left).toEqual(Array.from({ length: 15 }, (_, i) => `r${29 - i}`));
    expect(await store.transitions([{ backend: 'vcd1', nativeId: 'r0' }, { backend: 'vcd1', nativeId: 'r29' }])).toHaveLength(1);
  });
});
