/**
 * CancelTask and extension tasks (CreateTask, SetTaskState, UpdateProgress, SetTaskDescription)
 * against taskgraph's vim25 simulator; vcsim 0.24 has none of these methods.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CreateTaskRequest } from '../../src/adapters/contract.js';
import { startFixture, type Fixture } from './harness.js';

const ctx = { requestId: 'actions' };

const request = (over: Partial<CreateTaskRequest> = {}): CreateTaskRequest => ({
  operation: 'com.example.backup.run',
  description: null,
  serviceNamespace: null,
  owner: { nativeId: 'vm-42', type: null, name: null },
  status: 'QUEUED',
  progress: null,
  details: null,
  cancelable: true,
  parentId: null,
  ...over,
});

describe('CancelTask', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await startFixture();
  });
  afterEach(() => f.close());

  it('cancels a running task (CANCELING, then CANCELED through RequestCanceled), then refuses', async () => {
    const task = f.sim.world.create({ operation: 'VirtualMachine.clone', cancelable: true, plan: { queuedMs: 0, runMs: 60_000 } });
    f.clock.advance(10);
    const id = `task-${task.seq}`;
    const outcome = await f.adapter.cancelTask!(id, ctx);
    expect(outcome).toMatchObject({ ok: true, task: { nativeId: id, status: 'CANCELING', cancelRequested: true } });
    f.clock.advance(2000);
    const [done] = await f.adapter.getTasks([id], ctx);
    expect(done).toMatchObject({ status: 'CANCELED', nativeStatus: 'error', errors: [{ code: 'RequestCanceled' }] });
    expect(await f.adapter.cancelTask!(id, ctx)).toMatchObject({ ok: false, code: 'ALREADY_FINISHED' });
  });

  it('tells a task that cannot be canceled from one that does not exist', async () => {
    const task = f.sim.world.create({ operation: 'VirtualMachine.powerOn', cancelable: false, plan: { queuedMs: 0, runMs: 60_000 } });
    f.clock.advance(10);
    expect(await f.adapter.cancelTask!(`task-${task.seq}`, ctx)).toMatchObject({ ok: false, code: 'NOT_CANCELABLE', message: expect.stringContaining('NotSupported') });
    expect(await f.adapter.cancelTask!('task-777', ctx)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });
});

describe('extension tasks', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await startFixture();
  });
  afterEach(() => f.close());

  it('creates a task on an entity and drives it: running with progress, description, success with result', async () => {
    const created = await f.adapter.createTask!(request({ status: 'RUNNING', progress: 30, description: 'Backing up web-42', serviceNamespace: 'com.example.backup' }), ctx);
    expect(created).toMatchObject({
      operation: 'com.example.backup.run',
      status: 'RUNNING',
      progress: 30,
      description: 'Backing up web-42',
      isCancelable: true,
      initiatedBy: { kind: 'USER', name: 'com.example.backup' },
      entitiesAffected: [{ nativeId: 'vm-42', type: 'VirtualMachine' }],
    });
    const [create] = f.recorder.calls('CreateTask');
    expect(create!.body).toContain(
      '<obj type="VirtualMachine">vm-42</obj><taskTypeId>com.example.backup.run</taskTypeId><initiatedBy>com.example.backup</initiatedBy><cancelable>true</cancelable>',
    );
    const id = created.nativeId;
    expect(await f.adapter.updateTask!({ nativeId: id, progress: 250 }, ctx)).toMatchObject({ progress: 100 });
    expect(f.recorder.calls('UpdateProgress').at(-1)!.body).toContain('<percentDone>100</percentDone>');
    const done = await f.adapter.updateTask!({ nativeId: id, status: 'SUCCEEDED', result: 'backup-2026-03-01 <full>' }, ctx);
    expect(done).toMatchObject({ status: 'SUCCEEDED', result: 'backup-2026-03-01 <full>', progress: 100 });
    expect(f.recorder.calls('SetTaskState').at(-1)!.body).toContain('<state>success</state><result xsi:type="xsd:string">backup-2026-03-01 &lt;full&gt;</result>');
  });

  it('fails and cancels extension tasks with faults, and makes subtasks', async () => {
    const parent = await f.adapter.createTask!(request({ owner: { nativeId: 'HostSystem:host-7', type: null, name: null }, status: 'RUNNING' }), ctx);
    const child = await f.adapter.createTask!(request({ parentId: parent.nativeId, owner: null, cancelable: false }), ctx);
    expect(child).toMatchObject({ parentId: parent.nativeId, status: 'QUEUED', entitiesAffected: [{ nativeId: 'group-d1', type: 'Folder' }] });
    expect(parent.entitiesAffected[0]).toMatchObject({ nativeId: 'host-7', type: 'HostSystem' });
    const failed = await f.adapter.updateTask!({ nativeId: child.nativeId, status: 'FAILED', errorMessage: 'Disk quota exceeded' }, ctx);
    expect(failed).toMatchObject({ status: 'FAILED', errors: [{ code: 'SystemError', message: 'Disk quota exceeded' }] });
    const canceled = await f.adapter.updateTask!({ nativeId: parent.nativeId, status: 'CANCELED' }, ctx);
    expect(canceled).toMatchObject({ status: 'CANCELED', errors: [{ code: 'RequestCanceled' }] });
    const renamed = f.adapter.updateTask!({ nativeId: parent.nativeId, status: 'RUNNING' }, ctx);
    await expect(renamed).rejects.toMatchObject({ vendorCode: 'InvalidState' });
  });

  it('refuses what vim cannot express, before any call', async () => {
    const calls = f.recorder.requests.length;
    await expect(f.adapter.createTask!(request({ status: 'SUSPENDED' }), ctx)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(f.adapter.createTask!(request({ details: 'x' }), ctx)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(f.adapter.updateTask!({ nativeId: 'task-1', status: 'CANCELING' }, ctx)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(f.recorder.requests.length).toBe(calls);
    await expect(f.adapter.createTask!(request({ owner: { nativeId: 'mystery', type: null, name: null } }), ctx)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(f.adapter.updateTask!({ nativeId: 'task-999', progress: 5 }, ctx)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
