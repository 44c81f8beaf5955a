/**
 * One watcher per backend, shared by every subscriber: it finds what changed and publishes
 * events, so backend load does not grow with the number of subscribers.
 *
 * Push where the adapter has it (vim25 WaitForUpdatesEx); elsewhere an incremental poll:
 * the non-terminal tasks, the tasks created since the last poll, and a batched get of tasks
 * that left the non-terminal set (their final state). The interval adapts: fast while
 * tasks run, slow when idle; the hub stops the watcher when nobody is subscribed.
 */
import type { CallContext, TaskAdapter, WatchHandle } from '../adapters/contract.js';
import type { TaskFilter } from '../model/filter.js';
import { isTerminal, type TaskModel, type TaskStatus } from '../model/task.js';
import { classify, fingerprint, type TaskEvent } from './events.js';
import { activeTracing, type WatcherPollSummary } from '../telemetry/tracing.js';

export interface WatcherOptions {
  adapter: TaskAdapter;
  publish: (event: TaskEvent) => void;
  /** Poll interval while tracked tasks are running. */
  fastMs: number;
  /** Poll interval when nothing runs. */
  idleMs: number;
  /** Most non-terminal tasks tracked per backend. */
  maxTracked?: number;
  onError?: (error: unknown) => void;
  now?: () => number;
  /**
   * Where the last published state of each task lives beyond this process (Redis, with
   * several replicas). A watcher that takes over from a dead replica diffs against it
   * instead of starting from a silent baseline, so transitions in the gap are not lost.
   */
  store?: WatchStateStore;
}

/** Last published fingerprint per task, shared by the replicas that may watch a backend. */
export interface WatchStateStore {
  /** The stored state, or null when no watcher has run yet. */
  load(): Promise<Map<string, { fingerprint: string; active: boolean }> | null>;
  save(changes: Array<{ nativeId: string; fingerprint: string; active: boolean }>): Promise<void>;
  forget(nativeIds: string[]): Promise<void>;
}

export type WatcherState =
  | { phase: 'stopped' }
  | { phase: 'polling'; timer: NodeJS.Timeout | null; inFlight: Promise<void> | null }
  | { phase: 'pushing'; handle: WatchHandle | null; connecting: Promise<void> | null; retry: NodeJS.Timeout | null };

export interface Watcher {
  readonly backend: string;
  state(): WatcherState['phase'];
  /** Upstream poll cycles completed. */
  polls(): number;
  start(): void;
  stop(): Promise<void>;
  /** Runs one poll now (tests and first subscription). */
  pollNow(): Promise<void>;
}

/** Statuses a task can still leave. UNKNOWN is left out: it cannot be pushed down as a filter. */
const ACTIVE: TaskStatus[] = ['QUEUED', 'PENDING', 'RUNNING', 'BLOCKED', 'CANCELING', 'SUSPENDED'];
/** Clock skew allowed between taskgraph and the backend when asking for "created since". */
const SKEW_MS = 5_000;

export function createWatcher(options: WatcherOptions): Watcher {
  const { adapter } = options;
  const now = options.now ?? Date.now;
  const maxTracked = options.maxTracked ?? 2000;
  let call: CallContext = { requestId: `watch-${adapter.name}` };
  const known = new Map<string, string>();
  const active = new Set<string>();
  let state: WatcherState = { phase: 'stopped' };
  let startedAt = 0;
  let lastPollAt = 0;
  let pollCount = 0;
  let baseline = true;
  /** True until the first poll after start(): then stored state is resumed. */
  let fresh = true;

  const dirty: Array<{ nativeId: string; fingerprint: string; active: boolean }> = [];

  function observe(task: TaskModel): void {
    const previous = known.get(task.nativeId);
    const type = classify(previous, task);
    const print = fingerprint(task);
    known.set(task.nativeId, print);
    if (isTerminal(task.status)) active.delete(task.nativeId);
    else active.add(task.nativeId);
    if (previous !== print) dirty.push({ nativeId: task.nativeId, fingerprint: print, active: !isTerminal(task.status) });
    if (!type || baseline) return;
    // A task first seen already finished before we started watching is history, not news.
    if (previous === undefined && type === 'COMPLETED' && (task.completedAt?.getTime() ?? 0) < startedAt - SKEW_MS) return;
    options.publish({ type, task });
  }

  async function listAll(filter: TaskFilter, cap: number): Promise<TaskModel[]> {
    const out: TaskModel[] = [];
    let after;
    while (out.length < cap) {
      const page = await adapter.listTasks({ filter, direction: 'DESC', limit: Math.min(500, cap - out.length), after }, call);
      out.push(...page.tasks);
      const last = page.tasks[page.tasks.length - 1];
      if (!page.hasMore || !last) break;
      after = { time: (last.createdAt ?? last.startedAt)?.getTime() ?? 0, nativeId: last.nativeId };
    }
    return out;
  }

  /** Takes over the state a previous watcher (maybe on another replica) left behind. */
  async function resume(): Promise<void> {
    const stored = await options.store?.load();
    if (!stored) return;
    for (const [id, entry] of stored) {
      known.set(id, entry.fingerprint);
      if (entry.active) active.add(id);
    }
    baseline = false;
  }

  async function flush(): Promise<void> {
    if (!options.store || dirty.length === 0) return;
    await options.store.save(dirty.splice(0));
  }

  /** One poll cycle; in a span of its own when tracing is on. */
  async function poll(): Promise<void> {
    const tracing = activeTracing();
    if (tracing) await tracing.traceWatcherPoll(adapter.name, state.phase, pollOnce);
    else await pollOnce();
  }

  async function pollOnce(): Promise<WatcherPollSummary> {
    if (fresh) {
      fresh = false;
      await resume();
    }
    const cycleStart = now();
    call = { requestId: call.requestId, request: Symbol('poll') };
    const since = new Date((lastPollAt || cycleStart) - SKEW_MS);
    const [running, recent] = await Promise.all([
      listAll({ statuses: ACTIVE }, maxTracked),
      baseline ? Promise.resolve([]) : listAll({ createdAfter: since }, 500),
    ]);
    const seen = new Map<string, TaskModel>();
    for (const t of [...running, ...recent]) seen.set(t.nativeId, t);
    const left = [...active].filter((id) => !seen.has(id));
    if (left.length) {
      const cap = Math.max(1, adapter.capabilities.maxBatchSize);
      for (let i = 0; i < left.length; i += cap) {
        const ids = left.slice(i, i + cap);
        const got = await adapter.getTasks(ids, call);
        got.forEach((t, j) => {
          if (t && !(t instanceof Error)) seen.set(t.nativeId, t);
          else if (t === null) {
            active.delete(ids[j]!); // expired or deleted upstream
            known.delete(ids[j]!);
            void options.store?.forget([ids[j]!]);
          }
        });
      }
    }
    for (const task of seen.values()) observe(task);
    await flush();
    // Forget finished tasks that can no longer reappear in a "created since" window.
    if (known.size > maxTracked * 2) {
      const old = [...known.keys()].filter((id) => !active.has(id) && !seen.has(id));
      for (const id of old) known.delete(id);
      await options.store?.forget(old);
    }
    baseline = false;
    lastPollAt = cycleStart;
    pollCount++;
    return { tasksSeen: seen.size, tracked: active.size };
  }

  function schedule(elapsedMs = 0): void {
    if (state.phase !== 'polling') return;
    const interval = active.size > 0 ? options.fastMs : options.idleMs;
    // Start to start: the time a poll (and its fan-out) took counts toward the interval, so a
    // change waits at most one interval; never less than a fifth of it, so a slow backend
    // is not polled back to back.
    const delay = Math.max(interval - elapsedMs, interval / 5);
    state.timer = setTimeout(() => void run(), delay);
    state.timer.unref?.();
  }

  async function run(): Promise<void> {
    if (state.phase !== 'polling' || state.inFlight) return;
    const current = state;
    current.timer = null;
    const started = performance.now();
    current.inFlight = poll()
      .catch((err: unknown) => options.onError?.(err))
      .finally(() => {
        current.inFlight = null;
      });
    await current.inFlight;
    schedule(performance.now() - started);
  }

  /**
   * Push mode: a poll first (the baseline, or after an outage the catch-up of what changed
   * meanwhile), then the backend's change stream. When the stream cannot be opened (the
   * backend is down), it is retried with backoff, polling at each attempt, so subscribers
   * still get changes and the watcher recovers when the backend is back.
   */
  async function connectPush(current: Extract<WatcherState, { phase: 'pushing' }>, attempt: number): Promise<void> {
    try {
      await poll();
    } catch (err) {
      options.onError?.(err);
    }
    baseline = false;
    if (state !== current) return;
    try {
      const handle = await adapter.watch!(
        (change) => {
          observe(change.task);
          void flush().catch((err: unknown) => options.onError?.(err));
        },
        (err) => options.onError?.(err),
      );
      if (state !== current) {
        await handle.close();
        return;
      }
      current.handle = handle;
      // A stream starts from the backend's state when it opens, without reporting it (vim's
      // first WaitForUpdatesEx primes). One more poll catches what changed while it opened.
      await poll().catch((err: unknown) => options.onError?.(err));
    } catch (err) {
      options.onError?.(err);
      if (state !== current) return;
      const delay = Math.min(30_000, options.fastMs * 2 ** attempt);
      current.retry = setTimeout(() => {
        current.retry = null;
        current.connecting = connectPush(current, attempt + 1);
      }, delay);
      current.retry.unref?.();
    }
  }

  return {
    backend: adapter.name,
    state: () => state.phase,
    polls: () => pollCount,
    start() {
      if (state.phase !== 'stopped') return;
      startedAt = now();
      baseline = true;
      fresh = true;
      if (adapter.watch) {
        const pushing: WatcherState = { phase: 'pushing', handle: null, connecting: null, retry: null };
        state = pushing;
        pushing.connecting = connectPush(pushing, 0);
        return;
      }
      state = { phase: 'polling', timer: null, inFlight: null };
      void run();
    },
    async stop() {
      const current = state;
      state = { phase: 'stopped' };
      if (current.phase === 'polling') {
        if (current.timer) clearTimeout(current.timer);
        await current.inFlight;
      } else if (current.phase === 'pushing') {
        if (current.retry) clearTimeout(current.retry);
        await current.connecting;
        await current.handle?.close();
      }
      known.clear();
      active.clear();
      dirty.length = 0;
      lastPollAt = 0;
    },
    async pollNow() {
      if (state.phase === 'polling' && state.inFlight) await state.inFlight;
      await poll();
    },
  };
}
