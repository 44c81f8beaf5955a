/**
 * TaskModel <-> stored rows: what is kept of a task, and back. Pure functions.
 */
import { isTerminal, sortTime, type TaskModel, type TaskStatus } from '../model/task.js';
import type { TaskRecord, TransitionRecord } from './store.js';

/** The model's Date fields, revived from the snapshot's JSON strings. */
const DATE_FIELDS = ['createdAt', 'startedAt', 'completedAt', 'lastUpdatedAt', 'expiresAt'] as const;

/** How long a finished task took: from its start (else creation) to its completion; null otherwise. */
export function durationOf(task: TaskModel): number | null {
  if (!isTerminal(task.status) || !task.completedAt) return null;
  const from = task.startedAt ?? task.createdAt;
  if (!from) return null;
  return Math.max(0, task.completedAt.getTime() - from.getTime());
}

/** A progress value rounded down to the granularity's step (0: progress is not a transition). */
export function progressStep(progress: number | null, granularity: number): number | null {
  if (progress === null || granularity <= 0) return null;
  return progress >= 100 ? 100 : Math.floor(progress / granularity) * granularity;
}

/**
 * When a change to `status` happened, as the backend tells it where it can: the completion
 * time of a finished task, the backend's last-update time, the start of a running task, the
 * creation of a queued one; the observation time only when the backend gives none. Two
 * replicas observing the same change then derive the same time, and store it once.
 */
export function transitionTime(task: TaskModel, statusChanged: boolean, observedAt: number): number {
  const ms = (d: Date | null) => d?.getTime() ?? null;
  if (isTerminal(task.status)) return ms(task.completedAt) ?? ms(task.lastUpdatedAt) ?? observedAt;
  const updated = ms(task.lastUpdatedAt);
  if (updated !== null) return updated;
  if (!statusChanged) return observedAt;
  if (task.status === 'RUNNING') return ms(task.startedAt) ?? observedAt;
  if (task.status === 'QUEUED' || task.status === 'PENDING') return ms(task.createdAt) ?? observedAt;
  return observedAt;
}

export interface LastRecorded {
  status: TaskStatus;
  step: number | null;
}

/** The transition an observation makes against the last one recorded (undefined: none known). */
export function transitionOf(task: TaskModel, last: LastRecorded | undefined, granularity: number, observedAt: number): TransitionRecord | null {
  const step = progressStep(task.progress, granularity);
  if (last && last.status === task.status && last.step === step) return null;
  const statusChanged = !last || last.status !== task.status;
  return { at: transitionTime(task, statusChanged, observedAt), status: task.status, progress: task.progress };
}

/** A task as stored. `transition` is decided by the recorder (transitionOf). */
export function recordOf(task: TaskModel, observedAt: number, transition: TransitionRecord | null): TaskRecord {
  const durationMs = durationOf(task);
  return {
    backend: task.backend,
    nativeId: task.nativeId,
    backendType: task.backendType,
    tenant: task.tenant,
    operation: task.operation,
    status: task.status,
    sortTime: sortTime(task),
    lastUpdatedAt: task.lastUpdatedAt?.getTime() ?? null,
    expiresAt: task.expiresAt?.getTime() ?? null,
    durationMs,
    observedAt,
    snapshot: JSON.stringify(task.embeddedSubtasks ? { ...task, embeddedSubtasks: null } : task),
    entities: task.entitiesAffected.map((e) => ({ backend: e.backend, nativeId: e.nativeId, type: e.type ?? '', name: e.name })),
    transition,
  };
}

/**
 * The model back from its snapshot. The snapshot was written by recordOf from a TaskModel,
 * but the store may be older or edited by hand: fields are narrowed, not trusted.
 */
export function taskOfSnapshot(snapshot: string): TaskModel | null {
  let value: unknown;
  try {
    value = JSON.parse(snapshot);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const task = value as Record<string, unknown>;
  if (typeof task.backend !== 'string' || typeof task.nativeId !== 'string' || typeof task.status !== 'string') return null;
  for (const field of DATE_FIELDS) {
    const text = task[field];
    const date = typeof text === 'string' ? new Date(text) : null;
    task[field] = date && !Number.isNaN(date.getTime()) ? date : null;
  }
  for (const list of ['entitiesAffected', 'steps', 'errors', 'warnings', 'completionDetails', 'relatedTasks'] as const) {
    if (!Array.isArray(task[list])) task[list] = [];
  }
  task.embeddedSubtasks = null;
  return task as unknown as TaskModel;
}
