/**
 * A deadline budget for one gateway call to one backend: every upstream request, retry and
 * backoff of that call shares it, and the call's signal aborts when it runs out (or when the
 * caller's own signal aborts). Dispose it when the call is over: the timer and the listener
 * on the caller's signal go with it, so long-lived caller signals collect nothing.
 */

export interface Deadline {
  /** Aborts at the deadline or with the caller's signal. */
  readonly signal: AbortSignal;
  /** Milliseconds left, never negative. */
  remaining(): number;
  /** True once the budget ran out (not when the caller aborted). */
  expired(): boolean;
  /** Settles (never rejects) when the signal aborts; for racing a call that ignores its signal. */
  readonly aborted: Promise<void>;
  dispose(): void;
}

export class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}

export function startDeadline(budgetMs: number, parent?: AbortSignal, now: () => number = () => performance.now()): Deadline {
  const controller = new AbortController();
  const end = now() + budgetMs;
  let expired = false;
  let onAborted: () => void = () => {};
  const aborted = new Promise<void>((resolve) => (onAborted = resolve));
  controller.signal.addEventListener('abort', () => onAborted(), { once: true });

  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new DeadlineExceeded(`no answer within ${budgetMs} ms`));
  }, budgetMs);
  timer.unref?.();
  const fromParent = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', fromParent, { once: true });

  return {
    signal: controller.signal,
    remaining: () => Math.max(0, end - now()),
    expired: () => expired,
    aborted,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', fromParent);
    },
  };
}

/** Waits `ms`, or less when `signal` aborts first (it never rejects). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
