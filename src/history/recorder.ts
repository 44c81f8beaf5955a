/**
 * The recorder: takes every task the gateway sees (watchers, full listings, gets), and writes
 * what changed to the history store, off the request path. `observe` only queues (a few
 * hundred nanoseconds a task); a drain loop dedupes, decides transitions and writes batches,
 * one at a time. The queue is bounded: when the store is slower than the backends, the
 * oldest observations are dropped and counted (a later observation of the same task still
 * records its state).
 */
import { LRUCache } from 'lru-cache';
import type { TaskModel } from '../model/task.js';
import { fingerprint } from '../subscriptions/events.js';
import { recordOf, transitionOf, progressStep, type LastRecorded } from './rows.js';
import type { GoneRecord, HistoryStore, TaskRecord } from './store.js';

export interface RecorderOptions {
  store: Pick<HistoryStore, 'write'>;
  /** See history.progressGranularity. */
  progressGranularity: number;
  /** Observations queued at most (default 50,000); beyond, the oldest are dropped. */
  maxQueued?: number;
  /** Observations per write (default 500). */
  batchSize?: number;
  /** Tasks whose last recorded state is remembered, to skip unchanged observations (default 100,000). */
  maxRemembered?: number;
  now?: () => number;
  /** After each committed write (the SIGKILL test's acknowledgements). */
  onWritten?: (records: readonly TaskRecord[], gone: readonly GoneRecord[]) => void;
  /** A write failed; its records are forgotten as recorded, so a later observation retries them. */
  onError?: (error: unknown) => void;
}

export interface RecorderStats {
  queued: number;
  /** Tasks written (new or changed). */
  recorded: number;
  transitions: number;
  /** Observations dropped because the queue was full. */
  dropped: number;
  /** Writes that failed. */
  failedWrites: number;
}

export interface Recorder {
  /** Queues tasks as seen now. Never throws, never waits. */
  observe(tasks: readonly TaskModel[]): void;
  /** Queues tasks the backend answered "not found" for. */
  gone(backend: string, nativeIds: readonly string[]): void;
  /** Resolves when everything queued before the call is written (or failed). */
  flush(): Promise<void>;
  stats(): RecorderStats;
  /** Writes what is queued, then stops. */
  close(): Promise<void>;
}

/**
 * What, when unchanged, is not written again: what subscribers see change (events.ts), plus
 * what history stores and filters on besides.
 */
function recordedPrint(task: TaskModel): string {
  return `${fingerprint(task)}|${task.tenant}|${task.operation}|${task.lastUpdatedAt?.getTime() ?? ''}|${task.expiresAt?.getTime() ?? ''}|${task.entitiesAffected.length}`;
}

interface Observation {
  task: TaskModel;
  observedAt: number;
}

interface Remembered extends LastRecorded {
  print: string;
}

export function createRecorder(options: RecorderOptions): Recorder {
  const now = options.now ?? Date.now;
  const maxQueued = options.maxQueued ?? 50_000;
  const batchSize = options.batchSize ?? 500;
  const granularity = options.progressGranularity;
  const last = new LRUCache<string, Remembered>({ max: options.maxRemembered ?? 100_000 });
  let queue: Observation[] = [];
  let head = 0;
  let goneQueue: GoneRecord[] = [];
  let draining: Promise<void> | null = null;
  let closed = false;
  const stats: RecorderStats = { queued: 0, recorded: 0, transitions: 0, dropped: 0, failedWrites: 0 };

  const pending = () => queue.length - head;

  function push(observation: Observation): void {
    if (pending() >= maxQueued) {
      head++;
      stats.dropped++;
    }
    queue.push(observation);
    // Compact now and then, so the array does not grow with everything ever queued.
    if (head > 4096 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  }

  function schedule(): void {
    if (!draining && !closed) draining = new Promise<void>((resolve) => setImmediate(resolve)).then(drain);
  }

  function take(): { records: TaskRecord[]; keys: string[]; gone: GoneRecord[] } {
    const records: TaskRecord[] = [];
    const keys: string[] = [];
    const end = Math.min(queue.length, head + batchSize);
    const visit = (task: TaskModel, observedAt: number) => {
      for (const sub of task.embeddedSubtasks ?? []) visit(sub, observedAt);
      const key = `${task.backend}\u0000${task.nativeId}`;
      const print = recordedPrint(task);
      const before = last.get(key);
      if (before?.print === print) return;
      const transition = transitionOf(task, before, granularity, observedAt);
      last.set(key, { print, status: task.status, step: progressStep(task.progress, granularity) });
      records.push(recordOf(task, observedAt, transition));
      keys.push(key);
    };
    for (let i = head; i < end; i++) visit(queue[i]!.task, queue[i]!.observedAt);
    head = end;
    if (head === queue.length) {
      queue = [];
      head = 0;
    }
    const gone = goneQueue;
    goneQueue = [];
    return { records, keys, gone };
  }

  async function drain(): Promise<void> {
    try {
      while (pending() > 0 || goneQueue.length > 0) {
        const { records, keys, gone } = take();
        if (!records.length && !gone.length) continue;
        try {
          await options.store.write(records, gone);
          stats.recorded += records.length;
          stats.transitions += records.reduce((n, r) => n + (r.transition ? 1 : 0), 0);
          options.onWritten?.(records, gone);
        } catch (err) {
          stats.failedWrites++;
          for (const key of keys) last.delete(key);
          options.onError?.(err);
        }
        // Yield between batches: live requests share this thread.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      draining = null;
    }
  }

  return {
    observe(tasks) {
      if (closed || !tasks.length) return;
      const observedAt = now();
      for (const task of tasks) push({ task, observedAt });
      schedule();
    },
    gone(backend, nativeIds) {
      if (closed || !nativeIds.length) return;
      const observedAt = now();
      for (const nativeId of nativeIds) {
        last.delete(`${backend}\u0000${nativeId}`);
        if (goneQueue.length < maxQueued) goneQueue.push({ backend, nativeId, observedAt });
        else stats.dropped++;
      }
      schedule();
    },
    async flush() {
      while (draining || pending() > 0 || goneQueue.length > 0) {
        if (!draining) schedule();
        await draining;
      }
    },
    stats: () => ({ ...stats, queued: pending() }),
    async close() {
      await this.flush();
      closed = true;
    },
  };
}
