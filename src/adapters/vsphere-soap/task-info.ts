/**
 * Reading `Task.info` through the PropertyCollector: many tasks by id in one
 * RetrievePropertiesEx, and every task in `TaskManager.recentTask` through a traversal
 * (reference §2.1; the PropertyFilterSpec shapes are the CAPTURED vCenter 5.0 ones).
 */
import type { CallContext } from '../contract.js';
import { badResponse } from '../errors.js';
import type { XmlElement } from '../xml.js';
import type { VimClient, VimSession } from './client.js';
import { isFault, missingObject } from './faults.js';
import { el, node, ref, type MoRef } from './soap.js';
import { readTaskInfo, WireError, type ObjectContent, type TaskInfo } from './wire.js';

/** Objects per RetrievePropertiesEx page (`RetrieveOptions.maxObjects`). */
export const MAX_OBJECTS = 1000;

const TASK_INFO_PROPS = node('propSet', [el('type', 'Task'), el('pathSet', 'info')]);

/** One ObjectSpec per task id. */
function taskObjectSets(ids: readonly string[]): string[] {
  return ids.map((id) => node('objectSet', [ref('obj', { type: 'Task', value: id })]));
}

/** Narrows wire elements, turning shape errors into BACKEND_BAD_RESPONSE for this backend. */
export function narrow<T>(backend: string, method: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof WireError) throw badResponse(backend, `${method}: ${err.message}`, err);
    throw err;
  }
}

function infoOf(backend: string, val: XmlElement | undefined): TaskInfo | null {
  return val ? narrow(backend, 'RetrievePropertiesEx', () => readTaskInfo(val)) : null;
}

/**
 * `Task.info` for each id: a TaskInfo, null when the task does not exist (missingSet, left
 * out, or a ManagedObjectNotFound fault from servers that ignore reportMissingObjectsInResults),
 * or an Error for a per-task failure (e.g. NoPermission in the missingSet).
 */
export async function taskInfosById(
  client: VimClient,
  session: VimSession,
  ids: readonly string[],
  ctx: CallContext,
): Promise<Map<string, TaskInfo | null | Error>> {
  const out = new Map<string, TaskInfo | null | Error>();
  let pending = [...new Set(ids)];
  while (pending.length) {
    const spec = node('specSet', [
      TASK_INFO_PROPS,
      ...taskObjectSets(pending),
      el('reportMissingObjectsInResults', true),
    ]);
    let objects;
    try {
      objects = await client.retrieve(session, spec, MAX_OBJECTS, ctx);
    } catch (err) {
      const gone = isFault(err, 'ManagedObjectNotFound') ? missingObject(err) : undefined;
      if (!gone || !pending.includes(gone)) throw err;
      out.set(gone, null);
      pending = pending.filter((id) => id !== gone);
      continue;
    }
    for (const o of objects) out.set(o.obj.value, taskInfoOf(client.backend, o));
    for (const id of pending) if (!out.has(id)) out.set(id, null);
    pending = [];
  }
  return out;
}

/** One object's `Task.info`: the info, null when the task is gone, or the Error that kept it from us. */
function taskInfoOf(backend: string, o: ObjectContent): TaskInfo | null | Error {
  const missing = o.missing.find((m) => m.path === 'info' || m.path === '');
  if (missing && missing.fault?.type !== 'ManagedObjectNotFound') {
    return new Error(`${backend}: reading task ${o.obj.value} failed: ${missing.fault?.type ?? 'MethodFault'}`);
  }
  return infoOf(backend, o.props.get('info'));
}

export interface LatestAndTasks {
  /** The collector's `latestPage`; undefined when empty. */
  latest: XmlElement | undefined;
  /** The server no longer has the collector. */
  gone: boolean;
  /** `Task.info` of the tasks asked for, as taskInfosById gives it. */
  live: Map<string, TaskInfo | null | Error>;
}

/**
 * A collector's `latestPage` and the live `Task.info` of some tasks, in one RetrievePropertiesEx
 * (two propSets, one objectSet each; a PropertyFilterSpec takes any mix). A server that faults
 * on a missing task instead of reporting it is asked again for the page alone.
 */
export async function latestPageWithTasks(
  client: VimClient,
  session: VimSession,
  collector: MoRef,
  ids: readonly string[],
  ctx: CallContext,
): Promise<LatestAndTasks> {
  const spec = node('specSet', [
    node('propSet', [el('type', collector.type), el('pathSet', 'latestPage')]),
    ids.length > 0 && TASK_INFO_PROPS,
    node('objectSet', [ref('obj', collector)]),
    ...taskObjectSets(ids),
    el('reportMissingObjectsInResults', true),
  ]);
  let objects;
  try {
    objects = await client.retrieve(session, spec, MAX_OBJECTS, ctx);
  } catch (err) {
    const gone = isFault(err, 'ManagedObjectNotFound') ? missingObject(err) : undefined;
    if (gone === undefined || gone === collector.value || ids.length === 0) throw err;
    return latestPageWithTasks(client, session, collector, [], ctx);
  }
  const own = objects.find((o) => o.obj.type === collector.type && o.obj.value === collector.value);
  const live = new Map<string, TaskInfo | null | Error>(ids.map((id) => [id, null]));
  for (const o of objects) if (o.obj.type === 'Task') live.set(o.obj.value, taskInfoOf(client.backend, o));
  return { latest: own?.props.get('latestPage'), gone: !own || own.missing.length > 0, live };
}

/** Every task in `TaskManager.recentTask`, with its info, in one traversal. */
export async function recentTaskInfos(client: VimClient, session: VimSession, ctx: CallContext): Promise<TaskInfo[]> {
  const spec = node('specSet', [TASK_INFO_PROPS, recentTaskObjectSet(session.content.taskManager)]);
  const objects = await client.retrieve(session, spec, MAX_OBJECTS, ctx);
  return objects.flatMap((o) => infoOf(client.backend, o.props.get('info')) ?? []);
}

/** ObjectSpec from the TaskManager (skipped) along `recentTask` to each Task. */
export function recentTaskObjectSet(taskManager: MoRef): string {
  return node('objectSet', [
    ref('obj', taskManager),
    el('skip', true),
    node('selectSet', [el('name', 'recentTask'), el('type', 'TaskManager'), el('path', 'recentTask'), el('skip', false)], 'xsi:type="TraversalSpec"'),
  ]);
}

/** One property of one object (e.g. TaskHistoryCollector.latestPage), or undefined. */
export async function readProperty(client: VimClient, session: VimSession, obj: MoRef, path: string, ctx: CallContext): Promise<XmlElement | undefined> {
  const spec = node('specSet', [node('propSet', [el('type', obj.type), el('pathSet', path)]), node('objectSet', [ref('obj', obj)])]);
  const objects = await client.retrieve(session, spec, MAX_OBJECTS, ctx);
  return objects[0]?.props.get(path);
}
