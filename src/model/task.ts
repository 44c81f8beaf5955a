/**
 * The unified task model: what every adapter's mapping produces and every resolver reads.
 * Vendor payloads never get here; only these plain, serializable values do.
 */

/** Normalized status; mirrors `enum TaskStatus` in schema/task.graphql. */
export type TaskStatus =
  | 'QUEUED'
  | 'PENDING'
  | 'RUNNING'
  | 'BLOCKED'
  | 'CANCELING'
  | 'SUSPENDED'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'CANCELED'
  | 'UNKNOWN';

export const TASK_STATUSES: readonly TaskStatus[] = [
  'QUEUED',
  'PENDING',
  'RUNNING',
  'BLOCKED',
  'CANCELING',
  'SUSPENDED',
  'SUCCEEDED',
  'FAILED',
  'CANCELED',
  'UNKNOWN',
];

const TERMINAL: ReadonlySet<TaskStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);

/** SUCCEEDED, FAILED and CANCELED never change again; everything else may. */
export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL.has(status);
}

/** A backend type's name, as the config's `type:` (src/adapters/registry.ts lists them). */
export type BackendType = string;

export type InitiatorKind = 'USER' | 'SYSTEM' | 'ALARM' | 'SCHEDULE' | 'SERVICE';

export interface Initiator {
  kind: InitiatorKind;
  name: string | null;
  nativeId: string | null;
}

export interface EntityRef {
  /** Configured backend name that owns the entity. */
  backend: string;
  nativeId: string;
  type: string | null;
  name: string | null;
  href: string | null;
}

export type Severity = 'INFO' | 'WARNING' | 'ERROR';

export interface TaskMessage {
  message: string;
  code: string | null;
  severity: Severity;
}

export interface TaskStep {
  name: string;
  status: TaskStatus | null;
  progress: number | null;
  message: string | null;
}

export interface KeyValue {
  name: string;
  value: string | null;
}

/** A task on another system that this task drives (vCD VcTask -> vim task). */
export interface RelatedTaskRef {
  /** The configured backend holding it, once resolved by the gateway; null when unknown. */
  backend: string | null;
  nativeId: string;
  /** The backend's id of the system holding it (vCD `virtualCenterID`, a vCenter UUID or href). */
  systemId: string | null;
  nativeStatus: string | null;
  description: string | null;
}

/** One task, normalized. Dates are `Date` objects; absent values are `null`, never `undefined`. */
export interface TaskModel {
  backend: string;
  backendType: BackendType;
  nativeId: string;
  operation: string | null;
  description: string | null;
  status: TaskStatus;
  nativeStatus: string;
  progress: number | null;
  progressMessage: string | null;
  createdAt: Date | null;
  startedAt: Date | null;
  completedAt: Date | null;
  lastUpdatedAt: Date | null;
  expiresAt: Date | null;
  isCancelable: boolean;
  cancelRequested: boolean;
  initiatedBy: Initiator | null;
  /** vCD org name, Prism cluster/project or similar tenant scope. */
  tenant: string | null;
  entitiesAffected: EntityRef[];
  /** Native id of the parent task on the same backend. */
  parentId: string | null;
  /** Native id of the root task on the same backend. */
  rootId: string | null;
  /**
   * Subtasks embedded in the payload (vCD nested `<Tasks>`), complete models.
   * Null when the backend does not embed them; then they are listed by parent.
   */
  embeddedSubtasks: TaskModel[] | null;
  /** Subtask count where the backend reports one (Prism numberOfSubtasks). */
  subtaskCount: number | null;
  steps: TaskStep[];
  errors: TaskMessage[];
  warnings: TaskMessage[];
  result: string | null;
  completionDetails: KeyValue[];
  relatedTasks: RelatedTaskRef[];
}

/** A field of the model, e.g. to say which ones a caller reads (ListQuery.select). */
export type TaskField = keyof TaskModel;

/** The time a task sorts by: when it was created, else started, else the epoch (sorts last, newest-first). */
export function sortTime(task: Pick<TaskModel, 'createdAt' | 'startedAt'>): number {
  return (task.createdAt ?? task.startedAt)?.getTime() ?? 0;
}

/** Clamps a progress value to 0-100 (vim UpdateProgress docs: values outside are clamped). */
export function clampProgress(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return Math.min(100, Math.max(0, Math.round(value)));
}
