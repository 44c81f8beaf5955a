/**
 * Prism v4 Task -> TaskModel. Pure; every field from config_model.go's Task is used or
 * deliberately dropped (appName, isBackgroundTask are kept out of the unified model).
 */
import { clampProgress, isTerminal, type EntityRef, type Severity, type TaskField, type TaskMessage, type TaskModel, type TaskStatus } from '../../model/task.js';
import { filterReads, type TaskFilter } from '../../model/filter.js';
import { parseTime } from '../../model/time.js';
import type { PrismAppMessage, PrismTask } from './wire.js';
import { jsonText } from '../json-text.js';

/** Prism.Config.TaskStatus values (v4.0: SUSPENDED added; `$UNKNOWN`/`$REDACTED` are SDK sentinels). */
export type PrismStatus = 'QUEUED' | 'RUNNING' | 'CANCELING' | 'SUSPENDED' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';

export function mapStatus(native: string | undefined): TaskStatus {
  switch (native as PrismStatus) {
    case 'QUEUED':
      return 'QUEUED';
    case 'RUNNING':
      return 'RUNNING';
    case 'CANCELING':
      return 'CANCELING';
    case 'SUSPENDED':
      return 'SUSPENDED';
    case 'SUCCEEDED':
      return 'SUCCEEDED';
    case 'FAILED':
      return 'FAILED';
    case 'CANCELED':
      return 'CANCELED';
    default:
      return 'UNKNOWN';
  }
}

/** The Prism statuses a normalized status is pushed down as; [] when Prism has none. */
export function prismStatusesFor(status: TaskStatus): PrismStatus[] {
  switch (status) {
    case 'QUEUED':
    case 'RUNNING':
    case 'CANCELING':
    case 'SUSPENDED':
    case 'SUCCEEDED':
    case 'FAILED':
    case 'CANCELED':
      return [status];
    case 'PENDING':
    case 'BLOCKED':
    case 'UNKNOWN':
      return [];
  }
}

function severity(value: string | undefined, fallback: Severity): Severity {
  return value === 'INFO' || value === 'WARNING' || value === 'ERROR' ? value : fallback;
}

function messages(list: PrismAppMessage[] | undefined, fallback: Severity): TaskMessage[] {
  return (list ?? [])
    .filter((m) => m.message)
    .map((m) => ({ message: m.message!, code: m.code ?? null, severity: severity(m.severity, fallback) }));
}

function detailValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  return jsonText(value);
}

export function toTaskModel(backend: string, task: PrismTask): TaskModel {
  const status = mapStatus(task.status);
  const errors = messages(task.errorMessages, 'ERROR');
  if (errors.length === 0 && task.legacyErrorMessage) {
    errors.push({ message: task.legacyErrorMessage, code: null, severity: 'ERROR' });
  }
  const entities: EntityRef[] = (task.entitiesAffected ?? [])
    .filter((e) => e.extId)
    .map((e) => ({ backend, nativeId: e.extId!, type: e.rel ?? null, name: e.name ?? null, href: null }));
  return {
    backend,
    backendType: 'prism',
    nativeId: task.extId,
    operation: task.operation ?? null,
    description: task.operationDescription ?? null,
    status,
    nativeStatus: task.status ?? '',
    progress: clampProgress(task.progressPercentage),
    progressMessage: null,
    createdAt: parseTime(task.createdTime),
    startedAt: parseTime(task.startedTime),
    completedAt: parseTime(task.completedTime),
    lastUpdatedAt: parseTime(task.lastUpdatedTime),
    expiresAt: null,
    isCancelable: (task.isCancelable ?? false) && !isTerminal(status),
    cancelRequested: status === 'CANCELING' || status === 'CANCELED',
    initiatedBy: task.ownedBy?.name ? { kind: 'USER', name: task.ownedBy.name, nativeId: task.ownedBy.extId ?? null } : null,
    tenant: task.clusterExtIds?.[0] ?? null,
    entitiesAffected: entities,
    parentId: task.parentTask?.extId ?? null,
    rootId: task.rootTask?.extId ?? null,
    embeddedSubtasks: null,
    subtaskCount: task.numberOfSubtasks ?? task.subTasks?.length ?? null,
    steps: (task.subSteps ?? []).filter((s) => s.name).map((s) => ({ name: s.name!, status: null, progress: null, message: null })),
    errors,
    warnings: messages(task.warnings, 'WARNING'),
    result: null,
    completionDetails: (task.completionDetails ?? [])
      .filter((kv) => kv.name)
      .map((kv) => ({ name: kv.name!, value: detailValue(kv.value) })),
    relatedTasks: [],
  };
}

/**
 * The Prism Task fields each model field is mapped from (toTaskModel above). Fields Prism has
 * no counterpart for map to nothing.
 */
const PRISM_FIELDS: Readonly<Record<TaskField, readonly string[]>> = {
  backend: [],
  backendType: [],
  nativeId: ['extId'],
  operation: ['operation'],
  description: ['operationDescription'],
  status: ['status'],
  nativeStatus: ['status'],
  progress: ['progressPercentage'],
  progressMessage: [],
  createdAt: ['createdTime'],
  startedAt: ['startedTime'],
  completedAt: ['completedTime'],
  lastUpdatedAt: ['lastUpdatedTime'],
  expiresAt: [],
  isCancelable: ['isCancelable', 'status'],
  cancelRequested: ['status'],
  initiatedBy: ['ownedBy'],
  tenant: ['clusterExtIds'],
  entitiesAffected: ['entitiesAffected'],
  parentId: ['parentTask'],
  rootId: ['rootTask'],
  embeddedSubtasks: [],
  subtaskCount: ['numberOfSubtasks', 'subTasks'],
  steps: ['subSteps'],
  errors: ['errorMessages', 'legacyErrorMessage'],
  warnings: ['warnings'],
  result: [],
  completionDetails: ['completionDetails'],
  relatedTasks: [],
};

/** Always fetched: the id, and the time the adapter orders and pages by (sortTime). */
const ALWAYS: readonly TaskField[] = ['nativeId', 'createdAt', 'startedAt'];

/**
 * `$select` (comma-separated Task fields, reference §3.1) for what a caller reads, plus what
 * the adapter itself reads to order, page and re-check the filter.
 */
export function prismSelect(fields: ReadonlySet<TaskField>, filter: TaskFilter): string {
  const wanted = new Set<string>();
  for (const f of [...ALWAYS, ...filterReads(filter), ...fields]) for (const p of PRISM_FIELDS[f]) wanted.add(p);
  return [...wanted].join(',');
}
