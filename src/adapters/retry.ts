/**
 * What the transport needs to know about the gateway call a request belongs to: how long the
 * call may still take and how it retries. The guard (gateway/resilience/guard.ts) opens a call
 * with a budget and a signal of its own, and registers both here; adapters hand that signal to
 * every request they make for the call, so the transport finds the budget by the signal.
 * (Not AsyncLocalStorage: once used, it hooks every promise of the process, which a
 * subscription fan-out pays for: docs/performance.md.) A request outside any guarded call (a
 * logout, a watch) is not retried, as it never was.
 *
 * got does the retrying (which methods, statuses and connection errors, and the waiting);
 * `retryDelay` is the delay it waits, as one small pure function after got's own
 * calculate-retry-delay.ts.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included: 1 means never retry. */
  attempts: number;
  /** Cap of the first backoff; doubles per attempt. */
  baseDelayMs: number;
  /** Largest backoff between two attempts. */
  maxDelayMs: number;
}

/** One gateway call to one backend, as its requests see it. */
export interface CallBudget {
  /** `performance.now()` at which the call's budget runs out. */
  readonly deadline: number;
  readonly retry: RetryPolicy;
  /** A number in [0, 1) for the jitter (Math.random in production, fixed in tests). */
  random(): number;
  /** The sharing key of the caller's scope (CallContext.scope): GETs are shared within it only. */
  readonly scope?: string;
}

const budgets = new WeakMap<AbortSignal, CallBudget>();

/** Makes `budget` apply to every transport request made with `signal` (the guard's call signal). */
export function setCallBudget(signal: AbortSignal, budget: CallBudget): void {
  budgets.set(signal, budget);
}

/** The budget of the call `signal` belongs to, if any. */
export function callBudgetOf(signal: AbortSignal | undefined): CallBudget | undefined {
  return signal && budgets.get(signal);
}

/** HTTP statuses that ask the client to come back later (RFC 9110 §15.5.30, §15.6.3-5). */
export const RETRIED_STATUSES = [429, 502, 503, 504];

/**
 * Connection failures worth another attempt: refused, reset, broken, timed out (got's
 * TimeoutError carries ETIMEDOUT). Certificate and DNS failures are not among them.
 */
export const RETRIED_ERROR_CODES = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'];

export interface RetryInput {
  /** 1-based number of the attempt that just failed. */
  attempt: number;
  /** The backend's Retry-After of that attempt, in ms, when it sent one. */
  retryAfterMs?: number;
  /** Time left in the call's budget. */
  remainingMs: number;
  /** A number in [0, 1): the jitter. */
  random: number;
}

/**
 * The delay before attempt `input.attempt + 1` of a request got found worth retrying, or null
 * to answer with the failure now. A `Retry-After` is honoured exactly: never sooner, and not
 * at all when it lies beyond the budget. Otherwise exponential backoff with full jitter (AWS
 * architecture blog, "Exponential Backoff And Jitter"): uniform in
 * [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))).
 */
export function retryDelay(policy: RetryPolicy, input: RetryInput): number | null {
  if (input.attempt >= policy.attempts) return null;
  let delay: number;
  if (input.retryAfterMs !== undefined) {
    delay = Math.max(0, input.retryAfterMs);
  } else {
    const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (input.attempt - 1));
    delay = Math.floor(Math.min(Math.max(input.random, 0), 0.999_999) * cap);
  }
  // The next attempt needs time of its own: waiting up to the deadline only to be cut off is
  // worse than answering with the error now.
  return delay < input.remainingMs ? delay : null;
}

