/**
 * The `com.vmware.cis.tasks` operations of the simulated vCenter: list (with the FilterSpec
 * semantics and validation), get and cancel, answering as the /api endpoint documents them.
 */
import type { SimResponse } from '../harness.js';
import type { SimTask, TaskWorld } from '../task-world.js';
import { taskIdOf, worldIdOf } from './catalog.js';
import { errorJson, renderInfo } from './render.js';

const STATUSES = new Set(['PENDING', 'RUNNING', 'BLOCKED', 'SUCCEEDED', 'FAILED']);
/**
 * "Returns information about at most 1000 visible ... tasks" (Cis Tasks list DOC): more matching
 * tasks are not cut off but refused, `ResourceInaccessible` "if a task's state cannot be accessed
 * or over 1000 tasks matching the Tasks.FilterSpec" (vsphere-automation-sdk TasksClient.List),
 * HTTP 500 as the SDK's REST metadata maps it for this operation (vsphere-automation-sdk-go
 * `services/vsphere/cis/TasksTypes.go` tasksListRestMetadata).
 */
export const MAX_LIST = 1000;

export function json(status: number, body: unknown, route: string): SimResponse {
  return { status, route, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function invalidArgument(text: string, route: string): SimResponse {
  // The message id and text are the simulator's own; vCenter's exact wording is UNCONFIRMED.
  return { status: 400, route, headers: { 'content-type': 'application/json' }, body: errorJson('INVALID_ARGUMENT', 'com.vmware.vapi.sim.cis.tasks.invalid_argument', text) };
}

function notFound(taskId: string, route: string): SimResponse {
  return { status: 404, route, headers: { 'content-type': 'application/json' }, body: errorJson('NOT_FOUND', 'com.vmware.vapi.sim.cis.tasks.not_found', 'Task {0} does not exist.', [taskId]) };
}

interface FilterSpec {
  tasks: Set<string> | null;
  services: Set<string> | null;
  operations: Set<string> | null;
  status: Set<string> | null;
  targets: Array<{ type: string; id: string }> | null;
  users: Set<string> | null;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; why: string };

function stringSet(raw: unknown, field: string): Parsed<Set<string> | null> {
  if (raw === undefined || raw === null) return { ok: true, value: null };
  if (!Array.isArray(raw) || !raw.every((v) => typeof v === 'string')) return { ok: false, why: `filter_spec.${field} must be a list of strings` };
  return { ok: true, value: raw.length ? new Set(raw as string[]) : null };
}

/** Validates a Tasks FilterSpec; "at least one of tasks or services must be specified and not empty". */
export function parseFilterSpec(raw: unknown): Parsed<FilterSpec> {
  const spec = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const fields = ['tasks', 'services', 'operations', 'status', 'users'] as const;
  const parsed: Partial<Record<(typeof fields)[number], Set<string> | null>> = {};
  for (const field of fields) {
    const result = stringSet(spec[field], field);
    if (!result.ok) return result;
    parsed[field] = result.value;
  }
  if (!parsed.tasks && !parsed.services) return { ok: false, why: 'At least one of filter_spec.tasks or filter_spec.services must be specified and not empty.' };
  const bad = [...(parsed.status ?? [])].find((s) => !STATUSES.has(s));
  if (bad) return { ok: false, why: `Invalid value '${bad}' for filter_spec.status.` };
  let targets: FilterSpec['targets'] = null;
  if (spec.targets !== undefined && spec.targets !== null) {
    const list = spec.targets;
    const valid = Array.isArray(list) && list.every((t) => typeof t === 'object' && t !== null && typeof t.type === 'string' && typeof t.id === 'string');
    if (!valid) return { ok: false, why: 'filter_spec.targets must be a list of {type, id}' };
    targets = list.length ? (list as Array<{ type: string; id: string }>) : null;
  }
  return { ok: true, value: { ...(parsed as Omit<FilterSpec, 'targets'>), targets } };
}

export function createTaskRoutes(world: TaskWorld) {
  const lookup = (id: string): SimTask | undefined => world.get(id);
  const find = (taskId: string): SimTask | undefined => {
    const worldId = worldIdOf(taskId);
    const task = worldId ? world.get(worldId) : undefined;
    return task && taskIdOf(task, lookup) === taskId ? task : undefined;
  };

  function list(body: string): SimResponse {
    const route = 'list tasks';
    let request: Record<string, unknown>;
    try {
      const parsed: unknown = body ? JSON.parse(body) : {};
      request = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    } catch {
      return { status: 400, route, headers: { 'content-type': 'application/json' }, body: errorJson('INVALID_REQUEST', 'com.vmware.vapi.sim.rest.bad_json', 'The request body is not valid JSON.') };
    }
    const spec = parseFilterSpec(request.filter_spec);
    if (!spec.ok) return invalidArgument(spec.why, route);
    const f = spec.value;
    // ResultSpec.exclude_result: "If true, the result will not be included in the task information".
    const resultSpec = request.result_spec as { exclude_result?: unknown } | undefined;
    const excludeResult = resultSpec?.exclude_result === true;
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const task of world.list()) {
      const id = taskIdOf(task, lookup);
      const info = renderInfo(task, lookup);
      const target = info.target as { type: string; id: string } | undefined;
      if (f.tasks && !f.tasks.has(id)) continue;
      if (f.services && !f.services.has(info.service as string)) continue;
      if (f.operations && !f.operations.has(info.operation as string)) continue;
      if (f.status && !f.status.has(info.status as string)) continue;
      if (f.users && !f.users.has(info.user as string)) continue;
      if (f.targets && !f.targets.some((t) => target && t.type === target.type && t.id === target.id)) continue;
      if (excludeResult) delete info.result;
      out[id] = info;
      if (++n > MAX_LIST) {
        // The message id and text are the simulator's own; vCenter's wording is UNCONFIRMED
        // (settled by a capture of this error from a vCenter with over 1000 matching tasks).
        const body = errorJson('RESOURCE_INACCESSIBLE', 'com.vmware.vapi.sim.cis.tasks.list.too_many', 'More than {0} tasks match the filter.', [String(MAX_LIST)]);
        return { status: 500, route, headers: { 'content-type': 'application/json' }, body };
      }
    }
    return json(200, out, route);
  }

  function get(taskId: string): SimResponse {
    const task = find(taskId);
    return task ? json(200, renderInfo(task, lookup), 'get task') : notFound(taskId, 'get task');
  }

  /**
   * 204 on success (again while the cancel is under way); NotAllowedInCurrentState once finished,
   * Unsupported when not cancelable, NotFound (Cis Tasks cancel DOC).
   */
  function cancel(taskId: string): SimResponse {
    const route = 'cancel task';
    const task = find(taskId);
    if (!task) return notFound(taskId, route);
    switch (world.cancel(task.id)) {
      case 'ok':
        return { status: 204, route };
      case 'not-found':
        return notFound(taskId, route);
      case 'finished':
        return { status: 400, route, headers: { 'content-type': 'application/json' }, body: errorJson('NOT_ALLOWED_IN_CURRENT_STATE', 'com.vmware.vapi.sim.cis.tasks.cancel.finished', 'Task {0} has already completed.', [taskId]) };
      case 'not-cancelable':
        return { status: 400, route, headers: { 'content-type': 'application/json' }, body: errorJson('UNSUPPORTED', 'com.vmware.vapi.sim.cis.tasks.cancel.unsupported', 'Task {0} cannot be canceled.', [taskId]) };
    }
  }

  return { list, get, cancel };
}
