/**
 * history.pollIdleBackends: a backend nobody subscribes to has no watcher, so only queries
 * would feed its history. This polls such backends at the configured interval with the same
 * incremental poll as a watcher (running tasks, tasks created since, the final state of those
 * that finished), and skips a backend while the subscription hub's own watcher runs for it,
 * so a watched backend costs no extra upstream calls. What the polls return reaches the
 * recorder through the backends' task observer, like every other listing.
 */
import type { BackendSet } from '../gateway/backends.js';
import type { SubscriptionHub } from '../subscriptions/hub.js';
import { createWatcher, type Watcher } from '../subscriptions/watcher.js';

export interface IdlePollerOptions {
  backends: BackendSet;
  hub: Pick<SubscriptionHub, 'stats'>;
  intervalMs: number;
  /** Tasks listed once per backend at start, so what the backend still retains is recorded (default 500). */
  backfill?: number;
  onError?: (backend: string, error: unknown) => void;
}

export interface IdlePoller {
  /** Polls every backend not watched now (tests; the timer calls it too). */
  pollNow(): Promise<void>;
  /** Upstream poll cycles run, per backend. */
  polls(): Map<string, number>;
  stop(): Promise<void>;
}

export function startIdlePoller(options: IdlePollerOptions): IdlePoller {
  const backfill = options.backfill ?? 500;
  const entries = options.backends.all().map((b) => ({
    name: b.adapter.name,
    adapter: b.adapter,
    filled: false,
    polls: 0,
    watcher: createWatcher({
      adapter: b.adapter,
      publish: () => {},
      fastMs: options.intervalMs,
      idleMs: options.intervalMs,
      onError: (err) => options.onError?.(b.adapter.name, err),
    }) as Watcher,
  }));
  let running: Promise<void> | null = null;
  let stopped = false;

  async function pollOne(entry: (typeof entries)[number]): Promise<void> {
    const watched = options.hub.stats().watchers.some((w) => w.backend === entry.name && w.phase !== 'stopped');
    if (watched) return;
    try {
      if (!entry.filled) {
        await entry.adapter.listTasks({ filter: {}, direction: 'DESC', limit: backfill }, { requestId: `history-backfill-${entry.name}`, request: Symbol('backfill') });
        entry.filled = true;
      }
      await entry.watcher.pollNow();
      entry.polls++;
    } catch (err) {
      options.onError?.(entry.name, err);
    }
  }

  function pollNow(): Promise<void> {
    running ??= Promise.all(entries.map(pollOne)).then(() => {
      running = null;
    });
    return running;
  }

  const timer = setInterval(() => {
    if (!stopped) void pollNow();
  }, options.intervalMs);
  timer.unref();
  const first = setTimeout(() => void pollNow(), 0);
  first.unref();

  return {
    pollNow,
    polls: () => new Map(entries.map((e) => [e.name, e.polls])),
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(first);
      await running;
      await Promise.all(entries.map((e) => e.watcher.stop()));
    },
  };
}
