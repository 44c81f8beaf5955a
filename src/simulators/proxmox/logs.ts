/**
 * Task logs as Proxmox VE workers write them, a pure function of the task's state: the lines
 * so far while it runs (progress lines up to its progress), the end and the `TASK ...` line
 * once it ended (pve-common RESTEnvironment fork_worker). Line formats from the sources
 * cited in src/adapters/proxmox/log.ts: live migration (qemu-server QemuMigrate.pm, each
 * line stamped with the local time by pve-guest-common AbstractMigrate), backup (pve-manager
 * VZDump.pm and qemu-server VZDump/QemuServer.pm through `INFO: `), disk clone (qemu-server
 * QemuImage.pm) and disk move (qemu-server BlockJob.pm). Times are UTC here.
 */
import { isSimTerminal, type SimTask } from '../task-world.js';
import { NODES } from './catalog.js';
import { exitStatusOf } from './render.js';

const GiB = 1024 ** 3;
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** pve-common `PVE::Format::render_bytes($value, $precision)`. */
export function renderBytes(value: number, precision = 2): string {
  let unit = 0;
  if (value > 1023) {
    unit = Math.min(UNITS.length - 1, Math.floor(Math.log(value) / Math.log(1024)));
    value /= 1024 ** unit;
  }
  return `${value.toFixed(precision)} ${UNITS[unit]}`;
}

/** pve-common `PVE::Format::render_duration`: `1m 2s`. */
export function renderDuration(seconds: number): string {
  let rest = Math.round(seconds);
  if (!rest) return '0s';
  const parts: string[] = [];
  for (const [unit, length] of [['h', 3600], ['m', 60], ['s', 1]] as const) {
    const v = Math.floor(rest / length);
    if (v > 0) {
      parts.push(`${v}${unit}`);
      rest -= v * length;
    }
  }
  return parts.join(' ');
}

function hms(seconds: number): string {
  const s = Math.round(seconds);
  return [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0')).join(':');
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Progress checkpoints reached: 0, 7, 14 ... up to the task's progress. */
function checkpoints(task: SimTask): number[] {
  const reached = task.state === 'succeeded' ? 100 : task.progress;
  const out: number[] = [];
  for (let p = 0; p < reached; p += 7) out.push(p);
  if (task.state === 'succeeded') out.push(100);
  return out;
}

interface Timeline {
  /** The time at which the task reached `percent`. */
  at(percent: number): number;
  /** Seconds from start to end (or to now). */
  seconds: number;
}

function timeline(task: SimTask, now: number): Timeline {
  const start = task.createdAt.getTime();
  const end = task.completedAt?.getTime() ?? now;
  return { at: (percent) => start + ((end - start) * percent) / 100, seconds: (end - start) / 1000 };
}

function migration(task: SimTask, vmid: string, t: Timeline): { body: string[]; ok: string[]; failed: string[] } {
  const target = NODES[(NODES.indexOf(task.tenant as (typeof NODES)[number]) + 1) % NODES.length];
  const total = 4 * GiB;
  const at = (p: number, text: string) => `${stamp(t.at(p))} ${text}`;
  const uri = `unix:/run/qemu-server/${vmid}.migrate`;
  const body = [
    at(0, `starting migration of VM ${vmid} to node '${target}' (10.10.10.${NODES.indexOf(target) + 11})`),
    at(0, `starting VM ${vmid} on remote node '${target}'`),
    at(0, 'start remote tunnel'),
    at(0, 'ssh tunnel ver 1'),
    at(0, `starting online/live migration on ${uri}`),
    at(0, 'set migration capabilities'),
    at(0, 'migration downtime limit: 100 ms'),
    at(0, 'migration cachesize: 512.0 MiB'),
    at(0, 'set migration parameters'),
    at(0, `start migrate command to ${uri}`),
    ...checkpoints(task).filter((p) => p > 0 && p < 100).map((p) => at(p, `migration active, transferred ${renderBytes((total * p) / 100, 1)} of ${renderBytes(total, 1)} VM-state, 112.4 MiB/s`)),
  ];
  const ok = [
    at(100, 'average migration speed: 113.8 MiB/s - downtime 47 ms'),
    at(100, `migration completed, transferred ${renderBytes(total, 1)} VM-state`),
    at(100, 'migration status: completed'),
    at(100, `migration finished successfully (duration ${hms(t.seconds)})`),
  ];
  const failed = [
    at(100, 'migration status error: failed - Unable to write to socket: Broken pipe'),
    at(100, 'ERROR: online migrate failure - aborting'),
    at(100, 'aborting phase 2 - cleanup resources'),
    at(100, 'migrate_cancel'),
    at(100, `ERROR: migration finished with problems (duration ${hms(t.seconds)})`),
  ];
  return { body, ok, failed };
}

function backup(task: SimTask, vmid: string, t: Timeline): { body: string[]; ok: string[]; failed: string[] } {
  const total = 32 * GiB;
  const started = stamp(t.at(0));
  const file = `vzdump-qemu-${vmid}-${started.replace(/[-:]/g, '_').replace(' ', '-')}.vma.zst`;
  const body = [
    `INFO: starting new backup job: vzdump ${vmid} --node ${task.tenant} --storage local --mode snapshot --compress zstd --remove 0`,
    `INFO: Starting Backup of VM ${vmid} (qemu)`,
    `INFO: Backup started at ${started}`,
    'INFO: status = running',
    `INFO: VM Name: ${task.entity?.name ?? `vm-${vmid}`}`,
    `INFO: include disk 'scsi0' 'local-lvm:vm-${vmid}-disk-0' 32G`,
    'INFO: backup mode: snapshot',
    'INFO: ionice priority: 7',
    `INFO: creating vzdump archive '/var/lib/vz/dump/${file}'`,
    `INFO: started backup task '${task.id}'`,
    'INFO: resuming VM again',
    ...checkpoints(task).map((p) => {
      const elapsed = ((t.at(p) - t.at(0)) / 1000) | 0;
      return `INFO: ${String(p).padStart(3)}% (${renderBytes((total * p) / 100, 1)} of ${renderBytes(total, 1)}) in ${renderDuration(elapsed)}, read: 528.5 MiB/s, write: 503.1 MiB/s`;
    }),
  ];
  const warn = exitStatusOf(task)?.startsWith('WARNINGS') ? ['WARN: no efidisk configured! Using temporary efivars disk.'] : [];
  const ok = [
    'INFO: backup is sparse: 21.3 GiB (66%) total zero data',
    `INFO: transferred ${renderBytes(total)} in ${Math.round(t.seconds)} seconds (528.5 MiB/s)`,
    'INFO: archive file size: 5.17GB',
    ...warn,
    `INFO: Finished Backup of VM ${vmid} (${hms(t.seconds)})`,
    `INFO: Backup finished at ${stamp(t.at(100))}`,
    'INFO: Backup job finished successfully',
  ];
  const failed = [`ERROR: Backup of VM ${vmid} failed - job failed with err -5 - Input/output error`, `INFO: Failed at ${stamp(t.at(100))}`, 'INFO: Backup job finished with errors'];
  return { body, ok, failed };
}

function diskCopy(task: SimTask, vmid: string, blockJob: boolean): { body: string[]; ok: string[]; failed: string[] } {
  const total = 32 * GiB;
  const line = (p: number) => {
    const text = `transferred ${renderBytes((total * p) / 100, 1)} of ${renderBytes(total, 1)} (${p.toFixed(2)}%)`;
    return blockJob ? `drive-scsi0: ${text} in ${renderDuration(p / 5)}${p === 100 ? ', ready' : ''}` : text;
  };
  const head = blockJob ? [`create full clone of drive scsi0 (local-lvm:vm-${vmid}-disk-0)`, 'drive mirror is starting for drive-scsi0'] : [`create full clone of drive scsi0 (local-lvm:vm-${vmid}-disk-0)`, `  Logical volume "vm-${Number(vmid) + 1}-disk-0" created.`];
  const ok = blockJob ? ["all 'mirror' jobs are ready", 'drive-scsi0: Completing block job...', 'drive-scsi0: Completed successfully.', 'drive-scsi0: mirror-job finished'] : [];
  return { body: [...head, ...checkpoints(task).map(line)], ok, failed: [] };
}

/** The log's lines at `now`. */
export function logLines(task: SimTask, vmid: string, now: number): string[] {
  const t = timeline(task, now);
  let parts: { body: string[]; ok: string[]; failed: string[] };
  switch (task.operation) {
    case 'qmigrate':
      parts = migration(task, vmid, t);
      break;
    case 'vzdump':
      parts = backup(task, vmid, t);
      break;
    case 'qmclone':
      parts = diskCopy(task, vmid, false);
      break;
    case 'qmmove':
      parts = diskCopy(task, vmid, true);
      break;
    case 'aptupdate':
      parts = { body: ['starting apt-get update', 'Hit:1 http://deb.debian.org/debian bookworm InRelease', 'Hit:2 http://download.proxmox.com/debian/pve bookworm InRelease'], ok: ['Reading package lists...'], failed: [] };
      break;
    default:
      parts = { body: [], ok: [], failed: [] };
  }
  if (!isSimTerminal(task.state)) return parts.body;
  const status = exitStatusOf(task)!;
  if (task.state === 'succeeded') return [...parts.body, ...parts.ok, status === 'OK' ? 'TASK OK' : `TASK ${status}`];
  // fork_worker puts an error's TASK line on a line of its own.
  return [...parts.body, ...(task.state === 'failed' ? parts.failed : []), `TASK ERROR: ${status}`];
}
