/**
 * What one vCD adapter remembers between calls:
 * - finished tasks (with all their subtasks finished), which vCD never changes again; they
 *   spare a GET per listed task on every later page. Entries live ten minutes of local time:
 *   the task's `expiryTime` is on the cell's clock, which this process cannot trust to match
 *   its own, so a task that expired on the cell can be served for at most that long;
 * - which task is whose subtask. vCD names a task's subtasks only in the parent's nested
 *   `<Tasks>`; neither a subtask's own representation nor a query record points to its parent
 *   (TaskType, QueryResultTaskRecordType docs), so the parent is known once a parent was read.
 * Both are bounded; the oldest entries go first.
 */
import { isTerminal, type TaskModel } from '../../model/task.js';

const MAX_TASKS = 2000;
const TTL_MS = 10 * 60_000;
const MAX_PARENTS = 20_000;

function settled(task: TaskModel): boolean {
  return isTerminal(task.status) && (task.embeddedSubtasks ?? []).every(settled);
}

export class TaskCache {
  readonly #tasks = new Map<string, { task: TaskModel; until: number }>();
  readonly #parents = new Map<string, string>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A finished task read in the last ten minutes. */
  get(nativeId: string): TaskModel | undefined {
    const entry = this.#tasks.get(nativeId);
    if (!entry) return undefined;
    if (entry.until <= this.#now()) {
      this.#tasks.delete(nativeId);
      return undefined;
    }
    return this.withLineage(entry.task);
  }

  /** Learns subtask links from a full task, and keeps it if nothing in it can change any more. */
  remember(task: TaskModel): void {
    for (const sub of task.embeddedSubtasks ?? []) {
      this.#parents.delete(sub.nativeId);
      this.#parents.set(sub.nativeId, task.nativeId);
      this.remember(sub);
    }
    while (this.#parents.size > MAX_PARENTS) this.#parents.delete(this.#parents.keys().next().value!);
    if (!settled(task)) return;
    this.#tasks.delete(task.nativeId);
    this.#tasks.set(task.nativeId, { task, until: this.#now() + TTL_MS });
    while (this.#tasks.size > MAX_TASKS) this.#tasks.delete(this.#tasks.keys().next().value!);
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
