/**
 * What the simulated vCenter runs: vAPI services and operations that create `cis` tasks, and
 * how a TaskWorld task maps onto a service, an operation and a task id.
 *
 * Service and operation ids follow public evidence (see src/adapters/vsphere-rest/services.ts):
 * operations keep vCenter's `$task` suffix (`check_compliance$task` in a vCenter 8.0.3 reply
 * reproduced in vmware/vmware-config-modules tests), and task ids read `<uuid>:<service id>`.
 */
import type { OperationTemplate, SimTask } from '../task-world.js';

export const SERVICES = {
  vm: 'com.vmware.vcenter.vm',
  software: 'com.vmware.esx.settings.clusters.software',
  configuration: 'com.vmware.esx.settings.clusters.configuration',
  inventory: 'com.vmware.esx.settings.inventory',
} as const;

/** Services the simulator knows; a task created with another operation is filed under FALLBACK_SERVICE. */
const KNOWN = Object.values(SERVICES) as string[];
export const FALLBACK_SERVICE: string = SERVICES.vm;

const vm = (n: number) => `vm-${1000 + n}`;
const cluster = (n: number) => `domain-c${8 + (n % 4)}`;

/** Operation templates: `operation` is `<service>.<operation>`, as the adapter reports it. */
export const CATALOG: OperationTemplate[] = [
  { operation: `${SERVICES.vm}.clone$task`, description: 'Clone virtual machine {name}', entityType: 'VirtualMachine', entityId: vm, entityName: (n) => `web-${n}` },
  {
    operation: `${SERVICES.software}.apply$task`,
    description: 'Remediate cluster {name} to its desired image',
    entityType: 'ClusterComputeResource',
    entityId: cluster,
    entityName: (n) => `cluster-${n % 4}`,
    subtasks: 2,
  },
  { operation: `${SERVICES.software}.scan$task`, description: 'Check compliance of cluster {name} with its image', entityType: 'ClusterComputeResource', entityId: cluster, entityName: (n) => `cluster-${n % 4}`, cancelable: false },
  {
    operation: `${SERVICES.configuration}.check_compliance$task`,
    description: 'Check cluster {name} against its desired configuration',
    entityType: 'ClusterComputeResource',
    entityId: cluster,
    entityName: (n) => `cluster-${n % 4}`,
    subtasks: 1,
  },
  { operation: `${SERVICES.inventory}.update_vum_capability$task`, description: 'Update the image-management capability of the inventory', entityType: 'Datacenter', entityId: () => 'datacenter-3', entityName: () => 'dc-1', cancelable: false },
];

/** A task's vAPI service: an explicit `extra.service`, the service its operation starts with, its parent's, or the fallback. */
export function serviceOf(task: SimTask, lookup: (id: string) => SimTask | undefined): string {
  if (task.extra.service) return task.extra.service;
  const known = KNOWN.find((s) => task.operation.startsWith(s + '.'));
  if (known) return known;
  const parent = task.parentId ? lookup(task.parentId) : undefined;
  return parent ? serviceOf(parent, lookup) : FALLBACK_SERVICE;
}

/** The operation id within its service: the rest of the world's operation after the service id. */
export function operationOf(task: SimTask, service: string): string {
  if (task.extra.operation) return task.extra.operation;
  return task.operation.startsWith(service + '.') ? task.operation.slice(service.length + 1) : task.operation;
}

export function taskIdOf(task: SimTask, lookup: (id: string) => SimTask | undefined): string {
  return `${task.id}:${serviceOf(task, lookup)}`;
}

/** The world id inside a vAPI task id (`<uuid>:<service>`), or null when it is not one of ours. */
export function worldIdOf(taskId: string): string | null {
  const m = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(.+)$/.exec(taskId);
  return m ? m[1]! : null;
}
