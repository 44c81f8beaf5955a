/**
 * Keyset listing over the vCD query service.
 *
 * `GET /api/query?type=task|adminTask&format=records&page=1&pageSize=N&filter=...&sortDesc=startDate`
 * (sortAsc for ASC), then `rel="nextPage"` links as pyvcloud `_iterator` follows them. The
 * keyset position is pushed down as `startDate=le=` (DESC) / `=ge=` (ASC), so a later page costs
 * one query, not one per earlier page; ties on the time come back and are dropped locally.
 *
 * Records are thin (no subtasks, VcTaskList, Details, Error, cancel link or parent), so each
 * listed record is replaced by its full task (`GET /api/task/{id}`, finished ones from the
 * cache): list results are complete models, the gateway primes its per-request loader with them,
 * and the filter (CANCELING, entity type, parent) is finished on what vCD says now. A task that
 * cannot be re-read keeps its record form; one that vanished meanwhile (expired) is dropped.
 *
 * A parent filter is answered from the parent itself: its nested `<Tasks>` are its subtasks.
 */
import type { CallContext, ListQuery, TaskPage } from '../contract.js';
import { compareTasks, isAfter, matchesFilter, type TaskFilter } from '../../model/filter.js';
import { sortTime, type TaskModel } from '../../model/task.js';
import type { VcdClient } from './client.js';
import { buildFilter } from './filter.js';
import { recordToModel, taskUrn, taskUuid } from './map.js';
import type { VcdQueryPage } from './wire.js';

/** "pageSize ... to a maximum of 128" (programming guide, Query Parameters). */
export const MAX_PAGE_SIZE = 128;
/** A runaway guard: no listing call reads more upstream pages than this. */
const MAX_UPSTREAM_PAGES = 100;

export interface ListingDeps {
  backend: string;
  client: VcdClient;
  /** Full tasks for listed ones (same order); null for a task that no longer exists. */
  hydrate(models: TaskModel[], ctx: CallContext): Promise<Array<TaskModel | null>>;
  /** One full task (cache first), or null. */
  fullTask(uuid: string, ctx: CallContext): Promise<TaskModel | null>;
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
  // One more than asked, to know whether more follow; every record on a page costs a GET
  // unless cached, so pages are not made larger than that.
  const pageSize = Math.min(MAX_PAGE_SIZE, query.limit + 1);
  const candidates: TaskModel[] = [];
  const seen = new Set<string>();
  let page: VcdQueryPage = await deps.client.query({ page: 1, pageSize, clauses: native.clauses, direction: query.direction }, ctx);
  const total = page.total ?? null;
  for (let read = 1; ; read++) {
    const fresh = page.records.map((r) => recordToModel(deps.backend, r)).filter((m) => !seen.has(m.nativeId));
    for (const m of fresh) seen.add(m.nativeId);
    const full = await deps.hydrate(fresh, ctx);
    for (const task of full) if (task && wanted(task, query, query.filter)) candidates.push(task);
    candidates.sort((a, b) => compareTasks(a, b, query.direction));

    const next = page.links.find((l) => l.rel === 'nextPage')?.href;
    const lastFetched = fresh[fresh.length - 1];
    const lastReturned = candidates[query.limit - 1];
    // vCD orders by startDate only; ties come in any order. Stop once we hold one task more than
    // asked (so hasMore is known) and no unread record can tie with the last one we return.
    const settled =
      candidates.length > query.limit && lastFetched !== undefined && sortTime(lastFetched) !== sortTime(lastReturned!);
    if (!next || settled || read >= MAX_UPSTREAM_PAGES) {
      return {
        tasks: candidates.slice(0, query.limit),
        hasMore: candidates.length > query.limit || next !== undefined,
        totalCount: query.after ? null : total,
      };
    }
    page = await deps.client.queryPage(next, ctx);
  }
}
