/**
 * An adapter over an in-memory map, for hub and watcher tests: `set()` changes a task (and
 * pushes it to watchers when the adapter pushes); `state.down` makes `watch()` fail.
 */
import type { TaskAdapter, TaskChange, WatchHandle } from '../../../src/adapters/contract.js';
import type { TaskModel, TaskStatus } from '../../../src/model/task.js';

/** A task of the in-memory backend in `status`. */
export function task(nativeId: string, status: TaskStatus): TaskModel {
  return {
    backend: 'mem', backendType: 'vsphere-soap', nativeId, operation: 'op', description: null, status, nativeStatus: status.toLowerCase(),
    progress: null, progressMessage: null, createdAt: new Date(1000), startedAt: null, completedAt: null, lastUpdatedAt: null, expiresAt: null,
    isCancelable: false, cancelRequested: false, initiatedBy: null, tenant: null, entitiesAffected: [], parentId: null, rootId: null,
    embeddedSubtasks: null, subtaskCount: null, steps: [], errors: [], warnings: [], result: null, completionDetails: [], relatedTasks: [],
  };
}

/** An adapter over a map; `watch` fails while `down` is set, else pushes every `set()`. */
export function memoryAdapter(push: boolean) {
  const tasks = new Map<string, TaskModel>();
  const listeners = new Set<(c: TaskChange) => void>();
  /** `opening`: while set, watch() waits for it before it listens (a stream being set up). */
  const state: { down: boolean; watchCalls: number; opening: Promise<void> | null } = { down: false, watchCalls: 0, opening: null };
  const adapter: TaskAdapter = {
    name: 'mem',
    type: 'vsphere-soap',
    capabilities: { batchGet: true, maxBatchSize: 100, pushChanges: push, cancel: false, externalTasks: false, totalCount: false },
    listTasks: async (q) => ({ tasks: [...tasks.values()].filter((t) => !q.filter.statuses || q.filter.statuses.includes(t.status)), hasMore: false, totalCount: null }),
    getTasks: async (ids) => ids.map((id) => tasks.get(id) ?? null),
    close: async () => {},
  };
  if (push) {
    adapter.watch = async (onChange): Promise<WatchHandle> => {
      state.watchCalls++;
      if (state.down) throw new Error('mem: the backend is down');
      if (state.opening) await state.opening;
      listeners.add(onChange);
      return { close: async () => void listeners.delete(onChange) };
    };
  }
  return {
    adapter,
    state,
    watching: () => listeners.size > 0,
    set(t: TaskModel) {
      tasks.set(t.nativeId, t);
      for (const l of listeners) l({ task: t });
    },
  };
}
