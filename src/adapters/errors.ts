/**
 * One base error with flat subclasses carrying a machine `code` (after got's errors.ts).
 * Messages name the backend and the operation, never a credential or a full upstream URL
 * with userinfo.
 */

/**
 * The most characters of backend-derived text kept: a BackendError's message (and so every
 * GraphQL error, partial error and log line made of it), `Backend.lastError` and `/readyz`.
 * A backend answering 500 with an 8 MB message costs every caller a few hundred bytes.
 */
export const MAX_BACKEND_TEXT = 1000;
/** The most characters of a vendor's own error code. */
const MAX_VENDOR_CODE = 100;

/** `text` cut to `max` characters, saying how much was left out. */
export function capBackendText(text: string, max = MAX_BACKEND_TEXT): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

export type BackendErrorCode =
  | 'BACKEND_UNAVAILABLE'
  | 'BACKEND_TIMEOUT'
  | 'BACKEND_AUTH_FAILED'
  | 'BACKEND_BAD_RESPONSE'
  | 'BACKEND_ERROR'
  | 'NOT_FOUND'
  | 'NOT_CANCELABLE'
  | 'ALREADY_FINISHED'
  | 'UNSUPPORTED'
  | 'BAD_USER_INPUT';

export class BackendError extends Error {
  readonly code: BackendErrorCode;
  readonly backend: string;
  /** Upstream HTTP status, when there was one. */
  readonly status: number | undefined;
  /** The vendor's own error code (Prism AppMessage code, vCD minorErrorCode, vim fault type). */
  readonly vendorCode: string | undefined;

  constructor(
    code: BackendErrorCode,
    backend: string,
    message: string,
    options: { status?: number; vendorCode?: string; cause?: unknown } = {},
  ) {
    super(capBackendText(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BackendError';
    this.code = code;
    this.backend = backend;
    this.status = options.status;
    this.vendorCode = options.vendorCode === undefined ? undefined : capBackendText(options.vendorCode, MAX_VENDOR_CODE);
  }
}

/** Wire payload did not have the expected shape; only this backend's part of an answer fails. */
export function badResponse(backend: string, what: string, cause?: unknown): BackendError {
  return new BackendError('BACKEND_BAD_RESPONSE', backend, `${backend}: malformed response: ${what}`, { cause });
}

export function isBackendError(value: unknown): value is BackendError {
  return value instanceof BackendError;
}
