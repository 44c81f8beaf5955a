/**
 * Task change events, and the diff that decides whether a task really changed.
 */
import { isTerminal, type TaskModel } from '../model/task.js';

export type TaskEventType = 'CREATED' | 'UPDATED' | 'COMPLETED';

export interface TaskEvent {
  type: TaskEventType;
  task: TaskModel;
}

/**
 * What a subscriber can see change. Times like lastUpdatedAt are left out on purpose:
 * a backend touching a task without changing anything visible is not an event.
 */
export function fingerprint(t: TaskModel): string {
  return JSON.stringify([
    t.status,
    t.nativeStatus,
    t.progress,
    t.progressMessage,
    t.cancelRequested,
    t.isCancelable,
    t.description,
    t.completedAt?.getTime() ?? null,
    t.steps,
    t.errors,
    t.warnings,
    t.result,
    t.subtaskCount,
  ]);
}

/** Classifies a new observation against the last one (undefined: never seen). */
export function classify(previous: string | undefined, task: TaskModel): TaskEventType | null {
  if (previous === undefined) return isTerminal(task.status) ? 'COMPLETED' : 'CREATED';
  if (previous === fingerprint(task)) return null;
  return isTerminal(task.status) ? 'COMPLETED' : 'UPDATED';
}
