/**
 * VMware's Python SDK against taskgraph's vim25 simulator over https (pyvmomi/tasks_flow.py):
 * what teams testing their automation against `taskgraph simulate vsphere-soap --tls` do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVsphereSoapSimulator, VSPHERE_PASSWORD, VSPHERE_USER, type VsphereSoapSimulator } from '../../src/simulators/vsphere-soap/index.js';
import { pythonWithPyvmomi, run } from './clients.js';

const python = pythonWithPyvmomi();
const SCRIPT = new URL('./pyvmomi/tasks_flow.py', import.meta.url).pathname;

describe.skipIf(!python)('pyVmomi against the vim25 simulator', () => {
  let sim: VsphereSoapSimulator;
  let result: Record<string, any>;

  beforeAll(async () => {
    sim = await startVsphereSoapSimulator({ tls: true, seed: 8, initialTasks: 12 });
    // A long clone that can be canceled while the script runs.
    sim.world.create({ operation: 'VirtualMachine.clone', entity: { id: 'vm-42', type: 'VirtualMachine', name: 'ignored' }, cancelable: true, state: 'running', plan: { queuedMs: 0, runMs: 600_000 } });
    const { port } = new URL(sim.server.url);
    const out = await run(python!, [SCRIPT, '127.0.0.1', port, sim.server.caFile!, VSPHERE_USER, VSPHERE_PASSWORD], 60_000);
    if (out.code !== 0) throw new Error(`tasks_flow.py failed (${out.code}):\n${out.stderr}`);
    result = JSON.parse(out.stdout);
  }, 90_000);
  afterAll(() => sim?.close());

  it('connects with SmartConnect over https with certificate verification, and logs in', () => {
    expect(result.about).toEqual({ apiType: 'VirtualCenter', apiVersion: '7.0.3.0' });
    expect(result.session_user).toBe(VSPHERE_USER);
    expect(sim.server.counts.get('vimServiceVersions.xml')).toBe(1);
  });

  it('reads recent tasks, their entity by name, and property paths in one call', () => {
    expect(result.recent_count).toBe(sim.world.size - 2);
    expect(result.first.entityName).toBe(result.first.entity_name_read);
    expect(result.first.entityName).not.toBe(result.first.entity);
    expect(result.paths['info.state']).toBe(result.recent_count);
    expect(result.paths['info.entityName']).toBe(result.recent_count);
    expect(result.paths['info.progress']).toBeGreaterThanOrEqual(1);
    expect(result.progress_types).toEqual(['int']);
    expect(result.missing).toBeUndefined();
  });

  it('pages a task history collector', () => {
    expect(result.collector.latest).toBe(5);
    expect(result.collector.forward).toEqual(['task-1', 'task-2', 'task-3']);
  });

  it('cancels a running task', () => {
    expect(result.canceled.cancelled).toBe(true);
    const canceled = sim.world.list().find((t) => `task-${t.seq}` === result.canceled.key);
    expect(canceled).toMatchObject({ cancelRequested: true });
  });

  it("drives an extension's task: registered types only, setters, WaitForUpdatesEx on property paths", () => {
    expect(result.extension_tasks).toContain('com.example.backup.run');
    expect(result.unregistered).toBe('taskType');
    expect(result.created).toEqual({ state: 'queued', entityName: 'Datacenters', descriptionId: 'com.example.backup.run' });
    expect(result.watch).toEqual({ initial_kind: ['enter'], changes: { 'info.state': 'running', 'info.progress': '40' } });
    expect(result.finished).toEqual({ state: 'success', result: 'backup-42', description: 'Copying disks' });
    expect(result.failed).toEqual({ state: 'error', fault: 'vmodl.fault.SystemError', reason: 'checksum mismatch', msg: 'checksum mismatch' });
  });

  it('logs out: the session is gone and property reads fault NotAuthenticated', () => {
    expect(result.after_logout).toBe('NotAuthenticated');
    expect(sim.sessionCount()).toBe(0);
  });
});
