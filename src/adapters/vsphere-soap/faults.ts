/**
 * vim faults as BackendErrors: the fault type becomes `vendorCode`, the server's localized
 * message (faultstring) goes into the message; nothing else of the response does.
 */
import { BackendError, type BackendErrorCode } from '../errors.js';
import { child, childText } from '../xml.js';
import type { SoapFault } from './soap.js';

/** A SOAP fault from vim, with the parsed fault kept for callers that read its fields. */
export class VimFaultError extends BackendError {
  readonly fault: SoapFault;

  constructor(code: BackendErrorCode, backend: string, message: string, fault: SoapFault, status: number | undefined) {
    super(code, backend, message, { status, vendorCode: fault.type });
    this.fault = fault;
  }
}

/** Fault types meaning "this server does not have that method" (vcsim: MethodNotFound; ESXi: NotSupported). */
const UNSUPPORTED = new Set(['MethodNotFound', 'NotImplemented', 'NotSupported']);

function codeFor(type: string): BackendErrorCode {
  switch (type) {
    case 'InvalidLogin':
    case 'NotAuthenticated':
    case 'NoPermission':
    case 'InvalidLocale':
      return 'BACKEND_AUTH_FAILED';
    case 'ManagedObjectNotFound':
      return 'NOT_FOUND';
    case 'InvalidArgument':
    case 'InvalidProperty':
      return 'BAD_USER_INPUT';
    default:
      return UNSUPPORTED.has(type) ? 'UNSUPPORTED' : 'BACKEND_ERROR';
  }
}

/** Builds the error for a fault answered to `operation`. */
export function faultError(backend: string, operation: string, fault: SoapFault, status?: number): VimFaultError {
  let text = fault.message ? `${fault.type}: ${fault.message}` : fault.type;
  if (fault.type === 'NoPermission' || fault.type === 'NotAuthenticated') {
    const privilege = childText(fault.detail, 'privilegeId');
    if (privilege && fault.type === 'NoPermission') text += ` (the account lacks privilege ${privilege})`;
  }
  if (fault.type === 'InvalidLogin') text += ' (check username and password)';
  return new VimFaultError(codeFor(fault.type), backend, `${backend}: ${operation} failed: ${text}`, fault, status);
}

export function isFault(err: unknown, ...types: string[]): err is VimFaultError {
  return err instanceof VimFaultError && types.includes(err.fault.type);
}

/** The session is gone (expired, terminated, logged out elsewhere): log in again and retry. */
export function isSessionLoss(err: unknown): err is VimFaultError {
  return isFault(err, 'NotAuthenticated');
}

/** The server has no such method; the caller degrades. */
export function isUnsupported(err: unknown): err is VimFaultError {
  return err instanceof VimFaultError && UNSUPPORTED.has(err.fault.type);
}

/** The object named in a ManagedObjectNotFound fault (`<obj type="Task">task-9</obj>`). */
export function missingObject(err: VimFaultError): string | undefined {
  return child(err.fault.detail, 'obj')?.text.trim() || undefined;
}
