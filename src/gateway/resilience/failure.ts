/**
 * The one definition of "the backend itself failed", used by the circuit breaker and by the
 * health that `/readyz` and `Query.backends` show (which follows the breaker).
 *
 * A failure is a BackendError that is not an answer: the backend could not be reached, did not
 * answer in time, answered 5xx or refused us (BACKEND_UNAVAILABLE, BACKEND_TIMEOUT,
 * BACKEND_ERROR, BACKEND_AUTH_FAILED), or answered something that could not be read
 * (BACKEND_BAD_RESPONSE: adapters raise it where they read a payload, with `badResponse()`).
 *
 * Never a failure:
 * - answers: NOT_FOUND, BAD_USER_INPUT, UNSUPPORTED, NOT_CANCELABLE, ALREADY_FINISHED;
 * - a call its caller abandoned (the guard releases it: it says nothing either way);
 * - anything that is not a BackendError: an exception of the gateway's own code for one
 *   request (a RangeError from a client-given value, a TypeError of a bug). Counting those
 *   would let one client with a forged cursor open the circuit for everyone (issue 25).
 */
import { BackendError, type BackendErrorCode } from '../../adapters/errors.js';

const ANSWERS: ReadonlySet<BackendErrorCode> = new Set(['NOT_FOUND', 'BAD_USER_INPUT', 'UNSUPPORTED', 'NOT_CANCELABLE', 'ALREADY_FINISHED']);

/** The backend answered: the caller asked for something it cannot have. A success for the circuit. */
export function isAnswer(err: unknown): err is BackendError {
  return err instanceof BackendError && ANSWERS.has(err.code);
}

/** The backend itself failed this call (see the module comment). */
export function isBackendFailure(err: unknown): err is BackendError {
  return err instanceof BackendError && !ANSWERS.has(err.code);
}
