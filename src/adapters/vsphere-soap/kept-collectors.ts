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
  /** Stops the idle timers (on close: logging out destroys the session's collectors). */
  clear(): void;
}

interface Entry {
  session: VimSession;
  collector: Promise<MoRef>;
  timer?: NodeJS.Timeout;
}

export function keptCollectors(client: VimClient, options: KeptCollectorOptions = {}): KeptCollectors {
  const idleMs = options.idleMs ?? 60_000;
  const max = options.max ?? 4;
  /** In order of use, the least recent first. */
  const entries = new Map<string, Entry>();
  const keyOf = (spec: string, size: number) => `${size}\n${spec}`;

  /** Best effort: a collector that outlives this lives until its session ends. */
  function destroy(session: VimSession, collector: MoRef): Promise<unknown> {
    if (session.lost) return Promise.resolve();
    return client.call(session, 'DestroyCollector', collector, [], { requestId: 'taskgraph-collector-idle' }, { timeoutMs: 10_000 }).catch(() => undefined);
  }

  function drop(key: string, entry: Entry, destroyIt: boolean): void {
    if (entries.get(key) !== entry) return;
    entries.delete(key);
    clearTimeout(entry.timer);
    if (destroyIt) entry.collector.then((collector) => destroy(entry.session, collector), () => undefined);
  }

  async function create(session: VimSession, spec: string, size: number, ctx: CallContext): Promise<MoRef> {
    const res = await client.call(session, 'CreateCollectorForTasks', session.content.taskManager, [spec], ctx);
    const collector = readRef(returnvals(res)[0]);
    if (!collector) throw badResponse(client.backend, 'CreateCollectorForTasks: no collector returned');
    try {
      await client.call(session, 'SetCollectorPageSize', collector, [el('maxCount', size)], ctx);
    } catch (err) {
      await destroy(session, collector);
      throw err;
    }
    return collector;
  }

  return {
    get(session, spec, size, ctx) {
      const key = keyOf(spec, size);
      let entry = entries.get(key);
      if (entry && entry.session !== session) {
        drop(key, entry, false);
        entry = undefined;
      }
      if (entry) {
        entries.delete(key);
        entries.set(key, entry);
      } else {
        // Shared by whoever asks meanwhile: one caller giving up must not fail it for the others.
        const created: Entry = { session, collector: create(session, spec, size, { requestId: ctx.requestId }) };
        created.collector.catch(() => drop(key, created, false));
        entries.set(key, created);
        entry = created;
        for (const [oldKey, old] of entries) {
          if (entries.size <= max) break;
          drop(oldKey, old, true);
        }
      }
      const used = entry;
      clearTimeout(used.timer);
      used.timer = setTimeout(() => drop(key, used, true), idleMs);
      used.timer.unref();
      return used.collector;
    },
    forget(session, spec, size) {
      const key = keyOf(spec, size);
      const entry = entries.get(key);
      if (entry?.session === session) drop(key, entry, false);
    },
    release(session, spec, size) {
      const key = keyOf(spec, size);
      const entry = entries.get(key);
      if (entry?.session === session) drop(key, entry, true);
    },
    clear() {
      for (const entry of entries.values()) clearTimeout(entry.timer);
      entries.clear();
    },
  };
}
