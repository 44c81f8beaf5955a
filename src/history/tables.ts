/**
 * The history database's tables, as Kysely sees them. Times are epoch milliseconds (bigint),
 * so both dialects compare and index them the same way.
 */

export interface TaskTable {
  backend: string;
  native_id: string;
  backend_type: string;
  tenant: string | null;
  operation: string | null;
  status: string;
  sort_time: number;
  /** sort_time's UTC day (epoch days), for DAY grouping without date functions. */
  day: number;
  last_updated_at: number | null;
  expires_at: number | null;
  duration_ms: number | null;
  /** Log-scale bucket of duration_ms (stats.ts): percentiles are computed over buckets. */
  duration_bucket: number | null;
  /** duration_bucket merged COARSE_BUCKETS at a time (stats.ts), for DAY and ENTITY groupings. */
  duration_bucket_coarse: number | null;
  first_seen_at: number;
  last_seen_at: number;
  /** When the backend answered "not found" for it. */
  gone_at: number | null;
  snapshot: string;
}

export interface TransitionTable {
  backend: string;
  native_id: string;
  at: number;
  status: string;
  progress: number | null;
}

export interface EntityTable {
  backend: string;
  native_id: string;
  entity_backend: string;
  entity_native_id: string;
  /** '' when the backend gives no type (a key column cannot be null in PostgreSQL). */
  entity_type: string;
  entity_name: string | null;
}

export interface HistoryDatabase {
  task: TaskTable;
  task_transition: TransitionTable;
  task_entity: EntityTable;
}
