/**
 * Pure mapping from `Cis Task Info` to the task model. No I/O, no clock.
 */
import { clampProgress, isTerminal, type TaskMessage, type TaskModel, type TaskStatus } from '../../model/task.js';
import { parseTime } from '../../model/time.js';
import type { WireMessage, WireNotification, WireTaskInfo, WireVapiError } from './wire.js';
import { jsonText } from '../json-text.js';

/** `com.vmware.cis.task.Status` (govmomi vapi/cis/tasks; Cis Task Status DOC). */
export const VAPI_STATUSES = ['PENDING', 'RUNNING', 'BLOCKED', 'SUCCEEDED', 'FAILED'] as const;
export type VapiStatus = (typeof VAPI_STATUSES)[number];

function isVapiStatus(value: string): value is VapiStatus {
  return (VAPI_STATUSES as readonly string[]).includes(value);
}

function unreachable(value: never): never {
  throw new Error(`unhandled vAPI task status ${String(value)}`);
}

/**
 * vAPI has no CANCELED status: a canceled operation ends FAILED with the std error `Canceled`
 * (error_type `CANCELED`, "the method canceled itself in response to an explicit request").
 * Reading that as CANCELED is our inference, UNCONFIRMED against a real vCenter.
 */
export function isCanceledError(error: WireTaskInfo['error']): boolean {
  return typeof error === 'object' && error !== null && error.errorType === 'CANCELED';
}

export function mapStatus(info: Pick<WireTaskInfo, 'status' | 'error'>): TaskStatus {
  const status = info.status ?? '';
  if (!isVapiStatus(status)) return 'UNKNOWN';
  switch (status) {
    case 'PENDING':
      return 'PENDING';
    case 'RUNNING':
      return 'RUNNING';
    case 'BLOCKED':
      return 'BLOCKED';
    case 'SUCCEEDED':
      return 'SUCCEEDED';
    case 'FAILED':
      return isCanceledError(info.error) ? 'CANCELED' : 'FAILED';
    default:
      return unreachable(status);
  }
}

/**
 * The text of a localizable message: the server-localized string when there is one, else the
 * default message with `{0}`-style args (Java MessageFormat, optionally `{0,number}`) and
 * `{name}` params substituted, else the message id.
 */
export function messageText(message: WireMessage | null): string | null {
  if (!message) return null;
  if (message.localized) return message.localized;
  if (message.defaultMessage !== null) {
    return message.defaultMessage.replace(/\{([A-Za-z0-9_.-]+)(?:,[^}]*)?\}/g, (whole, key: string) => {
      if (/^\d+$/.test(key)) return message.args[Number(key)] ?? whole;
      return message.params[key] ?? whole;
    });
  }
  return message.id;
}

/** Percentage of `completed / total`; null when there is no usable total (guards total 0). */
export function progressPercent(progress: WireTaskInfo['progress']): number | null {
  if (!progress || progress.total === null || progress.completed === null || progress.total <= 0) return null;
  return clampProgress((progress.completed / progress.total) * 100);
}

function errorMessages(error: WireVapiError | string | null): TaskMessage[] {
  if (error === null) return [];
  if (typeof error === 'string') return [{ message: error, code: null, severity: 'ERROR' }];
  const texts = error.messages.flatMap((m) => messageText(m) ?? []);
  if (texts.length === 0) return [{ message: error.errorType ?? 'error', code: error.errorType, severity: 'ERROR' }];
  return texts.map((message, i) => ({ message, code: error.errorType ?? error.messages[i]?.id ?? null, severity: 'ERROR' }));
}

function notificationMessages(list: WireNotification[], severity: 'ERROR' | 'WARNING'): TaskMessage[] {
  return list.flatMap((n) => {
    const message = messageText(n.message);
    return message ? [{ message, code: n.id, severity }] : [];
  });
}

function resultText(result: unknown): string | null {
  if (result === undefined || result === null) return null;
  return typeof result === 'string' ? result : jsonText(result);
}

export interface MapOptions {
  backend: string;
  /** This gateway asked the backend to cancel the task (vAPI has no such flag of its own). */
  cancelRequested?: boolean;
}

/**
 * One task. `createdAt` is `start_time`: vAPI has no creation time, so a PENDING task has none
 * and sorts at the epoch (last, newest first) until it starts. `rootId` stays null here; see
 * `resolveRoots`.
 */
export function toTaskModel(nativeId: string, info: WireTaskInfo, options: MapOptions): TaskModel {
  const status = mapStatus(info);
  const started = parseTime(info.startTime);
  const operation = info.service && info.operation ? `${info.service}.${info.operation}` : (info.operation ?? info.service);
  // vLCM repeats the error in its notifications: keep each text once.
  const errors = [...errorMessages(info.error), ...notificationMessages(info.notifications?.errors ?? [], 'ERROR')].filter(
    (m, i, all) => all.findIndex((o) => o.message === m.message) === i,
  );
  return {
    backend: options.backend,
    backendType: 'vsphere-rest',
    nativeId,
    operation,
    description: messageText(info.description),
    status,
    nativeStatus: info.status ?? '',
    progress: progressPercent(info.progress) ?? (status === 'SUCCEEDED' ? 100 : null),
    progressMessage: messageText(info.progress?.message ?? null),
    createdAt: started,
    startedAt: started,
    completedAt: parseTime(info.endTime),
    lastUpdatedAt: parseTime(info.lastUpdateTime),
    expiresAt: null,
    isCancelable: info.cancelable,
    cancelRequested: (options.cancelRequested ?? false) && !isTerminal(status),
    initiatedBy: info.user ? { kind: 'USER', name: info.user, nativeId: null } : null,
    tenant: null,
    entitiesAffected: info.target
      ? [{ backend: options.backend, nativeId: info.target.id, type: info.target.type, name: null, href: null }]
      : [],
    parentId: info.parent,
    rootId: null,
    embeddedSubtasks: null,
    subtaskCount: null,
    steps: [],
    errors,
    warnings: notificationMessages(info.notifications?.warnings ?? [], 'WARNING'),
    result: resultText(info.result),
    completionDetails: [],
    relatedTasks: [],
  };
}

/**
 * Sets `rootId` where the whole parent chain is known; leaves it null otherwise. vAPI reports
 * only the direct parent. `parentOf` gives a known task's parent (null: none), and undefined
 * for a task not known; by default the known tasks are `tasks`.
 */
export function resolveRoots(tasks: TaskModel[], parentOf?: (id: string) => string | null | undefined): TaskModel[] {
  let lookup = parentOf;
  if (!lookup) {
    const byId = new Map(tasks.map((t) => [t.nativeId, t.parentId]));
    lookup = (id) => byId.get(id);
  }
  return tasks.map((task) => {
    if (task.parentId === null) return task;
    let current = task.parentId;
    const seen = new Set<string>([task.nativeId]);
    for (;;) {
      const parent = lookup(current);
      if (parent === undefined || seen.has(current)) return task;
      if (parent === null) return { ...task, rootId: current };
      seen.add(current);
      current = parent;
    }
  });
}
