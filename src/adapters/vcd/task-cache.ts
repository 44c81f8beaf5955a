/**
 * What one vCD adapter remembers between calls:
 * - finished tasks (with all their subtasks finished), which vCD never changes again; they
 *   spare a GET per listed task on every later page. Entries live ten minutes of local time:
 *   the task's `expiryTime` is on the cell's clock, which this process cannot trust to match
 *   its own, so a task that expired on the cell can be served for at most that long;
 * - which task is whose subtask. vCD names a task's subtasks only in the parent's nested
 *   `<Tasks>`; neither a subtask's own representation nor a query record points to its parent
 *   (TaskType, QueryResultTaskRecordType docs), so the parent is known once a parent was read.
 * Both are bounded (lru-cache); the least recently used entries go first.
 */
import { LRUCache } from 'lru-cache';
import { isTerminal, type TaskModel } from '../../model/task.js';

const MAX_TASKS = 2000;
const TTL_MS = 10 * 60_000;
const MAX_PARENTS = 20_000;

function settled(task: TaskModel): boolean {
  return isTerminal(task.status) && (task.embeddedSubtasks ?? []).every(settled);
}

export class TaskCache {
  readonly #tasks: LRUCache<string, TaskModel>;
  readonly #parents = new LRUCache<string, string>({ max: MAX_PARENTS });

  constructor(now: () => number = Date.now) {
    this.#tasks = new LRUCache({ max: MAX_TASKS, ttl: TTL_MS, ttlResolution: 0, perf: { now } });
  }

  /** A finished task read in the last ten minutes. */
  get(nativeId: string): TaskModel | undefined {
    const task = this.#tasks.get(nativeId);
    return task && this.withLineage(task);
  }

  /** Learns subtask links from a full task, and keeps it if nothing in it can change any more. */
  remember(task: TaskModel): void {
    for (const sub of task.embeddedSubtasks ?? []) {
      this.#parents.set(sub.nativeId, task.nativeId);
      this.remember(sub);
    }
    if (settled(task)) this.#tasks.set(task.nativeId, task);
  }

  forget(nativeId: string): void {
    this.#tasks.delete(nativeId);
  }

  /** The task with parentId and rootId filled in from the subtask links known so far. */
  withLineage(task: TaskModel): TaskModel {
    if (task.parentId !== null) return task;
    const parentId = this.#parents.get(task.nativeId);
    if (!parentId) return task;
    let rootId = parentId;
    for (let hops = 0, up = this.#parents.get(rootId); up && hops < 64; hops++, up = this.#parents.get(rootId)) rootId = up;
    return { ...task, parentId, rootId };
  }
}
