/**
 * The adapter contract: the one small interface every backend binds its vendor API to.
 * Resolvers and watchers only ever see these types; wire payloads stay in the adapter folder.
 */
import type { z } from 'zod';
import type { Keyset, SortDirection, TaskFilter } from '../model/filter.js';
import type { BackendType, TaskField, TaskModel, TaskStatus } from '../model/task.js';

/** What a backend can do. Resolvers and the console hide what a backend cannot. */
export interface Capabilities {
  /** `getTasks` costs one (or few) upstream calls for many ids. */
  batchGet: boolean;
  /** Largest number of ids per upstream batch (Prism $limit 100, vCD pageSize 128, vim maxObjects). */
  maxBatchSize: number;
  /** The adapter implements `watch` (backend push, e.g. vim WaitForUpdatesEx). */
  pushChanges: boolean;
  cancel: boolean;
  /** createTask / updateTask for tasks an external service owns. */
  externalTasks: boolean;
  /** Whether list results carry a total count. */
  totalCount: boolean;
}

/** Per-call context: correlation id sent upstream, and cancellation. */
export interface CallContext {
  /** Sent as NTNX-Request-Id, X-Vmware-Vcloud-Client-Request-Id, vim operationID. */
  requestId: string;
  signal?: AbortSignal;
  /**
   * The same for every call made for one gateway request (or one watcher poll), and for no
   * other: what an adapter keeps for the rest of a request is keyed on it, never on requestId,
   * which a client may send again.
   */
  readonly request?: symbol;
}

export interface ListQuery {
  filter: TaskFilter;
  direction: SortDirection;
  /** Return tasks strictly after this position (keyset pagination). */
  after?: Keyset;
  /** At most this many tasks; the adapter pages upstream until it has them or runs out. */
  limit: number;
  /**
   * The model fields the caller will read, when it knows (absent: all of them). An adapter may
   * fetch less and leave the others at their empty values (null, [], false); whatever its own
   * sorting, keyset and filter checks read it must still fetch.
   */
  select?: ReadonlySet<TaskField>;
  /**
   * The caller reads whole tasks only for those it keeps, through getTasks (a merged page keeps
   * a few of each backend's candidates). An adapter whose list gives thinner records than its
   * tasks may then return the records as they are, marked `incomplete`, provided that sorting,
   * the keyset and the filter are decided exactly on them.
   */
  completesKept?: boolean;
  /**
   * The caller maps only the tasks it keeps (a page merged over N backends keeps about one in
   * N of their candidates). An adapter that orders, bounds and filters a list exactly on each
   * task's sort key may then answer with `TaskPage.keyed` instead of mapped tasks.
   */
  mapsKept?: boolean;
}

/** A task of a page by its sort key (`sortTime`, nativeId), mapped when `task()` is first called. */
export interface KeyedTask extends Keyset {
  task(): TaskModel;
}

/** A KeyedTask that maps its `source` once, when the task is first asked for (one object per task). */
export class Keyed<S> implements KeyedTask {
  #model: TaskModel | undefined;

  constructor(
    readonly time: number,
    readonly nativeId: string,
    private readonly source: S,
    private readonly map: (source: S) => TaskModel,
  ) {}

  task(): TaskModel {
    return (this.#model ??= this.map(this.source));
  }
}

/** A page of keyed tasks as the query asks for it: by key with ListQuery.mapsKept, else mapped. */
export function keyedPage(query: ListQuery, tasks: KeyedTask[], hasMore: boolean, totalCount: number | null): TaskPage {
  return query.mapsKept ? { tasks: [], keyed: tasks, hasMore, totalCount } : { tasks: tasks.map((t) => t.task()), hasMore, totalCount };
}

export interface TaskPage {
  /** Sorted by (sortTime, nativeId) in the requested direction; every one matches the filter. */
  tasks: TaskModel[];
  /** Only for ListQuery.mapsKept, and then instead of `tasks` (left empty): the same page by key. */
  keyed?: KeyedTask[];
  /** True when more tasks match beyond this page. */
  hasMore: boolean;
  /** Total matching tasks when the backend reports it (may ignore the keyset), else null. */
  totalCount: number | null;
  /** The tasks are list records (see ListQuery.completesKept): read those kept with getTasks. */
  incomplete?: boolean;
}

export type CancelOutcome =
  /** The backend accepted the request; the task is returned when it could be re-read. */
  | { ok: true; task: TaskModel | null }
  | { ok: false; code: 'NOT_FOUND' | 'NOT_CANCELABLE' | 'ALREADY_FINISHED'; message: string };

export interface CreateTaskRequest {
  operation: string;
  description: string | null;
  serviceNamespace: string | null;
  owner: { nativeId: string; type: string | null; name: string | null } | null;
  status: TaskStatus;
  progress: number | null;
  details: string | null;
  cancelable: boolean;
  parentId: string | null;
}

export interface UpdateTaskRequest {
  nativeId: string;
  status?: TaskStatus;
  progress?: number;
  operation?: string;
  description?: string;
  details?: string;
  errorMessage?: string;
  result?: string;
}

/** A change pushed by the backend. */
export interface TaskChange {
  task: TaskModel;
}

export interface WatchHandle {
  close(): Promise<void>;
}

/**
 * A configured backend. `getTasks` follows the DataLoader contract: one entry per id, in id
 * order; a missing task is `null`, a per-id failure is an `Error` value (the call itself
 * rejects only when the whole backend failed).
 */
export interface TaskAdapter {
  readonly name: string;
  readonly type: BackendType;
  readonly capabilities: Capabilities;
  listTasks(query: ListQuery, ctx: CallContext): Promise<TaskPage>;
  getTasks(ids: readonly string[], ctx: CallContext): Promise<Array<TaskModel | null | Error>>;
  /** Present when `capabilities.cancel`. */
  cancelTask?(nativeId: string, ctx: CallContext): Promise<CancelOutcome>;
  /** Present when `capabilities.externalTasks`. */
  createTask?(request: CreateTaskRequest, ctx: CallContext): Promise<TaskModel>;
  updateTask?(request: UpdateTaskRequest, ctx: CallContext): Promise<TaskModel>;
  /**
   * Present when `capabilities.pushChanges`: calls `onChange` for every change of a task
   * (new tasks included) until the handle is closed. `onError` reports a broken stream; the
   * adapter keeps retrying with backoff.
   */
  watch?(onChange: (change: TaskChange) => void, onError: (error: Error) => void): Promise<WatchHandle>;
  /** Logs out and releases connections. */
  close(): Promise<void>;
}

/** What the gateway tells every adapter it creates, beyond the backend's own config. */
export interface AdapterOptions {
  /** Identical upstream GETs in flight share one request (config `server.shareInFlight`, default true). */
  shareInFlight?: boolean;
}

/** A backend type: its config schema (extending `baseBackendSchema`) bound to its factory. */
export interface AdapterModule<S extends z.ZodType = z.ZodType> {
  type: BackendType;
  configSchema: S;
  create(config: z.infer<S>, options?: AdapterOptions): TaskAdapter;
}

/** Keeps the factory's parameter type tied to its schema. */
export function defineAdapter<S extends z.ZodType>(module: AdapterModule<S>): AdapterModule<S> {
  return module;
}
