/**
 * SimTask -> Proxmox VE task payloads: the UPID a worker gets when it forks (pve-common
 * `PVE::UPID::encode` via src/adapters/proxmox/upid.ts), the records of the task lists
 * (pve-manager Tasks.pm node_tasks, Cluster.pm tasks) and the status answer
 * (Tasks.pm read_task_status). A worker runs from the moment it forks: Proxmox has no
 * queued state, so a queued SimTask is a running task here.
 */
import { encodeUpid, splitTokenUser, type Upid } from '../../adapters/proxmox/upid.js';
import { isSimTerminal, type SimTask } from '../task-world.js';
import { failureOf, interruptOf, NO_GUEST, warningsOf } from './catalog.js';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ), which `pstart` counts in. */
const USER_HZ = 100;

/** The parts of the task's UPID: its node is its tenant, its start the second it was created. */
export function upidPartsOf(task: SimTask, bootedAt: (node: string) => number): Upid {
  const started = task.createdAt.getTime();
  return {
    node: task.tenant,
    pid: 0x1000 + ((task.seq * 7919) % 0x3f0000),
    pstart: Math.max(0, Math.floor(((started - bootedAt(task.tenant)) / 1000) * USER_HZ)),
    starttime: Math.floor(started / 1000),
    type: task.operation,
    id: NO_GUEST.has(task.operation) ? '' : (task.entity?.id ?? ''),
    user: task.owner,
  };
}

export function upidOf(task: SimTask, bootedAt: (node: string) => number): string {
  return (task.extra.upid ??= encodeUpid(upidPartsOf(task, bootedAt)));
}

/** The exit status once ended: `OK`, `WARNINGS: n`, the failure, or the stop's interrupt. */
export function exitStatusOf(task: SimTask): string | undefined {
  switch (task.state) {
    case 'succeeded': {
      const warnings = warningsOf(task);
      return warnings ? `WARNINGS: ${warnings}` : 'OK';
    }
    case 'failed':
      return failureOf(task);
    case 'canceled':
      return interruptOf(task);
    default:
      return undefined;
  }
}

export function isRunning(task: SimTask): boolean {
  return !isSimTerminal(task.state);
}

/** The UPID's parts as a task list item carries them, with a token's user split (Tasks.pm convert_token_task). */
function baseRecord(upid: string, parts: Upid): Record<string, unknown> {
  const { userid, tokenName } = splitTokenUser(parts.user);
  const out: Record<string, unknown> = { upid, node: parts.node, pid: parts.pid, pstart: parts.pstart, starttime: parts.starttime, type: parts.type, id: parts.id, user: userid };
  if (tokenName) out.tokenid = tokenName;
  return out;
}

/**
 * A node list item. Active entries (read from the node's `active` file) carry `saved` as the
 * file has it, a string, and a running one `status: "RUNNING"` (Tasks.pm, with `source=all`);
 * archived ones carry `endtime` and `status`.
 */
export function nodeRecord(task: SimTask, upid: string, parts: Upid): Record<string, unknown> {
  const out = baseRecord(upid, parts);
  if (isRunning(task)) return { ...out, saved: '0', status: 'RUNNING' };
  return { ...out, endtime: Math.floor(task.completedAt!.getTime() / 1000), status: exitStatusOf(task) };
}

/** A `/cluster/tasks` item: the node's broadcast active list (running: no status, no end time). */
export function clusterRecord(task: SimTask, upid: string, parts: Upid): Record<string, unknown> {
  const out = baseRecord(upid, parts);
  if (isRunning(task)) return { ...out, saved: '0' };
  return { ...out, saved: '1', endtime: Math.floor(task.completedAt!.getTime() / 1000), status: exitStatusOf(task) };
}

/** The `.../status` answer. */
export function statusRecord(task: SimTask, upid: string, parts: Upid): Record<string, unknown> {
  const out = baseRecord(upid, parts);
  if (isRunning(task)) return { ...out, status: 'running' };
  return { ...out, status: 'stopped', exitstatus: exitStatusOf(task) };
}

/**
 * Normalized status type for `statusfilter` (pve-common UPID.pm normalize_status_type of the
 * status the filter sees: none for a running task).
 */
export function statusTypeOf(task: SimTask): 'ok' | 'warning' | 'error' | 'unknown' {
  const status = exitStatusOf(task);
  if (!status) return 'unknown';
  if (status === 'OK') return 'ok';
  if (/^WARNINGS: \d+$/.test(status)) return 'warning';
  return status === 'unexpected status' ? 'unknown' : 'error';
}
