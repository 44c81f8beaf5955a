/**
 * What the parser property tests check of every adapter's read path (each module's testing
 * support runs it: src/adapters/testing.ts): the invariants of a mapped task.
 */
import { TASK_STATUSES, type TaskModel } from '../../../src/model/task.js';

/** What every mapped task must satisfy, whatever the payload was. */
export function checkModel(task: TaskModel): void {
  const fail = (what: string) => {
    throw new Error(`mapped task breaks an invariant: ${what}: ${JSON.stringify(task).slice(0, 300)}`);
  };
  if (typeof task.nativeId !== 'string') fail('nativeId is not a string');
  if (!TASK_STATUSES.includes(task.status)) fail('unknown status');
  if (task.progress !== null && !(Number.isInteger(task.progress) && task.progress >= 0 && task.progress <= 100)) fail('progress outside 0-100');
  for (const d of [task.createdAt, task.startedAt, task.completedAt, task.lastUpdatedAt, task.expiresAt]) {
    if (d !== null && !(d instanceof Date && Number.isFinite(d.getTime()))) fail('an invalid date');
  }
  for (const sub of task.embeddedSubtasks ?? []) checkModel(sub);
}
