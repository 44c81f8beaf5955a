/**
 * Task connections: one page of tasks merged across the backends in scope (listMerged), or
 * paged from a list already in memory (pageInMemory), with Relay's edges and pageInfo.
 *
 * A cursor is the global key of its edge (cursor.ts). Each backend's position derives from it
 * exactly (merge.ts): on the edge's own backend it is the edge itself; on the others it is the
 * edge's time with ties put before or after by backend name. New tasks arriving at the head of
 * a newest-first list therefore never shift a page: nothing is repeated or skipped.
 */
import type { ListQuery } from '../adapters/contract.js';
import { sharedListPage } from '../fast-path/sharing/index.js';
import type { SortDirection, TaskFilter } from '../model/filter.js';
import type { TaskField, TaskModel } from '../model/task.js';
import type { GatewayContext } from './context.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { candidatesOf, mergePages, positionOn } from './merge.js';
import { toGraphQLError, userInputError } from './errors.js';

/** The fingerprint a connection's cursors carry (cursor.ts), for the resolvers that build connections. */
export { fingerprintOf } from './cursor.js';
export { compareAcrossBackends } from './merge.js';

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

/**
 * An edge whose cursor is encoded only when read (most list queries never ask for it).
 * A class, for one getter on the prototype: V8 keeps an object literal with a getter in
 * dictionary mode (no inline caches for its reads), and a page makes one edge per task
 * (docs/performance.md, "What was changed").
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

function pageSize(value: number | null | undefined, arg: string, req: MergedListRequest): number {
  if (value === null || value === undefined) return req.defaultPageSize;
  if (!Number.isInteger(value) || value < 0) throw userInputError(`${arg} must be a non-negative integer`, { argument: arg });
  if (value > req.maxPageSize) {
    throw userInputError(`${arg} must be at most ${req.maxPageSize}; page with after/before instead`, { argument: arg, limit: req.maxPageSize });
  }
  return value;
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
        // Identical list calls in flight for callers of one scope share one page (src/fast-path).
        const page = await sharedListPage(ctx.shared?.lists, backend.adapter, query, ctx.call);
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
