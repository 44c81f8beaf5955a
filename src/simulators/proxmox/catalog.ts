/**
 * What the Proxmox VE simulator's cluster does: three nodes, guests 100-999, and the task
 * types a busy cluster runs (worker types of qemu-server, pve-container and pve-manager, as
 * in src/adapters/proxmox/task-types.ts), with how each one ends when it fails.
 */
import type { OperationTemplate, SimTask } from '../task-world.js';

export const NODES = ['pve1', 'pve2', 'pve3'] as const;
/** Users and an API token that start tasks (a token's tasks carry `user@realm!token`). */
export const USERS = ['root@pam', 'ops@pve', 'automation@pve!ci'];

const vmid = (n: number) => String(100 + (n % 900));
const guest = (operation: string, kind: 'qemu' | 'lxc', name: (n: number) => string): OperationTemplate => ({
  operation,
  description: operation,
  entityType: kind,
  entityId: vmid,
  entityName: name,
  cancelable: true,
});

export const CATALOG: OperationTemplate[] = [
  guest('qmstart', 'qemu', (n) => `web-${vmid(n)}`),
  guest('qmshutdown', 'qemu', (n) => `web-${vmid(n)}`),
  guest('qmigrate', 'qemu', (n) => `db-${vmid(n)}`),
  guest('qmclone', 'qemu', (n) => `template-${vmid(n)}`),
  guest('qmmove', 'qemu', (n) => `app-${vmid(n)}`),
  guest('vzdump', 'qemu', (n) => `db-${vmid(n)}`),
  guest('vzstart', 'lxc', (n) => `ct-${vmid(n)}`),
  guest('vzshutdown', 'lxc', (n) => `ct-${vmid(n)}`),
  guest('vzcreate', 'lxc', (n) => `ct-${vmid(n)}`),
  { operation: 'aptupdate', description: 'aptupdate', entityType: 'node', entityId: () => '', entityName: () => '', cancelable: true },
];

/** Task types whose id is no guest: the UPID's id is empty. */
export const NO_GUEST = new Set(['aptupdate']);

/**
 * The exit status of a failed task: the `die` message of the worker (qemu-server
 * `PVE::QemuServer::vm_start` "start failed: ...", pve-guest-common AbstractMigrate
 * "migration problems", pve-manager VZDump "job errors").
 */
export function failureOf(task: SimTask): string {
  switch (task.operation) {
    case 'qmstart':
      return 'start failed: QEMU exited with code 1';
    case 'qmshutdown':
    case 'vzshutdown':
      return 'VM quit/powerdown failed - got timeout';
    case 'qmigrate':
      return 'migration problems';
    case 'vzdump':
      return 'job errors';
    case 'qmclone':
    case 'qmmove':
      return "clone failed: command '/usr/bin/qemu-img convert -p -n -f raw -O raw' failed: exit code 1";
    case 'vzstart':
      return 'startup for container failed';
    default:
      return `${task.operation}: simulated failure`;
  }
}

/** The exit status of a stopped task: vzdump's handler dies with its own words (PVE/API2/VZDump.pm). */
export function interruptOf(task: SimTask): string {
  return task.operation === 'vzdump' ? 'interrupted by signal' : 'received interrupt';
}

/** Every fourth backup ends with a warning (`TASK WARNINGS: 1`), as OVMF guests' backups do. */
export function warningsOf(task: SimTask): number {
  return task.operation === 'vzdump' && task.seq % 4 === 0 ? 1 : 0;
}
