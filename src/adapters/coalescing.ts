/**
 * Identical work in flight is shared: upstream GETs (adapters/http.ts), list pages
 * (gateway/connection.ts) and query runs (server/jit-executor.ts). `TASKGRAPH_COALESCE=off`
 * turns all three off, for benchmarks that measure the engine without it.
 */
export const COALESCE = process.env.TASKGRAPH_COALESCE !== 'off';
