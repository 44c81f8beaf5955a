/**
 * Cross-backend pagination: each backend lists its own tasks in the requested order from a
 * keyset position; the gateway k-way merges them with a stable tie-break
 * (time, backend name, native id) and cuts the page.
 *
 * A cursor is the global key of its edge. Each backend's position derives from it exactly:
 * on the edge's own backend it is the edge itself; on the others it is the edge's time with
 * ties put before or after by backend name. New tasks arriving at the head of a newest-first
 * list therefore never shift a page: nothing is repeated or skipped.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { KeyedTask, ListQuery, TaskAdapter, TaskPage } from '../adapters/contract.js';
import { listPageKey } from '../sharing/keys.js';
import type { Keyset, SortDirection, TaskFilter } from '../model/filter.js';
import { sortTime, type TaskField, type TaskModel } from '../model/task.js';
import type { GatewayContext } from './context.js';
import { BACKEND_NAME_PATTERN } from '../model/global-id.js';
import { checkNativeId, checkTime } from './client-input.js';
import { toGraphQLError, userInputError } from './errors.js';

export interface EdgeParent {
  readonly node: TaskModel;
  readonly cursor: string;
}

export interface ConnectionParent {
  edges: EdgeParent[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number | null;
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface MergedListRequest extends PageArgs {
  /** Backend name -> the filter for that backend (backends out of scope are absent). */
  scope: Map<string, TaskFilter>;
  direction: SortDirection;
  /** Identifies the query a cursor belongs to (filter and order). */
  fingerprint: string;
  defaultPageSize: number;
  maxPageSize: number;
  /** The model fields the operation reads (selection.ts); absent: all. */
  select?: ReadonlySet<TaskField> | null;
}

interface GlobalKey {
  t: number;
  b: string;
  i: string;
}

interface CursorData extends GlobalKey {
  v: 1;
  f: string;
}

/** Recent fingerprints by their JSON (most lists repeat a few filters). */
const fingerprints = new LRUCache<string, string>({ max: 1000 });

/** A short, stable hash of what a cursor belongs to. */
export function fingerprintOf(value: unknown): string {
  const json = JSON.stringify(value);
  let hash = fingerprints.get(json);
  if (hash === undefined) {
    hash = createHash('sha256').update(json).digest('base64url').slice(0, 12);
    fingerprints.set(json, hash);
  }
  return hash;
}

/**
 * An edge whose cursor is encoded only when read (most list queries never ask for it).
 * A class, for one getter on the prototype: V8 keeps an object literal with a getter in
 * dictionary mode (no inline caches for its reads), and a page makes one edge per task; the
 * literal cost a quarter of a list query's CPU (A/B in docs/performance.md).
 */
class Edge implements EdgeParent {
  constructor(
    readonly node: TaskModel,
    private readonly fingerprint: string,
  ) {}

  get cursor(): string {
    return encodeCursor(this.node, this.fingerprint);
  }
}

export function encodeCursor(task: TaskModel, fingerprint: string): string {
  const data: CursorData = { v: 1, t: sortTime(task), b: task.backend, i: task.nativeId, f: fingerprint };
  return Buffer.from(JSON.stringify(data), 'utf8').toString('base64url');
}

/** Longest cursor read: ours are about 120 characters. */
const MAX_CURSOR_LENGTH = 1024;

/**
 * The global key of a client's cursor. Every part is checked here (time in the Date range,
 * backend name and native id in shape): a forged cursor is the client's mistake, never an
 * exception inside an adapter call (src/gateway/client-input.ts).
 */
function decodeCursor(cursor: string, fingerprint: string, arg: string): GlobalKey {
  const notOurs = () => userInputError(`${arg}: not a cursor from this API; use a pageInfo or edge cursor as returned`, { argument: arg });
  if (cursor.length > MAX_CURSOR_LENGTH) throw notOurs();
  let data: Partial<CursorData>;
  try {
    data = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorData>;
  } catch {
    throw notOurs();
  }
  if (data?.v !== 1 || typeof data.b !== 'string' || !BACKEND_NAME_PATTERN.test(data.b)) throw notOurs();
  if (data.f !== fingerprint) {
    throw userInputError(`${arg}: this cursor belongs to a query with another filter or order; start again without it`, {
      argument: arg,
    });
  }
  return { t: checkTime(data.t, arg), b: data.b, i: checkNativeId(data.i, arg) };
}

/** A backend's task in the merge: its global key, and the task (mapped only if it is kept). */
interface Candidate extends GlobalKey {
  task(): TaskModel;
}

/** A task its adapter mapped already. */
class Mapped implements Candidate {
  readonly t: number;
  readonly b: string;
  readonly i: string;
  constructor(private readonly model: TaskModel) {
    this.t = sortTime(model);
    this.b = model.backend;
    this.i = model.nativeId;
  }

  task(): TaskModel {
    return this.model;
  }
}

/** A task of a page by key (ListQuery.mapsKept), on `backend`. */
class Unmapped implements Candidate {
  readonly t: number;
  readonly i: string;
  constructor(
    private readonly keyed: KeyedTask,
    readonly b: string,
  ) {
    this.t = keyed.time;
    this.i = keyed.nativeId;
  }

  task(): TaskModel {
    return this.keyed.task();
  }
}

function candidatesOf(page: TaskPage, backend: string): Candidate[] {
  return page.keyed ? page.keyed.map((k) => new Unmapped(k, backend)) : page.tasks.map((task) => new Mapped(task));
}

function compareGlobal(a: GlobalKey, b: GlobalKey, direction: SortDirection): number {
  const sign = direction === 'DESC' ? -1 : 1;
  if (a.t !== b.t) return sign * (a.t - b.t);
  if (a.b !== b.b) return sign * (a.b < b.b ? -1 : 1);
  if (a.i === b.i) return 0;
  return sign * (a.i < b.i ? -1 : 1);
}

/**
 * Two tasks of any backends in the global order of merged lists (time, then backend name, then
 * native id, all in `direction`): lists built in memory (federation's `<Type>.tasks`) sort with
 * it, so they order ties exactly as `Query.tasks` does.
 */
export function compareAcrossBackends(a: TaskModel, b: TaskModel, direction: SortDirection): number {
  return compareGlobal({ t: sortTime(a), b: a.backend, i: a.nativeId }, { t: sortTime(b), b: b.backend, i: b.nativeId }, direction);
}

/**
 * The first `count` candidates of the pages in the global order. A backend with more to come
 * may return a short page, so nothing beyond its last task may enter, or the next cursor would
 * skip that backend's unfetched tasks. Pages come sorted by their backend (k-way merge, no
 * sort); one that is not, by ties the backend orders otherwise, is sorted first.
 */
function mergePages(pages: ReadonlyArray<{ page: TaskPage; candidates: Candidate[] }>, direction: SortDirection, count: number): Candidate[] {
  const lists = pages.map(({ candidates }) => {
    for (let i = 1; i < candidates.length; i++) {
      if (compareGlobal(candidates[i - 1]!, candidates[i]!, direction) > 0) return [...candidates].sort((a, b) => compareGlobal(a, b, direction));
    }
    return candidates;
  });
  const at = lists.map(() => 0);
  const merged: Candidate[] = [];
  while (merged.length < count) {
    let pick = -1;
    for (let i = 0; i < lists.length; i++) {
      if (at[i]! < lists[i]!.length && (pick === -1 || compareGlobal(lists[i]![at[i]!]!, lists[pick]![at[pick]!]!, direction) < 0)) pick = i;
    }
    if (pick === -1) break;
    merged.push(lists[pick]![at[pick]!++]!);
    if (at[pick] === lists[pick]!.length && pages[pick]!.page.hasMore) break;
  }
  return merged;
}

/** Strings below and above every native id, to put all ties at a time before or after. */
const LOWEST = '';
const HIGHEST = '\uffff';

/** The position on `backend` that is exactly "after `key`" in the global order. */
function positionOn(backend: string, key: GlobalKey, direction: SortDirection): Keyset {
  if (backend === key.b) return { time: key.t, nativeId: key.i };
  const sign = direction === 'DESC' ? -1 : 1;
  const tiesComeAfter = sign * (backend < key.b ? -1 : 1) > 0;
  // Adapters keep ids strictly after the keyset in `direction`: pick the extreme that keeps
  // (or drops) every tie on this backend.
  const keepAll = direction === 'ASC' ? LOWEST : HIGHEST;
  const dropAll = direction === 'ASC' ? HIGHEST : LOWEST;
  return { time: key.t, nativeId: tiesComeAfter ? keepAll : dropAll };
}

function pageSize(value: number | null | undefined, arg: string, req: MergedListRequest): number {
  if (value === null || value === undefined) return req.defaultPageSize;
  if (!Number.isInteger(value) || value < 0) throw userInputError(`${arg} must be a non-negative integer`, { argument: arg });
  if (value > req.maxPageSize) {
    throw userInputError(`${arg} must be at most ${req.maxPageSize}; page with after/before instead`, { argument: arg, limit: req.maxPageSize });
  }
  return value;
}

/**
 * One backend's page. Identical list calls in flight at the same time share one page
 * (`ctx.listsInFlight`): N clients of one scope polling the same list cost one upstream call,
 * one parse and one mapping, not N. The key holds the caller's whole scope (sharing/keys.ts).
 */
function listPage(ctx: GatewayContext, adapter: TaskAdapter, query: ListQuery): Promise<TaskPage> {
  const flights = ctx.listsInFlight;
  if (!flights) return adapter.listTasks(query, ctx.call);
  return flights.run(listPageKey(ctx.call.scope ?? '', adapter.name, query), () => adapter.listTasks(query, ctx.call));
}

/**
 * Whole tasks for the list records (TaskPage.incomplete) that made the page, read through the
 * request's loader: one getTasks per backend for its survivors only. A task gone meanwhile
 * leaves the page; one that cannot be read keeps its record form, with its backend's error
 * (once per backend in `failed`).
 */
async function completeKept(ctx: GatewayContext, tasks: TaskModel[], incomplete: ReadonlySet<string>, failed: Set<string>): Promise<TaskModel[]> {
  if (incomplete.size === 0) return tasks;
  const read = await Promise.all(
    tasks.map(async (task) => {
      if (!incomplete.has(task.backend)) return task;
      try {
        return await ctx.loaders.task.load({ backend: task.backend, nativeId: task.nativeId });
      } catch (err) {
        if (!failed.has(task.backend)) ctx.partialErrors.push(toGraphQLError(err));
        failed.add(task.backend);
        return task;
      }
    }),
  );
  return read.filter((t): t is TaskModel => t !== null);
}

/** Lists one page of tasks merged across the backends in scope. */
export async function listMerged(ctx: GatewayContext, req: MergedListRequest): Promise<ConnectionParent> {
  if ((req.first != null || req.after != null) && (req.last != null || req.before != null)) {
    throw userInputError('use first/after or last/before, not both');
  }
  const backward = req.last != null || req.before != null;
  const size = backward ? pageSize(req.last, 'last', req) : pageSize(req.first, 'first', req);
  const cursor = backward ? req.before : req.after;
  const key = cursor ? decodeCursor(cursor, req.fingerprint, backward ? 'before' : 'after') : undefined;
  const direction: SortDirection = backward ? (req.direction === 'DESC' ? 'ASC' : 'DESC') : req.direction;

  const incomplete = new Set<string>();
  const pages = await Promise.all(
    [...req.scope].map(async ([name, filter]) => {
      const backend = ctx.backends.get(name);
      if (!backend || size === 0) return null;
      try {
        const after = key ? positionOn(name, key, direction) : undefined;
        // With one backend every candidate is kept: mapping by key would only defer it.
        const query: ListQuery = { filter, direction, after, limit: size, select: req.select ?? undefined, completesKept: true, mapsKept: req.scope.size > 1 };
        const page = await listPage(ctx, backend.adapter, query);
        if (page.incomplete) incomplete.add(name);
        for (const err of page.partialErrors ?? []) ctx.partialErrors.push(toGraphQLError(err));
        return { page, candidates: candidatesOf(page, name) };
      } catch (err) {
        ctx.partialErrors.push(toGraphQLError(err));
        return null;
      }
    }),
  );
  const answered = pages.filter((p) => p !== null);
  let kept = size;
  let merged = mergePages(answered, direction, kept + 1);
  // Only the candidates that make the page are mapped (or read whole, for list records).
  const keep = (from: number, to: number) => merged.slice(from, to).map((c) => c.task());
  const failed = new Set<string>();
  const tasks = await completeKept(ctx, keep(0, kept), incomplete, failed);
  // A record whose task is gone by the time it is read (vCD: expired) leaves a gap on the page;
  // the next candidates fill it (those read already come from the request's loader).
  while (tasks.length < size && merged.length > kept) {
    const from = kept;
    kept += size - tasks.length;
    merged = mergePages(answered, direction, kept + 1);
    tasks.push(...(await completeKept(ctx, keep(from, kept), incomplete, failed)));
  }
  const more = merged.length > kept || answered.some((p) => p.page.hasMore);
  if (backward) tasks.reverse();
  ctx.loaders.prime(tasks);

  const edges = tasks.map((node) => new Edge(node, req.fingerprint));
  const totals = answered.map((p) => p.page.totalCount);
  const complete = answered.length === req.scope.size && totals.every((t) => t !== null);
  return {
    edges,
    pageInfo: {
      hasNextPage: backward ? Boolean(cursor) : more,
      hasPreviousPage: backward ? more : Boolean(cursor),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: complete && !cursor ? totals.reduce<number>((sum, t) => sum + (t ?? 0), 0) : null,
  };
}

/**
 * Pages a list already in memory (vCD's embedded subtasks, a batch-loaded relation).
 * Cursors are the same edge keys as in merged lists; one that is not in the list (its task
 * expired meanwhile, or it belongs elsewhere) is a clear error.
 */
export function pageInMemory(all: readonly TaskModel[], first: number, after: string | null | undefined, fingerprint: string): ConnectionParent {
  let start = 0;
  if (after) {
    const at = all.findIndex((t) => encodeCursor(t, fingerprint) === after);
    if (at === -1) throw userInputError('after: not a cursor of this list (or its task is gone); start again without it', { argument: 'after' });
    start = at + 1;
  }
  const edges = all.slice(start, start + first).map((node) => new Edge(node, fingerprint));
  return {
    edges,
    pageInfo: {
      hasNextPage: start + first < all.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: all.length,
  };
}
