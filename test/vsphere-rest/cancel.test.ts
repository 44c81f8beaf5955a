/**
 * Cancel outcomes over HTTP: 204 -> ok (then CANCELED, read from FAILED + Canceled error),
 * 400 NotAllowedInCurrentState -> ALREADY_FINISHED, 400 Unsupported -> NOT_CANCELABLE,
 * 404 -> NOT_FOUND, anything else -> a BackendError.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskModel } from '../../src/model/task.js';
import type { VsphereRestSimulator } from '../../src/simulators/vsphere-rest/index.js';
import { startFixture, type ContractFixture } from '../contract/adapter-contract.js';

const ctx = { requestId: 'req-cancel' };
let f: ContractFixture;
let sim: VsphereRestSimulator;

beforeAll(async () => {
  f = await startFixture('vsphere-rest', 'vsphere-rest');
  sim = f.sim as VsphereRestSimulator;
});
afterAll(async () => {
  await f.adapter.close();
  await f.sim.close();
});

/** Creates a running clone and returns its vAPI id, as the adapter lists it. */
async function runningClone(cancelable: boolean): Promise<string> {
  const task = f.sim.world.create({ operation: 'com.vmware.vcenter.vm.clone$task', description: `clone ${cancelable}`, cancelable, plan: { queuedMs: 0, runMs: 600_000 } });
  f.clock.advance(10);
  return `${task.id}:com.vmware.vcenter.vm`;
}

describe('vsphere-rest cancel', () => {
  it('cancels a cancelable task: 204, cancelRequested until it ends FAILED/CANCELED', async () => {
    const id = await runningClone(true);
    const from = sim.received.length;
    const outcome = await f.adapter.cancelTask!(id, ctx);
    const call = sim.received.slice(from).find((r) => r.method === 'POST' && r.path.startsWith('/api/cis/'))!;
    expect(call.path).toBe(`/api/cis/tasks/${encodeURIComponent(id)}`);
    expect(call.query).toBe('action=cancel');
    expect(call.body).toBe('');
    expect(outcome.ok).toBe(true);
    const task = (outcome as { ok: true; task: TaskModel }).task;
    expect(task).toMatchObject({ nativeId: id, status: 'RUNNING', cancelRequested: true, isCancelable: false });

    // A second request while the cancel is under way is accepted again.
    expect((await f.adapter.cancelTask!(id, ctx)).ok).toBe(true);

    f.clock.advance(5000);
    const [after] = (await f.adapter.getTasks([id], ctx)) as TaskModel[];
    expect(after).toMatchObject({ status: 'CANCELED', nativeStatus: 'FAILED', cancelRequested: false });
    expect(after!.errors[0]).toMatchObject({ code: 'CANCELED', severity: 'ERROR' });
    expect(after!.completedAt).not.toBeNull();
  });

  it('reports ALREADY_FINISHED for a finished task (400 NOT_ALLOWED_IN_CURRENT_STATE)', async () => {
    const task = f.sim.world.create({ operation: 'com.vmware.vcenter.vm.clone$task', plan: { queuedMs: 0, runMs: 100, outcome: 'succeeded' } });
    f.clock.advance(1000);
    const outcome = await f.adapter.cancelTask!(`${task.id}:com.vmware.vcenter.vm`, ctx);
    expect(outcome).toMatchObject({ ok: false, code: 'ALREADY_FINISHED' });
    expect((outcome as { message: string }).message).toContain('NOT_ALLOWED_IN_CURRENT_STATE');
  });

  it('reports NOT_CANCELABLE for a task that cannot be canceled (400 UNSUPPORTED)', async () => {
    const id = await runningClone(false);
    expect(await f.adapter.cancelTask!(id, ctx)).toMatchObject({ ok: false, code: 'NOT_CANCELABLE' });
    const [task] = (await f.adapter.getTasks([id], ctx)) as TaskModel[];
    expect(task).toMatchObject({ status: 'RUNNING', cancelRequested: false });
  });

  it('reports NOT_FOUND for an unknown task (404)', async () => {
    expect(await f.adapter.cancelTask!('00000000-0000-4000-8000-000000000000:com.vmware.vcenter.vm', ctx)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await f.adapter.cancelTask!('not-a-task-id', ctx)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });

  it('throws a BackendError for other failures', async () => {
    const id = await runningClone(true);
    sim.server.setFaults({ failNext: 1, failStatus: 503 });
    await expect(f.adapter.cancelTask!(id, ctx)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'contract' });
  });
});
