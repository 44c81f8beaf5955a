/**
 * Per-request DataLoaders (never global: a loader is a per-request cache), one per relation.
 * Keys are grouped per backend and split by each backend's batch cap, so N keys on one
 * backend cost ceil(N / cap) upstream calls, and duplicates are fetched once:
 * - task: by native id, through the adapter's batch get;
 * - subtasks: by parent id, through one list call filtered on many parents;
 * - byEntity: by affected entity, through one list call filtered on many entities.
 */
import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { CallContext, TaskAdapter } from '../adapters/contract.js';
import { BackendError } from '../adapters/errors.js';
import { compareTasks, type TaskFilter } from '../model/filter.js';
import { sortTime, type TaskModel } from '../model/task.js';
import type { BackendSet } from './backends.js';
import { sharedTaskReads, type InFlight, type TaskReads } from '../fast-path/sharing/index.js';

export interface TaskRef {
  backend: string;
  nativeId: string;
}

export interface EntityKey {
  backend: string;
  nativeId: string;
  type?: string | null;
}

export interface Loaders {
  /** Task by backend and native id; null when it does not exist. */
  task: DataLoader<TaskRef, TaskModel | null, string>;
  /** All subtasks of a parent, oldest first. */
  subtasks: DataLoader<TaskRef, TaskModel[], string>;
  /** Tasks affecting an entity, newest first (at most `ENTITY_TASK_CAP`). */
  byEntity: DataLoader<EntityKey, TaskModel[], string>;
  /** Seeds the task loader with tasks already fetched by a list call. */
  prime(tasks: readonly TaskModel[]): void;
  /** Forgets everything loaded so far (a subscription's next event starts afresh). */
  clear(): void;
}

/** Most tasks fetched per entity or per parent batch; beyond it, use `tasks(filter)` paging. */
export const RELATION_CAP = 1000;

export interface LoaderOptions {
  /** false turns batching and caching off: one upstream call per key, as a naive resolver makes (benchmarks). */
  batch?: boolean;
  /**
   * Most tasks one request reads by id from one backend (config `limits.maxReadsPerBackend`):
   * beyond it the reads fail with QUERY_LIMIT_EXCEEDED before any upstream call (a vCD read by
   * id is one GET per task). Absent: no bound.
   */
  maxReadsPerBackend?: number;
}

/** The error of reads beyond `maxReadsPerBackend` on `backend`. */
function tooManyReads(backend: string, max: number): GraphQLError {
  return new GraphQLError(`this request reads more than limits.maxReadsPerBackend (${max}) tasks by id from backend ${backend}; ask for fewer (smaller pages, fewer references)`, {
    extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'limits.maxReadsPerBackend', max, backend },
  });
}

const refKey = (ref: TaskRef) => `${ref.backend}\u0000${ref.nativeId}`;

/** Splits keys per backend and into chunks of the backend's cap, runs them, and fills results in key order. */
function groupedBatch<K extends { backend: string }, V>(
  backends: BackendSet,
  keys: readonly K[],
  capOf: (adapter: TaskAdapter) => number,
  run: (adapter: TaskAdapter, chunk: K[]) => Promise<Array<V | Error>>,
  missing: V,
): Promise<Array<V | Error>> {
  const results = new Array<V | Error>(keys.length);
  const groups = new Map<string, number[]>();
  keys.forEach((key, i) => groups.set(key.backend, [...(groups.get(key.backend) ?? []), i]));
  return Promise.all(
    [...groups].map(async ([name, indexes]) => {
      const backend = backends.get(name);
      if (!backend) {
        for (const i of indexes) results[i] = missing;
        return;
      }
      const cap = Math.max(1, capOf(backend.adapter));
      const chunks: number[][] = [];
      for (let i = 0; i < indexes.length; i += cap) chunks.push(indexes.slice(i, i + cap));
      await Promise.all(
        chunks.map(async (chunk) => {
          try {
            const got = await run(backend.adapter, chunk.map((i) => keys[i]!));
            chunk.forEach((i, j) => (results[i] = got[j] ?? missing));
          } catch (err) {
            const error = err instanceof Error ? err : new BackendError('BACKEND_ERROR', name, String(err));
            for (const i of chunk) results[i] = error;
          }
        }),
      );
    }),
  ).then(() => results);
}

/** Every task matching the filter, up to the cap, in one or a few list calls. */
async function listAll(adapter: TaskAdapter, filter: TaskFilter, call: CallContext, direction: 'ASC' | 'DESC'): Promise<TaskModel[]> {
  const out: TaskModel[] = [];
  let after;
  while (out.length < RELATION_CAP) {
    const page = await adapter.listTasks({ filter, direction, limit: RELATION_CAP - out.length, after }, call);
    out.push(...page.tasks);
    const last = page.tasks[page.tasks.length - 1];
    if (!page.hasMore || !last) break;
    after = { time: sortTime(last), nativeId: last.nativeId };
  }
  return out;
}

/**
 * @param readsInFlight the server's task reads in flight (fast-path/sharing/task-reads.ts); absent:
 *   each request's batches are its own.
 */
export function createLoaders(backends: BackendSet, call: CallContext, options: LoaderOptions = {}, readsInFlight?: InFlight<TaskReads>): Loaders {
  const batch = options.batch ?? true;
  const reads = new Map<string, number>();
  /** Counts reads by id before they are sent; throws once a backend's share is spent. */
  function charge(backend: string, count: number): void {
    const max = options.maxReadsPerBackend;
    if (max === undefined) return;
    const total = (reads.get(backend) ?? 0) + count;
    reads.set(backend, total);
    if (total > max) throw tooManyReads(backend, max);
  }
  const task = new DataLoader<TaskRef, TaskModel | null, string>(
    (refs) =>
      groupedBatch(
        backends,
        refs,
        (a) => a.capabilities.maxBatchSize,
        (adapter, chunk) => {
          charge(adapter.name, chunk.length);
          return sharedTaskReads(readsInFlight, adapter, chunk.map((r) => r.nativeId), call);
        },
        null,
      ),
    { cacheKeyFn: refKey, batch, cache: batch },
  );

  const subtasks = new DataLoader<TaskRef, TaskModel[], string>(
    (refs) =>
      groupedBatch(
        backends,
        refs,
        (a) => a.capabilities.maxBatchSize,
        async (adapter, chunk) => {
          const parentIds = chunk.map((r) => r.nativeId);
          const children = await listAll(adapter, parentIds.length === 1 ? { parentId: parentIds[0]! } : { parentIds }, call, 'ASC');
          loaders.prime(children);
          return parentIds.map((id) => children.filter((c) => c.parentId === id).sort((a, b) => compareTasks(a, b, 'ASC')));
        },
        [],
      ),
    { cacheKeyFn: refKey, batch, cache: batch },
  );

  const byEntity = new DataLoader<EntityKey, TaskModel[], string>(
    (keys) =>
      groupedBatch(
        backends,
        keys,
        (a) => a.capabilities.maxBatchSize,
        async (adapter, chunk) => {
          const entities = chunk.map((k) => ({ nativeId: k.nativeId, type: k.type ?? null }));
          const tasks = await listAll(adapter, entities.length === 1 ? { entity: entities[0]! } : { entities }, call, 'DESC');
          loaders.prime(tasks);
          return chunk.map((k) =>
            tasks.filter((t) => t.entitiesAffected.some((e) => e.nativeId === k.nativeId && (!k.type || e.type === k.type))),
          );
        },
        [],
      ),
    { cacheKeyFn: (k) => `${k.backend}\u0000${k.nativeId}\u0000${k.type ?? ''}`, batch, cache: batch },
  );

  const loaders: Loaders = {
    task,
    subtasks,
    byEntity,
    prime(tasks) {
      for (const t of tasks) task.prime({ backend: t.backend, nativeId: t.nativeId }, t);
    },
    clear() {
      task.clearAll();
      subtasks.clearAll();
      byEntity.clearAll();
    },
  };
  return loaders;
}
