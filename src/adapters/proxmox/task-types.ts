/**
 * What a task type (the UPID's `type`) says: the kind of guest its id names, and the words
 * the Proxmox VE web UI describes it with. From pve-manager `www/manager6/Utils.js`
 * (`override_task_descriptions`: `qmstart: ['VM', 'Start']` reads "VM 100 - Start"; VM is a
 * QEMU guest, CT a container, VM/CT either) and the worker types qemu-server and
 * pve-container pass to `fork_worker` (`src/PVE/API2/Qemu.pm`, `src/PVE/API2/LXC*.pm`).
 */

/** The guest kind a task's id names: Proxmox's own resource types (`/cluster/resources`). */
export type GuestKind = 'qemu' | 'lxc';

interface TaskType {
  /** `qemu`, `lxc`, `guest` (either, the type does not say), or null: the id is no guest. */
  readonly guest: GuestKind | 'guest' | null;
  /** The UI's prefix before the id ("VM", "CT"), '' when there is none. */
  readonly prefix: string;
  readonly action: string;
}

const vm = (action: string): TaskType => ({ guest: 'qemu', prefix: 'VM', action });
const ct = (action: string): TaskType => ({ guest: 'lxc', prefix: 'CT', action });
const either = (action: string): TaskType => ({ guest: 'guest', prefix: 'VM/CT', action });
const other = (prefix: string, action: string): TaskType => ({ guest: null, prefix, action });

const TYPES: Readonly<Record<string, TaskType>> = {
  qmclone: vm('Clone'),
  qmconfig: vm('Configure'),
  qmcreate: vm('Create'),
  qmdelsnapshot: vm('Delete Snapshot'),
  qmdestroy: vm('Destroy'),
  qmigrate: vm('Migrate'),
  qmmove: vm('Move disk'),
  qmpause: vm('Pause'),
  qmreboot: vm('Reboot'),
  qmreset: vm('Reset'),
  qmrestore: vm('Restore'),
  qmresume: vm('Resume'),
  qmrollback: vm('Rollback'),
  qmshutdown: vm('Shutdown'),
  qmsnapshot: vm('Snapshot'),
  qmstart: vm('Start'),
  qmstop: vm('Stop'),
  qmsuspend: vm('Hibernate'),
  qmtemplate: vm('Convert to template'),
  qmtunnel: vm('Remote migration tunnel'),
  vzclone: ct('Clone'),
  vzcreate: ct('Create'),
  vzdelsnapshot: ct('Delete Snapshot'),
  vzdestroy: ct('Destroy'),
  vzmigrate: ct('Migrate'),
  vzmount: ct('Mount'),
  vzreboot: ct('Reboot'),
  vzrestore: ct('Restore'),
  vzresume: ct('Resume'),
  vzrollback: ct('Rollback'),
  vzshutdown: ct('Shutdown'),
  vzsnapshot: ct('Snapshot'),
  vzstart: ct('Start'),
  vzstop: ct('Stop'),
  vzsuspend: ct('Suspend'),
  vztemplate: ct('Convert to template'),
  vzumount: ct('Unmount'),
  move_volume: ct('Move Volume'),
  pull_file: ct('Pull file'),
  push_file: ct('Push file'),
  vzdump: either('Backup'),
  resize: either('Resize'),
  vncproxy: either('Console'),
  spiceproxy: either('Console (Spice)'),
  hamigrate: { guest: 'guest', prefix: 'HA', action: 'Migrate' },
  hashutdown: { guest: 'guest', prefix: 'HA', action: 'Shutdown' },
  hastart: { guest: 'guest', prefix: 'HA', action: 'Start' },
  hastop: { guest: 'guest', prefix: 'HA', action: 'Stop' },
  aptupdate: other('', 'Update package database'),
  download: other('File', 'Download'),
  imgcopy: other('', 'Copy data'),
  imgdel: other('', 'Erase data'),
  startall: other('', 'Bulk start VMs and Containers'),
  stopall: other('', 'Bulk shutdown VMs and Containers'),
  migrateall: other('', 'Bulk migrate VMs and Containers'),
  vncshell: other('', 'Shell'),
  srvstart: other('SRV', 'Start'),
  srvstop: other('SRV', 'Stop'),
  srvrestart: other('SRV', 'Restart'),
  srvreload: other('SRV', 'Reload'),
};

/** A guest id as pve-common's `pve-vmid` format reads it (100 to 999999999). */
const VMID = /^[1-9][0-9]{2,8}$/;

export function isVmid(value: string): boolean {
  return VMID.test(value);
}

/** The guest a task acts on: its vmid and kind (null when the type does not tell), or null. */
export function guestOf(type: string, id: string): { vmid: string; kind: GuestKind | null } | null {
  if (!isVmid(id)) return null;
  const known = TYPES[type];
  // An unknown type with a vmid-shaped id is taken as a guest of unknown kind: Proxmox ids
  // of that shape are guest ids (vzdump, HA and bulk types all use them so).
  if (known && known.guest === null) return null;
  return { vmid: id, kind: known?.guest === 'qemu' || known?.guest === 'lxc' ? known.guest : null };
}

/** How the Proxmox VE UI describes the task: "VM 100 - Start", "Backup Job", "aptupdate". */
export function describeTask(type: string, id: string): string {
  const known = TYPES[type];
  if (type === 'vzdump' && !id) return 'Backup Job';
  if (!known) return id ? `${type} ${id}` : type;
  if (!id) return known.action;
  return known.prefix ? `${known.prefix} ${id} - ${known.action}` : `${known.action} ${id}`;
}
