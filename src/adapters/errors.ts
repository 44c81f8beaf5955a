/**
 * One base error with flat subclasses carrying a machine `code` (after got's errors.ts).
 * Messages name the backend and the operation, never a credential or a full upstream URL
 * with userinfo.
 */

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
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BackendError';
    this.code = code;
    this.backend = backend;
    this.status = options.status;
    this.vendorCode = options.vendorCode;
  }
}

/** Wire payload did not have the expected shape; only this backend's part of an answer fails. */
export function badResponse(backend: string, what: string, cause?: unknown): BackendError {
  return new BackendError('BACKEND_BAD_RESPONSE', backend, `${backend}: malformed response: ${what}`, { cause });
}

export function isBackendError(value: unknown): value is BackendError {
  return value instanceof BackendError;
}
