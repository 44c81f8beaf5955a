/**
 * What stands between the gateway and one backend: a deadline budget per call, a circuit
 * breaker, and retries of idempotent reads. Mutations go through the same deadline and
 * circuit but are never retried: a cancel that timed out may have been applied, and only
 * the caller can decide to send it again.
 */
import { setMaxListeners } from 'node:events';
import type { CallContext } from '../../adapters/contract.js';
import { BackendError } from '../../adapters/errors.js';
import { observeTransport, type CallObservations } from '../../adapters/http.js';
import { createCircuitBreaker, type BreakerSettings, type CircuitBreaker, type CircuitState } from './breaker.js';
import { pause, startDeadline } from './deadline.js';
import { isTransient, retryDelay, type RetryPolicy } from './retry.js';

/** Per-backend settings (config `timeoutMs`, `retry`, `circuit`). */
export interface ResilienceSettings {
  /** Budget of one gateway call to this backend, retries and backoff included. */
  timeoutMs: number;
  retry: RetryPolicy & { budgetMs?: number };
  circuit: BreakerSettings;
}

export const DEFAULT_RESILIENCE: ResilienceSettings = {
  timeoutMs: 10_000,
  retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 2_000 },
  circuit: { failureThreshold: 5, openMs: 30_000 },
};

export interface GuardOptions {
  backend: string;
  settings: ResilienceSettings;
  /** Wall clock of the breaker (tests pass a manual one). */
  now?: () => number;
  random?: () => number;
  onCircuitTransition?: (state: CircuitState) => void;
}

export interface BackendGuard {
  readonly breaker: CircuitBreaker;
  /** An idempotent read: within the budget, refused at once while the circuit is open, transient failures retried. */
  read<T>(operation: string, ctx: CallContext, call: (ctx: CallContext) => Promise<T>): Promise<T>;
  /** A mutation: within the budget and refused while open, but sent at most once. */
  write<T>(operation: string, ctx: CallContext, call: (ctx: CallContext) => Promise<T>): Promise<T>;
}

/** Failures that say nothing about the backend's health: it answered, the caller asked for something bad. */
function isAnswer(err: unknown): boolean {
  return (
    err instanceof BackendError &&
    (err.code === 'NOT_FOUND' || err.code === 'BAD_USER_INPUT' || err.code === 'UNSUPPORTED' || err.code === 'NOT_CANCELABLE' || err.code === 'ALREADY_FINISHED')
  );
}

/**
 * A batched get whose every item failed transiently (each id was its own upstream request,
 * and each one got a 503) is a failed call: thrown, so it is retried and counted by the
 * circuit. Partial failures stay per-id Error values (the DataLoader contract).
 */
export function throwIfEveryItemFailed<T>(results: Array<T | null | Error>): Array<T | null | Error> {
  const first = results[0];
  if (first instanceof Error && results.every((r) => r instanceof Error && isTransient(r))) throw first;
  return results;
}

/** Resolves after the I/O callbacks already due (an aborted request's rejection) have run. */
function afterPendingIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function createGuard(options: GuardOptions): BackendGuard {
  const { backend, settings } = options;
  const random = options.random ?? Math.random;
  const budgetMs = settings.retry.budgetMs ?? settings.timeoutMs;
  const breaker = createCircuitBreaker({ ...settings.circuit, now: options.now, onTransition: options.onCircuitTransition });

  function refused(operation: string): BackendError {
    const s = breaker.snapshot();
    const until = s.retryAt ? `; next probe at ${s.retryAt.toISOString()}` : '; a probe is in flight';
    return new BackendError(
      'BACKEND_UNAVAILABLE',
      backend,
      `${backend}: ${operation} not sent: circuit open after ${s.consecutiveFailures} consecutive failures${until}`,
    );
  }

  /**
   * Whatever else an adapter throws (a RangeError from a payload nested too deep for it, a
   * TypeError from a shape it did not expect) is this backend's unreadable answer: a typed
   * error naming it, not an "Unexpected error." for the whole query.
   */
  function asBackendError(operation: string, err: unknown): unknown {
    if (err instanceof BackendError) return err;
    const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return new BackendError('BACKEND_BAD_RESPONSE', backend, `${backend}: ${operation}: the answer could not be read (${why.slice(0, 200)})`, { cause: err });
  }

  function timedOut(operation: string, cause: unknown): BackendError {
    return new BackendError('BACKEND_TIMEOUT', backend, `${backend}: ${operation}: no answer within the ${budgetMs} ms budget`, { cause });
  }

  async function run<T>(operation: string, ctx: CallContext, call: (ctx: CallContext) => Promise<T>, retries: boolean): Promise<T> {
    const permit = breaker.tryAcquire();
    if (!permit) throw refused(operation);
    const deadline = startDeadline(budgetMs, ctx.signal);
    // One call may hold many concurrent upstream requests (batched gets), each listening.
    setMaxListeners(0, deadline.signal);
    const scoped: CallContext = { ...ctx, signal: deadline.signal };
    const notes: CallObservations = {};
    observeTransport(notes, deadline.signal);
    try {
      for (let attempt = 1; ; attempt++) {
        notes.retryAfterMs = undefined;
        let error: unknown;
        try {
          const pending = call(scoped);
          pending.catch(() => undefined); // settles after the race when the deadline won
          // An adapter that ignores its signal (a shared login in flight) cannot hold the caller
          // past the budget. One that honours it settles first (and its failure is recorded).
          const result = await Promise.race([pending, deadline.aborted.then(afterPendingIo).then(() => Promise.reject(deadline.signal.reason))]);
          permit.succeeded();
          return result;
        } catch (err) {
          error = err;
        }
        if (ctx.signal?.aborted) {
          permit.released();
          throw error;
        }
        if (deadline.expired()) {
          permit.failed();
          throw timedOut(operation, error);
        }
        error = asBackendError(operation, error);
        if (isAnswer(error)) {
          permit.succeeded();
          throw error;
        }
        const delay = retries && !breaker.isOpen()
          ? retryDelay(settings.retry, { attempt, error, retryAfterMs: notes.retryAfterMs, remainingMs: deadline.remaining(), random: random() })
          : null;
        if (delay === null) {
          permit.failed();
          throw error;
        }
        await pause(delay, deadline.signal);
        if (deadline.signal.aborted) {
          if (ctx.signal?.aborted) permit.released();
          else permit.failed();
          throw deadline.expired() ? timedOut(operation, error) : error;
        }
      }
    } finally {
      deadline.dispose();
    }
  }

  return {
    breaker,
    read: (operation, ctx, call) => run(operation, ctx, call, true),
    write: (operation, ctx, call) => run(operation, ctx, call, false),
  };
}
