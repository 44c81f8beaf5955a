/**
 * Push: a PropertyFilter over `TaskManager.recentTask` -> `Task.info` and a `WaitForUpdatesEx`
 * loop with version tokens (reference §2.1, "Watching tasks").
 *
 * Like govmomi's `property.WaitForUpdates` (property/wait.go), the filter lives on a collector
 * of its own (`CreatePropertyCollector`), so a long wait never blocks other calls and
 * destroying it removes its filters. The first answer (version "") is the current state: it
 * primes the known tasks without being reported. After that, `enter` and `modify` are reported
 * when the mapped task differs from the last one seen (vcsim repeats identical modifies);
 * `leave` (a task dropping out of recentTask) only forgets it. A lost session re-creates the
 * collector and reports what changed meanwhile; other failures go to `onError` with backoff.
 */
import type { TaskChange, WatchHandle } from '../contract.js';
import { badResponse } from '../errors.js';
import type { TaskModel } from '../../model/task.js';
import type { VimClient, VimSession } from './client.js';
import { isFault, isSessionLoss } from './faults.js';
import { toTaskModel } from './map.js';
import { el, node, readRef, returnvals, type MoRef } from './soap.js';
import { narrow, recentTaskObjectSet, taskInfosById } from './task-info.js';
import { readTaskInfo, readUpdateSet, type ObjectUpdate, type TaskInfo } from './wire.js';

export interface WatchOptions {
  /** `WaitOptions.maxWaitSeconds` of each wait. */
  maxWaitSeconds: number;
  /** Base HTTP timeout, added to the wait. */
  timeoutMs: number;
  backoffMs?: { initial: number; max: number };
}

interface Collector {
  session: VimSession;
  pc: MoRef;
  filter: MoRef;
  version: string;
}

let watchSeq = 0;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

function fingerprint(task: TaskModel): string {
  return JSON.stringify(task);
}

export async function startWatch(
  client: VimClient,
  onChange: (change: TaskChange) => void,
  onError: (error: Error) => void,
  options: WatchOptions,
): Promise<WatchHandle> {
  const backend = client.backend;
  const id = ++watchSeq;
  const abort = new AbortController();
  let calls = 0;
  const ctx = () => ({ requestId: `taskgraph-watch-${id}-${++calls}`, signal: abort.signal });
  const known = new Map<string, string>();
  let primed = false;
  let current: Collector | null = null;

  function report(info: TaskInfo): void {
    const task = toTaskModel(backend, info);
    const print = fingerprint(task);
    if (known.get(task.nativeId) === print) return;
    known.set(task.nativeId, print);
    if (!primed) return;
    try {
      onChange({ task });
    } catch (err) {
      onError(err as Error);
    }
  }

  async function deliver(collector: Collector, updates: ObjectUpdate[]): Promise<void> {
    const refetch: string[] = [];
    for (const update of updates) {
      if (update.obj.type !== 'Task') continue;
      if (update.kind === 'leave') {
        known.delete(update.obj.value);
        continue;
      }
      const whole = update.changes.find((c) => c.name === 'info' && c.val);
      if (whole?.val) report(narrow(backend, 'WaitForUpdatesEx', () => readTaskInfo(whole.val!)));
      else if (update.changes.some((c) => c.name.startsWith('info')) || update.kind === 'enter') refetch.push(update.obj.value);
    }
    if (refetch.length) {
      const infos = await taskInfosById(client, collector.session, refetch, ctx());
      for (const info of infos.values()) if (info && !(info instanceof Error)) report(info);
    }
  }

  async function setup(): Promise<Collector> {
    const session = await client.session(ctx());
    const created = await client.call(session, 'CreatePropertyCollector', session.content.propertyCollector, [], ctx());
    const pc = readRef(returnvals(created)[0]);
    if (!pc) throw badResponse(backend, 'CreatePropertyCollector: no collector returned');
    const spec = node('spec', [node('propSet', [el('type', 'Task'), el('pathSet', 'info')]), recentTaskObjectSet(session.content.taskManager)]);
    const res = await client.call(session, 'CreateFilter', pc, [spec, el('partialUpdates', false)], ctx());
    const filter = readRef(returnvals(res)[0]);
    if (!filter) throw badResponse(backend, 'CreateFilter: no filter returned');
    return { session, pc, filter, version: '' };
  }

  /** One WaitForUpdatesEx; the first (version "") returns the current state at once. */
  async function waitOnce(collector: Collector): Promise<void> {
    const initial = collector.version === '';
    const wait = initial ? 0 : options.maxWaitSeconds;
    const res = await client.call(
      collector.session,
      'WaitForUpdatesEx',
      collector.pc,
      [el('version', collector.version), node('options', [el('maxWaitSeconds', wait)])],
      ctx(),
      { timeoutMs: wait * 1000 + options.timeoutMs },
    );
    const set = narrow(backend, 'WaitForUpdatesEx', () => readUpdateSet(returnvals(res)[0]));
    if (set) {
      collector.version = set.version;
      await deliver(collector, set.updates);
    }
    if (initial) primed = true;
  }

  async function destroy(collector: Collector | null): Promise<void> {
    if (!collector || collector.session.lost) return;
    const quiet = { requestId: `taskgraph-watch-${id}-close` };
    await client.call(collector.session, 'DestroyPropertyFilter', collector.filter, [], quiet, { timeoutMs: 5000 }).catch(() => undefined);
    await client.call(collector.session, 'DestroyPropertyCollector', collector.pc, [], quiet, { timeoutMs: 5000 }).catch(() => undefined);
  }

  // The first collector and snapshot are made before watch() resolves: later changes are reported.
  current = await setup();
  await waitOnce(current).catch(async (err: unknown) => {
    await destroy(current);
    throw err;
  });

  const backoff = options.backoffMs ?? { initial: 500, max: 30_000 };
  const loop = (async () => {
    let failures = 0;
    let renewed = false;
    while (!abort.signal.aborted) {
      try {
        current ??= await setup();
        await waitOnce(current);
        failures = 0;
        renewed = false;
      } catch (err) {
        if (abort.signal.aborted) break;
        // A lost session or a vanished collector is renewed at once, but only once in a row.
        if (!renewed && (isSessionLoss(err) || isFault(err, 'ManagedObjectNotFound'))) {
          if (current && isSessionLoss(err)) client.invalidate(current.session);
          current = null;
          renewed = true;
          continue;
        }
        if (current && isSessionLoss(err)) client.invalidate(current.session);
        onError(err as Error);
        await destroy(current);
        current = null;
        renewed = false;
        await sleep(Math.min(backoff.max, backoff.initial * 2 ** failures++), abort.signal);
      }
    }
  })();

  return {
    async close() {
      if (abort.signal.aborted) return;
      abort.abort();
      await loop;
      await destroy(current);
      current = null;
    },
  };
}
