/**
 * What stands between the gateway and one backend, for every call (a list, a batched get, a
 * mutation): a time budget (cockatiel's timeout), a bound on concurrent calls (cockatiel's
 * bulkhead) and a circuit breaker (breaker.ts). Retries are the transport's (got's, reads
 * only): the guard registers the call's budget and retry policy on the call's signal
 * (adapters/retry.ts), so every upstream request of the call retries within what is left of it.
 */
import { setMaxListeners } from 'node:events';
import { BulkheadRejectedError, bulkhead, TaskCancelledError, timeout, TimeoutStrategy } from 'cockatiel';
import type { CallContext } from '../../adapters/contract.js';
import { BackendError } from '../../adapters/errors.js';
import { setCallBudget, type RetryPolicy } from '../../adapters/retry.js';
import { createCircuitBreaker, type BreakerSettings, type CircuitBreaker, type CircuitState, type Permit } from './breaker.js';
import { isAnswer, isBackendFailure } from './failure.js';

/** Bound on concurrent calls to one backend (config `bulkhead`). */
export interface BulkheadSettings {
  /** Calls in flight at once; more wait in line. */
  maxConcurrent: number;
  /** Calls waiting for a slot; past that a call is refused at once. */
  maxQueued: number;
}

/** Per-backend settings (config `timeoutMs`, `retry`, `circuit`, `bulkhead`). */
export interface ResilienceSettings {
  /** Budget of one gateway call to this backend, retries and backoff included. */
  timeoutMs: number;
  retry: RetryPolicy & { budgetMs?: number };
  circuit: BreakerSettings;
  bulkhead?: BulkheadSettings;
}

export const DEFAULT_BULKHEAD: BulkheadSettings = { maxConcurrent: 64, maxQueued: 1000 };

export const DEFAULT_RESILIENCE: ResilienceSettings = {
  timeoutMs: 10_000,
  retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 2_000 },
  circuit: { failureThreshold: 5, openMs: 30_000 },
  bulkhead: DEFAULT_BULKHEAD,
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
  /** An idempotent read: within the budget and the bulkhead, refused at once while the circuit is open; its upstream reads are retried. */
  read<T>(operation: string, ctx: CallContext, call: (ctx: CallContext) => Promise<T>): Promise<T>;
  /** A mutation: the same, but no upstream request of it that changes anything is ever sent twice. */
  write<T>(operation: string, ctx: CallContext, call: (ctx: CallContext) => Promise<T>): Promise<T>;
}

/**
 * A batched get whose every item failed because of the backend (each id was its own upstream
 * request, and each one got a 503) is a failed call: thrown, so the circuit counts it.
 * Partial failures stay per-id Error values (the DataLoader contract).
 */
export function throwIfEveryItemFailed<T>(results: Array<T | null | Error>): Array<T | null | Error> {
  const first = results[0];
  if (first instanceof Error && results.every(isBackendFailure)) throw first;
  return results;
}

export function createGuard(options: GuardOptions): BackendGuard {
  const { backend, settings } = options;
  const random = options.random ?? Math.random;
  const budgetMs = settings.retry.budgetMs ?? settings.timeoutMs;
  const breaker = createCircuitBreaker({ ...settings.circuit, now: options.now, onTransition: options.onCircuitTransition });
  // Aggressive: a call that ignores its signal (a shared login in flight) cannot hold its
  // caller past the budget; its outcome is still recorded by the adapter's instrumentation.
  // Not aborted on return: work a call starts for later calls of its request (vCD's
  // prefetched GETs) goes on under its signal until the budget ends.
  const budget = timeout(budgetMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
  const limits = settings.bulkhead ?? DEFAULT_BULKHEAD;
  const slots = bulkhead(limits.maxConcurrent, limits.maxQueued);

  function refused(operation: string): BackendError {
    const s = breaker.snapshot();
    const until = s.retryAt ? `; next probe at ${s.retryAt.toISOString()}` : '; a probe is in flight';
    return new BackendError(
      'BACKEND_UNAVAILABLE',
      backend,
      `${backend}: ${operation} not sent: circuit open after ${s.consecutiveFailures} consecutive failures${until}`,
    );
  }

  function full(operation: string): BackendError {
    return new BackendError(
      'BACKEND_UNAVAILABLE',
      backend,
      `${backend}: ${operation} not sent: ${limits.maxConcurrent} calls in flight and ${limits.maxQueued} waiting (raise backends.${backend}.bulkhead to allow more)`,
    );
  }

  function timedOut(operation: string, sent: boolean): BackendError {
    const why = sent ? `no answer within the ${budgetMs} ms budget` : `no free slot within the ${budgetMs} ms budget (bulkhead: ${limits.maxConcurrent} in flight)`;
    return new BackendError('BACKEND_TIMEOUT', backend, `${backend}: ${operation}: ${why}`);
  }

  async function run<T>(operation: string, ctx: CallContext, call: (ctx: CallContext) => Promise<T>): Promise<T> {
    const deadline = performance.now() + budgetMs;
    let permit: Permit | null = null;
    try {
      return await budget.execute(
        ({ signal }) =>
          slots.execute(async () => {
            permit = breaker.tryAcquire();
            if (!permit) throw refused(operation);
            // One call may hold many concurrent upstream requests (batched gets), each listening.
            setMaxListeners(0, signal);
            setCallBudget(signal, { deadline, retry: settings.retry, random, scope: ctx.scope });
            const result = await call({ ...ctx, signal });
            permit.succeeded();
            return result;
          }, signal),
        ctx.signal,
      );
    } catch (err) {
      const sent = permit as Permit | null; // set in the bulkhead's callback, out of TypeScript's sight
      if (ctx.signal?.aborted) {
        sent?.released(); // the caller gave up: says nothing about the backend
        throw err;
      }
      if (err instanceof TaskCancelledError) {
        sent?.failed();
        throw timedOut(operation, sent !== null);
      }
      if (err instanceof BulkheadRejectedError) throw full(operation);
      if (isBackendFailure(err)) sent?.failed();
      else if (isAnswer(err)) sent?.succeeded();
      else sent?.released(); // the gateway's own exception (a bug, a client-given value): not the backend's
      throw err;
    }
  }

  return {
    breaker,
    read: run,
    // Reads and writes differ below the guard: the transport retries GETs and requests marked
    // idempotent only, so a mutation is sent at most once.
    write: run,
  };
}
