/**
 * Cross-simulator links for the demo: when the Cloud Director simulator starts a task that
 * drives a vCenter task (VcTaskList), the vSphere simulator runs that vCenter task with the
 * same lifecycle, and the VcTask names it. With the vSphere backend `knownAs` the vCD cell's
 * vCenter id, `Task.relatedTasks.task` then resolves across backends, as on a real cloud.
 */
import type { RunningSimulator } from './types.js';
import { vcTaskFor } from './vcd/catalog.js';
import { VCENTER_ID } from './vcd/render.js';
import { keyOf } from './vsphere-soap/tasks.js';

/** vim descriptionIds of the methods the vCD catalog's VcTasks name. */
const DESCRIPTION_IDS: Record<string, string> = {
  PowerOnVM_Task: 'VirtualMachine.powerOn',
  PowerOffVM_Task: 'VirtualMachine.powerOff',
  CloneVM_Task: 'VirtualMachine.clone',
};

/** Links a vCD simulator to a vSphere SOAP simulator; returns the alias the vSphere backend needs. */
export function linkVcdToVsphere(vcd: RunningSimulator, vsphere: RunningSimulator): { knownAs: string[] } {
  vcd.world.onChange((task, kind) => {
    const vc = kind === 'created' ? vcTaskFor(task) : undefined;
    const operation = vc && DESCRIPTION_IDS[vc.name];
    if (!operation) return;
    const vimTask = vsphere.world.create({
      operation,
      description: vc.description,
      entity: { id: `vm-${(task.seq % 400) + 100}`, type: 'VirtualMachine', name: task.entity?.name ?? 'vm' },
      owner: 'VSPHERE.LOCAL\\vcd-service',
      cancelable: false,
      createdAt: task.createdAt,
      plan: { ...task.plan },
    });
    task.extra.vcMoref = keyOf(vimTask);
  });
  return { knownAs: [VCENTER_ID] };
}
