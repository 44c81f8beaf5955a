/**
 * govmomi (VMware's Go SDK, Debian's build) against taskgraph's vim25 simulator over https:
 * scripts/govmomi-tasks lists the recent tasks through view.CreateTaskView, as `govc tasks`
 * does (CreateListView, ResetListView with TaskManager.recentTask, WaitForUpdatesEx on
 * Task.info through the view's `view` traversal, DestroyView).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVsphereSoapSimulator, VSPHERE_PASSWORD, VSPHERE_USER, type VsphereSoapSimulator } from '../../src/simulators/vsphere-soap/index.js';
import { govmomiTasksProgram, run } from './clients.js';

const program = govmomiTasksProgram();

describe.skipIf(!program)('govmomi view.CreateTaskView against the vim25 simulator', () => {
  let sim: VsphereSoapSimulator;
  let result: { version: string; tasks: Array<{ key: string; state: string; descriptionId: string; entity?: string; entityName?: string }> };

  beforeAll(async () => {
    sim = await startVsphereSoapSimulator({ tls: true, seed: 4, initialTasks: 10 });
    const out = await run(program!, ['-url', `${sim.server.url}/sdk`, '-ca', sim.server.caFile!, '-user', VSPHERE_USER, '-password', VSPHERE_PASSWORD], 60_000);
    if (out.code !== 0) throw new Error(`govmomi-tasks failed (${out.code}):\n${out.stderr}`);
    result = JSON.parse(out.stdout);
  }, 90_000);
  afterAll(() => sim?.close());

  it('verifies the certificate, picks the API version the server advertises, and lists every recent task', () => {
    expect(result.version).toBe('7.0.3.0');
    const recent = sim.world.list().reverse();
    expect(result.tasks.map((t) => t.key)).toEqual(recent.map((t) => `task-${t.seq}`));
  });

  it('reads each TaskInfo through the view, with the entity by name', () => {
    for (const t of result.tasks) {
      expect(t.state).toMatch(/^(queued|running|success|error)$/);
      expect(t.entity).toMatch(/^(vm|host)-\d+$/);
      expect(t.entityName).toBeTruthy();
      expect(t.entityName).not.toBe(t.entity);
    }
  });

  it('made the calls of a TaskView and cleaned up after itself', () => {
    for (const method of ['CreateListView', 'ResetListView', 'CreatePropertyCollector', 'CreateFilter', 'WaitForUpdatesEx', 'DestroyView', 'DestroyPropertyCollector', 'Logout']) {
      expect(sim.server.counts.get(method) ?? 0, method).toBeGreaterThanOrEqual(1);
    }
    expect(sim.sessionCount()).toBe(0);
  });
});
