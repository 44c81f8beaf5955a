/**
 * One backend's list page, shared while in flight: N clients of one scope polling the same
 * list cost one upstream call, one parse and one mapping, not N. The key holds the caller's
 * whole scope (keys.ts).
 */
import type { CallContext, ListQuery, TaskAdapter, TaskPage } from '../../adapters/contract.js';
import type { InFlight } from './in-flight.js';
import { listPageKey } from './keys.js';

/**
 * `adapter.listTasks(query)`, or the identical call in flight for a caller of the same scope
 * (`call.scope`).
 * @param flights the server's list pages in flight; undefined: never shared.
 */
export function sharedListPage(flights: InFlight<TaskPage> | undefined, adapter: TaskAdapter, query: ListQuery, call: CallContext): Promise<TaskPage> {
  if (!flights) return adapter.listTasks(query, call);
  return flights.run(listPageKey(call.scope ?? '', adapter.name, query), () => adapter.listTasks(query, call));
}
