/**
 * vCD Task / TaskRecord -> TaskModel. Pure.
 *
 * Status values: pyvcloud `TaskStatus` (queued, preRunning, running, success, error, canceled,
 * aborted) plus govcd's `postRunning` (`govcd/task.go`, isTaskRunning). A task with
 * `cancelRequested="true"` that has not ended yet is CANCELING. vCD has no creation time apart
 * from `startTime`, which it sets when the task is created (queued tasks carry it, see the
 * captured `<Tasks>` example in reference §1.2), so it is both `createdAt` and the sort key.
 */
import { clampProgress, type EntityRef, type KeyValue, type TaskMessage, type TaskModel, type TaskStatus } from '../../model/task.js';
import { parseTime } from '../../model/time.js';
import type { VcdError, VcdReference, VcdTask, VcdTaskRecord } from './wire.js';

export const VCD_STATUSES = ['queued', 'preRunning', 'running', 'postRunning', 'success', 'error', 'canceled', 'aborted'] as const;
export type VcdStatus = (typeof VCD_STATUSES)[number];

const BY_LOWER = new Map<string, VcdStatus>(VCD_STATUSES.map((s) => [s.toLowerCase(), s]));

/** The known vCD status for a wire value (case-insensitive), or undefined. */
export function knownStatus(native: string | undefined): VcdStatus | undefined {
  return native === undefined ? undefined : BY_LOWER.get(native.trim().toLowerCase());
}

export function mapStatus(native: string | undefined, cancelRequested: boolean): TaskStatus {
  const status = knownStatus(native);
  if (status === undefined) return 'UNKNOWN';
  switch (status) {
    case 'queued':
      return cancelRequested ? 'CANCELING' : 'QUEUED';
    case 'preRunning':
      return cancelRequested ? 'CANCELING' : 'PENDING';
    case 'running':
    case 'postRunning':
      return cancelRequested ? 'CANCELING' : 'RUNNING';
    case 'success':
      return 'SUCCEEDED';
    case 'error':
      return 'FAILED';
    case 'canceled':
    case 'aborted':
      return 'CANCELED';
    default: {
      const unreachable: never = status;
      return unreachable;
    }
  }
}

/**
 * The vCD statuses a normalized status is pushed down as. null: cannot be expressed (UNKNOWN
 * is "any status vCD has that we do not know"), so the status is not pushed down at all.
 * CANCELING is any unfinished status; `cancelRequested` is not a query attribute, so the
 * adapter finishes it locally.
 */
export function vcdStatusesFor(status: TaskStatus): readonly VcdStatus[] | null {
  switch (status) {
    case 'QUEUED':
      return ['queued'];
    case 'PENDING':
      return ['preRunning'];
    case 'RUNNING':
      return ['running', 'postRunning'];
    case 'CANCELING':
      return ['queued', 'preRunning', 'running', 'postRunning'];
    case 'SUCCEEDED':
      return ['success'];
    case 'FAILED':
      return ['error'];
    case 'CANCELED':
      return ['canceled', 'aborted'];
    case 'BLOCKED':
    case 'SUSPENDED':
      return [];
    case 'UNKNOWN':
      return null;
    default: {
      const unreachable: never = status;
      return unreachable;
    }
  }
}

const URN_PREFIX = 'urn:vcloud:task:';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The task UUID of `urn:vcloud:task:<uuid>`, a bare UUID or a task href; null when none. */
export function taskUuid(id: string): string | null {
  let candidate = id.trim();
  if (candidate.toLowerCase().startsWith(URN_PREFIX)) candidate = candidate.slice(URN_PREFIX.length);
  else if (candidate.includes('/task/')) candidate = candidate.slice(candidate.lastIndexOf('/task/') + 6).split(/[/?#]/)[0]!;
  return UUID.test(candidate) ? candidate.toLowerCase() : null;
}

/** Native ids are the task URNs vCD uses in `id` (govcd GetTaskById takes the UUID from it). */
export function taskUrn(uuid: string): string {
  return URN_PREFIX + uuid.toLowerCase();
}

function nativeIdOf(id: string | undefined, href: string | undefined): string {
  const uuid = (id && taskUuid(id)) ?? (href && taskUuid(href)) ?? null;
  return uuid ? taskUrn(uuid) : (id ?? href ?? '');
}

/**
 * Short entity type: record `objectType` values (e.g. `vApp`) are kept; reference MIME types
 * such as `application/vnd.vmware.vcloud.vApp+xml` become `vApp`, so both shapes compare equal.
 * The record's value space is UNCONFIRMED (reference §1.4).
 */
export function entityType(value: string | undefined): string | null {
  if (!value) return null;
  const mime = /^application\/vnd\.vmware\.[a-z]+\.([A-Za-z0-9]+)\+(?:xml|json)/.exec(value);
  return mime ? mime[1]! : value;
}

function entity(backend: string, ref: VcdReference | undefined): EntityRef[] {
  const nativeId = ref?.href ?? ref?.id;
  if (!ref || !nativeId) return [];
  return [{ backend, nativeId, type: entityType(ref.type), name: ref.name ?? null, href: ref.href ?? null }];
}

function errorMessages(error: VcdError | undefined): TaskMessage[] {
  if (!error) return [];
  const code = error.minorErrorCode ?? error.majorErrorCode ?? null;
  const out: TaskMessage[] = [];
  if (error.message) out.push({ message: error.message, code, severity: 'ERROR' });
  if (error.tenantMessage && error.tenantMessage !== error.message) {
    out.push({ message: error.tenantMessage, code, severity: 'ERROR' });
  }
  return out;
}

function startedAt(status: TaskStatus, startTime: string | undefined): Date | null {
  return status === 'QUEUED' || status === 'PENDING' ? null : parseTime(startTime);
}

export interface Lineage {
  parentId: string | null;
  rootId: string | null;
}

/** A full Task (GET /api/task/{id}, or one nested in `<Tasks>`), subtasks included. */
export function taskToModel(backend: string, task: VcdTask, lineage: Lineage = { parentId: null, rootId: null }): TaskModel {
  const nativeId = nativeIdOf(task.id, task.href);
  const status = mapStatus(task.status, task.cancelRequested);
  const childLineage: Lineage = { parentId: nativeId, rootId: lineage.rootId ?? nativeId };
  // vCD embeds subtasks in the task itself, so no `<Tasks>` means none.
  const subtasks = (task.tasks ?? []).map((t) => taskToModel(backend, t, childLineage));
  const completionDetails: KeyValue[] = task.params.map((p) => ({ name: `param:${p.name}`, value: p.value }));
  if (task.result?.type) completionDetails.push({ name: 'resultType', value: task.result.type });
  return {
    backend,
    backendType: 'vcd',
    nativeId,
    operation: task.operationName ?? null,
    description: task.operation ?? task.description ?? null,
    status,
    nativeStatus: task.status ?? '',
    progress: clampProgress(task.progress),
    progressMessage: task.details ?? null,
    createdAt: parseTime(task.startTime),
    startedAt: startedAt(status, task.startTime),
    completedAt: parseTime(task.endTime),
    lastUpdatedAt: null,
    expiresAt: parseTime(task.expiryTime),
    isCancelable: task.links.some((l) => l.rel === 'task:cancel'),
    cancelRequested: task.cancelRequested,
    initiatedBy: task.user
      ? { kind: 'USER', name: task.user.name ?? null, nativeId: task.user.id ?? task.user.href ?? null }
      : null,
    tenant: task.organization?.name ?? null,
    entitiesAffected: entity(backend, task.owner),
    parentId: lineage.parentId,
    rootId: lineage.rootId,
    embeddedSubtasks: subtasks,
    subtaskCount: subtasks.length,
    steps: [],
    errors: errorMessages(task.error),
    warnings: [],
    result: task.result?.text ?? null,
    completionDetails,
    relatedTasks: task.vcTasks
      .filter((v) => v.moref)
      .map((v) => ({
        backend: null,
        nativeId: v.moref!,
        systemId: v.virtualCenterID ?? null,
        nativeStatus: v.status ?? null,
        description: v.description ?? v.name ?? null,
      })),
  };
}

/**
 * A query record. Records carry no subtasks, VcTaskList, Details, cancel link or parent; the
 * adapter replaces them with full tasks where it can, and uses this shape only as a fallback.
 */
export function recordToModel(backend: string, record: VcdTaskRecord): TaskModel {
  const status = mapStatus(record.status, false);
  const entities: EntityRef[] = record.object
    ? [{ backend, nativeId: record.object, type: entityType(record.objectType), name: record.objectName ?? null, href: record.object }]
    : [];
  return {
    backend,
    backendType: 'vcd',
    nativeId: nativeIdOf(record.id, record.href),
    operation: record.name ?? null,
    description: record.operationFull ?? null,
    status,
    nativeStatus: record.status ?? '',
    progress: clampProgress(record.progress),
    progressMessage: null,
    createdAt: parseTime(record.startDate),
    startedAt: startedAt(status, record.startDate),
    completedAt: parseTime(record.endDate),
    lastUpdatedAt: null,
    expiresAt: null,
    isCancelable: false,
    cancelRequested: false,
    initiatedBy: record.ownerName ? { kind: 'USER', name: record.ownerName, nativeId: record.owner ?? null } : null,
    tenant: record.orgName ?? null,
    entitiesAffected: entities,
    parentId: null,
    rootId: null,
    embeddedSubtasks: null,
    subtaskCount: null,
    steps: [],
    errors: status === 'FAILED' && record.message ? [{ message: record.message, code: null, severity: 'ERROR' }] : [],
    warnings: [],
    result: null,
    completionDetails: [],
    relatedTasks: [],
  };
}
