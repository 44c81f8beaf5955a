/**
 * The history store's contract: what the recorder writes and the resolvers read. Two
 * implementations share one Kysely query layer (kysely-store.ts): the embedded SQLite file,
 * run in a worker thread (embedded.ts), and PostgreSQL (postgres.ts).
 */
import type { SortDirection } from '../model/filter.js';
import type { BackendType, TaskModel, TaskStatus } from '../model/task.js';

/** One task as the gateway saw it, ready to store (built by rows.ts from a TaskModel). */
export interface TaskRecord {
  backend: string;
  nativeId: string;
  backendType: BackendType;
  tenant: string | null;
  operation: string | null;
  status: TaskStatus;
  /** The sort time of live lists (createdAt, else startedAt, else 0), epoch ms. */
  sortTime: number;
  lastUpdatedAt: number | null;
  expiresAt: number | null;
  /** completedAt minus startedAt (else createdAt), for finished tasks. */
  durationMs: number | null;
  /** When this observation was made (epoch ms). */
  observedAt: number;
  /** The whole model as JSON (embeddedSubtasks left out: they are records of their own). */
  snapshot: string;
  entities: Array<{ backend: string; nativeId: string; type: string; name: string | null }>;
  /** The transition this observation makes, when it is one (status or progress step changed). */
  transition: TransitionRecord | null;
}

export interface TransitionRecord {
  /** When it happened: a backend time where the backend gives one, else when it was observed. */
  at: number;
  status: TaskStatus;
  progress: number | null;
}

/** A task the backend answered "not found" for: it no longer retains it. */
export interface GoneRecord {
  backend: string;
  nativeId: string;
  observedAt: number;
}

/**
 * What a principal may read, as the store applies it in SQL. `backends` null: all;
 * `tenants`: per backend type with a tenant dimension, the tenants allowed (null: all).
 * Built from the principal by scope.ts with the same rule as live tasks.
 */
export interface HistoryScope {
  backends: readonly string[] | null;
  tenants: ReadonlyArray<{ backendType: BackendType; tenants: readonly string[] | null }>;
}

export interface HistoryFilter {
  backends?: readonly string[];
  statuses?: readonly TaskStatus[];
  operations?: readonly string[];
  tenants?: readonly string[];
  entity?: { nativeId: string; backend?: string | null; type?: string | null };
  /** Inclusive lower bound on the sort time (epoch ms). */
  createdAfter?: number;
  /** Exclusive upper bound on the sort time (epoch ms). */
  createdBefore?: number;
  /** Only tasks the backend still retains (true) or no longer retains (false). */
  retained?: boolean;
}

/** Keyset position in (sortTime, backend, nativeId) order. */
export interface HistoryPosition {
  time: number;
  backend: string;
  nativeId: string;
}

export interface HistoryPageQuery {
  scope: HistoryScope;
  filter: HistoryFilter;
  direction: SortDirection;
  after?: HistoryPosition;
  limit: number;
  /** Evaluated "now" for `retained` (epoch ms). */
  now: number;
}

export interface StoredTask {
  task: TaskModel;
  firstSeenAt: number;
  lastSeenAt: number;
  /** False when the backend answered "not found" for it, or its expiry time passed. */
  retained: boolean;
}

export type StatsDimension = 'BACKEND' | 'OPERATION' | 'STATUS' | 'ENTITY' | 'DAY';

export interface StatsQuery {
  scope: HistoryScope;
  filter: HistoryFilter;
  groupBy: readonly StatsDimension[];
  now: number;
}

/**
 * One group of the stats query: its keys (the dimensions grouped by), counts, and the buckets
 * (stats.ts) of its duration percentiles, computed in the database.
 */
export interface StatsRow {
  backend?: string | null;
  operation?: string | null;
  status?: string | null;
  entityBackend?: string | null;
  entityNativeId?: string | null;
  entityType?: string | null;
  day?: number | null;
  count: number;
  succeeded: number;
  failed: number;
  canceled: number;
  /** Finished tasks with a duration. */
  durationCount: number;
  /** Merged buckets (stats.ts bucketWidth); null without finished tasks. */
  p50Bucket: number | null;
  p95Bucket: number | null;
}

export interface TransitionRow {
  backend: string;
  nativeId: string;
  at: number;
  status: TaskStatus;
  progress: number | null;
}

export interface RetentionResult {
  deleted: number;
}

export interface HistoryStore {
  /** Which kind, for logs and metrics. */
  readonly kind: 'embedded' | 'postgres';
  /** Writes the records in one transaction; idempotent (a record stored twice is stored once). */
  write(records: readonly TaskRecord[], gone: readonly GoneRecord[]): Promise<void>;
  page(query: HistoryPageQuery): Promise<StoredTask[]>;
  count(query: Omit<HistoryPageQuery, 'after' | 'limit' | 'direction'>): Promise<number>;
  /** Transitions of these tasks, oldest first. */
  transitions(keys: ReadonlyArray<{ backend: string; nativeId: string }>): Promise<TransitionRow[]>;
  stats(query: StatsQuery): Promise<StatsRow[]>;
  /** Deletes tasks created before `olderThan` (epoch ms), then the oldest beyond `maxRows`. */
  retain(limits: { olderThan: number | null; maxRows: number | null }): Promise<RetentionResult>;
  /** Tasks stored. */
  size(): Promise<number>;
  close(): Promise<void>;
}
