/**
 * vSphere Automation REST (vAPI) payloads for `com.vmware.cis.tasks`, narrowed from `unknown`.
 *
 * Sources (see ../shared/reference/wire-formats.md §2.2):
 * - Cis Task Info / CommonInfo, Tasks FilterSpec and GetSpec, Vapi Std Errors Error (+ Type enum):
 *   https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/cis/tasks/task/get and
 *   .../api/cis/tasks__action=list/post (DOC).
 * - A Broadcom test fixture reproducing vCenter 8.0.3 task replies (vmware/vmware-config-modules @
 *   beee98eb, config_modules_vmware/tests/controllers/esxi/utils/test_cluster_config_utils.py):
 *   `parent: ""` for a root task, `operation: "check_compliance$task"`, an undocumented
 *   `last_update_time`, service-specific `notifications`, and maps encoded as `[{key, value}]`
 *   (localization `params`, result maps). We accept both that encoding and plain JSON objects.
 *
 * Parsing is tolerant: extra fields are ignored, optional parts may be missing or null, and a
 * wrong-typed optional field reads as absent. Only a payload that is not the expected kind at all
 * (not an object, not a map of objects) throws, as BACKEND_BAD_RESPONSE in the caller.
 */
import { jsonText } from '../json-text.js';

/** `com.vmware.vapi.std.LocalizableMessage`. */
export interface WireMessage {
  id: string | null;
  defaultMessage: string | null;
  args: string[];
  /** Named parameters (`params`), rendered to text. */
  params: Record<string, string>;
  localized: string | null;
}

/** `com.vmware.vapi.std.errors.*` as the /api endpoint serializes it (`error_type` discriminator). */
export interface WireVapiError {
  /** `NOT_FOUND`, `UNAUTHENTICATED`, ... (also derived from the /rest form `type: com.vmware.vapi.std.errors.not_found`). */
  errorType: string | null;
  messages: WireMessage[];
}

/** One entry of a service's `notifications` (vLCM tasks report their errors there). */
export interface WireNotification {
  id: string | null;
  message: WireMessage | null;
}

export interface WireTaskInfo {
  service: string | null;
  operation: string | null;
  status: string | null;
  description: WireMessage | null;
  /** Parent task id; an empty string on the wire means none. */
  parent: string | null;
  /** `com.vmware.vapi.std.DynamicID`; unset when there are no targets or several. */
  target: { type: string | null; id: string } | null;
  cancelable: boolean;
  user: string | null;
  startTime: string | null;
  endTime: string | null;
  /** Not in the documented Info, seen in vCenter 8 replies. */
  lastUpdateTime: string | null;
  progress: { total: number | null; completed: number | null; message: WireMessage | null } | null;
  /** The documented `error` (an std error), or a bare string as some SDKs type it. */
  error: WireVapiError | string | null;
  /** Present (possibly partial) results; `undefined` when the field is absent or null. */
  result: unknown;
  notifications: { errors: WireNotification[]; warnings: WireNotification[] } | null;
}

/** Thrown for payloads that are not the expected kind at all; the client turns it into BACKEND_BAD_RESPONSE. */
export class WireShapeError extends Error {}

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function num(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}

/** Entries of a vAPI map, whether a JSON object or the `[{key, value}]` list encoding. */
export function mapEntries(value: unknown): Array<[string, unknown]> {
  if (Array.isArray(value)) {
    return value.flatMap((e) => (isObj(e) && typeof e.key === 'string' ? [[e.key, e.value] as [string, unknown]] : []));
  }
  return isObj(value) ? Object.entries(value) : [];
}

/** `com.vmware.vapi.std.LocalizationParam`: string, date-time, long, double or a nested message. */
function paramText(value: unknown): string | null {
  if (!isObj(value)) return str(value) ?? (typeof value === 'number' ? String(value) : null);
  const nested = isObj(value.l) ? str(value.l.id) : null;
  const scalar = value.s ?? value.dt ?? value.i ?? value.d;
  if (typeof scalar === 'string' || typeof scalar === 'number') return String(scalar);
  return nested;
}

export function parseMessage(value: unknown): WireMessage | null {
  if (typeof value === 'string') return { id: null, defaultMessage: value, args: [], params: {}, localized: null };
  if (!isObj(value)) return null;
  const params: Record<string, string> = {};
  for (const [key, raw] of mapEntries(value.params)) {
    const text = paramText(raw);
    if (text !== null) params[key] = text;
  }
  const args = Array.isArray(value.args) ? value.args.map((a) => (typeof a === 'string' ? a : jsonText(a))) : [];
  return { id: str(value.id), defaultMessage: str(value.default_message), args, params, localized: str(value.localized) };
}

/** `com.vmware.vapi.std.errors.not_found` -> `NOT_FOUND` (the /rest `type` form, or `@class`). */
function errorTypeFromRestType(type: string): string {
  const last = type.slice(type.lastIndexOf('.') + 1);
  return last.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/**
 * An std error, in the /api form `{error_type, messages, data}` or the deprecated /rest form
 * `{type, value: {messages}}` (UNCONFIRMED exact shape; accepted for tolerance). Null when the
 * value carries neither an error type nor messages.
 */
export function parseVapiError(value: unknown): WireVapiError | null {
  if (!isObj(value)) return null;
  const body = isObj(value.value) && value.error_type === undefined ? value.value : value;
  // vCenter 8 also names the class (`"@class": "com.vmware.vapi.std.errors.internal_server_error"`).
  const restType = str(value.type) ?? str(value['@class']);
  const type = str(value.error_type) ?? (restType ? errorTypeFromRestType(restType) : null);
  const messages = Array.isArray(body.messages) ? body.messages.flatMap((m) => parseMessage(m) ?? []) : [];
  if (type === null && messages.length === 0) return null;
  return { errorType: type, messages };
}

function parseNotifications(value: unknown): WireTaskInfo['notifications'] {
  if (!isObj(value)) return null;
  const list = (raw: unknown): WireNotification[] =>
    Array.isArray(raw) ? raw.flatMap((n) => (isObj(n) ? [{ id: str(n.id), message: parseMessage(n.message) }] : [])) : [];
  return { errors: list(value.errors), warnings: list(value.warnings) };
}

/** Narrows one `Cis Task Info`. Throws WireShapeError only when it is not an object. */
export function parseTaskInfo(value: unknown): WireTaskInfo {
  if (!isObj(value)) throw new WireShapeError('task info is not an object');
  const target = isObj(value.target) && typeof value.target.id === 'string' ? { type: str(value.target.type), id: value.target.id } : null;
  const progress = isObj(value.progress)
    ? { total: num(value.progress.total), completed: num(value.progress.completed), message: parseMessage(value.progress.message) }
    : null;
  const parent = str(value.parent);
  return {
    service: str(value.service),
    operation: str(value.operation),
    status: str(value.status),
    description: parseMessage(value.description),
    parent: parent === '' ? null : parent,
    target,
    cancelable: value.cancelable === true,
    user: str(value.user),
    startTime: str(value.start_time),
    endTime: str(value.end_time),
    lastUpdateTime: str(value.last_update_time),
    progress,
    error: typeof value.error === 'string' && value.error !== '' ? value.error : parseVapiError(value.error),
    result: value.result ?? undefined,
    notifications: parseNotifications(value.notifications),
  };
}

/**
 * The `action=list` reply: a map from task id to Info. Accepts a JSON object, the
 * `[{key, value}]` list encoding, and the /rest `{value: ...}` wrapper.
 */
export function parseTaskMap(value: unknown): Map<string, WireTaskInfo> {
  // Task ids are never the bare word "value", so a lone `value` key is the /rest wrapper.
  const wrapped = isObj(value) && Object.keys(value).length === 1 && (isObj(value.value) || Array.isArray(value.value));
  const unwrapped = wrapped ? (value as Obj).value : value;
  if (!isObj(unwrapped) && !Array.isArray(unwrapped)) throw new WireShapeError('task list is not a map');
  const out = new Map<string, WireTaskInfo>();
  for (const [id, info] of mapEntries(unwrapped)) out.set(id, parseTaskInfo(info));
  return out;
}

/** The `POST /api/session` reply: a JSON string (the session id); the /rest form wraps it in `{value}`. */
export function parseSessionId(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new WireShapeError('session reply is not JSON');
  }
  const id = typeof body === 'string' ? body : isObj(body) ? str(body.value) : null;
  if (!id) throw new WireShapeError('session reply holds no session id');
  return id;
}
