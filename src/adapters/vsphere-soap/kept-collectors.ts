/**
 * First-page collectors kept between lists. A task view polls the same newest page every few
 * seconds, and a TaskHistoryCollector's `latestPage` follows the history: "As new tasks that
 * match the collector's TaskFilterSpec are created, they are added to this page, and the
 * oldest tasks are removed from the collector to keep the size of the page to that allowed by
 * SetCollectorPageSize" (vim.TaskHistoryCollector, pyvmomi docs/vim/TaskHistoryCollector.rst);
 * HistoryCollector says the client "may retrieve and monitor" it. So the next poll is one read
 * of `latestPage` instead of CreateCollectorForTasks, SetCollectorPageSize, the read and
 * DestroyCollector.
 *
 * A collector belongs to its session and dies with it (a new session starts afresh). At most
 * `max` are kept per adapter, least recently used destroyed first, and each is destroyed after
 * `idleMs` unused: with the listing gate's 8 that stays well under vCenter's 32 collectors per
 * session (`task.maxCollectors`).
 */
import { LRUCache } from 'lru-cache';
import type { CallContext } from '../contract.js';
import { badResponse } from '../errors.js';
import type { VimClient, VimSession } from './client.js';
import { el, readRef, returnvals, type MoRef } from './soap.js';

export interface KeptCollectorOptions {
  /** Destroyed after this long unused (default 60 s: views poll far more often). */
  idleMs?: number;
  /** Kept at most (default 4). */
  max?: number;
}

export interface KeptCollectors {
  /** The collector for `spec` with `latestPage` of `size`, created and sized on first use. */
  get(session: VimSession, spec: string, size: number, ctx: CallContext): Promise<MoRef>;
  /** Forgets a collector the server no longer has (ManagedObjectNotFound), without a call. */
  forget(session: VimSession, spec: string, size: number): void;
  /** Destroys a collector that is of no more use. */
  release(session: VimSession, spec: string, size: number): void;
  /** Forgets them all without a call (on close: logging out destroys the session's collectors). */
  clear(): void;
}

interface Entry {
  session: VimSession;
  collector: Promise<MoRef>;
}

export function keptCollectors(client: VimClient, options: KeptCollectorOptions = {}): KeptCollectors {
  const keyOf = (spec: string, size: number) => `${size}\n${spec}`;

  /** Best effort: a collector that outlives this lives until its session ends. */
  function destroy(entry: Entry): Promise<unknown> {
    if (entry.session.lost) return Promise.resolve();
    return entry.collector.then(
      (collector) =>
        client.call(entry.session, 'DestroyCollector', collector, [], { requestId: 'taskgraph-collector-idle' }, { timeoutMs: 10_000 }).catch(() => undefined),
      () => undefined,
    );
  }

  /**
   * Least recently used first out beyond `max`; an entry unused for `idleMs` expires. Either
   * way its collector is destroyed; forgotten or replaced ones (their session is gone) are not.
   */
  const entries = new LRUCache<string, Entry>({
    max: options.max ?? 4,
    ttl: options.idleMs ?? 60_000,
    ttlAutopurge: true,
    updateAgeOnGet: true,
    dispose: (entry, _key, reason) => {
      if (reason === 'evict' || reason === 'expire') void destroy(entry);
    },
  });

  async function create(session: VimSession, spec: string, size: number, ctx: CallContext): Promise<MoRef> {
    const res = await client.call(session, 'CreateCollectorForTasks', session.content.taskManager, [spec], ctx);
    const collector = readRef(returnvals(res)[0]);
    if (!collector) throw badResponse(client.backend, 'CreateCollectorForTasks: no collector returned');
    try {
      await client.call(session, 'SetCollectorPageSize', collector, [el('maxCount', size)], ctx);
    } catch (err) {
      await destroy({ session, collector: Promise.resolve(collector) });
      throw err;
    }
    return collector;
  }

  return {
    get(session, spec, size, ctx) {
      const key = keyOf(spec, size);
      const kept = entries.get(key);
      if (kept?.session === session) return kept.collector;
      // Shared by whoever asks meanwhile: one caller giving up must not fail it for the others.
      const created: Entry = { session, collector: create(session, spec, size, { requestId: ctx.requestId }) };
      created.collector.catch(() => {
        if (entries.peek(key) === created) entries.delete(key);
      });
      entries.set(key, created); // replaces one of a lost session without a call
      return created.collector;
    },
    forget(session, spec, size) {
      const key = keyOf(spec, size);
      if (entries.peek(key)?.session === session) entries.delete(key);
    },
    release(session, spec, size) {
      const key = keyOf(spec, size);
      const entry = entries.peek(key);
      if (entry?.session !== session) return;
      entries.delete(key);
      void destroy(entry);
    },
    clear: () => entries.clear(),
  };
}
