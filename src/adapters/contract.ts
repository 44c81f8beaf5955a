/**
 * The adapter contract: the one small interface every backend binds its vendor API to.
 * Resolvers and watchers only ever see these types; wire payloads stay in the adapter folder.
 */
import type { z } from 'zod';
import type { Keyset, ScopeField, SortDirection, TaskFilter } from '../model/filter.js';
import type { BackendType, TaskField, TaskModel, TaskStatus } from '../model/task.js';
import type { StartSimulator } from '../simulators/types.js';
import type { BackendTesting } from './testing.js';

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
  /**
   * The sharing key of the caller's whole scope (security/scope-key.ts): work is shared in
   * flight only between calls with the same key (src/fast-path/sharing/keys.ts). Absent for the gateway's
   * own calls (watcher polls).
   */
  readonly scope?: string;
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
  /**
   * Parts of the backend that failed while the rest answered (one node of a cluster that is
   * down): the page holds the other parts' tasks, and the gateway reports each of these next
   * to them, as it reports a whole backend that failed.
   */
  partialErrors?: readonly Error[];
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

/**
 * An authorization dimension a backend type adds beyond the backend itself (vCD organizations,
 * Prism clusters, Proxmox nodes): principals are granted values of it (API-key scopes, JWT
 * claims), lists push the grant down as a `ScopeRestriction`, and every task is re-checked.
 */
export interface ScopeDimension {
  /** Its name in API-key scopes and `auth.jwt.claims` (`vcdOrgs`); unique over all backend types. */
  readonly name: string;
  /** The JWT claim its values are read from unless the config names another (`taskgraph_vcd_orgs`). */
  readonly claim: string;
  /** What its values are, for docs and config errors ("vCD organization names"). */
  readonly description: string;
  /**
   * The model field holding a task's value on this dimension (null matches no restricted
   * grant). A field, not a function, so that stores can apply a scope too (task history's SQL).
   */
  readonly field: ScopeField;
  /**
   * The adapter applies this dimension's restriction upstream, so a total it reports for a
   * restricted list counts only tasks in scope (otherwise restricted totals are withheld).
   */
  readonly pushedDown: boolean;
}

/**
 * A backend type: everything the rest of taskgraph needs to know of it. The registry
 * (registry.ts) lists these; the config, authorization, the sharing key, the simulators, the
 * demo and the shared test suites iterate it, so a new type is its folder plus one line there.
 */
export interface AdapterModule<S extends z.ZodType = z.ZodType> {
  /** The config's `type:` value. */
  type: BackendType;
  /** A human name: "VMware Cloud Director". */
  title: string;
  /** Its documentation page, from the repository root (`docs/backends/vcd.md`). */
  docs: string;
  /** Its config entry, extending `baseBackendSchema`. */
  configSchema: S;
  create(config: z.infer<S>, options?: AdapterOptions): TaskAdapter;
  /** Its authorization dimensions; none means whoever may see the backend sees all of its tasks. */
  scope: readonly ScopeDimension[];
  /**
   * Where tasks created on this backend land, by dimension (vCD: the org its account logs in
   * to), so a restricted principal may create tasks only there.
   */
  homeScope?(config: z.infer<S>): Readonly<Record<string, string>>;
  /** Its simulator, loaded on demand (`taskgraph simulate`, the demo, tests). */
  simulator(): Promise<StartSimulator>;
  /** What the shared test suites need to drive it, loaded on demand (src/adapters/testing.ts). */
  testing(): Promise<BackendTesting>;
}

/** Keeps the factory's parameter type tied to its schema. */
export function defineAdapter<S extends z.ZodType>(module: AdapterModule<S>): AdapterModule<S> {
  return module;
}
