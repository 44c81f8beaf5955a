/**
 * GETs sent beside a list's query for the tasks that were unfinished on the last answer to the
 * same list. A polled task view's running tasks must be read in full (a record has no
 * progress and cannot say a cancel was requested), and those are mostly the same from one
 * poll to the next: read beside the query, they cost no round trip after it.
 *
 * A prefetched task goes only to a read of the request that sent it (CallContext.request),
 * within a few seconds, once: nothing answered is kept for anyone else, so no read is staler
 * than its own request. One the page did not need is dropped. A call without a request
 * (no gateway request or watcher poll behind it) prefetches nothing.
 */
import { LRUCache } from 'lru-cache';
import type { CallContext } from '../contract.js';
import { isTerminal, type TaskModel } from '../../model/task.js';
import { taskUuid } from './map.js';

/** Long enough for the request's own reads of the page, which follow its query at once. */
const KEEP_MS = 5_000;
/** Lists remembered, the least recent forgotten first; forgetting costs only the round trip saved. */
const MAX_LISTS = 256;
/** Requests whose prefetched reads are kept at once (the least recent go first): bounded memory. */
const MAX_REQUESTS = 256;

type Read = (uuid: string, ctx: CallContext) => Promise<TaskModel | null>;

export interface Prefetch {
  /** Before a list's query: GETs for the tasks unfinished on this list's last answer. */
  start(list: string, ctx: CallContext): void;
  /** After it: the tasks to read beside the next query of this list. */
  remember(list: string, tasks: readonly TaskModel[]): void;
  /** This request's prefetched read of `uuid`, once; undefined when there is none. */
  take(uuid: string, ctx: CallContext): Promise<TaskModel | null> | undefined;
}

export function createPrefetch(read: Read, now: () => number = Date.now): Prefetch {
  const unfinished = new LRUCache<string, string[]>({ max: MAX_LISTS });
  /** By request: what it prefetched, until when. Concurrent requests each have their own. */
  const sent = new LRUCache<symbol, { until: number; tasks: Map<string, Promise<TaskModel | null | undefined>> }>({ max: MAX_REQUESTS });

  return {
    start(list, ctx) {
      const request = ctx.request;
      if (request === undefined) return;
      const at = now();
      sent.forEach((entry, key) => {
        if (entry.until <= at) sent.delete(key);
      });
      const uuids = unfinished.get(list) ?? [];
      if (uuids.length === 0) return;
      const own = sent.get(request) ?? { until: 0, tasks: new Map() };
      own.until = at + KEEP_MS;
      sent.set(request, own);
      // A failed prefetch is not an answer: the page's own read tries again.
      for (const uuid of uuids) if (!own.tasks.has(uuid)) own.tasks.set(uuid, read(uuid, ctx).catch(() => undefined));
    },
    remember(list, tasks) {
      unfinished.set(
        list,
        tasks.flatMap((t) => {
          const uuid = taskUuid(t.nativeId);
          return uuid && !isTerminal(t.status) ? [uuid] : [];
        }),
      );
    },
    take(uuid, ctx) {
      const request = ctx.request;
      const own = request === undefined ? undefined : sent.get(request);
      if (request === undefined || !own || own.until <= now()) return undefined;
      const task = own.tasks.get(uuid);
      if (!task) return undefined;
      own.tasks.delete(uuid);
      if (own.tasks.size === 0) sent.delete(request);
      return task.then((t) => (t === undefined ? read(uuid, ctx) : t));
    },
  };
}
