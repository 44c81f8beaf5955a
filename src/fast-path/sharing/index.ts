/**
 * The door to in-flight sharing for the layers below the server: the transport (upstream
 * GETs) and the query engine (list pages) import this file, the server imports
 * src/fast-path/index.ts. It stays light: an adapter that loaded the whole fast path would
 * load the GraphQL executors too (about three times its own load time).
 */
import type { TaskPage } from '../../adapters/contract.js';
import type { InFlight } from './in-flight.js';
import type { TaskReads } from './task-reads.js';

export type { InFlight } from './in-flight.js';
export { sharedListPage } from './list-pages.js';
export { sharedTaskReads, type TaskReads } from './task-reads.js';
export { shareGets } from './shared-gets.js';

/** The server's work in flight that request contexts share (config `server.shareInFlight`). */
export interface SharedWork {
  /** List pages of one backend (list-pages.ts). */
  readonly lists: InFlight<TaskPage>;
  /** Reads of tasks by id from one backend (task-reads.ts). */
  readonly reads: InFlight<TaskReads>;
}
