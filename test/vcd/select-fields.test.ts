/**
 * `fields` against the simulator: records asked for some attributes carry only those (and
 * their href), and a record that stands in for a task the listing could not re-read carries
 * every field the caller selected, as a whole record does; task history never records such a
 * thin listing as whole tasks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskAdapter } from '../../src/adapters/contract.js';
import type { TaskField, TaskModel } from '../../src/model/task.js';
import { gql, startTestGateway, waitFor } from '../support/gateway.js';
import { ctx, startVcd, type VcdFixture } from './fixture.js';

const pick = (task: TaskModel | null | Error, fields: readonly TaskField[]) =>
  task && !(task instanceof Error) ? Object.fromEntries(fields.map((f) => [f, task[f]])) : task;

describe('vcd select pushdown (fields)', () => {
  let f: VcdFixture;
  let adapter: TaskAdapter;

  beforeAll(async () => {
    f = await startVcd();
    for (let i = 0; i < 30; i++) {
      f.sim.world.spawn();
      f.clock.advance(400);
    }
    adapter = f.adapter();
  });
  afterAll(async () => f?.close());

  /** The `fields` of the task queries since `mark`. */
  const sentFields = (mark: number) =>
    f.sim.server
      .recent()
      .slice(mark)
      .filter((r) => r.path === '/api/query')
      .map((r) => r.query.get('fields'));

  it('gets records with only the attributes asked for', async () => {
    const mark = f.sim.server.recent().length;
    const page = await adapter.listTasks({ filter: {}, direction: 'DESC', limit: 10, select: new Set(['operation']), completesKept: true }, ctx);
    expect(sentFields(mark)).toEqual(['startDate,status']);
    expect(page.incomplete).toBe(true);
    expect(page.tasks).toHaveLength(10);
    for (const record of page.tasks) {
      // Not asked for: empty; asked for: there.
      expect(record).toMatchObject({ operation: null, description: null, tenant: null, initiatedBy: null, entitiesAffected: [] });
      expect(record.createdAt).not.toBeNull();
      expect(record.nativeStatus).not.toBe('');
    }
  });

  it('keeps what the caller selected in a record that stands in for a task it could not re-read', async () => {
    const select: TaskField[] = ['operation', 'status', 'progress', 'initiatedBy', 'tenant', 'entitiesAffected', 'createdAt', 'completedAt'];
    const query = { filter: { statuses: ['RUNNING' as const, 'SUCCEEDED' as const] }, direction: 'DESC' as const, limit: 10, completesKept: true };
    // Every task read fails (a 400 is not retried): the listing keeps the records.
    f.sim.server.setFaults({ failNext: 10_000, failStatus: 400, faultPath: '/api/task/' });
    const mark = f.sim.server.recent().length;
    let thin, whole;
    try {
      thin = await adapter.listTasks({ ...query, select: new Set(select) }, ctx);
      whole = await adapter.listTasks(query, ctx);
    } finally {
      f.sim.server.setFaults({ failNext: 0 });
    }
    const [asked, all] = sentFields(mark);
    expect(asked!.split(',').sort()).toEqual(['endDate', 'name', 'object', 'objectName', 'objectType', 'orgName', 'ownerName', 'progress', 'startDate', 'status']);
    expect(all).toBeNull();
    expect(thin.incomplete).toBeUndefined();
    expect(thin.tasks.length).toBeGreaterThan(3);
    // Records (no Details, which only a task read gives), thin (no operationFull), with every
    // selected field as the whole record gives it.
    expect(thin.tasks.every((t) => t.progressMessage === null && t.description === null)).toBe(true);
    expect(whole.tasks.some((t) => t.description !== null)).toBe(true);
    expect(thin.tasks.map((t) => pick(t, select))).toEqual(whole.tasks.map((t) => pick(t, select)));
  });

  it('leaves a thin listing out of task history, which records whole tasks read by id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskgraph-vcd-select-'));
    const gw = await startTestGateway([f.sim.backendConfig('vcd')], { history: { path: join(dir, 'history.db') } });
    try {
      // Records stand in for the tasks (their reads fail), with only the selected fields.
      f.sim.server.setFaults({ failNext: 10_000, failStatus: 400, faultPath: '/api/task/' });
      let listed;
      try {
        listed = await gql<{ tasks: { nodes: Array<{ id: string; status: string }> } }>(gw.url, '{ tasks(first: 5, filter: { status: [RUNNING, SUCCEEDED] }) { nodes { id status } } }');
      } finally {
        f.sim.server.setFaults({ failNext: 0 });
      }
      const ids = listed.data!.tasks.nodes.map((n) => n.id);
      expect(ids.length).toBe(5);
      const recorded = async () => {
        const res = await gql<{ taskHistory: { totalCount: number } }>(gw.url, '{ taskHistory(first: 50) { totalCount } }');
        expect(res.errors).toBeUndefined();
        return res.data!.taskHistory.totalCount;
      };
      // A task read whole by id is recorded, after whatever the listing gave the recorder.
      expect((await gql(gw.url, 'query($id: ID!) { task(id: $id) { id } }', { id: ids[0] })).errors).toBeUndefined();
      await waitFor(async () => (await recorded()) > 0, 'the task read by id in history');
      expect(await recorded()).toBe(1);
    } finally {
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
