/**
 * Keyset listing over the vCD query service.
 *
 * `GET /api/query?type=task|adminTask&format=records&page=1&pageSize=N&filter=...&sortDesc=startDate`
 * (sortAsc for ASC), then `rel="nextPage"` links as pyvcloud `_iterator` follows them. The
 * keyset position is pushed down as `startDate=le=` (DESC) / `=ge=` (ASC), so a later page costs
 * one query, not one per earlier page; ties on the time come back and are dropped locally.
 *
 * Records are thin (no subtasks, VcTaskList, Details, Error, cancel link or parent), so each
 * record that can still be returned is replaced by its full task (`GET /api/task/{id}`; finished
 * ones come from the cache): list results are complete models, the gateway primes its
 * per-request loader with them, and the filter (CANCELING, entity type) is finished on what vCD
 * says now. Records are read ahead in pages of 25 or more; only as many are re-read as the page
 * still needs. A task that cannot be re-read keeps its record form; one that vanished meanwhile
 * (expired) is dropped. On a first page, the tasks unfinished on the last answer to the same
 * list are read beside the query (prefetch.ts).
 *
 * When the caller completes only the tasks it keeps (ListQuery.completesKept: a page merged
 * across backends keeps a few of each one's candidates) and the records decide the filter
 * exactly, the records are returned as they are, marked `incomplete`: the gateway then reads
 * the survivors with getTasks, instead of this listing re-reading every candidate.
 *
 * With ListQuery.select the query asks only for the record attributes needed (`fields`,
 * fields.ts). Later pages follow `nextPage` links, which repeat the query's parameters (the
 * simulator's do; were a cell to drop `fields` there, those pages would only be whole records).
 *
 * A parent filter is answered from the parent itself: its nested `<Tasks>` are its subtasks.
 */
import type { CallContext, ListQuery, TaskPage } from '../contract.js';
import { compareTasks, isAfter, matchesFilter, type TaskFilter } from '../../model/filter.js';
import { isTerminal, sortTime, type TaskModel } from '../../model/task.js';
import type { VcdClient } from './client.js';
import { vcdQueryFields } from './fields.js';
import { buildFilter, entitiesPushedExactly } from './filter.js';
import { recordToModel, taskUrn, taskUuid } from './map.js';
import type { Prefetch } from './prefetch.js';
import type { VcdQueryPage } from './wire.js';

/** "pageSize ... to a maximum of 128" (programming guide, Query Parameters). */
export const MAX_PAGE_SIZE = 128;
/** The query service's default page size. */
const DEFAULT_PAGE_SIZE = 25;
/** A runaway guard: no listing call reads more upstream pages than this. */
const MAX_UPSTREAM_PAGES = 100;

export interface ListingDeps {
  backend: string;
  client: VcdClient;
  /** Full tasks for listed ones (same order); null for a task that no longer exists. */
  hydrate(models: TaskModel[], ctx: CallContext): Promise<Array<TaskModel | null>>;
  /** One full task (cache first), or null. */
  fullTask(uuid: string, ctx: CallContext): Promise<TaskModel | null>;
  /** The task with its parent filled in, once any read so far named it as a subtask. */
  withLineage(task: TaskModel): TaskModel;
  /** Full reads sent beside a first page's query (prefetch.ts). */
  prefetch?: Pick<Prefetch, 'start' | 'remember'>;
}

/**
 * Filters a record decides as its full task would: a record cannot say CANCELING (a cancel
 * request is not a query attribute), so only finished statuses; entities only by href (the
 * record's `object`, pushed down as `object==`), not by type.
 */
function recordsDecide(filter: TaskFilter): boolean {
  return (filter.statuses ?? []).every(isTerminal) && entitiesPushedExactly(filter);
}

function wanted(task: TaskModel, query: ListQuery, filter: TaskFilter): boolean {
  return matchesFilter(task, filter) && (!query.after || isAfter(task, query.after, query.direction));
}

async function listChildren(deps: ListingDeps, query: ListQuery, ctx: CallContext): Promise<TaskPage> {
  const uuid = taskUuid(query.filter.parentId!);
  if (!uuid) return { tasks: [], hasMore: false, totalCount: 0 };
  const filter = { ...query.filter, parentId: taskUrn(uuid) };
  const parent = await deps.fullTask(uuid, ctx);
  const children = (parent?.embeddedSubtasks ?? []).filter((t) => matchesFilter(t, filter));
  const page = children.filter((t) => wanted(t, query, filter)).sort((a, b) => compareTasks(a, b, query.direction));
  return { tasks: page.slice(0, query.limit), hasMore: page.length > query.limit, totalCount: children.length };
}

export async function listTasks(deps: ListingDeps, query: ListQuery, ctx: CallContext): Promise<TaskPage> {
  if (query.limit <= 0) return { tasks: [], hasMore: false, totalCount: null };
  if (query.filter.parentId !== undefined) return listChildren(deps, query, ctx);
  const native = buildFilter(query.filter, query.direction, query.after);
  if (native.empty) return { tasks: [], hasMore: false, totalCount: 0 };
  const order = (a: TaskModel, b: TaskModel) => compareTasks(a, b, query.direction);
  const recordsOnly = query.completesKept === true && recordsDecide(query.filter);
  const hydrate = recordsOnly ? async (records: TaskModel[]) => records : deps.hydrate;
  // Records are cheap, GETs are not: read records in vCD's default page size (or more), and
  // re-read only as many as can still be returned. One record more than needed tells whether
  // the last needed one ties with unread records (below): were it the last read, every listing
  // would ask for a second page. After a keyset position one more, as the inclusive bound
  // (`startDate=le=`) reads the previous page's last task again.
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(query.limit + (query.after ? 3 : 2), DEFAULT_PAGE_SIZE));
  const seen = new Set<string>();
  const pending: TaskModel[] = [];
  const accepted: TaskModel[] = [];
  let next: string | undefined;
  let lastFetchedTime = 0;
  let reads = 0;

  const ingest = (page: VcdQueryPage) => {
    reads++;
    const models = page.records.map((r) => recordToModel(deps.backend, r));
    for (const m of models) {
      if (seen.has(m.nativeId)) continue;
      seen.add(m.nativeId);
      if (!query.after || isAfter(m, query.after, query.direction)) pending.push(m);
    }
    if (models.length) lastFetchedTime = sortTime(models[models.length - 1]!);
    next = models.length && reads < MAX_UPSTREAM_PAGES ? page.links.find((l) => l.rel === 'nextPage')?.href : undefined;
    pending.sort(order);
  };

  // A first page is what a task view polls: the tasks unfinished on its last answer are read
  // beside the query (prefetch.ts), not after it.
  const polled = query.after ? undefined : JSON.stringify([query.direction, query.limit, recordsOnly, native.clauses]);
  // Records the caller selects fields of carry only those (and what is ordered and filtered on).
  const fields = query.select && vcdQueryFields({ select: query.select, filter: query.filter, queryType: deps.client.queryType, recordsOnly });
  const querying = deps.client.query({ page: 1, pageSize, clauses: native.clauses, direction: query.direction, ...(fields ? { fields } : {}) }, ctx);
  if (polled) deps.prefetch?.start(polled, ctx);
  const first = await querying;
  ingest(first);
  for (;;) {
    const need = query.limit + 1 - accepted.length;
    // vCD orders by startDate only, ties in any order: an unread record may still tie with (and
    // sort before) the last one we are about to re-read. Read on until none can.
    while (next && (pending.length < need || sortTime(pending[need - 1]!) === lastFetchedTime)) {
      ingest(await deps.client.queryPage(next, ctx));
    }
    const batch = pending.splice(0, need);
    if (batch.length === 0) break;
    for (const task of await hydrate(batch, ctx)) {
      if (task && wanted(task, query, query.filter)) accepted.push(task);
    }
    if (accepted.length > query.limit) break;
  }
  accepted.sort(order);
  const tasks = accepted.slice(0, query.limit).map(deps.withLineage);
  if (polled) deps.prefetch?.remember(polled, accepted);
  return {
    tasks,
    hasMore: accepted.length > query.limit || pending.length > 0 || next !== undefined,
    totalCount: query.after ? null : (first.total ?? null),
    ...(recordsOnly ? { incomplete: true } : {}),
  };
}
