/**
 * Listing vim tasks with keyset paging.
 *
 * Strategy (docs/backends/vsphere-soap.md, "Listing"):
 * 1. History first: `CreateCollectorForTasks` with the filter pushed down as a TaskFilterSpec
 *    (time bounds including the keyset bound, states, entity, parent), then
 *    - DESC: `SetCollectorPageSize(limit+1)` and read `latestPage` (the newest matches); when
 *      more are needed, `ResetCollector` (to just before the latest page) and `ReadPreviousTasks`;
 *    - ASC: `ReadNextTasks` from the collector's start, the oldest item ("rewind ... the default
 *      setting", vim.HistoryCollector);
 *    and `DestroyCollector`, always, once the reads are done: it goes alongside the re-read
 *    below, not after it. A first DESC page (no keyset position) instead reads the
 *    `latestPage` of a collector kept for the next poll of the same list (kept-collectors.ts),
 *    with the tasks unfinished at the last poll in the same call: one round trip when no task
 *    became unfinished since. The history includes running tasks, so recentTask adds nothing;
 *    unfinished tasks on the page are re-read live (`Task.info`),
 *    because a collector's copy is refreshed only on state changes (govmomi simulator note).
 *    A read shorter than asked ends the history ("No item is returned when the end of the
 *    collector is reached").
 * 2. Servers without the collector (vcsim: MethodNotFound; ESXi: NotSupported) get
 *    `TaskManager.recentTask` + one RetrievePropertiesEx of every `Task.info`, filtered,
 *    sorted and paged here. Learned once per session.
 */
import { LRUCache } from 'lru-cache';
import pLimit, { type LimitFunction } from 'p-limit';
import type { CallContext, ListQuery, TaskPage } from '../contract.js';
import { badResponse } from '../errors.js';
import { compareTasks, isAfter, matchesFilter } from '../../model/filter.js';
import { isTerminal, type TaskModel } from '../../model/task.js';
import type { VimClient, VimSession } from './client.js';
import { isFault, isUnsupported } from './faults.js';
import { toTaskFilterSpec } from './filter.js';
import { keptCollectors, type KeptCollectorOptions } from './kept-collectors.js';
import { toTaskModel } from './map.js';
import { el, readRef, returnvals, type MoRef } from './soap.js';
import { latestPageWithTasks, narrow, readProperty, recentTaskInfos, taskInfosById } from './task-info.js';
import { readTaskInfo, type TaskInfo } from './wire.js';

/** Largest history page (`SetCollectorPageSize` / `ReadNextTasks` maxCount; govmomi simulator: 1000). */
const MAX_PAGE = 1000;
/** Reads per listing before giving up with hasMore (bounded work when the local filter rejects most). */
const MAX_READS = 20;
/** Lists remembered (filters are few; forgetting one costs only calls), the least recent forgotten first. */
const MAX_LISTS = 256;

export interface Lister {
  list(query: ListQuery, ctx: CallContext): Promise<TaskPage>;
  /** Stops keeping collectors (the session's Logout destroys them). */
  close(): void;
}

/**
 * `gate` bounds the collectors one adapter holds at once: vCenter allows few per session
 * (`task.maxCollectors`, default 32), kept collectors included.
 */
export function createLister(client: VimClient, gate: LimitFunction = pLimit(8), keep: KeptCollectorOptions = {}): Lister {
  const backend = client.backend;
  const model = (info: TaskInfo) => toTaskModel(backend, info);
  const kept = keptCollectors(client, keep);
  /**
   * Lists whose newest page fell short of matches (the filter is finished locally): they scroll,
   * which a shared collector cannot, so they keep taking collectors of their own. Keyed, as
   * `unfinishedAt`, like kept collectors (page size and filter).
   */
  const scrolling = new LRUCache<string, true>({ max: MAX_LISTS });
  /** The tasks unfinished on the last page read from a kept collector. */
  const unfinishedAt = new LRUCache<string, string[]>({ max: MAX_LISTS });
  /** The history page size for a listing: one more than asked (is there more?), at least vim's default. */
  const pageSize = (query: ListQuery) => Math.min(MAX_PAGE, Math.max(query.limit + 1, 10));

  function collect(query: ListQuery) {
    const matches = new Map<string, TaskModel>();
    return {
      matches,
      accept(infos: TaskInfo[]) {
        for (const info of infos) {
          const task = model(info);
          if (matches.has(task.nativeId) || !matchesFilter(task, query.filter)) continue;
          if (query.after && !isAfter(task, query.after, query.direction)) continue;
          matches.set(task.nativeId, task);
        }
      },
      page(exhausted: boolean): TaskPage {
        const sorted = [...matches.values()].sort((a, b) => compareTasks(a, b, query.direction));
        return { tasks: sorted.slice(0, query.limit), hasMore: sorted.length > query.limit || !exhausted, totalCount: null };
      },
    };
  }

  async function viaRecent(session: VimSession, query: ListQuery, ctx: CallContext): Promise<TaskPage> {
    const found = collect(query);
    found.accept(await recentTaskInfos(client, session, ctx));
    return found.page(true);
  }

  async function read(session: VimSession, method: string, collector: MoRef, maxCount: number, ctx: CallContext): Promise<TaskInfo[]> {
    const res = await client.call(session, method, collector, [el('maxCount', maxCount)], ctx);
    return narrow(backend, method, () => returnvals(res).map(readTaskInfo));
  }

  /**
   * A first DESC page from a kept collector's latestPage. null when the page needs older items
   * (the local filter rejected some: scrolling is for a collector of the listing's own), when
   * the server lost the collector, or when it has no collectors.
   */
  async function viaKept(session: VimSession, query: ListQuery, spec: string, ctx: CallContext): Promise<TaskPage | null> {
    const size = pageSize(query);
    const key = `${size}\n${spec}`;
    if (scrolling.has(key)) return null;
    let collector: MoRef;
    try {
      collector = await kept.get(session, spec, size, ctx);
    } catch (err) {
      if (!isUnsupported(err)) throw err;
      session.collectors = 'no';
      return null;
    }
    session.collectors = 'yes';
    // The tasks unfinished at the last poll are read live in the same call as the page: in
    // steady polling those are the page's unfinished tasks, and the poll is one round trip.
    let read;
    try {
      read = await latestPageWithTasks(client, session, collector, unfinishedAt.get(key) ?? [], ctx);
    } catch (err) {
      if (!isFault(err, 'ManagedObjectNotFound')) throw err;
      read = { gone: true } as const;
    }
    if (read.gone) {
      kept.forget(session, spec, size);
      return null;
    }
    const infos = narrow(backend, 'RetrievePropertiesEx', () => (read.latest?.children ?? []).map(readTaskInfo));
    const found = collect(query);
    found.accept(infos);
    const exhausted = infos.length < size;
    if (!exhausted && found.matches.size <= query.limit) {
      scrolling.set(key, true);
      kept.release(session, spec, size);
      return null;
    }
    const page = await refreshUnfinished(session, query, found.page(exhausted), ctx, read.live);
    unfinishedAt.set(key, page.tasks.filter((t) => !isTerminal(t.status)).map((t) => t.nativeId));
    return page;
  }

  async function viaCollector(session: VimSession, query: ListQuery, spec: string, ctx: CallContext): Promise<TaskPage | null> {
    let collector: MoRef | undefined;
    try {
      const res = await client.call(session, 'CreateCollectorForTasks', session.content.taskManager, [spec], ctx);
      collector = readRef(returnvals(res)[0]);
    } catch (err) {
      if (!isUnsupported(err)) throw err;
      session.collectors = 'no';
      return null;
    }
    if (!collector) throw badResponse(backend, 'CreateCollectorForTasks: no collector returned');
    session.collectors = 'yes';
    const self = collector;
    let destroyed: Promise<unknown> | undefined;
    const destroy = () => (destroyed ??= client.call(session, 'DestroyCollector', self, [], ctx).catch(() => undefined));
    try {
      const want = query.limit + 1;
      const size = pageSize(query);
      const found = collect(query);
      let exhausted = false;
      if (query.direction === 'DESC') {
        await client.call(session, 'SetCollectorPageSize', self, [el('maxCount', size)], ctx);
        const latest = await readProperty(client, session, self, 'latestPage', ctx);
        const infos = narrow(backend, 'RetrievePropertiesEx', () => (latest?.children ?? []).map(readTaskInfo));
        found.accept(infos);
        exhausted = infos.length < size;
        if (!exhausted && found.matches.size < want) await client.call(session, 'ResetCollector', self, [], ctx);
      }
      const method = query.direction === 'DESC' ? 'ReadPreviousTasks' : 'ReadNextTasks';
      for (let reads = 0; !exhausted && found.matches.size < want; reads++) {
        if (reads === MAX_READS) break;
        const infos = await read(session, method, self, size, ctx);
        found.accept(infos);
        exhausted = infos.length < size;
      }
      // Read out: the collector goes while unfinished tasks are re-read (one round trip less).
      void destroy();
      return await refreshUnfinished(session, query, found.page(exhausted), ctx);
    } finally {
      await destroy();
    }
  }

  /**
   * Re-reads unfinished tasks live; one that stopped matching the filter leaves the page.
   * `known`: live infos already read (latestPageWithTasks); only the other ones are read.
   */
  async function refreshUnfinished(session: VimSession, query: ListQuery, page: TaskPage, ctx: CallContext, known?: ReadonlyMap<string, TaskInfo | null | Error>): Promise<TaskPage> {
    const unfinished = page.tasks.filter((t) => !isTerminal(t.status)).map((t) => t.nativeId);
    if (unfinished.length === 0) return page;
    const stale = unfinished.filter((id) => !known?.has(id));
    const live = stale.length ? await taskInfosById(client, session, stale, ctx) : new Map<string, TaskInfo | null | Error>();
    const tasks = page.tasks.flatMap((t) => {
      const info = live.get(t.nativeId) ?? known?.get(t.nativeId);
      if (!info || info instanceof Error) return [t];
      const fresh = model(info);
      return matchesFilter(fresh, query.filter) ? [fresh] : [];
    });
    return { ...page, tasks };
  }

  return {
    async list(query, ctx) {
      const pushed = toTaskFilterSpec(query.filter, query.direction, query.after);
      if (pushed.empty) return { tasks: [], hasMore: false, totalCount: null };
      return client.run(ctx, async (session) => {
        if (session.collectors !== 'no' && query.direction === 'DESC' && !query.after) {
          const page = await viaKept(session, query, pushed.spec, ctx);
          if (page) return page;
        }
        if (session.collectors !== 'no') {
          const page = await gate(() => viaCollector(session, query, pushed.spec, ctx));
          if (page) return page;
        }
        return viaRecent(session, query, ctx);
      });
    },
    close: () => kept.clear(),
  };
}
