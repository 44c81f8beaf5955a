/**
 * What a busy vCD cell does: operation templates named as vCD names them (`operationName`s seen
 * in captured payloads and govcd: vdcInstantiateVapp, vappDeploy, networkCreateOrgVdcNetwork,
 * catalogCreateCatalog, vdcUpdateStorageProfiles ...), the entities they own, and how a
 * TaskWorld state reads as a vCD status at a given moment.
 */
import type { OperationTemplate, SimTask } from '../task-world.js';
import { stableUuid } from './directory.js';

interface EntityKind {
  /** Path under /api for an entity id. */
  path: (id: string) => string;
  mediaType: string;
}

export const ENTITY_KINDS: Record<string, EntityKind> = {
  vApp: { path: (id) => `/api/vApp/${id}`, mediaType: 'application/vnd.vmware.vcloud.vApp+xml' },
  vm: { path: (id) => `/api/vApp/${id}`, mediaType: 'application/vnd.vmware.vcloud.vm+xml' },
  vdc: { path: (id) => `/api/vdc/${id}`, mediaType: 'application/vnd.vmware.vcloud.vdc+xml' },
  catalog: { path: (id) => `/api/admin/catalog/${id}`, mediaType: 'application/vnd.vmware.admin.catalog+xml' },
  network: { path: (id) => `/api/admin/network/${id}`, mediaType: 'application/vnd.vmware.admin.network+xml' },
};

const vapp = (n: number) => `vapp-${stableUuid('vapp', String(n))}`;

export const CATALOG: OperationTemplate[] = [
  { operation: 'vdcInstantiateVapp', description: 'Creating Virtual Application {name}', entityType: 'vApp', entityId: vapp, entityName: (n) => `web-${n}`, subtasks: 2 },
  { operation: 'vappDeploy', description: 'Starting Virtual Application {name}', entityType: 'vApp', entityId: vapp, entityName: (n) => `app-${n}`, subtasks: 1 },
  { operation: 'vappUndeployPowerOff', description: 'Stopping Virtual Application {name}', entityType: 'vApp', entityId: vapp, entityName: (n) => `app-${n}`, cancelable: false },
  { operation: 'vdcComposeVapp', description: 'Composing Virtual Application {name}', entityType: 'vApp', entityId: vapp, entityName: (n) => `db-${n}`, subtasks: 1 },
  { operation: 'catalogCreateCatalog', description: 'Creating Catalog {name}', entityType: 'catalog', entityId: (n) => stableUuid('catalog', String(n)), entityName: (n) => `catalog-${n}`, cancelable: false },
  { operation: 'networkCreateOrgVdcNetwork', description: 'Creating Network {name}', entityType: 'network', entityId: (n) => stableUuid('network', String(n)), entityName: (n) => `net-${n}` },
  { operation: 'vdcUpdateStorageProfiles', description: 'Updating Virtual Datacenter {name}', entityType: 'vdc', entityId: (n) => stableUuid('vdc', String(n)), entityName: (n) => `vdc-${n}`, cancelable: false },
];

/** TaskWorld names subtasks `<operation>.stepN`; vCD names them after what they do. */
const SUBTASK_OPERATIONS: Record<string, string[]> = {
  vdcInstantiateVapp: ['vdcCopyTemplate', 'vappDeploy'],
  vappDeploy: ['vappPowerOn'],
  vdcComposeVapp: ['vappUpdateVm'],
};

/** Operations that drive vCenter tasks (VcTaskList, API 33+), with the vim task each one runs. */
const VC_TASKS: Record<string, { name: string; description: string }> = {
  vappDeploy: { name: 'PowerOnVM_Task', description: 'Power On virtual machine' },
  vappPowerOn: { name: 'PowerOnVM_Task', description: 'Power On virtual machine' },
  vappUndeployPowerOff: { name: 'PowerOffVM_Task', description: 'Power Off virtual machine' },
  vdcCopyTemplate: { name: 'CloneVM_Task', description: 'Clone virtual machine' },
};

export function operationName(task: SimTask): string {
  const m = /^(.+)\.step(\d+)$/.exec(task.operation);
  return (m && SUBTASK_OPERATIONS[m[1]!]?.[Number(m[2]) - 1]) ?? task.operation;
}

export function vcTaskFor(task: SimTask): { name: string; description: string } | undefined {
  return task.external ? undefined : VC_TASKS[operationName(task)];
}

export type VcdStatusText = 'queued' | 'preRunning' | 'running' | 'postRunning' | 'success' | 'error' | 'canceled' | 'aborted';

/**
 * The vCD status of a task now. External tasks show what their owner last set. Otherwise:
 * queued for the first half of the queue time, then preRunning; running, then postRunning at
 * 95%; a cancel request keeps the status and sets cancelRequested; a task canceled before it
 * started ends `aborted`, after it started `canceled` (which of the two a real cell reports is
 * UNCONFIRMED, reference §1.3; both exist in pyvcloud's TaskStatus).
 */
export function vcdStatus(task: SimTask, now: number): VcdStatusText {
  if (task.external && task.extra.vcdStatus) return task.extra.vcdStatus as VcdStatusText;
  switch (task.state) {
    case 'queued':
      return now - task.createdAt.getTime() >= task.plan.queuedMs / 2 ? 'preRunning' : 'queued';
    case 'running':
      return task.progress >= 95 ? 'postRunning' : 'running';
    case 'canceling':
      return task.startedAt ? 'running' : 'queued';
    case 'succeeded':
      return 'success';
    case 'failed':
      return 'error';
    case 'canceled':
      return task.startedAt ? 'canceled' : 'aborted';
  }
}

/** Where an entity lives: external tasks keep the owner href their creator gave. */
export function entityHref(origin: string, task: SimTask): { href: string; type: string; name: string; shortType: string } | undefined {
  const e = task.entity;
  if (!e) return undefined;
  if (/^https?:\/\//.test(e.id)) {
    return { href: e.id, type: task.extra.ownerType ?? '', name: e.name, shortType: e.type };
  }
  const kind = ENTITY_KINDS[e.type];
  return kind ? { href: origin + kind.path(e.id), type: kind.mediaType, name: e.name, shortType: e.type } : undefined;
}
