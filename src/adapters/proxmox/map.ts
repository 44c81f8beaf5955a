/**
 * Proxmox VE task facts -> TaskModel. Pure.
 *
 * How a task ends (pve-common `src/PVE/RESTEnvironment.pm` fork_worker, `src/PVE/UPID.pm`
 * read_status): the worker's last log line is `TASK OK`, `TASK WARNINGS: <n>` (it logged n
 * warnings) or `TASK ERROR: <message>`, and the exit status is `OK`, `WARNINGS: <n>` or the
 * message; a log without such a line reads `unexpected status`. A stop request
 * (`DELETE .../tasks/{upid}`) sends SIGTERM to the worker's process group (SIGKILL after 5 s:
 * RESTEnvironment check_worker), whose handler dies with `received interrupt` (fork_worker),
 * `interrupted by signal` (vzdump: pve-manager `PVE/API2/VZDump.pm`) or `got interrupted by
 * signal` (downloads: pve-common `PVE::Tools::download_file_from_url`).
 */
import { isTerminal, type EntityRef, type TaskMessage, type TaskModel, type TaskStatus, type TaskStep } from '../../model/task.js';
import { describeTask, guestOf } from './task-types.js';
import type { Upid } from './upid.js';
import type { PveTaskRecord, PveTaskStatus } from './wire.js';

/** How a task stands, read from a list record or a status answer. */
export type PveState =
  | { kind: 'running' }
  | { kind: 'ok' }
  | { kind: 'warnings'; count: number }
  /** Ended by a stop request (a signal): the exit status says so. */
  | { kind: 'interrupted'; exitstatus: string }
  /** Any other exit status, `unexpected status` included. */
  | { kind: 'error'; exitstatus: string }
  /** Ended, with no exit status recorded. */
  | { kind: 'ended' };

const WARNINGS = /^WARNINGS: (\d+)$/;
const INTERRUPTED = /^(?:received interrupt|(?:got )?interrupted by signal)$/;

/** The state an exit status says. */
export function stateOfExit(exitstatus: string | undefined): PveState {
  if (!exitstatus) return { kind: 'ended' };
  if (exitstatus === 'OK') return { kind: 'ok' };
  const warnings = WARNINGS.exec(exitstatus);
  if (warnings) return { kind: 'warnings', count: Number(warnings[1]) };
  if (INTERRUPTED.test(exitstatus)) return { kind: 'interrupted', exitstatus };
  return { kind: 'error', exitstatus };
}

/**
 * The state of a list record: no end time and no status (the cluster list's running
 * entries), or `RUNNING` (Tasks.pm marks active entries so with `source=all`), is running.
 */
export function stateOfRecord(record: Pick<PveTaskRecord, 'endtime' | 'status'>): PveState {
  if (record.status === 'RUNNING' || (record.status === undefined && record.endtime === undefined)) return { kind: 'running' };
  return stateOfExit(record.status);
}

export function stateOfStatus(status: PveTaskStatus): PveState {
  return status.running ? { kind: 'running' } : stateOfExit(status.exitstatus);
}

/**
 * The normalized status. A stop this gateway requested turns a running task into CANCELING
 * and any end but a good one into CANCELED (a worker killed after the 5 s grace writes no
 * exit line: `unexpected status`).
 */
export function mapStatus(state: PveState, cancelRequested: boolean): TaskStatus {
  switch (state.kind) {
    case 'running':
      return cancelRequested ? 'CANCELING' : 'RUNNING';
    case 'ok':
    case 'warnings':
      return 'SUCCEEDED';
    case 'interrupted':
      return 'CANCELED';
    case 'error':
      return cancelRequested ? 'CANCELED' : 'FAILED';
    case 'ended':
      return cancelRequested ? 'CANCELED' : 'UNKNOWN';
    default:
      return unreachable(state);
  }
}

function unreachable(value: never): never {
  throw new Error(`unhandled Proxmox task state ${JSON.stringify(value)}`);
}

/** The task's own status value: `running`, or its exit status. */
export function nativeStatusOf(state: PveState): string {
  switch (state.kind) {
    case 'running':
      return 'running';
    case 'ok':
      return 'OK';
    case 'warnings':
      return `WARNINGS: ${state.count}`;
    case 'interrupted':
    case 'error':
      return state.exitstatus;
    case 'ended':
      return 'stopped';
    default:
      return unreachable(state);
  }
}

/** Values of the node list's `statusfilter` (pve-common JSONSchema `pve-task-status-type`). */
export type PveStatusType = 'ok' | 'warning' | 'error' | 'unknown';

/**
 * The status types a normalized status is found under. Tasks.pm filters on
 * `upid_normalize_status_type` (pve-common UPID.pm normalize_status_type) of the status the
 * task has when filtered: a running task has none yet, which reads `unknown`, as does
 * `unexpected status`; every other exit status but OK and WARNINGS reads `error`.
 */
export function statusTypesFor(status: TaskStatus): PveStatusType[] {
  switch (status) {
    case 'RUNNING':
    case 'CANCELING':
    case 'UNKNOWN':
      return ['unknown'];
    case 'SUCCEEDED':
      return ['ok', 'warning'];
    case 'FAILED':
    case 'CANCELED':
      return ['error', 'unknown'];
    case 'QUEUED':
    case 'PENDING':
    case 'BLOCKED':
    case 'SUSPENDED':
      return [];
  }
}

/** What a task's log says (log.ts), when it has been read. */
export interface LogDetails {
  progress: number | null;
  progressMessage: string | null;
  steps: TaskStep[];
  warnings: TaskMessage[];
}

export interface TaskFacts {
  upid: string;
  parts: Upid;
  state: PveState;
  /** Seconds since the epoch; known from list records, not from a status answer. */
  endtime: number | undefined;
}

export interface MapOptions {
  /** This gateway asked the task to stop. */
  cancelRequested: boolean;
  /** The task's log, read; absent: the log-derived fields stay empty (see LOG_FIELDS). */
  log?: LogDetails;
}

/** The model fields only a task's log fills; a list that selects none reads no log. */
export const LOG_FIELDS = ['progress', 'progressMessage', 'steps', 'warnings'] as const;

function entities(backend: string, parts: Upid): EntityRef[] {
  const guest = guestOf(parts.type, parts.id);
  return guest ? [{ backend, nativeId: guest.vmid, type: guest.kind, name: null, href: null }] : [];
}

function warningsOf(state: PveState, log: LogDetails | undefined): TaskMessage[] {
  if (log?.warnings.length) return log.warnings;
  // pve-common RESTEnvironment's own words for it on the worker's stderr.
  if (state.kind === 'warnings') return [{ message: `Task finished with ${state.count} warning(s)`, code: 'WARNINGS', severity: 'WARNING' }];
  return [];
}

export function toTaskModel(backend: string, facts: TaskFacts, options: MapOptions): TaskModel {
  const { parts, state } = facts;
  const log = options.log;
  const status = mapStatus(state, options.cancelRequested);
  const started = new Date(parts.starttime * 1000);
  const completedAt = facts.endtime !== undefined ? new Date(facts.endtime * 1000) : null;
  const terminal = isTerminal(status);
  // A task that says "100%" is still finishing until it ends.
  const progress = status === 'SUCCEEDED' ? 100 : log?.progress != null ? (terminal ? log.progress : Math.min(99, log.progress)) : null;
  const error = state.kind === 'error' || state.kind === 'interrupted' ? state.exitstatus : null;
  return {
    backend,
    backendType: 'proxmox',
    nativeId: facts.upid,
    operation: parts.type,
    description: describeTask(parts.type, parts.id),
    status,
    nativeStatus: nativeStatusOf(state),
    progress,
    progressMessage: log?.progressMessage ?? null,
    createdAt: started,
    startedAt: started,
    completedAt,
    lastUpdatedAt: completedAt,
    expiresAt: null,
    isCancelable: state.kind === 'running',
    cancelRequested: options.cancelRequested || state.kind === 'interrupted',
    initiatedBy: { kind: 'USER', name: parts.user, nativeId: parts.user },
    tenant: parts.node,
    entitiesAffected: entities(backend, parts),
    parentId: null,
    rootId: null,
    embeddedSubtasks: null,
    subtaskCount: 0,
    steps: log?.steps ?? [],
    errors: error ? [{ message: error, code: null, severity: 'ERROR' }] : [],
    warnings: warningsOf(state, log),
    result: null,
    completionDetails: [],
    relatedTasks: [],
  };
}
