/**
 * The subscription hub: registers subscribers per backend, starts a backend's watcher when
 * its first subscriber comes (through the lease manager, so with several replicas only one
 * polls), stops it when the last one leaves, and fans events out to matching subscribers.
 */
import { matchesFilter, type TaskFilter } from '../model/filter.js';
import { isTerminal, type TaskModel } from '../model/task.js';
import type { BackendSet } from '../gateway/backends.js';
import { createLocalBus, createLocalLeases, type EventBus, type LeaseManager } from './bus.js';
import type { TaskEvent } from './events.js';
import { createEventQueue, type EventQueue } from './queue.js';
import { createWatcher, type Watcher, type WatchStateStore } from './watcher.js';

export interface HubOptions {
  backends: BackendSet;
  bus?: EventBus;
  leases?: LeaseManager;
  /** Poll interval while tasks run (default 1000 ms). */
  pollFastMs?: number;
  /** Poll interval when idle (default 5000 ms). */
  pollIdleMs?: number;
  /** Per-subscriber pending events before the subscription is ended (default 1000). */
  maxPending?: number;
  onError?: (backend: string, error: unknown) => void;
  /** Shared watch state per backend (Redis), so a takeover does not miss transitions. */
  storeFor?: (backend: string) => WatchStateStore;
}

interface Subscriber {
  /** The event as this subscriber may see it, or null when it does not match or is out of its scope. */
  accept(event: TaskEvent): TaskEvent | null;
  queue: EventQueue<unknown>;
  /** The one task it watches (taskUpdated); such subscribers are indexed by it. */
  taskId?: string;
}

/**
 * What a subscriber's principal may see of a task (src/security/access.ts `view`): the task,
 * trimmed of what is out of scope, or null. Watchers are shared by every principal, so every
 * event is checked per subscriber.
 */
export type TaskView = (task: TaskModel) => TaskModel | null;

interface BackendEntry {
  subscribers: Set<Subscriber>;
  /** Subscribers of one task, by its native id: an event visits only its own (10,000 subscribers, 100 per task: 100 visits, not 10,000). */
  byTask: Map<string, Set<Subscriber>>;
  /** Subscribers of a filter (taskEvents): every event visits them. */
  broad: Set<Subscriber>;
  watcher: Watcher;
  release: (() => Promise<void>) | null;
}

export interface HubStats {
  subscribers: number;
  watchers: Array<{ backend: string; phase: string; polls: number; subscribers: number }>;
}

export interface SubscriptionHub {
  /**
   * The task's current state, then its changes; ends after a terminal state. Registers
   * before loading, so no change between the load and the first event is lost.
   * Resolves null when the task does not exist.
   */
  watchTask<T>(
    ref: { backend: string; nativeId: string },
    load: () => Promise<TaskModel | null>,
    render: (task: TaskModel) => T,
    signal?: AbortSignal,
    view?: TaskView,
  ): Promise<AsyncIterableIterator<T> | null>;
  /** Events of tasks matching each backend's filter (and visible through `view`). */
  watchEvents<T>(scope: Map<string, TaskFilter>, render: (event: TaskEvent) => T, signal?: AbortSignal, view?: TaskView): AsyncIterableIterator<T>;
  stats(): HubStats;
  close(): Promise<void>;
}

export function createHub(options: HubOptions): SubscriptionHub {
  const bus = options.bus ?? createLocalBus();
  const leases = options.leases ?? createLocalLeases();
  const maxPending = options.maxPending ?? 1000;
  const entries = new Map<string, BackendEntry>();

  function entryFor(name: string): BackendEntry | undefined {
    let entry = entries.get(name);
    if (entry) return entry;
    const backend = options.backends.get(name);
    if (!backend) return undefined;
    entry = {
      subscribers: new Set(),
      byTask: new Map(),
      broad: new Set(),
      release: null,
      watcher: createWatcher({
        adapter: backend.adapter,
        publish: (event) => bus.publish(name, event),
        fastMs: options.pollFastMs ?? 1000,
        idleMs: options.pollIdleMs ?? 5000,
        onError: (err) => options.onError?.(name, err),
        store: options.storeFor?.(name),
      }),
    };
    entries.set(name, entry);
    return entry;
  }

  const unsubscribeBus = bus.subscribe((backend, event) => {
    const entry = entries.get(backend);
    if (!entry) return;
    const deliver = (sub: Subscriber) => {
      const seen = sub.accept(event);
      if (seen) sub.queue.push(seen);
    };
    const own = entry.byTask.get(event.task.nativeId);
    if (own) for (const sub of own) deliver(sub);
    for (const sub of entry.broad) deliver(sub);
  });

  function add(names: string[], sub: Subscriber): void {
    for (const name of names) {
      const entry = entryFor(name);
      if (!entry) continue;
      entry.subscribers.add(sub);
      if (sub.taskId === undefined) entry.broad.add(sub);
      else {
        const own = entry.byTask.get(sub.taskId);
        if (own) own.add(sub);
        else entry.byTask.set(sub.taskId, new Set([sub]));
      }
      if (entry.subscribers.size === 1 && !entry.release) {
        const watcher = entry.watcher;
        entry.release = leases.hold(name, () => watcher.start(), () => void watcher.stop());
      }
    }
  }

  function remove(names: string[], sub: Subscriber): void {
    for (const name of names) {
      const entry = entries.get(name);
      if (!entry?.subscribers.delete(sub)) continue;
      entry.broad.delete(sub);
      const own = sub.taskId === undefined ? undefined : entry.byTask.get(sub.taskId);
      if (own?.delete(sub) && own.size === 0) entry.byTask.delete(sub.taskId!);
      if (entry.subscribers.size > 0) continue;
      const release = entry.release;
      entry.release = null;
      void release?.();
      void entry.watcher.stop();
    }
  }

  function register<T>(
    names: string[],
    matches: (e: TaskEvent) => boolean,
    render: (e: TaskEvent) => T,
    signal: AbortSignal | undefined,
    endAfterTerminal: boolean,
    view: TaskView | undefined,
    taskId?: string,
  ): EventQueue<T> {
    const sub: Subscriber = {
      taskId,
      accept: (event) => {
        if (!matches(event)) return null;
        if (!view) return event;
        const task = view(event.task);
        return task ? (task === event.task ? event : { ...event, task }) : null;
      },
      queue: null as unknown as EventQueue<unknown>,
    };
    const onAbort = () => void queue.return!();
    const queue = createEventQueue<T>({
      maxPending,
      render,
      endAfterTerminal,
      onClose: () => {
        // A finished subscription must not stay reachable from a long-lived connection's signal.
        signal?.removeEventListener('abort', onAbort);
        remove(names, sub);
      },
    });
    sub.queue = queue as EventQueue<unknown>;
    // A socket that closed while the subscription was still being set up (graphql-ws #532)
    // must not leave a registration behind.
    if (signal?.aborted) {
      queue.end();
      return queue;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    add(names, sub);
    return queue;
  }

  return {
    async watchTask(ref, load, render, signal, view) {
      const same = (e: TaskEvent) => e.task.nativeId === ref.nativeId;
      const queue = register([ref.backend], same, (e) => render(e.task), signal, true, view, ref.nativeId);
      let task: TaskModel | null;
      try {
        task = await load();
      } catch (err) {
        void queue.return!();
        throw err;
      }
      if (!task) {
        void queue.return!();
        return null;
      }
      // An event that arrived while loading is at least as new as what we loaded.
      if (queue.pending === 0) queue.push({ type: 'UPDATED', task });
      if (isTerminal(task.status)) queue.end();
      return queue;
    },
    watchEvents(scope, render, signal, view) {
      return register([...scope.keys()], (e) => {
        const filter = scope.get(e.task.backend);
        return filter !== undefined && matchesFilter(e.task, filter);
      }, render, signal, false, view);
    },
    stats() {
      const watchers = [...entries.values()].map((e) => ({
        backend: e.watcher.backend,
        phase: e.watcher.state(),
        polls: e.watcher.polls(),
        subscribers: e.subscribers.size,
      }));
      const all = new Set<Subscriber>();
      for (const e of entries.values()) for (const s of e.subscribers) all.add(s);
      return { subscribers: all.size, watchers };
    },
    async close() {
      unsubscribeBus();
      for (const entry of entries.values()) {
        for (const sub of entry.subscribers) sub.queue.end();
        await entry.release?.();
        await entry.watcher.stop();
      }
      entries.clear();
      await leases.close();
      await bus.close();
    },
  };
}
