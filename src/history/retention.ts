/**
 * Retention, enforced in the background: tasks created more than retentionDays ago are
 * deleted, then the oldest beyond maxRows (their transitions and entities go with them).
 */
import type { AvailableStore } from './available-store.js';

export interface RetentionOptions {
  store: Pick<AvailableStore, 'retain' | 'size'>;
  retentionDays: number;
  maxRows: number;
  /** How often (default every 10 minutes, and once a minute after start). */
  everyMs?: number;
  now?: () => number;
  onRun?: (result: { deleted: number; size: number }) => void;
  onError?: (error: unknown) => void;
}

export interface RetentionJob {
  runNow(): Promise<{ deleted: number; size: number }>;
  stop(): Promise<void>;
}

export function startRetention(options: RetentionOptions): RetentionJob {
  const now = options.now ?? Date.now;
  const everyMs = options.everyMs ?? 600_000;
  let running: Promise<{ deleted: number; size: number }> | null = null;

  function runNow() {
    running ??= (async () => {
      try {
        const { deleted } = await options.store.retain({ olderThan: now() - options.retentionDays * 86_400_000, maxRows: options.maxRows });
        const size = await options.store.size();
        const result = { deleted, size };
        options.onRun?.(result);
        return result;
      } finally {
        running = null;
      }
    })();
    return running;
  }
  const tick = () => void runNow().catch((err: unknown) => options.onError?.(err));
  const first = setTimeout(tick, Math.min(60_000, everyMs));
  const timer = setInterval(tick, everyMs);
  first.unref();
  timer.unref();
  return {
    runNow,
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
