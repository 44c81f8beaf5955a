/**
 * Get, cancel and external tasks over HTTP against the simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateTaskRequest, TaskAdapter } from '../../src/adapters/contract.js';
import { BackendError } from '../../src/adapters/errors.js';
import type { TaskModel } from '../../src/model/task.js';
import { CATALOG } from '../../src/simulators/vcd/catalog.js';
import { count, ctx, listAll, startVcd, type VcdFixture } from './fixture.js';

const template = (operation: string) => CATALOG.find((t) => t.operation === operation)!;
const urn = (id: string) => `urn:vcloud:task:${id}`;
const one = async (adapter: TaskAdapter, id: string) => (await adapter.getTasks([id], ctx))[0] as TaskModel | null;

describe('vcd get', () => {
  let f: VcdFixture;
  let adapter: TaskAdapter;
  beforeAll(async () => {
    f = await startVcd();
    adapter = f.adapter();
  });
  afterAll(async () => f?.close());

  it('returns the whole task: subtasks with their parent, VcTaskList as related vSphere tasks', async () => {
    const parent = f.sim.world.spawn(template('vdcInstantiateVapp'));
    f.clock.advance(parent.plan.queuedMs + 200);
    const got = (await one(adapter, urn(parent.id)))!;
    expect(got).toMatchObject({ operation: 'vdcInstantiateVapp', status: 'RUNNING', tenant: 'acme', subtaskCount: 2, isCancelable: true });
    expect(got.embeddedSubtasks!.map((s) => [s.operation, s.parentId, s.rootId])).toEqual([
      ['vdcCopyTemplate', got.nativeId, got.nativeId],
      ['vappDeploy', got.nativeId, got.nativeId],
    ]);
    expect(got.entitiesAffected[0]).toMatchObject({ type: 'vApp', href: expect.stringMatching(/\/api\/vApp\/vapp-/) });
    expect(got.initiatedBy).toMatchObject({ kind: 'USER', nativeId: expect.stringMatching(/\/api\/admin\/user\//) });
    // The subtask read on its own names no parent; the adapter knows it from the parent read above.
    const child = (await one(adapter, urn(parent.childIds[0]!)))!;
    expect(child.parentId).toBe(got.nativeId);
    expect(child.relatedTasks).toEqual([{ backend: null, nativeId: expect.stringMatching(/^task-\d+$/), systemId: expect.any(String), nativeStatus: 'running', description: 'Clone virtual machine' }]);
  });

  it('leaves VcTaskList out below API 33', async () => {
    const legacy = f.adapter({ apiVersion: '32.0' });
    const task = f.sim.world.spawn(template('vappUndeployPowerOff'));
    f.clock.advance(task.plan.queuedMs + 100);
    expect((await one(adapter, urn(task.id)))!.relatedTasks).toHaveLength(1);
    expect((await one(legacy, urn(task.id)))!.relatedTasks).toEqual([]);
  });

  it('reports a failed task with its error, and no stack trace even to the System org', async () => {
    const task = f.sim.world.create({ operation: 'vappDeploy', description: 'Starting Virtual Application web-1', plan: { queuedMs: 0, runMs: 100, outcome: 'failed' } });
    f.clock.advance(500);
    const system = f.adapter({}, 'System');
    for (const a of [adapter, system]) {
      const got = (await one(a, urn(task.id)))!;
      expect(got.status).toBe('FAILED');
      expect(got.errors).toEqual([{ message: expect.stringContaining('the operation failed'), code: 'INTERNAL_SERVER_ERROR', severity: 'ERROR' }]);
      expect(JSON.stringify(got)).not.toContain('Exception');
    }
    const raw = f.sim.requests().filter((r) => r.path === `/api/task/${task.id}`);
    expect(raw).toHaveLength(2);
  });

  it('keeps DataLoader order: null for missing, invalid and foreign ids, an Error for a failed read', async () => {
    const a = f.sim.world.create({ operation: 'vappDeploy' });
    const b = f.sim.world.create({ operation: 'vappDeploy' });
    const foreign = f.sim.world.create({ operation: 'vappDeploy', tenant: 'globex' });
    const missing = urn('00000000-0000-4000-8000-000000000000');
    const got = await adapter.getTasks([urn(b.id), missing, 'not-an-id', urn(a.id), urn(foreign.id), b.id], ctx);
    expect(got.map((t) => (t === null ? null : t instanceof Error ? 'error' : t.nativeId))).toEqual([urn(b.id), null, null, urn(a.id), null, urn(b.id)]);

    f.sim.server.setFaults({ failNext: 1, failStatus: 500 });
    const mixed = await adapter.getTasks([urn(a.id), urn(b.id)], ctx);
    expect(mixed.filter((t) => t instanceof BackendError)).toHaveLength(1);
    expect(mixed.filter((t) => t && !(t instanceof Error))).toHaveLength(1);
    const err = mixed.find((t) => t instanceof BackendError) as BackendError;
    expect(err).toMatchObject({ backend: 'vcd-acme', status: 500, vendorCode: 'INTERNAL_SERVER_ERROR' });
  });

  it('turns a malformed task into BACKEND_BAD_RESPONSE for that id', async () => {
    const a = f.sim.world.create({ operation: 'vappDeploy' });
    f.sim.server.setFaults({ malformedNext: 1 });
    const [got] = await adapter.getTasks([urn(a.id)], ctx);
    expect(got).toBeInstanceOf(BackendError);
    expect((got as BackendError).code).toBe('BACKEND_BAD_RESPONSE');
  });
});

describe('vcd cancel', () => {
  let f: VcdFixture;
  let adapter: TaskAdapter;
  beforeAll(async () => {
    f = await startVcd();
    adapter = f.adapter();
  });
  afterAll(async () => f?.close());

  it('cancels: 204, CANCELING while cancelRequested, then CANCELED; again is ALREADY_FINISHED', async () => {
    const task = f.sim.world.create({ operation: 'vappDeploy', cancelable: true, plan: { queuedMs: 0, runMs: 600_000 } });
    f.clock.advance(10);
    const outcome = await adapter.cancelTask!(urn(task.id), ctx);
    expect(outcome).toMatchObject({ ok: true, task: { status: 'CANCELING', cancelRequested: true, nativeStatus: 'running' } });
    expect(f.sim.requests().find((r) => r.method === 'POST' && r.path === `/api/task/${task.id}/action/cancel`)).toBeDefined();
    f.clock.advance(1000);
    expect(await one(adapter, urn(task.id))).toMatchObject({ status: 'CANCELED', nativeStatus: 'canceled' });
    expect(await adapter.cancelTask!(urn(task.id), ctx)).toMatchObject({ ok: false, code: 'ALREADY_FINISHED' });
  });

  it('shows a task canceled before it started as aborted, mapped to CANCELED', async () => {
    const task = f.sim.world.create({ operation: 'vappDeploy', cancelable: true, plan: { queuedMs: 60_000, runMs: 60_000 } });
    expect(await adapter.cancelTask!(urn(task.id), ctx)).toMatchObject({ ok: true, task: { status: 'CANCELING', nativeStatus: 'queued' } });
    f.clock.advance(1000);
    expect(await one(adapter, urn(task.id))).toMatchObject({ status: 'CANCELED', nativeStatus: 'aborted' });
  });

  it('refuses a task that cannot be canceled, and a missing one', async () => {
    const task = f.sim.world.spawn(template('vappUndeployPowerOff'));
    f.clock.advance(task.plan.queuedMs + 10);
    const before = await one(adapter, urn(task.id));
    expect(before!.isCancelable).toBe(false);
    expect(await adapter.cancelTask!(urn(task.id), ctx)).toMatchObject({ ok: false, code: 'NOT_CANCELABLE' });
    expect(await adapter.cancelTask!(urn('00000000-0000-4000-8000-000000000001'), ctx)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await adapter.cancelTask!('garbage', ctx)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });
});

describe('vcd external tasks', () => {
  let f: VcdFixture;
  let adapter: TaskAdapter;
  const base: CreateTaskRequest = {
    operation: 'backupVapp',
    description: 'Backing up vApp web-1',
    serviceNamespace: 'com.example.backup',
    owner: null,
    status: 'RUNNING',
    progress: 0,
    details: 'starting',
    cancelable: false,
    parentId: null,
  };
  beforeAll(async () => {
    f = await startVcd();
    adapter = f.adapter();
  });
  afterAll(async () => f?.close());

  it('creates a task in the org tasksList (found through the org link), then updates it with PUT', async () => {
    const owner = { nativeId: `${f.sim.server.url}/api/vApp/vapp-11111111-2222-4333-8444-555555555555`, type: 'vApp', name: 'web-1' };
    const created = await adapter.createTask!({ ...base, owner }, ctx);
    expect(created).toMatchObject({
      operation: 'backupVapp',
      description: 'Backing up vApp web-1',
      status: 'RUNNING',
      progress: 0,
      progressMessage: 'starting',
      tenant: 'acme',
      initiatedBy: { name: 'acme-admin' },
      entitiesAffected: [{ nativeId: owner.nativeId, type: 'vApp', name: 'web-1' }],
    });
    expect(count(f.sim, 'read org')).toBe(1);
    expect(count(f.sim, 'create task')).toBe(1);
    const post = f.sim.requests().find((r) => r.method === 'POST' && r.path.startsWith('/api/tasksList/'))!;
    expect(post.path).toBe('/api/tasksList/7b832bc5-3d65-45a2-8d35-da28388ab80a');

    const halfway = await adapter.updateTask!({ nativeId: created.nativeId, progress: 50, details: 'copying disks' }, ctx);
    expect(halfway).toMatchObject({ status: 'RUNNING', progress: 50, progressMessage: 'copying disks', operation: 'backupVapp' });
    const done = await adapter.updateTask!({ nativeId: created.nativeId, status: 'SUCCEEDED', details: 'done' }, ctx);
    expect(done).toMatchObject({ status: 'SUCCEEDED', nativeStatus: 'success', progress: 100 });
    expect(done.completedAt).not.toBeNull();
    const listed = await listAll(adapter, 50, { operations: ['backupVapp'] });
    expect(listed.map((t) => t.nativeId)).toEqual([created.nativeId]);
  });

  it('sets an error message, which vCD returns as the task Error', async () => {
    const created = await adapter.createTask!(base, ctx);
    expect(created.entitiesAffected[0]).toMatchObject({ type: 'org', name: 'acme' });
    const failed = await adapter.updateTask!({ nativeId: created.nativeId, status: 'FAILED', errorMessage: 'disk full' }, ctx);
    expect(failed).toMatchObject({ status: 'FAILED', errors: [{ message: 'disk full', code: 'INTERNAL_SERVER_ERROR', severity: 'ERROR' }] });
  });

  it('checks serviceNamespace before any call', async () => {
    f.sim.server.resetCounts();
    for (const serviceNamespace of [null, '', 'com.vmware.vcloud.backup', 'x'.repeat(129)]) {
      const err = await adapter.createTask!({ ...base, serviceNamespace }, ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as BackendError).code).toBe('BAD_USER_INPUT');
    }
    expect(f.sim.server.total()).toBe(0);
  });

  it('refuses to update a system task, and a result', async () => {
    const system = f.sim.world.create({ operation: 'vappDeploy' });
    const err = await adapter.updateTask!({ nativeId: urn(system.id), progress: 5 }, ctx).catch((e: unknown) => e);
    expect((err as BackendError).code).toBe('BAD_USER_INPUT');
    expect((err as Error).message).toMatch(/system task/);
    const err2 = await adapter.updateTask!({ nativeId: urn(system.id), result: 'x' }, ctx).catch((e: unknown) => e);
    expect((err2 as BackendError).code).toBe('BAD_USER_INPUT');
  });

  it('works with a legacy session (org from the Session links) and for the System org', async () => {
    const legacy = f.adapter({ apiVersion: '32.0' });
    expect(await legacy.createTask!(base, ctx)).toMatchObject({ tenant: 'acme', status: 'RUNNING' });
    const system = f.adapter({}, 'System');
    expect(await system.createTask!({ ...base, status: 'QUEUED' }, ctx)).toMatchObject({ tenant: 'System', status: 'QUEUED' });
  });
});
