/**
 * The door to in-flight sharing for the layers below the server: the transport (upstream
 * GETs) and the query engine (list pages) import this file, the server imports
 * src/fast-path/index.ts. It stays light: an adapter that loaded the whole fast path would
 * load the GraphQL executors too (about three times its own load time).
 */
export type { InFlight } from './in-flight.js';
export { sharedListPage } from './list-pages.js';
export { shareGets } from './shared-gets.js';
