/**
 * vim25 TaskInfo -> TaskModel. Pure; every TaskInfo field is used or deliberately dropped
 * (`task` repeats `key`; `locked` entities are not "affected" ones; `progressDetails` is 8.0.1+).
 *
 * Status (wire-formats.md §4): queued -> QUEUED, running -> RUNNING (CANCELING once
 * `cancelled` is set), success -> SUCCEEDED, error -> FAILED, except a cancelled task or a
 * `RequestCanceled` fault -> CANCELED. vim has no cancelled state: "If a task is canceled, its
 * runtime state will be set to error and its error state will be set to RequestCanceled"
 * (vSphere API reference, vim.Task CancelTask). Anything else -> UNKNOWN, native state kept.
 */
import { clampProgress, type Initiator, type KeyValue, type TaskModel, type TaskStatus } from '../../model/task.js';
import type { TaskInfo, TaskReason } from './wire.js';

/** `TaskInfoState` (govmomi types.TaskInfoState). */
export type VimTaskState = 'queued' | 'running' | 'success' | 'error';

export function mapStatus(info: Pick<TaskInfo, 'state' | 'cancelled' | 'error'>): TaskStatus {
  const state = info.state as VimTaskState;
  switch (state) {
    case 'queued':
      return 'QUEUED';
    case 'running':
      return info.cancelled ? 'CANCELING' : 'RUNNING';
    case 'success':
      return 'SUCCEEDED';
    case 'error':
      return info.cancelled || info.error?.type === 'RequestCanceled' ? 'CANCELED' : 'FAILED';
    default:
      return 'UNKNOWN';
  }
}

/**
 * The vim states a normalized status is pushed down as (TaskFilterSpec.state); [] when vim
 * never reports it. CANCELING and CANCELED share a vim state with RUNNING and FAILED, so the
 * adapter still checks the mapped status.
 */
export function vimStatesFor(status: TaskStatus): VimTaskState[] {
  switch (status) {
    case 'QUEUED':
      return ['queued'];
    case 'RUNNING':
    case 'CANCELING':
      return ['running'];
    case 'SUCCEEDED':
      return ['success'];
    case 'FAILED':
    case 'CANCELED':
      return ['error'];
    case 'PENDING':
    case 'BLOCKED':
    case 'SUSPENDED':
    case 'UNKNOWN':
      return [];
  }
}

function initiator(reason: TaskReason | null): Initiator | null {
  if (!reason) return null;
  switch (reason.kind) {
    case 'user':
      return { kind: 'USER', name: reason.userName, nativeId: null };
    case 'system':
      return { kind: 'SYSTEM', name: null, nativeId: null };
    case 'alarm':
      return { kind: 'ALARM', name: reason.alarmName, nativeId: reason.alarm?.value ?? null };
    case 'schedule':
      return { kind: 'SCHEDULE', name: reason.name, nativeId: reason.scheduledTask?.value ?? null };
    case 'other':
      return null;
  }
}

/** vim puts an unset key as absent; some servers echo a top-level task as its own root. */
function otherTask(key: string | null, self: string): string | null {
  return key && key !== self ? key : null;
}

export function toTaskModel(backend: string, info: TaskInfo): TaskModel {
  const status = mapStatus(info);
  const terminal = status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELED';
  const nativeId = info.task?.value ?? info.key;
  const details: KeyValue[] = [];
  if (info.name) details.push({ name: 'method', value: info.name });
  if (info.eventChainId !== null) details.push({ name: 'eventChainId', value: String(info.eventChainId) });
  if (info.changeTag) details.push({ name: 'changeTag', value: info.changeTag });
  if (info.activationId) details.push({ name: 'activationId', value: info.activationId });
  if (info.reason?.kind === 'alarm' && info.reason.entity) {
    details.push({ name: 'alarmEntity', value: `${info.reason.entity.type}:${info.reason.entity.value}` });
  }
  return {
    backend,
    backendType: 'vsphere-soap',
    nativeId,
    operation: info.descriptionId ?? info.name,
    description: info.description?.message ?? null,
    status,
    nativeStatus: info.state,
    // vim sets progress only while running; a finished success is whole.
    progress: status === 'SUCCEEDED' ? 100 : clampProgress(info.progress),
    progressMessage: null,
    createdAt: info.queueTime,
    startedAt: info.startTime,
    completedAt: info.completeTime,
    // TaskInfo has no modification time; the latest lifecycle time is the best we know.
    lastUpdatedAt: info.completeTime ?? info.startTime ?? info.queueTime,
    expiresAt: null,
    isCancelable: info.cancelable && !terminal,
    cancelRequested: info.cancelled,
    initiatedBy: initiator(info.reason),
    tenant: null,
    entitiesAffected: info.entity
      ? [{ backend, nativeId: info.entity.value, type: info.entity.type, name: info.entityName, href: null }]
      : [],
    parentId: otherTask(info.parentTaskKey, info.key),
    rootId: otherTask(info.rootTaskKey, info.key),
    embeddedSubtasks: null,
    subtaskCount: null,
    steps: [],
    errors: info.error
      ? [{ message: info.error.localizedMessage || info.error.type, code: info.error.type, severity: 'ERROR' }]
      : [],
    warnings: [],
    result: info.result,
    completionDetails: details,
    relatedTasks: [],
  };
}
