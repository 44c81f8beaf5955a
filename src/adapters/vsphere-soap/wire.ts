/**
 * vim25 payload types, narrowed from parsed XML. Field names and order follow govmomi
 * `vim25/types/types.go` (TaskInfo, RetrieveResult, UpdateSet ...). Parsing is tolerant:
 * unknown elements are ignored, optional ones may be missing, one-vs-many never matters,
 * and `xsi:type` is read whatever its prefix. Only a TaskInfo without a `key` is refused.
 */
import { parseTime } from '../../model/time.js';
import { child, children, childText, type XmlElement } from '../xml.js';
import { readRef, stripPrefix, type MoRef } from './soap.js';

/** The payload did not have a shape we can use. */
export class WireError extends Error {
  override name = 'WireError';
}

/** `LocalizableMessage{key, arg[], message}`. */
export interface LocalizableMessage {
  key: string;
  message: string | null;
  args: Array<{ key: string; value: string | null }>;
}

/** `LocalizedMethodFault{fault (xsi:type), localizedMessage}`. */
export interface LocalizedFault {
  /** The fault's `xsi:type`, e.g. `InvalidPowerState`, `RequestCanceled`. */
  type: string;
  localizedMessage: string | null;
}

/** `TaskReason` subtypes (TaskReasonUser/System/Alarm/Schedule), kept by kind. */
export type TaskReason =
  | { kind: 'user'; userName: string | null }
  | { kind: 'system' }
  | { kind: 'alarm'; alarmName: string | null; alarm: MoRef | null; entityName: string | null; entity: MoRef | null }
  | { kind: 'schedule'; name: string | null; scheduledTask: MoRef | null }
  | { kind: 'other'; type: string };

/** `vim.TaskInfo`, every field (reference §2.1 table). `state` stays a string: unknown values survive. */
export interface TaskInfo {
  key: string;
  task: MoRef | null;
  description: LocalizableMessage | null;
  name: string | null;
  descriptionId: string | null;
  entity: MoRef | null;
  entityName: string | null;
  locked: MoRef[];
  state: string;
  cancelled: boolean;
  cancelable: boolean;
  error: LocalizedFault | null;
  /** The `result` anyType rendered as text (a MoRef as `type:value`), null when unset. */
  result: string | null;
  progress: number | null;
  reason: TaskReason | null;
  queueTime: Date | null;
  startTime: Date | null;
  completeTime: Date | null;
  eventChainId: number | null;
  changeTag: string | null;
  parentTaskKey: string | null;
  rootTaskKey: string | null;
  activationId: string | null;
}

export function xsiType(element: XmlElement | undefined): string | null {
  const type = element?.attrs['xsi:type'];
  return type ? stripPrefix(type) : null;
}

function int(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

function bool(text: string | undefined): boolean {
  return text === 'true' || text === '1';
}

function refOrNull(element: XmlElement | undefined): MoRef | null {
  return readRef(element) ?? null;
}

function localizable(element: XmlElement | undefined): LocalizableMessage | null {
  if (!element) return null;
  const key = childText(element, 'key') ?? '';
  const message = childText(element, 'message') ?? null;
  if (!key && !message) return null;
  const args = children(element, 'arg').map((a) => ({ key: childText(a, 'key') ?? '', value: renderAny(child(a, 'value')) }));
  return { key, message, args };
}

/** `LocalizedMethodFault`: the inner fault's xsi:type and the localized message. */
export function readLocalizedFault(element: XmlElement | undefined): LocalizedFault | null {
  if (!element) return null;
  const fault = child(element, 'fault');
  return {
    type: xsiType(fault) ?? fault?.name ?? 'MethodFault',
    localizedMessage: childText(element, 'localizedMessage') ?? null,
  };
}

function reason(element: XmlElement | undefined): TaskReason | null {
  if (!element) return null;
  const type = xsiType(element);
  switch (type) {
    case 'TaskReasonUser':
      return { kind: 'user', userName: childText(element, 'userName') ?? null };
    case 'TaskReasonSystem':
      return { kind: 'system' };
    case 'TaskReasonAlarm':
      return {
        kind: 'alarm',
        alarmName: childText(element, 'alarmName') ?? null,
        alarm: refOrNull(child(element, 'alarm')),
        entityName: childText(element, 'entityName') ?? null,
        entity: refOrNull(child(element, 'entity')),
      };
    case 'TaskReasonSchedule':
      return { kind: 'schedule', name: childText(element, 'name') ?? null, scheduledTask: refOrNull(child(element, 'scheduledTask')) };
    default:
      // No xsi:type: guess from the fields, as some serializers omit it.
      if (child(element, 'userName')) return { kind: 'user', userName: childText(element, 'userName') ?? null };
      return { kind: 'other', type: type ?? 'TaskReason' };
  }
}

/**
 * Renders an `anyType` value as text, reading its `xsi:type`: a MoRef as `type:value`, arrays
 * joined with commas, primitives as their text, other data objects as compact JSON.
 */
export function renderAny(element: XmlElement | undefined): string | null {
  if (!element) return null;
  const type = xsiType(element);
  if (type === 'ManagedObjectReference' || (element.attrs.type && element.children.length === 0)) {
    const moref = readRef(element);
    return moref ? `${moref.type}:${moref.value}` : null;
  }
  if (element.children.length === 0) return element.text.trim() || null;
  if (type?.startsWith('ArrayOf')) {
    return element.children.map((c) => renderAny(c) ?? '').join(',');
  }
  return JSON.stringify(toJson(element));
}

function toJson(element: XmlElement): unknown {
  if (element.children.length === 0) {
    const moref = element.attrs.type ? readRef(element) : undefined;
    return moref ? `${moref.type}:${moref.value}` : element.text.trim();
  }
  const out: Record<string, unknown> = {};
  const type = xsiType(element);
  if (type) out._type = type;
  for (const c of element.children) {
    const value = toJson(c);
    const prev = out[c.name];
    out[c.name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** Narrows a `TaskInfo` element (a `val`, a `returnval`, or a `TaskInfo` array item). */
export function readTaskInfo(element: XmlElement): TaskInfo {
  const key = childText(element, 'key') ?? readRef(child(element, 'task'))?.value;
  if (!key) throw new WireError('TaskInfo without key');
  const progress = int(childText(element, 'progress'));
  return {
    key,
    task: refOrNull(child(element, 'task')),
    description: localizable(child(element, 'description')),
    name: childText(element, 'name') ?? null,
    descriptionId: childText(element, 'descriptionId') ?? null,
    entity: refOrNull(child(element, 'entity')),
    entityName: childText(element, 'entityName') ?? null,
    locked: children(element, 'locked').flatMap((l) => readRef(l) ?? []),
    state: childText(element, 'state') ?? '',
    cancelled: bool(childText(element, 'cancelled')),
    cancelable: bool(childText(element, 'cancelable')),
    error: readLocalizedFault(child(element, 'error')),
    result: renderAny(child(element, 'result')),
    progress,
    reason: reason(child(element, 'reason')),
    queueTime: parseTime(childText(element, 'queueTime')),
    startTime: parseTime(childText(element, 'startTime')),
    completeTime: parseTime(childText(element, 'completeTime')),
    eventChainId: int(childText(element, 'eventChainId')),
    changeTag: childText(element, 'changeTag') ?? null,
    parentTaskKey: childText(element, 'parentTaskKey') ?? null,
    rootTaskKey: childText(element, 'rootTaskKey') ?? null,
    activationId: childText(element, 'activationId') ?? null,
  };
}

/** `MissingProperty{path, fault: LocalizedMethodFault}`. */
export interface MissingProperty {
  path: string;
  fault: LocalizedFault | null;
}

/** `ObjectContent{obj, propSet[]{name, val}, missingSet[]}`; `val` kept as XML for the caller. */
export interface ObjectContent {
  obj: MoRef;
  props: Map<string, XmlElement>;
  missing: MissingProperty[];
}

function missingSet(element: XmlElement): MissingProperty[] {
  return children(element, 'missingSet').map((m) => ({ path: childText(m, 'path') ?? '', fault: readLocalizedFault(child(m, 'fault')) }));
}

/** `RetrieveResult{token?, objects[]}`; an empty response (no returnval) is an empty result. */
export interface RetrieveResult {
  token: string | null;
  objects: ObjectContent[];
}

export function readRetrieveResult(returnval: XmlElement | undefined): RetrieveResult {
  if (!returnval) return { token: null, objects: [] };
  const objects = children(returnval, 'objects').map((o) => {
    const obj = readRef(child(o, 'obj'));
    if (!obj) throw new WireError('ObjectContent without obj');
    const props = new Map<string, XmlElement>();
    for (const p of children(o, 'propSet')) {
      const name = childText(p, 'name');
      const val = child(p, 'val');
      if (name && val) props.set(name, val);
    }
    return { obj, props, missing: missingSet(o) };
  });
  return { token: childText(returnval, 'token') ?? null, objects };
}

/** `PropertyChange{name, op, val}`. */
export interface PropertyChange {
  name: string;
  op: string;
  val: XmlElement | null;
}

/** `ObjectUpdate{kind: enter|modify|leave, obj, changeSet[], missingSet[]}`. */
export interface ObjectUpdate {
  kind: string;
  obj: MoRef;
  changes: PropertyChange[];
  missing: MissingProperty[];
}

/** `UpdateSet{version, filterSet[]{filter, objectSet[]}, truncated}`; null for an empty wait. */
export interface UpdateSet {
  version: string;
  truncated: boolean;
  updates: ObjectUpdate[];
}

export function readUpdateSet(returnval: XmlElement | undefined): UpdateSet | null {
  if (!returnval) return null;
  const updates: ObjectUpdate[] = [];
  // vcsim sends one filterSet per change batch, several naming the same filter; all are read in order.
  for (const fs of children(returnval, 'filterSet')) {
    for (const o of children(fs, 'objectSet')) {
      const obj = readRef(child(o, 'obj'));
      if (!obj) throw new WireError('ObjectUpdate without obj');
      const changes = children(o, 'changeSet').map((c) => ({
        name: childText(c, 'name') ?? '',
        op: childText(c, 'op') ?? 'assign',
        val: child(c, 'val') ?? null,
      }));
      updates.push({ kind: childText(o, 'kind') ?? 'modify', obj, changes, missing: missingSet(o) });
    }
  }
  return { version: childText(returnval, 'version') ?? '', truncated: bool(childText(returnval, 'truncated')), updates };
}

/** The parts of `ServiceContent` taskgraph uses (names vary between vCenter and ESXi). */
export interface ServiceContent {
  rootFolder: MoRef;
  propertyCollector: MoRef;
  sessionManager: MoRef;
  taskManager: MoRef;
  apiVersion: string | null;
  apiType: string | null;
}

export function readServiceContent(returnval: XmlElement | undefined): ServiceContent {
  const need = (name: string): MoRef => {
    const moref = readRef(child(returnval, name));
    if (!moref) throw new WireError(`ServiceContent without ${name}`);
    return moref;
  };
  const about = child(returnval, 'about');
  return {
    rootFolder: need('rootFolder'),
    propertyCollector: need('propertyCollector'),
    sessionManager: need('sessionManager'),
    taskManager: need('taskManager'),
    apiVersion: childText(about, 'apiVersion') ?? null,
    apiType: childText(about, 'apiType') ?? null,
  };
}

/** Task infos from an `ArrayOfTaskInfo` value (latestPage) or a list of `returnval`s (ReadNextTasks). */
export function readTaskInfos(elements: XmlElement[]): TaskInfo[] {
  return elements.map(readTaskInfo);
}
