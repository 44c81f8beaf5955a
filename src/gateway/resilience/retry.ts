/**
 * The retry policy for idempotent reads, as one small pure function (after got's
 * calculate-retry-delay.ts): given the attempt that just failed, why it failed and how much
 * of the call's time budget is left, the delay before the next attempt, or null to stop.
 *
 * Retried: connection failures, resets and timeouts (BACKEND_UNAVAILABLE, BACKEND_TIMEOUT)
 * and the statuses that say "try again later" (429, 502, 503, 504). Never retried: auth
 * failures, malformed answers, other 4xx/5xx, caller errors. A `Retry-After` (429/503) is
 * honoured exactly: never sooner, and not at all when it lies beyond the budget.
 * Otherwise the delay is exponential with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): uniform in [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))).
 */
import { BackendError } from '../../adapters/errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included: 1 means never retry. */
  attempts: number;
  /** Cap of the first backoff; doubles per attempt. */
  baseDelayMs: number;
  /** Largest backoff between two attempts. */
  maxDelayMs: number;
}

export interface RetryInput {
  /** 1-based number of the attempt that just failed. */
  attempt: number;
  error: unknown;
  /** The backend's Retry-After of that attempt, in ms, when it sent one. */
  retryAfterMs?: number;
  /** Time left in the call's budget. */
  remainingMs: number;
  /** A number in [0, 1): the jitter (Math.random in production, fixed in tests). */
  random: number;
}

/** HTTP statuses that ask the client to come back later. */
const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);

/** Whether a failure is worth another attempt of the same read. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof BackendError)) return false;
  if (error.status !== undefined && TRANSIENT_STATUSES.has(error.status)) return true;
  // Statusless unavailability is a refused, reset or timed-out connection.
  return error.status === undefined && (error.code === 'BACKEND_UNAVAILABLE' || error.code === 'BACKEND_TIMEOUT');
}

/** The delay before attempt `input.attempt + 1`, or null when the read should fail now. */
export function retryDelay(policy: RetryPolicy, input: RetryInput): number | null {
  if (input.attempt >= policy.attempts || !isTransient(input.error)) return null;
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
