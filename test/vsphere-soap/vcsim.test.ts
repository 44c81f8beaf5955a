/**
 * taskgraph's vsphere-soap adapter against VMware's own vCenter simulator (vcsim, govmomi 0.24
 * as packaged by Debian). That release has no CreateCollectorForTasks, so listing runs on
 * recentTask; cancel and extension tasks answer MethodNotFound (covered against taskgraph's
 * simulator in vsphere-soap.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskAdapter, TaskChange } from '../../src/adapters/contract.js';
import { BackendError } from '../../src/adapters/errors.js';
import { adapterModule } from '../../src/adapters/registry.js';
import { sortTime, type TaskModel } from '../../src/model/task.js';
import { eventually, startVcsim, vcsimBinary, vimDriver, type Vcsim } from './vcsim.js';

const binary = vcsimBinary();
const ctx = { requestId: 'vcsim-test' };

function adapterFor(sim: Vcsim, overrides: Record<string, unknown> = {}): TaskAdapter {
  const module = adapterModule('vsphere-soap')!;
  return module.create(
    module.configSchema.parse({ name: 'vcsim', type: 'vsphere-soap', url: sim.url, username: sim.username, password: sim.password, watchWaitSeconds: 1, ...overrides }),
  );
}

async function listAll(adapter: TaskAdapter, limit: number): Promise<TaskModel[]> {
  const out: TaskModel[] = [];
  let after;
  for (let i = 0; i < 100; i++) {
    const page = await adapter.listTasks({ filter: {}, direction: 'DESC', limit, after }, ctx);
    out.push(...page.tasks);
    if (!page.hasMore) return out;
    const last = page.tasks[page.tasks.length - 1]!;
    after = { time: sortTime(last), nativeId: last.nativeId };
  }
  throw new Error('paging did not end');
}

describe.skipIf(!binary)('vsphere-soap against vcsim', () => {
  let sim: Vcsim;
  let driver: ReturnType<typeof vimDriver>;
  let adapter: TaskAdapter;

  beforeAll(async () => {
    sim = await startVcsim(binary!);
    driver = vimDriver(sim);
    adapter = adapterFor(sim);
  });
  afterAll(async () => {
    await adapter?.close();
    await driver?.close();
    await sim?.close();
  });

  it('lists vcsim tasks newest first across keyset pages, every one once', async () => {
    const all = await listAll(adapter, 4);
    expect(all.length).toBeGreaterThan(10);
    expect(new Set(all.map((t) => t.nativeId)).size).toBe(all.length);
    for (let i = 1; i < all.length; i++) expect(sortTime(all[i - 1]!)).toBeGreaterThanOrEqual(sortTime(all[i]!));
    expect(all.every((t) => /^task-\d+$/.test(t.nativeId) && t.backendType === 'vsphere-soap')).toBe(true);
  });

  it('sees a PowerOffVM_Task made by another client, in the list and by id', async () => {
    const [vm] = await driver.vms();
    const key = await driver.task('PowerOffVM_Task', vm!);
    const again = await driver.task('PowerOffVM_Task', vm!);
    const page = await adapter.listTasks({ filter: { entity: { nativeId: vm!.value, type: 'VirtualMachine' } }, direction: 'DESC', limit: 10 }, ctx);
    expect(page.tasks.map((t) => t.nativeId)).toEqual(expect.arrayContaining([key, again]));
    const [ok, missing, failed, dup] = await adapter.getTasks([key, 'task-99999', again, key], ctx);
    expect(ok).toMatchObject({ nativeId: key, status: 'SUCCEEDED', operation: 'VirtualMachine.powerOff', initiatedBy: { kind: 'USER', name: 'vcsim' } });
    expect((ok as TaskModel).entitiesAffected[0]).toMatchObject({ nativeId: vm!.value, type: 'VirtualMachine' });
    expect(missing).toBeNull();
    expect(failed).toMatchObject({ nativeId: again, status: 'FAILED', errors: [{ code: 'InvalidPowerState' }] });
    expect(dup).toEqual(ok);
    const failedOnly = await adapter.listTasks({ filter: { statuses: ['FAILED'] }, direction: 'DESC', limit: 50 }, ctx);
    expect(failedOnly.tasks.every((t) => t.status === 'FAILED')).toBe(true);
    expect(failedOnly.tasks.map((t) => t.nativeId)).toContain(again);
  });

  it('watches: a new task arrives through WaitForUpdatesEx', async () => {
    const changes: TaskChange[] = [];
    const errors: Error[] = [];
    const handle = await adapter.watch!((c) => changes.push(c), (e) => errors.push(e));
    try {
      const [, vm] = await driver.vms();
      const key = await driver.task('PowerOffVM_Task', vm!);
      const seen = await eventually(() => changes.find((c) => c.task.nativeId === key), 10_000, `a change for ${key}`);
      expect(seen.task).toMatchObject({ status: 'SUCCEEDED', operation: 'VirtualMachine.powerOff' });
      expect(errors).toEqual([]);
    } finally {
      await handle.close();
    }
  });

  it('renews a terminated session transparently, for calls and for the watch', async () => {
    const changes: TaskChange[] = [];
    const handle = await adapter.watch!((c) => changes.push(c), () => undefined);
    try {
      await adapter.listTasks({ filter: {}, direction: 'DESC', limit: 1 }, ctx);
      const before = await driver.otherSessions();
      expect(before).toHaveLength(1);
      await driver.terminate(before);
      expect(await driver.otherSessions()).toEqual([]);

      const [task] = (await adapter.listTasks({ filter: {}, direction: 'DESC', limit: 1 }, ctx)).tasks;
      expect(task).toBeDefined();
      const after = await driver.otherSessions();
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(before[0]);

      const [, , vm] = await driver.vms();
      const key = await driver.task('PowerOffVM_Task', vm!);
      await eventually(() => changes.find((c) => c.task.nativeId === key), 15_000, `a change for ${key} after re-login`);
    } finally {
      await handle.close();
    }
  });

  it('reports what vcsim lacks as UNSUPPORTED, with the fault type', async () => {
    const [task] = (await adapter.listTasks({ filter: {}, direction: 'DESC', limit: 1 }, ctx)).tasks;
    const err = await adapter.cancelTask!(task!.nativeId, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'UNSUPPORTED', vendorCode: 'MethodNotFound', backend: 'vcsim' });
    const created = await adapter
      .createTask!({ operation: 'com.example.t', description: null, serviceNamespace: null, owner: null, status: 'QUEUED', progress: null, details: null, cancelable: false, parentId: null }, ctx)
      .catch((e: unknown) => e);
    expect(created).toMatchObject({ code: 'UNSUPPORTED', vendorCode: 'MethodNotFound' });
  });

  it('fails with BACKEND_AUTH_FAILED (InvalidLogin) on a wrong password, without the password in the message', async () => {
    const bad = adapterFor(sim, { password: 'not-the-Password-42' });
    try {
      const err = await bad.listTasks({ filter: {}, direction: 'DESC', limit: 1 }, ctx).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BACKEND_AUTH_FAILED', vendorCode: 'InvalidLogin', backend: 'vcsim' });
      expect(String((err as Error).message)).not.toContain('not-the-Password-42');
    } finally {
      await bad.close();
    }
  });

  it('logs out on close()', async () => {
    const other = adapterFor(sim, { name: 'vcsim2' });
    await other.getTasks(['task-1'], ctx);
    const withOther = await driver.otherSessions();
    await other.close();
    const without = await driver.otherSessions();
    expect(without.length).toBe(withOther.length - 1);
  });
});
