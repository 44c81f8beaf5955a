/**
 * One backend's read of tasks by id, shared while in flight: callers of one scope that ask for
 * the same tasks at once (a burst of `taskUpdated` subscriptions, each reading its task's
 * current state first; dashboards reloading together) cost one guarded call, not one each, so
 * they neither load the backend nor fill its bulkhead. Shared above the backend's guard, where
 * the transport's GET sharing (shared-gets.ts) is below it. The key holds the caller's whole
 * scope (keys.ts).
 */
import type { CallContext, TaskAdapter } from '../../adapters/contract.js';
import type { TaskModel } from '../../model/task.js';
import type { InFlight } from './in-flight.js';
import { taskReadsKey } from './keys.js';

/** What `TaskAdapter.getTasks` answers: per id, the task, null (not found) or its own error. */
export type TaskReads = Array<TaskModel | null | Error>;

/**
 * `adapter.getTasks(ids)`, or the identical call in flight for a caller of the same scope
 * (`call.scope`).
 * @param flights the server's reads in flight; undefined: never shared.
 */
export function sharedTaskReads(flights: InFlight<TaskReads> | undefined, adapter: TaskAdapter, ids: readonly string[], call: CallContext): Promise<TaskReads> {
  if (!flights) return adapter.getTasks(ids, call);
  return flights.run(taskReadsKey(call.scope ?? '', adapter.name, ids), () => adapter.getTasks(ids, call));
}
