/**
 * Tasks by UPID: where each read gets the state from (cache, this request's list, the
 * cluster list, the node list narrowed to the task, its status), progress from its log as
 * the task runs, the records a gateway request completes, and stopping a task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeUpid, encodeUpid } from '../../src/adapters/proxmox/upid.js';
import type { TaskModel } from '../../src/model/task.js';
import { ctx, spawn, startFixture, type Fixture } from './support.js';

describe('reading tasks by UPID', () => {
  let f: Fixture;

  beforeAll(async () => {
    f = await startFixture();
    spawn(f, 9);
  });
  afterAll(() => f.close());

  it('reads one task from its node\'s list narrowed to it, then its log', async () => {
    const task = f.sim.world.create({ operation: 'qmigrate', tenant: 'pve2', entity: { id: '101', type: 'qemu', name: 'db' }, plan: { queuedMs: 0, runMs: 100_000 } });
    const upid = f.sim.upidOf(task);
    const starttime = Math.floor(task.createdAt.getTime() / 1000);
    const adapter = f.adapter();
    await adapter.listTasks({ filter: {}, direction: 'DESC', limit: 1, select: new Set(['status']) }, ctx);
    f.mark();
    const [model] = (await adapter.getTasks([upid], ctx)) as TaskModel[];
    expect(f.requests()).toEqual([
      `GET /nodes/pve2/tasks?source=all&start=0&limit=50&since=${starttime}&until=${starttime}&vmid=101&typefilter=qmigrate`,
      `GET /nodes/pve2/tasks/${upid}/log?start=0&limit=200`,
    ]);
    expect(model).toMatchObject({ nativeId: upid, status: 'RUNNING', operation: 'qmigrate', entitiesAffected: [{ nativeId: '101', type: 'qemu' }] });
  });

  it('follows a migration\'s progress in its log, reading only new lines', async () => {
    const task = f.sim.world.create({ operation: 'qmigrate', tenant: 'pve1', entity: { id: '120', type: 'qemu', name: 'db' }, plan: { queuedMs: 0, runMs: 60_000, outcome: 'succeeded' } });
    const upid = f.sim.upidOf(task);
    const adapter = f.adapter();
    const read = async () => ((await adapter.getTasks([upid], ctx)) as TaskModel[])[0]!;
    const first = await read();
    expect(first.progress).toBeNull();
    expect(first.steps.map((s) => s.name).at(-1)).toMatch(/start migrate command to unix:\/run\/qemu-server\/120\.migrate$/);
    f.clock.now += 30_000;
    f.mark();
    const half = await read();
    expect(half.progress).toBeGreaterThanOrEqual(40);
    expect(half.progress).toBeLessThanOrEqual(50);
    expect(half.progressMessage).toMatch(/^migration active, transferred [\d.]+ GiB of 4\.0 GiB VM-state/);
    expect(f.requests().at(-1)).toBe(`GET /nodes/pve1/tasks/${upid}/log?start=${first.steps.length}&limit=200`);
    f.clock.now += 40_000;
    const done = await read();
    expect(done).toMatchObject({ status: 'SUCCEEDED', progress: 100, nativeStatus: 'OK' });
    expect(done.steps.at(-1)!.name).toBe('TASK OK');
    expect(done.completedAt).not.toBeNull();
    f.mark();
    expect(await read()).toEqual(done);
    expect(f.requests()).toEqual([]);
  });

  it('reads several at once from one cluster list, in id order, null for what is not a task', async () => {
    const adapter = f.adapter();
    const all = (await adapter.listTasks({ filter: {}, direction: 'DESC', limit: 5, select: new Set(['status']) }, ctx)).tasks;
    const [a, b] = [all[0]!.nativeId, all[3]!.nativeId];
    const gone = encodeUpid({ ...decodeUpid(a)!, starttime: 1, type: 'qmstart', id: '' });
    const adapter2 = f.adapter();
    await adapter2.listTasks({ filter: {}, direction: 'DESC', limit: 1, select: new Set(['status']) }, ctx);
    f.mark();
    const got = await adapter2.getTasks([b, 'not-a-upid', a, b, gone], ctx);
    expect(got.map((t) => (t && !(t instanceof Error) ? t.nativeId : t))).toEqual([b, null, a, b, null]);
    const states = f.requests().filter((r) => !r.includes('/log?'));
    expect(states[0]).toBe('GET /cluster/tasks');
    // The missing one is looked for on its node, then its status says "no such task".
    const node = decodeUpid(a)!.node;
    expect(states.slice(1).map((r) => r.replace(/\?.*/, '').replace(/UPID:[^/]+/, 'UPID'))).toEqual([`GET /nodes/${node}/tasks`, `GET /nodes/${node}/tasks/UPID/status`]);
  });

  it('marks list records incomplete for a gateway that reads kept tasks, and answers their state from the list', async () => {
    const adapter = f.adapter();
    const call = { requestId: 'r1', request: Symbol('r1') };
    const select = new Set(['status', 'progress'] as const);
    const page = await adapter.listTasks({ filter: {}, direction: 'DESC', limit: 4, select, completesKept: true }, call);
    expect(page.incomplete).toBe(true);
    f.mark();
    const ids = page.tasks.map((t) => t.nativeId);
    const whole = await adapter.getTasks(ids, call);
    expect(whole.every((t) => t && !(t instanceof Error))).toBe(true);
    expect(f.requests().every((r) => r.includes('/log?'))).toBe(true);
    // Without the log fields the records are the tasks.
    const thin = await adapter.listTasks({ filter: {}, direction: 'DESC', limit: 4, select: new Set(['status']), completesKept: true }, call);
    expect(thin.incomplete).toBeUndefined();
  });
});

describe('stopping a task', () => {
  let f: Fixture;

  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(() => f.close());

  it('stops a running one (CANCELING, then CANCELED by the interrupt), refuses an ended or unknown one', async () => {
    const task = f.sim.world.create({ operation: 'vzdump', tenant: 'pve3', entity: { id: '300', type: 'qemu', name: 'db' }, plan: { queuedMs: 0, runMs: 600_000 } });
    const upid = f.sim.upidOf(task);
    const adapter = f.adapter();
    const outcome = await adapter.cancelTask!(upid, ctx);
    expect(outcome).toMatchObject({ ok: true, task: { status: 'CANCELING', cancelRequested: true, isCancelable: true } });
    f.clock.now += 1000;
    const [ended] = (await adapter.getTasks([upid], ctx)) as TaskModel[];
    expect(ended).toMatchObject({ status: 'CANCELED', nativeStatus: 'interrupted by signal', errors: [{ message: 'interrupted by signal' }] });
    expect(ended!.steps.at(-1)!.name).toBe('TASK ERROR: interrupted by signal');
    f.mark();
    expect(await adapter.cancelTask!(upid, ctx)).toMatchObject({ ok: false, code: 'ALREADY_FINISHED' });
    // Asked first, never sent: Proxmox answers 200 to stopping an ended task.
    expect(f.requests().some((r) => r.startsWith('DELETE'))).toBe(false);
    expect(await adapter.cancelTask!('UPID:pve3:00000001:00000001:00000001:qmstart:1:root@pam:', ctx)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await adapter.cancelTask!('task-42', ctx)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });
});
